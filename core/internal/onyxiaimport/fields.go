package onyxiaimport

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// object is one JSON object of the input being converted. Each field the converter uses is
// taken out of it; whatever remains at the end had no equivalent and is reported, so nothing
// is dropped silently.
type object struct {
	path   string
	fields map[string]any
	report *[]Unmapped
}

func newObject(path string, v any, report *[]Unmapped) *object {
	m, _ := v.(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	copied := make(map[string]any, len(m))
	for k, v := range m {
		copied[k] = v
	}
	return &object{path: path, fields: copied, report: report}
}

func (o *object) at(key string) string {
	switch {
	case o.path == "":
		return key
	case strings.HasSuffix(o.path, ":"): // a file's top level
		return o.path + " " + key
	}
	return o.path + "." + key
}

// take removes key and returns its value; null counts as absent.
func (o *object) take(key string) (any, bool) {
	v, ok := o.fields[key]
	delete(o.fields, key)
	return v, ok && v != nil
}

// value removes key and returns its value, nil when absent.
func (o *object) value(key string) any {
	v, _ := o.take(key)
	return v
}

func (o *object) str(key string) string {
	v, _ := o.take(key)
	s, _ := v.(string)
	return s
}

// boolean returns key's value and whether it was set; "true"/"false" strings count.
func (o *object) boolean(key string) (value, set bool) {
	v, ok := o.take(key)
	if !ok {
		return false, false
	}
	switch v := v.(type) {
	case bool:
		return v, true
	case string:
		b, err := strconv.ParseBool(v)
		return b, err == nil
	}
	return false, false
}

func (o *object) child(key string) *object {
	v, _ := o.take(key)
	return newObject(o.at(key), v, o.report)
}

// none reports key (when present) as having no equivalent, for reason.
func (o *object) none(key, reason string) {
	if v, ok := o.take(key); ok {
		value := brief(v)
		if sensitive.MatchString(key) {
			value = "hidden"
		}
		*o.report = append(*o.report, Unmapped{Field: o.at(key), Value: value, Reason: reason})
	}
}

// rest reports every field left, once the converter has taken what it maps.
func (o *object) rest(reason string) {
	keys := make([]string, 0, len(o.fields))
	for k := range o.fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		o.none(k, reason)
	}
}

// sensitive names fields whose values must not be printed.
var sensitive = regexp.MustCompile(`(?i)password|token|secret|credential|^auth$|apikey`)

// brief renders a value for the report, never a secret's content (the caller decides).
func brief(v any) string {
	s := fmt.Sprint(v)
	if l, ok := v.([]any); ok {
		s = fmt.Sprintf("%d entries", len(l))
	}
	if m, ok := v.(map[string]any); ok {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		s = "{" + strings.Join(keys, ", ") + "}"
	}
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}

func stringMap(v any) map[string]string {
	m, _ := v.(map[string]any)
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = fmt.Sprint(v)
	}
	return out
}
