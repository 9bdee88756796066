package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/httpapi"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
	"github.com/basalt-dev/basalt/sdk"
)

// startForLimits serves alice with a catalog and a store: enough for every request below to
// reach its handler.
func startForLimits(t *testing.T) string {
	return startWithPlugins(t, map[string]config.Plugin{
		"charts": {Kind: "catalog", Path: testplugin.Memory(t), Args: []string{"catalog"}, Config: memoryCatalogs},
		"files":  {Kind: "storage", Path: testplugin.Memory(t), Args: []string{"storage"}},
	}, "auth.local.username=alice") + "/api/v1"
}

// refusal reads a 400's error and fails unless it names field with a rule containing rule.
func refusal(t *testing.T, what string, status int, body []byte, field, rule string) httpapi.ErrorBody {
	t.Helper()
	var e httpapi.ErrorBody
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("%s: %d, not the error shape: %.300s", what, status, body)
	}
	if status != http.StatusBadRequest {
		t.Fatalf("%s: want 400, got %d: %.300s", what, status, body)
	}
	details, _ := e.Error.Details.(map[string]any)
	fields, _ := details["fields"].([]any)
	for _, f := range fields {
		m, _ := f.(map[string]any)
		if r, _ := m["rule"].(string); m["field"] == field && strings.Contains(r, rule) {
			return e
		}
	}
	t.Fatalf("%s: want field %q with a rule containing %q: %.300s", what, field, rule, body)
	return e
}

// TestInputLengthsAreBounded: names, paths and free texts have maximum lengths the server
// enforces with a 400 naming the field, and no error echoes a huge input back whole.
func TestInputLengthsAreBounded(t *testing.T) {
	base := startForLimits(t)

	long := strings.Repeat("x", 5000)
	status, body := postJSON(t, base+"/projects/user-alice/services", `{"catalog":"ide","chart":"jupyter","name":"`+long+`"}`)
	refusal(t, "a 5,000-character service name", status, body, "name", "at most 100 characters")
	if strings.Contains(string(body), strings.Repeat("x", 101)) {
		t.Errorf("the refusal echoes the name whole: %.300s", body)
	}

	huge := strings.Repeat("x", 100_000)
	resp, text := get(t, base+"/catalogs/ide/charts/"+huge)
	if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusNotFound {
		t.Fatalf("a 100,000-character chart name: want 400 or 404, got %d", resp.StatusCode)
	}
	if strings.Contains(text, strings.Repeat("x", 101)) || len(text) > 1000 {
		t.Errorf("a 100,000-character chart name is echoed back (%d bytes): %.300s", len(text), text)
	}

	resp, text = get(t, base+"/projects/user-alice/files?path=user-alice/"+strings.Repeat("d/", 3000))
	refusal(t, "a 6,000-character file path", resp.StatusCode, []byte(text), "path", "at most")
}

// TestErrorsEchoNothingWhole: whatever an error quotes, it quotes at most a hundred
// characters of it.
func TestErrorsEchoNothingWhole(t *testing.T) {
	status, body := httpapi.Describe(sdk.Errorf(sdk.ErrNotFound, "no chart %q in catalog ide", strings.Repeat("x", 100_000)))
	if status != http.StatusNotFound || len(body.Error.Message) > 300 || !strings.Contains(body.Error.Message, "…") {
		t.Fatalf("want a 404 quoting a shortened name, got %d %.300q", status, body.Error.Message)
	}
	if !strings.HasSuffix(body.Error.Message, " in catalog ide") {
		t.Errorf("the message around the long name is lost: %.300q", body.Error.Message)
	}
}

// TestBodyErrorsInTheProductsWords: malformed JSON says where, a wrong type names the field,
// and neither shows echo's or Go's internals.
func TestBodyErrorsInTheProductsWords(t *testing.T) {
	base := startForLimits(t)

	for _, c := range []struct {
		what, url, body, message, field, rule string
	}{
		{"malformed JSON", "/catalogs/refresh", `{"catalog" "ide"}`, "the body is not valid JSON at line 1 column 12", "body", "line 1 column 12"},
		{"a number for a string", "/catalogs/refresh", `{"catalog": 5}`, "catalog must be a string", "catalog", "must be a string"},
		{"a string for a boolean", "/projects/user-alice/launch/plan", `{"catalog":"ide","chart":"jupyter","shared":"yes"}`, "shared must be true or false", "shared", "must be true or false"},
		{"malformed JSON on the second line", "/projects/user-alice/launch/plan", "{\n  \"catalog\": ide}", "the body is not valid JSON at line 2 column 14", "body", "line 2 column 14"},
	} {
		status, body := postJSON(t, base+c.url, c.body)
		e := refusal(t, c.what, status, body, c.field, c.rule)
		if e.Error.Message != c.message {
			t.Errorf("%s: want the message %q, got %.300q", c.what, c.message, e.Error.Message)
		}
		for _, internal := range []string{"code=", "message=", "internal=", "Go struct", "Unmarshal", "json:"} {
			if strings.Contains(string(body), internal) {
				t.Errorf("%s: the error shows %q: %.300s", c.what, internal, body)
			}
		}
	}

	resp, text := get(t, base+"/projects/user-alice/files?path=user-alice/a/../../user-bob/secret.txt")
	refusal(t, "a file path with ..", resp.StatusCode, []byte(text), "path", "..")
}
