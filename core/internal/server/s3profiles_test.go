package server

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk/plugintest/logscan"
)

// s3Catalog has one chart whose values take the launch context's s3 fields, as Onyxia's do.
var s3Catalog = map[string]any{"catalogs": []any{map[string]any{"id": "ide", "status": "PROD", "charts": []any{
	map[string]any{"name": "notebook", "version": "1.0.0", "values": "s3:\n  endpoint: \"\"\n",
		"schema": map[string]any{
			"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
			"properties": map[string]any{"s3": map[string]any{"type": "object", "properties": map[string]any{
				"accessKeyId":     map[string]any{"type": "string", "default": "", "x-onyxia": map[string]any{"overwriteDefaultWith": "s3.AWS_ACCESS_KEY_ID"}},
				"secretAccessKey": map[string]any{"type": "string", "default": "", "x-onyxia": map[string]any{"overwriteDefaultWith": "s3.AWS_SECRET_ACCESS_KEY"}},
				"endpoint":        map[string]any{"type": "string", "default": "", "x-onyxia": map[string]any{"overwriteDefaultWith": "s3.AWS_S3_ENDPOINT"}},
				"pathStyleAccess": map[string]any{"type": "boolean", "default": false, "x-onyxia": map[string]any{"overwriteDefaultWith": "s3.pathStyleAccess"}},
			}}},
		}},
}}}}

// personalWorld is Basalt in oidc mode on the test environment's provider, keeping users'
// data in the local secrets plugin, with its whole debug log kept.
type personalWorld struct {
	base   string
	tokens map[string]string
	log    *logscan.Buffer
}

func newPersonalWorld(t *testing.T) *personalWorld {
	t.Helper()
	env := testenv.Require(t)
	ctx := t.Context()
	cfg, ln, base := oidcConfig(t, env, "log.level=debug")
	cfg.Plugins = map[string]config.Plugin{
		"charts": {Kind: "catalog", Path: testplugin.Memory(t), Args: []string{"catalog"}, Config: s3Catalog},
		"secrets": {Kind: "secrets", Path: testplugin.Path(t, "basalt-plugin-localsecrets"),
			Config: map[string]any{"file": filepath.Join(t.TempDir(), "secrets.enc")}},
	}
	r := &cfg.Regions[0]
	r.Storage, r.Secrets, r.Region = "", "secrets", ""
	log, logs := logscan.Capture(t, "core") // make test scans it too
	serveOIDC(t, cfg, ln, base, log)
	w := &personalWorld{base: base + "/api/v1", tokens: map[string]string{}, log: logs}
	for _, user := range []string{"alice", "bob"} {
		var err error
		if w.tokens[user], err = env.IDToken(ctx, user); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// call sends a request as user and returns the status and body.
func (w *personalWorld) call(t *testing.T, user, method, path, body string) (int, string) {
	t.Helper()
	resp, raw := do(t, method, w.base+path, strings.NewReader(body), jsonAs(w.tokens[user], body)...)
	return resp.StatusCode, string(raw)
}

// TestS3ProfilesAndBookmarksAreTheUsersOwn goes through the real API with local secrets: a
// user's profiles and bookmarks are refused by field when wrong, listed without the secret
// key, revealed to their owner only, reach the owner's launches, and stay out of the log.
func TestS3ProfilesAndBookmarksAreTheUsersOwn(t *testing.T) {
	w := newPersonalWorld(t)
	secretKey := logscan.Canary()
	create := `{"name":"other-store","url":"http://127.0.0.1:9000","region":"eu-west-3","pathStyleAccess":true,
		"accessKeyId":"AKIAOWN","secretAccessKey":"` + secretKey + `","defaultForServices":true}`

	// Bad input is named field by field, and nothing is saved.
	for body, fields := range map[string][]string{
		`{"name":"default","url":"ftp://x","accessKeyId":"AK"}`:                                                            {`"name"`, `"url"`, `"secretAccessKey"`},
		`{"name":"ok","url":"https://s3.example.org/bucket","accessKeyId":"A K","secretAccessKey":"s","region":"eu west"}`: {`"url"`, `"accessKeyId"`, `"region"`},
		`{"name":"ok","endpoint":"https://s3.example.org"}`:                                                                {`"field":"endpoint"`, "is not a known field"},
	} {
		code, resp := w.call(t, "alice", "POST", "/me/s3-profiles", body)
		for _, f := range fields {
			if code != 400 || !strings.Contains(resp, f) {
				t.Errorf("%s: %d %s, want 400 naming %s", body, code, resp, f)
			}
		}
	}
	if code, resp := w.call(t, "alice", "POST", "/me/s3-profiles", create); code != 201 || strings.Contains(resp, secretKey) {
		t.Fatalf("create: %d %s", code, resp)
	}
	if code, resp := w.call(t, "alice", "POST", "/me/s3-profiles", strings.Replace(create, "other-store", "Other-Store", 1)); code != 400 || !strings.Contains(resp, `"name"`) {
		t.Errorf("a second profile of the same name: %d %s", code, resp)
	}

	// Listed without the secret key; revealed to its owner.
	code, list := w.call(t, "alice", "GET", "/me/s3-profiles", "")
	if code != 200 || strings.Contains(list, secretKey) || !strings.Contains(list, `"accessKeyId":"AKIAOWN"`) || !strings.Contains(list, `"defaultForServices":true`) {
		t.Fatalf("list: %d %s", code, list)
	}
	var creds StorageCredentials
	code, raw := w.call(t, "alice", "GET", "/me/s3-profiles/other-store/credentials", "")
	if code != 200 || json.Unmarshal([]byte(raw), &creds) != nil || creds.SecretAccessKey != secretKey || len(creds.Snippets) == 0 ||
		!strings.Contains(creds.Snippets[0].Code, secretKey) {
		t.Fatalf("reveal: %d %s", code, raw)
	}

	// The profile chosen for services fills the launch's s3 fields.
	code, raw = w.call(t, "alice", "POST", "/projects/user-alice/launch/plan", `{"catalog":"ide","chart":"notebook"}`)
	var plan PlanView
	if code != 200 || json.Unmarshal([]byte(raw), &plan) != nil {
		t.Fatalf("plan: %d %s", code, raw)
	}
	if s3, _ := plan.Values["s3"].(map[string]any); s3["accessKeyId"] != "AKIAOWN" || s3["secretAccessKey"] != secretKey ||
		s3["endpoint"] != "127.0.0.1" || s3["pathStyleAccess"] != true {
		t.Errorf("the plan's s3 values: %v", s3)
	}

	// Bookmarks: added, refused by field, listed.
	if code, resp := w.call(t, "alice", "POST", "/me/bookmarks", `{"name":"Data","path":"user-alice/data/"}`); code != 201 {
		t.Fatalf("bookmark: %d %s", code, resp)
	}
	if code, resp := w.call(t, "alice", "POST", "/me/bookmarks", `{"path":"user-alice/data/"}`); code != 400 || !strings.Contains(resp, `"path"`) {
		t.Errorf("the same folder twice: %d %s", code, resp)
	}
	if code, resp := w.call(t, "alice", "GET", "/me/bookmarks", ""); code != 200 || !strings.Contains(resp, `{"name":"Data","path":"user-alice/data/"}`) {
		t.Errorf("bookmarks: %d %s", code, resp)
	}

	// Bob sees none of it and can change none of it.
	for _, c := range []struct{ method, path, body, want string }{
		{"GET", "/me/s3-profiles", "", `{"profiles":[]}`},
		{"GET", "/me/bookmarks", "", `{"bookmarks":[]}`},
	} {
		if code, resp := w.call(t, "bob", c.method, c.path, c.body); code != 200 || strings.TrimSpace(resp) != c.want {
			t.Errorf("bob %s %s: %d %s", c.method, c.path, code, resp)
		}
	}
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/me/s3-profiles/other-store/credentials", ""},
		{"PUT", "/me/s3-profiles/other-store", `{"url":"https://evil.example","accessKeyId":"X"}`},
		{"DELETE", "/me/s3-profiles/other-store", ""},
		{"DELETE", "/me/bookmarks?path=user-alice/data/", ""},
	} {
		if code, resp := w.call(t, "bob", c.method, c.path, c.body); code != 404 || strings.Contains(resp, secretKey) {
			t.Errorf("bob %s %s: %d %s, want 404", c.method, c.path, code, resp)
		}
	}
	if code, resp := w.call(t, "bob", "POST", "/projects/user-bob/launch/plan", `{"catalog":"ide","chart":"notebook"}`); code != 200 || strings.Contains(resp, "AKIAOWN") {
		t.Errorf("bob's plan takes alice's profile: %d %s", code, resp)
	}

	// Alice's data survived bob's attempts; then she removes it.
	if _, creds := w.call(t, "alice", "GET", "/me/s3-profiles/other-store/credentials", ""); !strings.Contains(creds, `"endpoint":"http://127.0.0.1:9000"`) {
		t.Errorf("after bob's attempts: %s", creds)
	}
	if code, _ := w.call(t, "alice", "DELETE", "/me/bookmarks?path=user-alice/data/", ""); code != 204 {
		t.Errorf("remove bookmark: %d", code)
	}
	if code, _ := w.call(t, "alice", "DELETE", "/me/s3-profiles/other-store", ""); code != 204 {
		t.Errorf("delete profile: %d", code)
	}
	if code, list := w.call(t, "alice", "GET", "/me/s3-profiles", ""); code != 200 || strings.TrimSpace(list) != `{"profiles":[]}` {
		t.Errorf("after delete: %d %s", code, list)
	}

	text := w.log.String()
	if !strings.Contains(text, "/me/s3-profiles") || !strings.Contains(text, "s3profiles.create") {
		t.Fatalf("the debug log holds no request or audit line for the profiles: the scan would prove nothing (%d bytes)", len(text))
	}
	if strings.Contains(text, secretKey) {
		t.Errorf("the profile's secret key appears in the debug log")
	}
}
