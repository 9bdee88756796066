package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sharedCatalog = "../../../../shared/catalogs/interactive"

const renderContext = `{
  "user": {"idep": "jdoe", "name": "Doe John", "email": "jdoe@example.org", "darkMode": false, "lang": "fr",
           "decodedIdToken": {"groups": ["sspcloud", "ml-team"]}},
  "service": {"oneTimePassword": "otp-1"},
  "project": {"id": "user-jdoe"},
  "git": {"name": "John Doe", "email": "jdoe@example.org"},
  "s3": {"profileName": "default", "AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "SK", "AWS_DEFAULT_REGION": "us-east-1",
         "AWS_S3_ENDPOINT": "minio.example.org", "port": 443, "pathStyleAccess": false, "isAnonymous": false},
  "region": {"allowedURIPattern": "^https://"},
  "k8s": {"domain": "lab.example.org", "ingress": true, "route": false, "useCertManager": false, "randomSubdomain": "42"}
}`

func renderFiles(t *testing.T) (dir, ctx string) {
	t.Helper()
	dir = t.TempDir()
	ctx = filepath.Join(dir, "context.json")
	if err := os.WriteFile(ctx, []byte(renderContext), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir, ctx
}

func TestRenderEverySharedChart(t *testing.T) {
	_, ctx := renderFiles(t)
	charts, _ := filepath.Glob(filepath.Join(sharedCatalog, "*.tgz"))
	if len(charts) == 0 {
		t.Fatalf("no charts in %s", sharedCatalog)
	}
	for _, chart := range charts {
		code, out, errOut := run(t, "render", "--chart", chart, "--context", ctx)
		if code != 0 {
			t.Errorf("%s: exit %d: %s", chart, code, errOut)
			continue
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("%s: output is not JSON: %v", chart, err)
		}
		ingress := v["ingress"].(map[string]any)
		if ingress["hostname"] != "user-jdoe-42-0.lab.example.org" {
			t.Errorf("%s: ingress.hostname = %v", chart, ingress["hostname"])
		}
		if s3 := v["s3"].(map[string]any); s3["accessKeyId"] != "AK" {
			t.Errorf("%s: s3.accessKeyId = %v", chart, s3["accessKeyId"])
		}
	}
}

func TestRenderLayersValuesSetAndLink(t *testing.T) {
	dir, ctx := renderFiles(t)
	values := filepath.Join(dir, "values.yaml")
	if err := os.WriteFile(values, []byte("persistence:\n  size: 30Gi\ngit:\n  branch: dev\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "render", "--chart", filepath.Join(sharedCatalog, "jupyter-python-2.5.2.tgz"), "--context", ctx,
		"--values", values, "--set", "kubernetes.role=edit", "--set", "persistence.size=40Gi",
		"--link", "?name=nb&git.branch=-&resources.limits.memory=%C2%AB8Gi%C2%BB")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var v map[string]any
	_ = json.Unmarshal([]byte(out), &v)
	if got := v["persistence"].(map[string]any)["size"]; got != "40Gi" {
		t.Errorf("persistence.size = %v (--set must win over --values)", got)
	}
	if got := v["kubernetes"].(map[string]any)["role"]; got != "edit" {
		t.Errorf("kubernetes.role = %v", got)
	}
	if _, ok := v["git"].(map[string]any)["branch"]; ok {
		t.Error("the link's git.branch=- did not unset the file's value")
	}
	if got := v["resources"].(map[string]any)["limits"].(map[string]any)["memory"]; got != "8Gi" {
		t.Errorf("resources.limits.memory = %v", got)
	}
}

func TestRenderRefusesInvalidValues(t *testing.T) {
	_, ctx := renderFiles(t)
	code, _, errOut := run(t, "render", "--chart", filepath.Join(sharedCatalog, "rstudio-2.5.5.tgz"), "--context", ctx,
		"--set", "persistence.enabled=maybe", "--set", "service.image.pullPolicy=Sometimes",
		"--set", "init.personalInit=http://evil.example.org/x.sh", "--set", "ingress.hostname=evil.example.org")
	if code != 2 {
		t.Fatalf("exit %d, want 2: %s", code, errOut)
	}
	for _, want := range []string{
		"persistence.enabled: got string, want boolean",
		"service.image.pullPolicy: value must be one of",
		"init.personalInit: URL not allowed in this region",
		"ingress.hostname: hidden: set by the platform",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

func TestRenderBrokenInput(t *testing.T) {
	dir, ctx := renderFiles(t)
	junk := filepath.Join(dir, "junk.tgz")
	_ = os.WriteFile(junk, []byte("nope"), 0o600)
	badCtx := filepath.Join(dir, "bad.json")
	_ = os.WriteFile(badCtx, []byte(`{"user": {"idep": 3}}`), 0o600)
	chart := filepath.Join(sharedCatalog, "jupyter-python-2.5.2.tgz")
	for _, args := range [][]string{
		{"render", "--chart", junk, "--context", ctx},
		{"render", "--chart", filepath.Join(dir, "missing"), "--context", ctx},
		{"render", "--chart", chart, "--context", badCtx},
		{"render", "--chart", chart, "--context", ctx, "--link", "a.b=8Gi"},
		{"render", "--chart", chart},
	} {
		if code, _, errOut := run(t, args...); code != 1 || errOut == "" {
			t.Errorf("%v: exit %d (%q), want 1 with a reason", args, code, errOut)
		}
	}
}

func TestRenderForm(t *testing.T) {
	_, ctx := renderFiles(t)
	code, out, errOut := run(t, "render", "--chart", filepath.Join(sharedCatalog, "jupyter-python-2.5.2.tgz"), "--context", ctx, "--form")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var form struct {
		Chart string `json:"chart"`
		Root  struct {
			Fields []struct {
				Key    string `json:"key"`
				Widget string `json:"widget"`
			} `json:"fields"`
		} `json:"root"`
	}
	if err := json.Unmarshal([]byte(out), &form); err != nil || form.Chart != "jupyter-python" || len(form.Root.Fields) < 10 {
		t.Fatalf("form: %v %+v", err, form)
	}
}
