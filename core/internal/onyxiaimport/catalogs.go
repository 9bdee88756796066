package onyxiaimport

import (
	"regexp"
	"strconv"
)

// catalogOptions are the catalog fields Basalt's Helm repository plugin reads under the same
// name and with the same meaning as Onyxia (plugins/helmrepo/schema.json).
var catalogOptions = []string{
	"id", "name", "description", "maintainer", "scm", "location", "status", "type",
	"highlightedCharts", "excludedCharts", "includeKeywords", "excludeKeywords",
	"includeAnnotations", "excludeAnnotations", "multipleServicesMode", "maxNumberOfVersions",
	"skipTlsVerify", "caFile", "timeout", "username", "password", "allowSharing", "visible",
	"restrictions",
}

var goDuration = regexp.MustCompile(`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`)

// catalogs makes one helmrepo plugin instance holding every catalog.
func (c *converter) catalogs(catalogs []*object) {
	if len(catalogs) == 0 {
		return
	}
	var out []any
	for _, cat := range catalogs {
		entry := map[string]any{}
		for _, key := range catalogOptions {
			v, ok := cat.take(key)
			if !ok {
				continue
			}
			if key == "timeout" {
				// Onyxia passes it to helm --timeout, which also reads a bare number as seconds.
				if s, isString := v.(string); !isString || !goDuration.MatchString(s) {
					if n, isNumber := v.(float64); isNumber && n >= 0 {
						v = formatSeconds(n)
					} else {
						*c.report = append(*c.report, Unmapped{Field: cat.at(key), Value: brief(v), Reason: "not a duration such as 10m"})
						continue
					}
				}
			}
			entry[key] = v
		}
		if _, ok := entry["caFile"]; ok {
			c.note("%s.caFile: Onyxia names a file of its CA directory; Basalt needs the PEM file's path where basalt runs", cat.path)
		}
		cat.rest("a catalog option without a Basalt equivalent")
		out = append(out, entry)
	}
	config := map[string]any{"catalogs": out}
	if c.refreshInterval != "" {
		config["refreshInterval"] = c.refreshInterval
	}
	c.out.Plugins["catalogs"] = basaltPlugin{Kind: "catalog", Path: "basalt-plugin-helmrepo", Config: config}
}

func formatSeconds(n float64) string { return strconv.FormatFloat(n, 'f', -1, 64) + "s" }
