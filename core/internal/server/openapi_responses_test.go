package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/basalt-dev/basalt/core/api"
	"github.com/basalt-dev/basalt/sdk/plugintest"
)

// Every server the package's tests start (mustNew) checks its /api/v1 answers against
// core/api/openapi.yaml, and TestMain fails the run when an answer breaks its schema or when
// the whole suite ran without one success answer of a documented operation being checked.

// apiSpec is the OpenAPI document, loaded and validated once, and its router.
var apiSpec = sync.OnceValues(func() (*openAPISpec, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(api.OpenAPI)
	if err != nil {
		return nil, fmt.Errorf("core/api/openapi.yaml: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("core/api/openapi.yaml is not a valid OpenAPI document: %w", err)
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	return &openAPISpec{doc: doc, router: router}, nil
})

type openAPISpec struct {
	doc    *openapi3.T
	router routers.Router
}

// operations lists the documented operations by id.
func (s *openAPISpec) operations() []string {
	var ids []string
	for _, item := range s.doc.Paths.Map() {
		for _, op := range item.Operations() {
			ids = append(ids, op.OperationID)
		}
	}
	sort.Strings(ids)
	return ids
}

// apiAnswers is what the checked servers saw during the run.
var apiAnswers = &answerLog{succeeded: map[string]bool{}}

type answerLog struct {
	mu        sync.Mutex
	succeeded map[string]bool // operation id -> a 2xx answer was checked
	broken    []string        // answers that do not match the document
}

func (l *answerLog) checked(operation string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.succeeded[operation] = true
}

func (l *answerLog) fail(test, format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.broken = append(l.broken, test+": "+fmt.Sprintf(format, args...))
}

// report says what went wrong; with the whole suite run, it also names the documented
// operations none of whose success answers was checked.
func (l *answerLog) report(wholeSuite bool) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	for _, m := range l.broken {
		fmt.Fprintf(&b, "answer not as core/api/openapi.yaml says: %s\n", m)
	}
	if !wholeSuite {
		return b.String()
	}
	spec, err := apiSpec()
	if err != nil {
		return b.String() + err.Error() + "\n"
	}
	for _, id := range spec.operations() {
		if !l.succeeded[id] {
			fmt.Fprintf(&b, "no test checked a success answer of operation %s against core/api/openapi.yaml: add a call to it\n", id)
		}
	}
	return b.String()
}

func TestMain(m *testing.M) {
	code := plugintest.Run(m)
	// Coverage is known only when every test ran, and ran through: a test that failed may have
	// stopped before its calls.
	whole := code == 0 && flag.Lookup("test.run").Value.String() == "" && flag.Lookup("test.skip").Value.String() == "" &&
		flag.Lookup("test.list").Value.String() == "" && !testing.Short()
	if msg := apiAnswers.report(whole); msg != "" {
		fmt.Fprint(os.Stderr, msg)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// checkAnswers wraps a server's handler so that each /api/v1 answer is checked against the
// document once written.
func checkAnswers(t testing.TB, next http.Handler) http.Handler {
	spec, err := apiSpec()
	if err != nil {
		t.Fatal(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/v1/") {
			next.ServeHTTP(w, r)
			return
		}
		rec := &answerRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		spec.check(t.Name(), r, rec)
	})
}

func (s *openAPISpec) check(test string, r *http.Request, rec *answerRecorder) {
	if rec.status == 0 || r.Method == http.MethodHead || r.Method == http.MethodOptions {
		return // no answer (the client went away), or no operation's: a HEAD or a CORS preflight
	}
	// The router matches the document's server, /api/v1, against the request's path.
	req := r.Clone(context.Background())
	route, params, err := s.router.FindRoute(req)
	if err != nil {
		if rec.status < 300 {
			apiAnswers.fail(test, "%s %s answered %d but is not documented: %v", r.Method, r.URL.Path, rec.status, err)
		}
		return // an unknown path or method, answered with the one error shape
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 rec.status,
		Header:                 rec.Header(),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(rec.body.Bytes())
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		apiAnswers.fail(test, "%s %s (%s) answered %d: %v", r.Method, r.URL.Path, route.Operation.OperationID, rec.status, err)
		return
	}
	if rec.stream {
		if err := s.checkEvents(route.Operation, rec.body.Bytes()); err != nil {
			apiAnswers.fail(test, "%s %s (%s): %v", r.Method, r.URL.Path, route.Operation.OperationID, err)
			return
		}
	}
	if rec.status >= 200 && rec.status < 400 { // a redirect the document declares is a success too
		apiAnswers.checked(route.Operation.OperationID)
	}
}

// checkEvents checks each server-sent event's data against the schema the operation's
// x-events extension gives its event name.
func (s *openAPISpec) checkEvents(op *openapi3.Operation, stream []byte) error {
	schemas, _ := op.Extensions["x-events"].(map[string]any)
	sc := bufio.NewScanner(bytes.NewReader(stream))
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	var event string
	for sc.Scan() {
		line := sc.Text()
		if name, ok := strings.CutPrefix(line, "event: "); ok {
			event = name
			continue
		}
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			continue
		}
		ref, _ := schemas[event].(map[string]any)["$ref"].(string)
		name, found := strings.CutPrefix(ref, "#/components/schemas/")
		schema := s.doc.Components.Schemas[name]
		if !found || schema == nil {
			return fmt.Errorf("event %q is not documented in x-events", event)
		}
		var v any
		if err := json.Unmarshal([]byte(data), &v); err != nil {
			return fmt.Errorf("event %q: %w", event, err)
		}
		if err := schema.Value.VisitJSON(v, openapi3.MultiErrors(), openapi3.VisitAsResponse(), openapi3.EnableJSONSchema2020()); err != nil {
			return fmt.Errorf("event %q does not match %s: %w", event, name, err)
		}
	}
	return sc.Err()
}

// answerRecorder keeps a copy of a JSON, YAML or event-stream answer while passing it on.
type answerRecorder struct {
	http.ResponseWriter
	status int
	keep   bool // JSON, YAML or events: the body is checked
	stream bool
	body   bytes.Buffer
}

func (a *answerRecorder) WriteHeader(status int) {
	if a.status == 0 {
		a.status = status
		ct := a.Header().Get("Content-Type")
		a.stream = strings.HasPrefix(ct, "text/event-stream")
		a.keep = a.stream || strings.HasPrefix(ct, "application/json") || strings.HasPrefix(ct, "application/yaml")
	}
	a.ResponseWriter.WriteHeader(status)
}

func (a *answerRecorder) Write(p []byte) (int, error) {
	if a.status == 0 {
		a.WriteHeader(http.StatusOK)
	}
	if a.keep {
		a.body.Write(p)
	}
	return a.ResponseWriter.Write(p)
}

// Flush and Unwrap keep streaming and per-request deadlines working through the recorder.
func (a *answerRecorder) Flush() { _ = http.NewResponseController(a.ResponseWriter).Flush() }

func (a *answerRecorder) Unwrap() http.ResponseWriter { return a.ResponseWriter }

// TestOpenAPIDocumentIsServed checks that /api/v1/openapi.yaml is the document the tests check
// the answers against, for clients that generate their code from it.
func TestOpenAPIDocumentIsServed(t *testing.T) {
	resp, body := get(t, start(t, nil)+"/api/v1/openapi.yaml")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/yaml" || body != string(api.OpenAPI) {
		t.Fatalf("openapi.yaml: %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}
}
