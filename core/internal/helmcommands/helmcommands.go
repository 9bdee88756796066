// Package helmcommands writes the helm commands that do what Basalt does to a service (launch,
// change, pause, resume), as the command panel shows them: each action's commands run on their
// own with the user's helm and kubeconfig, fetch the chart where the user can reach it, and
// show the service's secrets masked, with the same commands in clear for whoever reveals them.
package helmcommands

import (
	"fmt"
	"net/url"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/basalt-dev/basalt/core/internal/shell"
	"github.com/basalt-dev/basalt/sdk"
)

// Catalog is where the user's helm gets a catalog's charts.
type Catalog struct {
	ID string // the catalog's id, also the name of the Helm repository the commands add
	// Location is the catalog's location without credentials: a Helm repository's http(s)
	// URL, an oci:// repository, or a directory on Basalt's host.
	Location string
	// Basalt is the address users reach Basalt at: the charts of a catalog in a directory are
	// fetched from Basalt, since the user's helm cannot read Basalt's disk.
	Basalt string
	// Token says Basalt's API wants a bearer token, which the commands read from
	// $BASALT_TOKEN.
	Token bool
}

// Chart is one version of a catalog's chart.
type Chart struct {
	Catalog Catalog
	Name    string
	Version string
}

// Script is a set of commands as shown, and as revealed.
type Script struct {
	Shown string // the service's secrets masked (sdk.Masked)
	// Revealed is the same script with the secrets in clear; "" when it has none.
	Revealed string
}

// ArchivePath is Basalt's API path of a chart version's archive, which commands fetch for the
// catalogs helm cannot reach.
func ArchivePath(catalog, chart, version string) string {
	return "/api/v1/catalogs/" + url.PathEscape(catalog) + "/charts/" + url.PathEscape(chart) +
		"/versions/" + url.PathEscape(version) + "/archive"
}

// source returns the commands that make the chart reachable by helm, the chart's reference,
// and the flags that pin its version.
func (c Chart) source() (fetch []string, ref string, pin []string) {
	loc := c.Catalog.Location
	switch {
	case c.Catalog.ID == "":
		// A release Basalt did not launch: its chart's name, in whichever repository holds it.
		return nil, c.Name, []string{"--version", c.Version}
	case strings.HasPrefix(loc, "https://") || strings.HasPrefix(loc, "http://"):
		// --force-update: a repository of that name added before points to this catalog now.
		return []string{shell.Command("helm", "repo", "add", "--force-update", c.Catalog.ID, loc)},
			c.Catalog.ID + "/" + c.Name, []string{"--version", c.Version}
	case strings.HasPrefix(loc, "oci://"):
		return nil, strings.TrimSuffix(loc, "/") + "/" + c.Name, []string{"--version", c.Version}
	}
	file := c.Name + "-" + c.Version + ".tgz"
	get := "curl -fsSL"
	if c.Catalog.Token {
		get += ` -H "Authorization: Bearer $BASALT_TOKEN"`
	}
	get += " -o " + shell.Quote(file) + " " + shell.Quote(strings.TrimSuffix(c.Catalog.Basalt, "/")+ArchivePath(c.Catalog.ID, c.Name, c.Version))
	// ./ keeps helm from reading the file's name as a repository's chart.
	return []string{get}, "./" + file, nil
}

// Install is the script that installs the release, or upgrades it, with these values: fetch
// the chart, write the values file, run helm upgrade --install.
func Install(c Chart, release, namespace string, values map[string]any) (Script, error) {
	shown, secret := masked(values)
	clear, err := yaml.Marshal(values)
	if err != nil {
		return Script{}, fmt.Errorf("values: %w", err)
	}
	hidden, err := yaml.Marshal(shown)
	if err != nil {
		return Script{}, fmt.Errorf("values: %w", err)
	}
	delim := "EOF"
	for hasLine(clear, delim) || hasLine(hidden, delim) {
		delim += "_"
	}
	fetch, ref, pin := c.source()
	write := func(y []byte) string {
		var b strings.Builder
		for _, f := range fetch {
			b.WriteString(f + "\n")
		}
		fmt.Fprintf(&b, "cat <<'%s' > values.yaml\n%s%s\n", delim, y, delim)
		words := append([]string{"helm", "upgrade", "--install", release, ref, "--namespace", namespace}, pin...)
		b.WriteString(shell.Command(append(words, "-f", "values.yaml")...) + "\n")
		return b.String()
	}
	s := Script{Shown: write(hidden)}
	if secret {
		s.Revealed = write(clear)
	}
	return s, nil
}

// hasLine reports whether a line of text is line: a here-document would end there.
func hasLine(text []byte, line string) bool {
	for l := range strings.SplitSeq(string(text), "\n") {
		if l == line {
			return true
		}
	}
	return false
}

// SetSuspended returns the commands that pause (suspend) or resume the release as Basalt's
// regions do: an upgrade to the same chart version with its values and global.suspend set.
func SetSuspended(c Chart, release, namespace string, suspend bool) []string {
	return Upgrade(c, release, namespace, fmt.Sprintf("global.suspend=%t", suspend))
}

// Upgrade returns the commands that upgrade the release to the chart's version with the
// values it has, and the values set (key=value, helm's --set) over them.
func Upgrade(c Chart, release, namespace string, set ...string) []string {
	fetch, ref, pin := c.source()
	words := append([]string{"helm", "upgrade", release, ref, "--namespace", namespace}, pin...)
	words = append(words, "--reuse-values")
	for _, kv := range set {
		words = append(words, "--set", kv)
	}
	return append(fetch, shell.Command(words...))
}

// masked copies values with every non-empty string under a secret-looking key (sdk.SecretName,
// the regions' rule), in maps and in lists, replaced by sdk.Masked; it reports whether it
// replaced any.
func masked(values map[string]any) (map[string]any, bool) {
	hid := false
	var walk func(v any, secret bool) any
	walk = func(v any, secret bool) any {
		switch v := v.(type) {
		case map[string]any:
			out := make(map[string]any, len(v))
			for k, item := range v {
				out[k] = walk(item, sdk.SecretName(k))
			}
			return out
		case []any:
			out := make([]any, len(v))
			for i, item := range v {
				out[i] = walk(item, secret)
			}
			return out
		case string:
			if secret && v != "" {
				hid = true
				return sdk.Masked
			}
		}
		return v
	}
	out, _ := walk(values, false).(map[string]any)
	if out == nil {
		out = map[string]any{}
	}
	return out, hid
}
