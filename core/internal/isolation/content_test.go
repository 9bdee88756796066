package isolation

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/deploy/testenv"
)

// TestWhatUsersWriteStaysInert covers, at the API, the two ways a member could reach another
// tenant through what they write: a page uploaded to a group's files runs nowhere in Basalt's
// origin (it would run with the reader's session), and a form value holding a Helm template (a
// lookup of another namespace's Secrets, rendered by charts that pass values through tpl) is
// refused at plan time with the field named. The cluster side of the lookup is proven by the
// kubernetes plugin's TestLookupStaysInTheProjectNamespace and the server's
// TestTemplateLookupRefusedAtPlan, the browser side by the end-to-end suite.
func TestWhatUsersWriteStaysInert(t *testing.T) {
	env := testenv.Require(t)
	ctx := t.Context()
	ln, base, id, secret := hourClient(t, env)
	tokens := map[string]string{"alice": login(t, env, id, secret, "alice"), "bob": login(t, env, id, secret, "bob")}
	startCore(t, env, ln, id, secret)
	call := func(user, method, path, contentType, body string) *http.Response {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tokens[user])
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}

	// bob, a member of data-team, uploads a page and its script to the group's files; alice
	// reads them.
	group := "/api/v1/projects/project-data-team/files/content?path=project-data-team/"
	for name, body := range map[string]string{
		"page.html": `<html><script src="steal.js"></script></html>`,
		"steal.js":  `fetch("/api/v1/me")`,
		"logo.svg":  `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`,
	} {
		if resp := call("bob", http.MethodPut, group+name, "text/html", body); resp.StatusCode != http.StatusCreated {
			t.Fatalf("bob's upload of %s: %s", name, resp.Status)
		}
		for _, q := range []string{"", "&download=1"} {
			resp := call("alice", http.MethodGet, group+name+q, "", "")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("alice's read of %s%s: %s", name, q, resp.Status)
			}
			media, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
			if media != "application/octet-stream" {
				t.Errorf("%s%s served as %q, want application/octet-stream", name, q, resp.Header.Get("Content-Type"))
			}
			if d := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(d, "attachment") {
				t.Errorf("%s%s served with Content-Disposition %q, want an attachment", name, q, d)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") {
				t.Errorf("%s%s served with Content-Security-Policy %q, want sandbox", name, q, csp)
			}
		}
	}

	// A template in a form value is refused at plan time, naming the field.
	lookup := `{{ (lookup "v1" "Secret" "user-alice" "").items | toJson }}`
	body, _ := json.Marshal(map[string]any{"catalog": "ide", "chart": "jupyter", "values": map[string]any{"note": lookup}})
	resp := call("bob", http.MethodPost, "/api/v1/projects/project-data-team/launch/plan", "application/json", string(body))
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(raw), `"note"`) || !strings.Contains(string(raw), "{{ }}") {
		t.Errorf("a plan with a template value: %s %s; want 400 naming the field note and the delimiters", resp.Status, raw)
	}
}
