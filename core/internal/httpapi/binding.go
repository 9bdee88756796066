package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/sdk"
)

// What callers send is bounded here, in one place: every path parameter, query parameter and
// string of a JSON body has a maximum length, found by the field's name, so that a name of
// 5,000 characters is refused with a 400 naming the field rather than breaking the portal's
// layouts, the plugins' stores or the logs.
const (
	nameLength    = 100  // names of services, catalogs, charts, projects, profiles, bookmarks
	pathLength    = 1024 // S3 keys and secret paths stop at 1,024 bytes anyway
	freeTextLimit = 1000 // anything not named below
	secretKeyMax  = 256
)

var inputLimits = map[string]int{
	"name": nameLength, "friendlyName": nameLength, "catalog": nameLength, "chart": nameLength,
	"version": nameLength, "project": nameLength, "service": nameLength, "s3": nameLength,
	"region": nameLength, "release": nameLength, "container": nameLength, "pod": nameLength,
	"gitName": nameLength, "gitProject": nameLength, "search": nameLength,
	"path": pathLength, "secret": pathLength, "gitEmail": 254, "expiry": 32,
	"redirect": 2048, "gitToken": 4096, "token": 4096, "pageToken": 4096,
	"link": 8192,  // a launch link carries every override of a form
	"sql":  10000, // a query of the data explorer kept in the history (documents.MaxQueryLength)
}

// limitOf is the maximum length of the field whose last name is field.
func limitOf(field string) int {
	if n, ok := inputLimits[field[strings.LastIndexByte(field, '.')+1:]]; ok {
		return n
	}
	return freeTextLimit
}

// tooLong is the violation of a value longer than its field allows, or nil.
func tooLong(field, value string) *sdk.FieldViolation {
	if max := limitOf(field); utf8.RuneCountInString(value) > max {
		return &sdk.FieldViolation{Field: field, Rule: fmt.Sprintf("at most %d characters", max)}
	}
	return nil
}

// LimitInputs refuses an API request whose path or query parameters are too long, before
// any handler reads, logs or echoes them.
func LimitInputs(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !strings.HasPrefix(c.Path(), "/api/") {
			return next(c)
		}
		var bad []sdk.FieldViolation
		for n, name := range c.ParamNames() {
			if name == "*" || n >= len(c.ParamValues()) {
				continue
			}
			if v := tooLong(name, c.ParamValues()[n]); v != nil {
				bad = append(bad, *v)
			}
		}
		for name, values := range c.QueryParams() {
			for _, value := range values {
				if v := tooLong(name, value); v != nil {
					bad = append(bad, *v)
					break
				}
			}
		}
		if len(bad) > 0 {
			return sdk.InvalidFields(violationsMessage(bad), bad...)
		}
		return next(c)
	}
}

func violationsMessage(bad []sdk.FieldViolation) string {
	return bad[0].Field + ": " + bad[0].Rule
}

// Binder is echo's binder with JSON bodies read by readJSON: errors in the product's words
// and lengths checked.
type Binder struct{ echo.DefaultBinder }

// Bind binds path and query parameters and a JSON body into i.
func (b *Binder) Bind(i any, c echo.Context) error {
	if err := b.BindPathParams(c, i); err != nil {
		return sdk.Errorf(sdk.ErrInvalidArgument, "invalid path parameters")
	}
	m := c.Request().Method
	if m == "GET" || m == "DELETE" || m == "HEAD" {
		if err := b.BindQueryParams(c, i); err != nil {
			return sdk.Errorf(sdk.ErrInvalidArgument, "invalid query parameters")
		}
	}
	req := c.Request()
	if req.ContentLength == 0 {
		return nil
	}
	ctype := req.Header.Get(echo.HeaderContentType)
	if ctype != "" && !strings.HasPrefix(ctype, echo.MIMEApplicationJSON) {
		return sdk.InvalidFields("the body must be JSON", sdk.FieldViolation{Field: "Content-Type", Rule: "must be application/json"})
	}
	err := readJSON(req.Body, i, false)
	if errors.Is(err, io.EOF) {
		return nil // an empty body binds nothing, as echo's binder does
	}
	return err
}

// readJSON decodes one JSON value from r into v (refusing unknown fields when strict) and
// checks the lengths of its strings. Its errors say where the JSON is wrong or which field
// has the wrong type; an empty body is io.EOF.
func readJSON(r io.Reader, v any, strict bool) error {
	body, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return io.EOF
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return jsonError(err, body)
	}
	var bad []sdk.FieldViolation
	checkLengths(reflect.ValueOf(v), "", &bad)
	if len(bad) > 0 {
		return sdk.InvalidFields(violationsMessage(bad), bad...)
	}
	return nil
}

// jsonError says what is wrong with a body in the caller's terms, never in Go's.
func jsonError(err error, body []byte) error {
	var syntax *json.SyntaxError
	var wrongType *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		line, column := position(body, syntax.Offset)
		where := fmt.Sprintf("line %d column %d", line, column)
		return sdk.InvalidFields("the body is not valid JSON at "+where, sdk.FieldViolation{Field: "body", Rule: "must be valid JSON; it is not at " + where})
	case errors.Is(err, io.ErrUnexpectedEOF):
		return sdk.InvalidFields("the body is not valid JSON: it ends too soon", sdk.FieldViolation{Field: "body", Rule: "must be complete JSON"})
	case errors.As(err, &wrongType):
		field, rule := wrongType.Field, "must be "+jsonKind(wrongType.Type)
		if field == "" {
			field = "body"
		}
		return sdk.InvalidFields(field+" "+rule, sdk.FieldViolation{Field: field, Rule: rule})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return sdk.InvalidFields(field+" is not a known field", sdk.FieldViolation{Field: field, Rule: "is not a known field"})
	}
	return sdk.InvalidFields("the body is not valid JSON", sdk.FieldViolation{Field: "body", Rule: "must be valid JSON"})
}

// position is the line and column (from 1) of the byte at offset, which the JSON decoder
// counts as read.
func position(body []byte, offset int64) (line, column int) {
	if offset > int64(len(body)) {
		offset = int64(len(body))
	}
	before := body[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	column = utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:])
	return line, max(column, 1)
}

// jsonKind names what a Go type expects, in JSON's words.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	}
	return "an object"
}

// checkLengths appends a violation for every string of v longer than its field allows.
// Free-form maps (chart values, the portal's extras) are the schemas' business: only their
// keys are bounded here.
func checkLengths(v reflect.Value, field string, bad *[]sdk.FieldViolation) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			checkLengths(v.Elem(), field, bad)
		}
	case reflect.String:
		if field != "" {
			if violation := tooLong(field, v.String()); violation != nil {
				*bad = append(*bad, *violation)
			}
		}
	case reflect.Struct:
		t := v.Type()
		for n := range t.NumField() {
			f := t.Field(n)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if field != "" {
				name = field + "." + name
			}
			checkLengths(v.Field(n), name, bad)
		}
	case reflect.Slice, reflect.Array:
		for n := range v.Len() {
			checkLengths(v.Index(n), field, bad)
		}
	case reflect.Map:
		for _, key := range v.MapKeys() {
			if key.Kind() == reflect.String && utf8.RuneCountInString(key.String()) > secretKeyMax {
				*bad = append(*bad, sdk.FieldViolation{Field: field, Rule: fmt.Sprintf("keys of at most %d characters", secretKeyMax)})
				return
			}
		}
	}
}

// echoLimit is how much of one word (a name, a path, a quoted value) an error quotes back.
const echoLimit = 100

// shorten cuts every run of more than echoLimit non-space characters of an error's text, so
// that no error echoes a huge input whole.
func shorten(s string) string {
	if len(s) <= echoLimit {
		return s
	}
	var b strings.Builder
	run := 0
	for _, r := range s {
		if r == ' ' || r == '\n' || r == '\t' {
			run = 0
		} else {
			run++
		}
		switch {
		case run <= echoLimit:
			b.WriteRune(r)
		case run == echoLimit+1:
			b.WriteString("…")
		}
	}
	return b.String()
}

// DecodeStrict reads a JSON body into v, refusing unknown fields so that a misspelt one is
// named rather than ignored.
func DecodeStrict(c echo.Context, v any, what string) error {
	err := readJSON(c.Request().Body, v, true)
	if errors.Is(err, io.EOF) {
		return sdk.InvalidFields("the body is empty", sdk.FieldViolation{Field: "body", Rule: "must be " + what + " as JSON"})
	}
	return err
}
