package helmrepo

import (
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/repo"

	"github.com/basalt-dev/basalt/sdk"
)

// loadIndexFile reads an index.yaml into helm's repo.IndexFile.
//
// Helm's own loader turns the YAML into JSON before decoding it, which takes seconds and
// hundreds of megabytes on the largest public repositories (20,000 versions). Indexes are
// written by `helm repo index` and tools like it in a small block-style subset of YAML, which
// readIndex reads directly. Whatever falls outside that subset (flow collections, block
// scalars, anchors, an unknown field, a plain scalar YAML would not read as a string...) goes
// to helm's loader, so the result, or the error, is always helm's.
//
// It also returns the entries it left out for not validating. Helm's loader only logs those,
// so a document it reads reports none.
func loadIndexFile(path string) (*repo.IndexFile, []sdk.SkippedChart, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	if idx, invalid, ok := readIndexReporting(data); ok {
		return idx, invalid, nil
	}
	idx, err := repo.LoadIndexFile(path)
	return idx, nil, err
}

// errOutsideSubset sends a document to helm's loader.
var errOutsideSubset = errors.New("outside the YAML subset of generated indexes")

// readIndex parses data when it is in the subset, with helm's checks on each entry.
func readIndex(data []byte) (*repo.IndexFile, bool) {
	idx, _, ok := readIndexReporting(data)
	return idx, ok
}

// readIndexReporting is readIndex that also returns the entries left out, and why.
func readIndexReporting(data []byte) (*repo.IndexFile, []sdk.SkippedChart, bool) {
	p := &blockParser{src: string(data)}
	doc, err := p.document()
	if err != nil {
		return nil, nil, false
	}
	idx, err := indexOf(doc)
	if err != nil || idx.APIVersion == "" {
		return nil, nil, false
	}
	var invalid []sdk.SkippedChart
	for name, cvs := range idx.Entries {
		kept := cvs[:0]
		for _, cv := range cvs {
			if cv.APIVersion == "" {
				cv.APIVersion = chart.APIVersionV1
			}
			// As helm's loader: an entry that does not validate is left out, except for the
			// duplicate alias some repositories write.
			if err := cv.Validate(); err != nil && !strings.HasPrefix(err.Error(), "validation: more than one dependency with name or alias") {
				invalid = append(invalid, sdk.SkippedChart{Chart: name, Version: cv.Version, Reason: "invalid index entry: " + err.Error(), Broken: true})
				continue
			}
			kept = append(kept, cv)
		}
		idx.Entries[name] = kept
	}
	return idx, invalid, true
}

// A document of the subset is made of mappings (*mapping), sequences ([]any) and scalars
// (scalar).
type mapping struct {
	keys []string
	vals []any
}

type scalar struct {
	text  string
	plain bool // unquoted: YAML may read it as a number, a boolean, a date or null
}

// blockParser reads block-style YAML line by line.
type blockParser struct {
	src    string
	pos    int
	indent int    // of the current line
	text   string // the current line without its indentation; "" past the end
	eof    bool
	loaded bool
	blank  bool // blank lines came before the current line
}

// line loads the current significant line, skipping blank lines and comments.
func (p *blockParser) line() error {
	if p.loaded {
		return nil
	}
	p.blank = false
	for p.pos < len(p.src) {
		end := strings.IndexByte(p.src[p.pos:], '\n')
		var raw string
		if end < 0 {
			raw, p.pos = p.src[p.pos:], len(p.src)
		} else {
			raw, p.pos = p.src[p.pos:p.pos+end], p.pos+end+1
		}
		raw = strings.TrimRight(raw, " \r")
		trimmed := strings.TrimLeft(raw, " ")
		if trimmed == "" || trimmed[0] == '#' {
			p.blank = true
			continue
		}
		if trimmed[0] == '\t' || raw == "---" || raw == "..." || strings.HasPrefix(raw, "%") {
			return errOutsideSubset
		}
		p.indent, p.text, p.loaded = len(raw)-len(trimmed), trimmed, true
		return nil
	}
	p.eof, p.loaded = true, true
	return nil
}

func (p *blockParser) next() { p.loaded = false }

func (p *blockParser) document() (any, error) {
	if err := p.line(); err != nil || p.eof || p.indent != 0 {
		return nil, errOutsideSubset
	}
	v, err := p.block(0)
	if err != nil {
		return nil, err
	}
	if err := p.line(); err != nil || !p.eof {
		return nil, errOutsideSubset
	}
	return v, nil
}

// block reads the mapping or sequence whose lines start at indent.
func (p *blockParser) block(indent int) (any, error) {
	if isItem(p.text) {
		return p.sequence(indent)
	}
	return p.mapping(indent)
}

func isItem(text string) bool { return text == "-" || strings.HasPrefix(text, "- ") }

// splitKey splits "key: value" or "key:"; ok is false when text is not a mapping entry.
func splitKey(text string) (key, value string, ok bool) {
	if i := strings.Index(text, ": "); i > 0 {
		key, value = text[:i], strings.TrimLeft(text[i+2:], " ")
	} else if strings.HasSuffix(text, ":") {
		key = text[:len(text)-1]
	} else {
		return "", "", false
	}
	if strings.ContainsAny(key[:1], `"'{[&*!|>%@#-?`) || strings.Contains(key, ": ") {
		return "", "", false
	}
	return key, value, true
}

func (p *blockParser) mapping(indent int) (any, error) {
	m := &mapping{}
	for {
		if err := p.line(); err != nil {
			return nil, err
		}
		if p.eof || p.indent < indent {
			return m, nil
		}
		if p.indent > indent || isItem(p.text) {
			return nil, errOutsideSubset
		}
		key, value, ok := splitKey(p.text)
		if !ok {
			return nil, errOutsideSubset
		}
		p.next()
		v, err := p.value(indent, value)
		if err != nil {
			return nil, err
		}
		m.keys, m.vals = append(m.keys, key), append(m.vals, v)
	}
}

// value reads what follows "key:" or "- " at indent: a scalar on the line, or a nested block.
func (p *blockParser) value(indent int, text string) (any, error) {
	if text != "" {
		return p.scalar(indent, text)
	}
	if err := p.line(); err != nil {
		return nil, err
	}
	switch {
	case !p.eof && p.indent > indent:
		return p.block(p.indent)
	case !p.eof && p.indent == indent && isItem(p.text):
		return p.sequence(indent) // "key:\n- item", as helm writes lists
	}
	return scalar{text: "null", plain: true}, nil
}

func (p *blockParser) sequence(indent int) (any, error) {
	var items []any
	for {
		if err := p.line(); err != nil {
			return nil, err
		}
		if p.eof || p.indent < indent || p.indent == indent && !isItem(p.text) {
			return items, nil
		}
		if p.indent > indent {
			return nil, errOutsideSubset
		}
		rest := strings.TrimLeft(strings.TrimPrefix(p.text, "-"), " ")
		if _, _, isMap := splitKey(rest); isMap {
			// "- key: value" opens a mapping whose keys line up with "key".
			p.indent += len(p.text) - len(rest)
			p.text = rest
			m, err := p.mapping(p.indent)
			if err != nil {
				return nil, err
			}
			items = append(items, m)
			continue
		}
		p.next()
		v, err := p.value(indent, rest)
		if err != nil {
			return nil, err
		}
		items = append(items, v)
	}
}

// scalar reads a scalar that starts on the current line and may continue on more indented
// lines (plain scalars only).
func (p *blockParser) scalar(indent int, text string) (any, error) {
	switch text[0] {
	case '"':
		return doubleQuoted(text)
	case '\'':
		if len(text) < 2 || text[len(text)-1] != '\'' || strings.Contains(strings.ReplaceAll(text[1:len(text)-1], "''", ""), "'") {
			return nil, errOutsideSubset
		}
		return scalar{text: strings.ReplaceAll(text[1:len(text)-1], "''", "'")}, nil
	case '[', '{':
		switch text {
		case "[]":
			return []any{}, nil
		case "{}":
			return &mapping{}, nil
		}
		return nil, errOutsideSubset
	case '|':
		return p.literal(indent, text)
	case '>', '&', '*', '!', '%', '@', '`', '#':
		return nil, errOutsideSubset
	}
	parts := []string{text}
	for {
		if err := p.line(); err != nil {
			return nil, err
		}
		if p.eof || p.indent <= indent {
			break
		}
		if _, _, isMap := splitKey(p.text); isMap || isItem(p.text) || p.blank {
			return nil, errOutsideSubset
		}
		parts = append(parts, p.text)
		p.next()
	}
	s := strings.Join(parts, " ")
	if strings.Contains(s, " #") || strings.Contains(s, ": ") || strings.HasSuffix(s, ":") {
		return nil, errOutsideSubset
	}
	return scalar{text: s, plain: true}, nil
}

// literal reads a literal block scalar ("|" or "|-", as helm writes text with line breaks)
// from the lines after its header.
func (p *blockParser) literal(indent int, header string) (any, error) {
	if header != "|" && header != "|-" || p.loaded {
		return nil, errOutsideSubset
	}
	var lines []string
	content := -1
	for p.pos < len(p.src) {
		end := strings.IndexByte(p.src[p.pos:], '\n')
		next := len(p.src)
		if end >= 0 {
			next = p.pos + end + 1
		} else {
			end = len(p.src) - p.pos
		}
		raw := strings.TrimRight(p.src[p.pos:p.pos+end], "\r")
		n := len(raw) - len(strings.TrimLeft(raw, " "))
		blank := strings.TrimSpace(raw) == ""
		if !blank {
			if content < 0 {
				content = n
			}
			if n < content || n <= indent {
				break
			}
		}
		if strings.ContainsRune(raw, '\t') && !blank {
			return nil, errOutsideSubset
		}
		if blank {
			raw = strings.TrimLeft(raw, " ")
		}
		if len(raw) >= content && content >= 0 {
			raw = raw[content:]
		}
		lines = append(lines, raw)
		p.pos = next
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	text := strings.Join(lines, "\n")
	if header == "|" && text != "" {
		text += "\n"
	}
	return scalar{text: text}, nil
}

func doubleQuoted(text string) (any, error) {
	if len(text) < 2 || text[len(text)-1] != '"' {
		return nil, errOutsideSubset
	}
	body := text[1 : len(text)-1]
	if !strings.Contains(body, `\`) {
		if strings.Contains(body, `"`) {
			return nil, errOutsideSubset
		}
		return scalar{text: body}, nil
	}
	// The escapes YAML shares with Go; any other goes to helm's loader.
	for i := 0; i < len(body); i++ {
		if body[i] == '\\' {
			i++
			if i == len(body) || !strings.ContainsRune(`\"nrtu`, rune(body[i])) {
				return nil, errOutsideSubset
			}
		}
	}
	s, err := strconv.Unquote(text)
	if err != nil {
		return nil, errOutsideSubset
	}
	return scalar{text: s}, nil
}

// nonString reports whether YAML 1.1 (helm's parser) may read a plain scalar as something
// other than a string: a number, a boolean, null, a date or a base-60 number. When unsure it
// says yes, which only sends the document to helm's loader.
func nonString(s string) bool {
	if len(s) <= 6 {
		switch strings.ToLower(s) {
		case "y", "n", "yes", "no", "true", "false", "on", "off", "null", "~", ".inf", "-.inf", "+.inf", ".nan":
			return true
		}
	}
	t := strings.ReplaceAll(s, "_", "")
	if _, err := strconv.ParseFloat(t, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		return true
	}
	if _, err := strconv.ParseInt(t, 0, 64); err == nil || errors.Is(err, strconv.ErrRange) && integerSyntax(t) {
		return true
	}
	if len(s) >= 8 && s[4] == '-' && strings.Trim(s[:4], "0123456789") == "" {
		return true
	}
	return strings.Contains(s, ":") && strings.Trim(s, "0123456789:._+-") == ""
}

// indexOf turns a parsed document into an index, refusing anything helm's strict decoding
// would read differently.
func indexOf(doc any) (*repo.IndexFile, error) {
	top, ok := doc.(*mapping)
	if !ok {
		return nil, errOutsideSubset
	}
	idx := &repo.IndexFile{Entries: map[string]repo.ChartVersions{}}
	return idx, fields(top, map[string]func(any) error{
		"apiVersion": str(&idx.APIVersion),
		"generated":  timestamp(&idx.Generated),
		"entries": func(v any) error {
			if isNull(v) {
				return nil
			}
			charts, ok := v.(*mapping)
			if !ok {
				return errOutsideSubset
			}
			for i, name := range charts.keys {
				items, ok := charts.vals[i].([]any)
				if !ok {
					return errOutsideSubset
				}
				cvs := make(repo.ChartVersions, 0, len(items))
				for _, item := range items {
					cv, err := chartVersionOf(item)
					if err != nil {
						return err
					}
					cvs = append(cvs, cv)
				}
				idx.Entries[name] = cvs
			}
			return nil
		},
	})
}

func chartVersionOf(v any) (*repo.ChartVersion, error) {
	m, ok := v.(*mapping)
	if !ok {
		return nil, errOutsideSubset
	}
	md := &chart.Metadata{}
	cv := &repo.ChartVersion{Metadata: md}
	var ignored string
	for i, key := range m.keys {
		if slices.Contains(m.keys[:i], key) {
			return nil, errOutsideSubset
		}
		var decode func(any) error
		switch key {
		case "name":
			decode = str(&md.Name)
		case "home":
			decode = str(&md.Home)
		case "sources":
			decode = strs(&md.Sources)
		case "version":
			decode = str(&md.Version)
		case "description":
			decode = str(&md.Description)
		case "keywords":
			decode = strs(&md.Keywords)
		case "maintainers":
			decode = maintainers(&md.Maintainers)
		case "icon":
			decode = str(&md.Icon)
		case "apiVersion":
			decode = str(&md.APIVersion)
		case "condition":
			decode = str(&md.Condition)
		case "tags":
			decode = str(&md.Tags)
		case "appVersion":
			decode = str(&md.AppVersion)
		case "deprecated":
			decode = boolean(&md.Deprecated)
		case "annotations":
			decode = strMap(&md.Annotations)
		case "kubeVersion":
			decode = str(&md.KubeVersion)
		case "dependencies":
			decode = dependencies(&md.Dependencies)
		case "type":
			decode = str(&md.Type)
		case "urls":
			decode = strs(&cv.URLs)
		case "created":
			decode = timestamp(&cv.Created)
		case "removed":
			decode = boolean(&cv.Removed)
		case "digest":
			decode = str(&cv.Digest)
		case "checksum", "engine", "tillerVersion", "url":
			decode = str(&ignored)
		default:
			return nil, errOutsideSubset
		}
		if err := decode(m.vals[i]); err != nil {
			return nil, err
		}
	}
	return cv, nil
}

// fields decodes each key of m with its decoder; an unknown or repeated key is refused, as
// helm's strict decoding does.
func fields(m *mapping, decoders map[string]func(any) error) error {
	seen := make(map[string]bool, len(m.keys))
	for i, key := range m.keys {
		decode, ok := decoders[key]
		if !ok || seen[key] {
			return errOutsideSubset
		}
		seen[key] = true
		if err := decode(m.vals[i]); err != nil {
			return err
		}
	}
	return nil
}

func isNull(v any) bool {
	s, ok := v.(scalar)
	return ok && s.plain && (s.text == "null" || s.text == "~" || s.text == "Null" || s.text == "NULL")
}

func stringOf(v any) (string, error) {
	s, ok := v.(scalar)
	if !ok || s.plain && mayNotBeString(s.text) && nonString(s.text) {
		return "", errOutsideSubset
	}
	return s.text, nil
}

// integerSyntax reports whether s is written as an integer, however large: ParseInt reports
// an overflow before it looks at every character.
func integerSyntax(s string) bool {
	s = strings.TrimLeft(s, "+-")
	digits := "0123456789"
	if len(s) > 2 && s[0] == '0' {
		switch s[1] {
		case 'x', 'X':
			s, digits = s[2:], "0123456789abcdefABCDEF"
		case 'o', 'O':
			s, digits = s[2:], "01234567"
		case 'b', 'B':
			s, digits = s[2:], "01"
		}
	}
	return s != "" && strings.Trim(s, digits) == ""
}

// mayNotBeString is a quick test that spares most scalars the parsing of nonString.
func mayNotBeString(s string) bool {
	if s == "" {
		return false
	}
	switch c := s[0]; {
	case c >= '0' && c <= '9', c == '+', c == '-', c == '.', c == '~':
		return true
	case strings.IndexByte("yYnNtTfFoO", c) >= 0:
		return len(s) <= 5
	}
	return false
}

func str(dst *string) func(any) error {
	return func(v any) (err error) {
		if isNull(v) {
			return nil
		}
		*dst, err = stringOf(v)
		return err
	}
}

func strs(dst *[]string) func(any) error {
	return func(v any) error {
		if isNull(v) {
			return nil
		}
		items, ok := v.([]any)
		if !ok {
			return errOutsideSubset
		}
		out := make([]string, len(items))
		for i, item := range items {
			s, err := stringOf(item)
			if err != nil {
				return err
			}
			out[i] = s
		}
		*dst = out
		return nil
	}
}

func strMap(dst *map[string]string) func(any) error {
	return func(v any) error {
		if isNull(v) {
			return nil
		}
		m, ok := v.(*mapping)
		if !ok {
			return errOutsideSubset
		}
		out := make(map[string]string, len(m.keys))
		for i, key := range m.keys {
			s, err := stringOf(m.vals[i])
			if _, dup := out[key]; err != nil || dup {
				return errOutsideSubset
			}
			out[key] = s
		}
		*dst = out
		return nil
	}
}

func boolean(dst *bool) func(any) error {
	return func(v any) error {
		s, ok := v.(scalar)
		switch {
		case ok && s.plain && s.text == "true":
			*dst = true
		case ok && s.plain && s.text == "false":
		default:
			return errOutsideSubset
		}
		return nil
	}
}

func timestamp(dst *time.Time) func(any) error {
	return func(v any) error {
		s, ok := v.(scalar)
		if !ok {
			return errOutsideSubset
		}
		t, err := time.Parse(time.RFC3339Nano, s.text)
		if err != nil {
			return errOutsideSubset
		}
		*dst = t
		return nil
	}
}

// objects decodes a list of mappings, each into a new T by decode.
func objects[T any](dst *[]*T, decode func(*mapping, *T) error) func(any) error {
	return func(v any) error {
		if isNull(v) {
			return nil
		}
		items, ok := v.([]any)
		if !ok {
			return errOutsideSubset
		}
		for _, item := range items {
			m, ok := item.(*mapping)
			if !ok {
				return errOutsideSubset
			}
			obj := new(T)
			if err := decode(m, obj); err != nil {
				return err
			}
			*dst = append(*dst, obj)
		}
		return nil
	}
}

func maintainers(dst *[]*chart.Maintainer) func(any) error {
	return objects(dst, func(m *mapping, who *chart.Maintainer) error {
		return fields(m, map[string]func(any) error{"name": str(&who.Name), "email": str(&who.Email), "url": str(&who.URL)})
	})
}

func dependencies(dst *[]*chart.Dependency) func(any) error {
	return objects(dst, func(m *mapping, d *chart.Dependency) error {
		return fields(m, map[string]func(any) error{
			"name": str(&d.Name), "version": str(&d.Version), "repository": str(&d.Repository),
			"condition": str(&d.Condition), "tags": strs(&d.Tags), "enabled": boolean(&d.Enabled),
			"alias": str(&d.Alias),
		})
	})
}
