// Package link reads and writes Onyxia's launch links: the query string of
// /launcher/<catalog>/<chart>?... that names a friendly name, a chart version, sharing, an
// S3 profile, auto-launch, and overrides of chart values by dotted path.
//
// A parsed link remembers how each parameter was spelled and where it stood, so that
// formatting an unchanged link gives back exactly the text it was read from; parameters
// that were added or changed are written in the canonical spelling (the one Onyxia's
// generator produces).
package link

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/basalt-dev/basalt/core/internal/launch/values"
)

// Link is a parsed launch link.
type Link struct {
	Name       string // friendly name; empty when absent
	Version    string // chart version; empty for the newest stable one
	Shared     *bool  // group projects only; nil when absent
	S3         string // S3 profile name; empty for the default profile
	AutoLaunch bool
	// Overrides are applied in order over the pre-filled values.
	Overrides []Override

	layout []slot // how the parsed text was laid out; nil for a link built in code
}

// Override sets (or, with Unset, removes) the value at Path.
type Override struct {
	Path  values.Path
	Value any // string, float64, bool or nil
	Unset bool

	rawKey, rawValue string // as written in the parsed link
}

// slot is one parameter of a parsed link that is not an override: a fixed parameter
// (name, version, shared, s3, autoLaunch) or a parameter Onyxia ignores, kept verbatim.
type slot struct {
	before int    // the number of overrides written before it
	param  string // fixed parameter name, or "" for an ignored one
	raw    string // the whole "key=value" text
}

var fixedParams = []string{"name", "version", "shared", "s3", "autoLaunch"}

// Bounds on what a link may ask for, so that the values it builds stay in proportion to its
// text (a list index is bounded by values.MaxItems).
const (
	MaxBytes = 64 << 10 // the query string
	MaxDepth = 64       // keys and indices in one override's path
)

// ErrInvalid is wrapped by every parse and format error.
var ErrInvalid = errors.New("invalid launch link")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// Parse reads a launch link's query string (without the leading '?').
func Parse(query string) (Link, error) {
	var l Link
	if query == "" {
		return l, nil
	}
	if len(query) > MaxBytes {
		return Link{}, invalid("longer than %d bytes", MaxBytes)
	}
	seen := map[string]bool{}
	for _, raw := range strings.Split(query, "&") {
		key, val, _ := strings.Cut(raw, "=")
		if isFixed(key) {
			if seen[key] {
				return Link{}, invalid("parameter %s given twice", key)
			}
			seen[key] = true
			if err := l.setFixed(key, val); err != nil {
				return Link{}, err
			}
			l.layout = append(l.layout, slot{before: len(l.Overrides), param: key, raw: raw})
			continue
		}
		if !strings.Contains(key, ".") || strings.HasPrefix(key, "oidc-spa.") {
			l.layout = append(l.layout, slot{before: len(l.Overrides), raw: raw})
			continue
		}
		path, err := ParseKey(key)
		if err != nil {
			return Link{}, err
		}
		v, unset, err := parseValue(val)
		if err != nil {
			return Link{}, invalid("%s: %v", key, err)
		}
		l.Overrides = append(l.Overrides, Override{Path: path, Value: v, Unset: unset, rawKey: key, rawValue: val})
	}
	return l, nil
}

func isFixed(key string) bool {
	for _, p := range fixedParams {
		if p == key {
			return true
		}
	}
	return false
}

func (l *Link) setFixed(key, raw string) error {
	val, err := decode(raw)
	if err != nil {
		return invalid("%s: %v", key, err)
	}
	switch key {
	case "name":
		l.Name = val
	case "version":
		l.Version = val
	case "s3":
		l.S3 = val
	case "shared":
		b, err := strconv.ParseBool(val)
		if err != nil || (val != "true" && val != "false") {
			return invalid("shared: want true or false, got %q", val)
		}
		l.Shared = &b
	case "autoLaunch":
		if val != "true" && val != "false" {
			return invalid("autoLaunch: want true or false, got %q", val)
		}
		l.AutoLaunch = val == "true"
	}
	return nil
}

// fixedValue returns the canonical "key=value" of a fixed parameter, and whether it is set.
func (l *Link) fixedValue(key string) (string, bool) {
	switch key {
	case "name":
		return "name=" + encodeComponent(l.Name), l.Name != ""
	case "version":
		return "version=" + encodeComponent(l.Version), l.Version != ""
	case "s3":
		return "s3=" + encodeComponent(l.S3), l.S3 != ""
	case "shared":
		if l.Shared == nil {
			return "", false
		}
		return "shared=" + strconv.FormatBool(*l.Shared), true
	case "autoLaunch":
		return "autoLaunch=true", l.AutoLaunch
	}
	return "", false
}

// Format writes l as a query string.
func Format(l Link) (string, error) {
	var parts []string
	written := map[string]bool{}
	emitSlots := func(before int, last bool) {
		for _, s := range l.layout {
			if s.before != before && !(last && s.before > before) {
				continue
			}
			if s.param == "" {
				parts = append(parts, s.raw)
				continue
			}
			canon, set := l.fixedValue(s.param)
			written[s.param] = true
			if !set {
				// a parsed "autoLaunch=false" or "name=" reads back the same as absent
				var probe Link
				if probe.setFixed(s.param, rawValueOf(s.raw)) == nil && sameFixed(&probe, l, s.param) {
					parts = append(parts, s.raw)
				}
				continue
			}
			var probe Link
			if probe.setFixed(s.param, rawValueOf(s.raw)) == nil && sameFixed(&probe, l, s.param) {
				parts = append(parts, s.raw)
			} else {
				parts = append(parts, canon)
			}
		}
	}
	if l.layout == nil {
		for _, p := range fixedParams {
			if canon, set := l.fixedValue(p); set {
				parts = append(parts, canon)
			}
		}
	} else {
		// fixed parameters new to a parsed link go first, as in a fresh one
		for _, p := range fixedParams {
			if canon, set := l.fixedValue(p); set && !inLayout(l.layout, p) {
				parts = append(parts, canon)
			}
		}
	}
	for i, o := range l.Overrides {
		if l.layout != nil {
			emitSlots(i, false)
		}
		s, err := o.format()
		if err != nil {
			return "", err
		}
		parts = append(parts, s)
	}
	if l.layout != nil {
		emitSlots(len(l.Overrides), true)
	}
	return strings.Join(parts, "&"), nil
}

func inLayout(layout []slot, param string) bool {
	for _, s := range layout {
		if s.param == param {
			return true
		}
	}
	return false
}

func rawValueOf(raw string) string {
	_, v, _ := strings.Cut(raw, "=")
	return v
}

func sameFixed(a *Link, b Link, key string) bool {
	switch key {
	case "name":
		return a.Name == b.Name
	case "version":
		return a.Version == b.Version
	case "s3":
		return a.S3 == b.S3
	case "shared":
		return (a.Shared == nil) == (b.Shared == nil) && (a.Shared == nil || *a.Shared == *b.Shared)
	case "autoLaunch":
		return a.AutoLaunch == b.AutoLaunch
	}
	return false
}

func (o Override) format() (string, error) {
	key := o.rawKey
	if p, err := ParseKey(key); key == "" || err != nil || !pathEqual(p, o.Path) {
		k, err := FormatKey(o.Path)
		if err != nil {
			return "", err
		}
		key = k
	}
	val := o.rawValue
	if v, unset, err := parseValue(val); val == "" || err != nil || unset != o.Unset || (!unset && !sameValue(v, o.Value)) {
		v, err := formatValue(o.Value, o.Unset)
		if err != nil {
			return "", invalid("%s: %v", key, err)
		}
		val = v
	}
	return key + "=" + val, nil
}

func sameValue(a, b any) bool {
	// values.Equal compares numbers by value; a link must also keep their kind
	_, an := a.(float64)
	_, bn := values.Number(b)
	return an == bn && values.Equal(a, b)
}

func pathEqual(a, b values.Path) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// ParseKey reads an override's key: dot-separated keys, [n] indices, a literal dot written
// \. or %5C., and a trailing dot allowed (replicaCount. is the top-level replicaCount).
func ParseKey(key string) (values.Path, error) {
	var p values.Path
	var cur strings.Builder
	inKey := false // cur holds a key being read
	afterIndex := false
	i := 0
	for i < len(key) {
		switch {
		case strings.HasPrefix(key[i:], `\.`):
			cur.WriteByte('.')
			inKey = true
			i += 2
		case len(key)-i >= 4 && strings.EqualFold(key[i:i+3], "%5C") && key[i+3] == '.':
			cur.WriteByte('.')
			inKey = true
			i += 4
		case key[i] == '.':
			if inKey {
				p = append(p, cur.String())
				cur.Reset()
				inKey = false
			} else if !afterIndex {
				return nil, invalid("key %q: empty segment", key)
			}
			afterIndex = false
			i++
			if i < len(key) && key[i] == '.' {
				return nil, invalid("key %q: empty segment", key)
			}
		case key[i] == '[':
			if inKey {
				p = append(p, cur.String())
				cur.Reset()
				inKey = false
			} else if !afterIndex {
				return nil, invalid("key %q: an index must follow a key", key)
			}
			end := strings.IndexByte(key[i:], ']')
			if end < 0 {
				return nil, invalid("key %q: unclosed [", key)
			}
			digits := key[i+1 : i+end]
			if digits == "" || strings.TrimLeft(digits, "0123456789") != "" || (len(digits) > 1 && digits[0] == '0') {
				return nil, invalid("key %q: bad index [%s]", key, digits)
			}
			n, err := strconv.Atoi(digits) // digits only: an error is out of range
			if err != nil || n >= values.MaxItems {
				return nil, invalid("key %q: index [%s]: a list holds at most %d items", key, digits, values.MaxItems)
			}
			p = append(p, n)
			afterIndex = true
			i += end + 1
			if i < len(key) && key[i] != '.' && key[i] != '[' {
				return nil, invalid("key %q: a dot must follow an index", key)
			}
		case key[i] == ']':
			return nil, invalid("key %q: stray ]", key)
		default:
			if afterIndex {
				return nil, invalid("key %q: a dot must follow an index", key)
			}
			cur.WriteByte(key[i])
			inKey = true
			i++
		}
	}
	if inKey {
		p = append(p, cur.String())
	}
	if len(p) == 0 {
		return nil, invalid("key %q: no path", key)
	}
	if len(p) > MaxDepth {
		return nil, invalid("key %q: deeper than %d levels", key, MaxDepth)
	}
	if _, ok := p[0].(string); !ok {
		return nil, invalid("key %q: must start with a key", key)
	}
	return p, nil
}

// FormatKey writes a path as an override key: literal dots as %5C., a lone top-level key
// with a trailing dot.
func FormatKey(p values.Path) (string, error) {
	if len(p) == 0 {
		return "", invalid("empty path")
	}
	var b strings.Builder
	for i, e := range p {
		switch e := e.(type) {
		case string:
			if i == 0 {
				if e == "" {
					return "", invalid("path %v: empty key", p)
				}
			} else {
				if e == "" {
					return "", invalid("path %v: empty key", p)
				}
				b.WriteByte('.')
			}
			if strings.ContainsAny(e, "[]&=#\\") || strings.HasSuffix(strings.ToUpper(e), "%5C") || strings.Contains(strings.ToUpper(e), "%5C.") {
				return "", invalid("path %v: key %q cannot be written in a link", p, e)
			}
			b.WriteString(strings.ReplaceAll(e, ".", "%5C."))
		case int:
			if i == 0 || e < 0 {
				return "", invalid("path %v: must start with a key", p)
			}
			fmt.Fprintf(&b, "[%d]", e)
		default:
			return "", invalid("path %v: element %v is neither key nor index", p, e)
		}
	}
	if len(p) == 1 || !strings.Contains(b.String(), ".") {
		// only keys holding a dot are overrides
		b.WriteByte('.')
	}
	return b.String(), nil
}

var numeric = regexp.MustCompile(`^-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

func parseValue(raw string) (v any, unset bool, err error) {
	s, err := decode(raw)
	if err != nil {
		return nil, false, err
	}
	switch s {
	case "true":
		return true, false, nil
	case "false":
		return false, false, nil
	case "null":
		return nil, false, nil
	case "-":
		return nil, true, nil
	}
	if numeric.MatchString(s) {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) {
			return nil, false, fmt.Errorf("number %s out of range", s)
		}
		return f, false, nil
	}
	if inner, ok := strings.CutPrefix(s, "«"); ok {
		if inner, ok := strings.CutSuffix(inner, "»"); ok {
			return inner, false, nil
		}
	}
	return nil, false, fmt.Errorf("value %q: want true, false, null, -, a number or «text»", s)
}

func formatValue(v any, unset bool) (string, error) {
	if unset {
		return "-", nil
	}
	switch v := v.(type) {
	case nil:
		return "null", nil
	case bool:
		return strconv.FormatBool(v), nil
	case string:
		return "%C2%AB" + encodeComponent(v) + "%C2%BB", nil
	}
	if f, ok := values.Number(v); ok {
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return "", fmt.Errorf("number %v cannot be written", f)
		}
		return strconv.FormatFloat(f, 'g', -1, 64), nil
	}
	return "", fmt.Errorf("a %T cannot be written in a link (only strings, numbers, booleans and null)", v)
}

// decode undoes percent-encoding; '+' stays a plus, as in decodeURIComponent.
func decode(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", fmt.Errorf("bad percent-encoding in %q", s)
		}
		n, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			return "", fmt.Errorf("bad percent-encoding in %q", s)
		}
		b.WriteByte(byte(n))
		i += 2
	}
	return b.String(), nil
}

// encodeComponent is JavaScript's encodeURIComponent.
func encodeComponent(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.!~*'()", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// ApplyError is an override Apply refused: the values path it names and why.
type ApplyError struct {
	Path values.Path
	Err  error
}

func (e *ApplyError) Error() string { return e.Path.String() + ": " + e.Err.Error() }
func (e *ApplyError) Unwrap() error { return e.Err }

// Apply writes the overrides, in order, over root (a values object) and returns it. It stops
// at the first override values.Set refuses (an index past the end of a list), with an
// *ApplyError.
func Apply(root map[string]any, overrides []Override) (map[string]any, error) {
	var cur any = root
	for _, o := range overrides {
		if o.Unset {
			cur = values.Unset(cur, o.Path)
			continue
		}
		var err error
		if cur, err = values.Set(cur, o.Path, o.Value); err != nil {
			return nil, &ApplyError{Path: o.Path, Err: err}
		}
	}
	m, _ := cur.(map[string]any)
	return m, nil
}
