package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk"
)

// commandsWorld is Basalt in local mode for a user of its own (helmcmd, namespace
// user-helmcmd) on the test environment's cluster, impersonating the user, with the default
// catalog twice: from a directory (ide, fetched through Basalt) and from a Helm repository
// over HTTP (web). The user's helm runs with a kubeconfig that impersonates the same user.
type commandsWorld struct {
	*injectionWorld        // its env, ns and kube (token unused: local mode)
	api             string // Basalt's /api/v1
	helm            string
	kubeconfig      string // the user's: the cluster's address and CA, as basalt:helmcmd
}

const commandsUser = "helmcmd"

func newCommandsWorld(t *testing.T) *commandsWorld {
	t.Helper()
	env := testenv.Require(t)
	if env.Helm == "" {
		t.Fatal("the test environment has no helm binary (BASALT_TESTENV_HELM); rerun make testenv-up")
	}
	wd, _ := os.Getwd()
	root, err := testenv.FindRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	catalog := filepath.Join(work, "catalog")
	if out, err := exec.Command(testplugin.Path(t, "basalt-catalog"), "package", filepath.Join(root, "config", "catalog"), catalog).CombinedOutput(); err != nil {
		t.Fatalf("packaging the default catalog: %v\n%s", err, out)
	}
	repo := httptest.NewServer(http.FileServer(http.Dir(catalog)))
	t.Cleanup(repo.Close)

	mem := testplugin.Memory(t)
	base, _ := startHost(t, map[string]config.Plugin{
		"charts": {Kind: "catalog", Path: testplugin.Path(t, "basalt-plugin-helmrepo"), Config: map[string]any{
			"cacheDir": filepath.Join(work, "cache"), "refreshInterval": "0s", "catalogs": []any{
				map[string]any{"id": "ide", "location": catalog},
				map[string]any{"id": "web", "location": repo.URL},
			}}},
		"secrets": {Kind: "secrets", Path: mem, Args: []string{"secrets"}},
		"k8s": {Kind: "region", Path: testplugin.Path(t, "basalt-plugin-kubernetes"), Config: map[string]any{
			"kubeconfig": env.Kubeconfig, "access": map[string]any{"authenticationMode": "impersonate", "usernamePrefix": "basalt:"}}},
	}, "auth.local.username="+commandsUser, "auth.local.groups=[]")

	kube, err := env.KubeHTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	kubeconfig := filepath.Join(work, "kubeconfig")
	if err := os.WriteFile(kubeconfig, fmt.Appendf(nil, `apiVersion: v1
kind: Config
clusters: [{name: testenv, cluster: {server: %q, certificate-authority: %q}}]
users: [{name: %[3]s, user: {token: %[4]q, as: "basalt:%[3]s"}}]
contexts: [{name: %[3]s, context: {cluster: testenv, user: %[3]s}}]
current-context: %[3]s
`, env.KubeServer, env.KubeCAFile, commandsUser, env.KubeToken), 0o600); err != nil {
		t.Fatal(err)
	}
	return &commandsWorld{injectionWorld: &injectionWorld{env: env, base: base, ns: "user-" + commandsUser, kube: kube},
		api: base + "/api/v1", helm: env.Helm, kubeconfig: kubeconfig}
}

// call sends a request to Basalt's API and decodes a JSON answer into out.
func (w *commandsWorld) call(t *testing.T, method, path, body string, out any) {
	t.Helper()
	resp, raw := do(t, method, w.api+path, strings.NewReader(body), "Content-Type", "application/json")
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %d %.400s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// run runs commands as Basalt returned them with bash and the real helm, as the user, in a
// folder of its own. Its output is not shown: it may hold the secrets the commands carry.
func (w *commandsWorld) run(t *testing.T, shown []string, commands []string) {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("bash", "-e", "-c", strings.Join(commands, "\n"))
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + filepath.Dir(w.helm) + ":/usr/bin:/bin", "HOME=" + dir, "KUBECONFIG=" + w.kubeconfig,
		"HELM_CONFIG_HOME=" + filepath.Join(dir, ".helm/config"), "HELM_CACHE_HOME=" + filepath.Join(dir, ".helm/cache"),
		"HELM_DATA_HOME=" + filepath.Join(dir, ".helm/data")}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("the commands failed (%v) with %d bytes of output (not shown: they may hold secrets):\n%s", err, out.Len(), strings.Join(shown, "\n"))
	}
}

// releaseState is what a service is in the cluster: its Helm release (chart, status, values)
// and the objects of its chart, secrets' data and values only as digests.
type releaseState struct {
	Chart, Status string
	Values        string // digest of the release's values as JSON
	ValuesKeys    []string
	Objects       []string // kind/name: what matters of it
}

// state reads the release as the cluster's administrator; nil when it is gone.
func (w *commandsWorld) state(t *testing.T, release string) *releaseState {
	t.Helper()
	admin := func(args ...string) []byte {
		cmd := exec.Command(w.helm, append(args, "--namespace", w.ns, "--kubeconfig", w.env.Kubeconfig)...)
		cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=/usr/bin:/bin"}
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("helm %s: %v", args[0], err)
		}
		return out
	}
	var list []struct{ Name, Chart, Status string }
	if err := json.Unmarshal(admin("list", "--all", "--output", "json", "--filter", "^"+release+"$"), &list); err != nil {
		t.Fatal(err)
	}
	var objects []string
	for _, kind := range []string{"apps/v1 deployments", "v1 secrets", "v1 services", "v1 configmaps", "v1 persistentvolumeclaims", "v1 serviceaccounts"} {
		api, resource, _ := strings.Cut(kind, " ")
		prefix := "/apis/" + api
		if api == "v1" {
			prefix = "/api/v1"
		}
		var items struct {
			Items []struct {
				Metadata struct{ Name string }
				Spec     struct {
					Replicas *int
					Template struct {
						Spec struct{ Containers []struct{ Image string } }
					}
					Ports []struct{ Port int }
				}
				Data map[string]string
			}
		}
		if code := w.kubeGet(t, prefix+"/namespaces/"+w.ns+"/"+resource+"?labelSelector=app.kubernetes.io/instance%3D"+release, &items); code != http.StatusOK {
			t.Fatalf("listing %s: %d", resource, code)
		}
		for _, it := range items.Items {
			o := resource + "/" + it.Metadata.Name
			if it.Spec.Replicas != nil {
				o += fmt.Sprintf(" replicas=%d", *it.Spec.Replicas)
			}
			for _, c := range it.Spec.Template.Spec.Containers {
				o += " image=" + c.Image
			}
			for _, p := range it.Spec.Ports {
				o += fmt.Sprintf(" port=%d", p.Port)
			}
			if it.Data != nil {
				o += " data=" + digest(it.Data)
			}
			objects = append(objects, o)
		}
	}
	sort.Strings(objects)
	if len(list) == 0 {
		if len(objects) > 0 {
			return &releaseState{Objects: objects}
		}
		return nil
	}
	var values map[string]any
	if err := json.Unmarshal(admin("get", "values", release, "--output", "json"), &values); err != nil {
		t.Fatal(err)
	}
	return &releaseState{Chart: list[0].Chart, Status: list[0].Status, Values: digest(values), ValuesKeys: leafPaths(values, ""), Objects: objects}
}

// settle waits until the release's state is stable and done (deployed, or gone) and
// returns it.
func (w *commandsWorld) settle(t *testing.T, release string, gone bool) *releaseState {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	var last *releaseState
	for {
		s := w.state(t, release)
		done := (gone && s == nil) || (!gone && s != nil && s.Status == "deployed")
		if done && reflect.DeepEqual(s, last) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not settled (gone %v) after two minutes: %+v", release, gone, s)
		}
		last = s
		time.Sleep(time.Second)
	}
}

func digest(v any) string {
	b, _ := json.Marshal(v) // maps marshal with sorted keys
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// leafPaths are the dotted paths of a values tree's leaves, a secret's path marked so.
func leafPaths(v any, at string) []string {
	m, ok := v.(map[string]any)
	if !ok {
		return []string{at}
	}
	var out []string
	for k, child := range m {
		p := strings.TrimPrefix(at+"."+k, ".")
		if s, ok := child.(string); ok && s != "" && sdk.SecretName(k) {
			p += " (secret)"
		}
		out = append(out, leafPaths(child, p)...)
	}
	sort.Strings(out)
	return out
}

// TestCommandsRunAsShown launches, pauses, resumes and deletes a service through Basalt on the
// test environment's cluster, keeping the commands Basalt returned for each action; then it
// runs them, in the same order, with the real helm (and curl for the chart Basalt serves) as
// the same user, and checks after each that the cluster holds what Basalt made of it: the same
// release, chart and values (the password and git token, masked in the commands, supplied
// through commandsWithSecrets), the same objects, replicas to 0 and back, then nothing. Once
// for the catalog in a directory (the chart fetched from Basalt) and once for the Helm
// repository (helm repo add).
func TestCommandsRunAsShown(t *testing.T) {
	w := newCommandsWorld(t)
	w.call(t, "PUT", "/me/settings", `{"gitName":"Helm Cmd","gitEmail":"helmcmd@basalt.test","gitToken":"glpat-commands-secret"}`, nil)
	p := "/projects/" + w.ns

	for _, catalog := range []string{"ide", "web"} {
		t.Run(catalog, func(t *testing.T) {
			var form LaunchForm
			w.call(t, "GET", p+"/launch/form?catalog="+catalog+"&chart=jupyter", "", &form)
			release := form.Release
			var launched LaunchResult
			w.call(t, "POST", p+"/services", fmt.Sprintf(`{"catalog":%q,"chart":"jupyter","release":%q}`, catalog, release), &launched)
			if launched.Service.ID != release {
				t.Fatalf("launched %q, want the form's %q", launched.Service.ID, release)
			}
			deleted := false
			home := t.TempDir() // helm's own files, not in the shared temporary folder
			t.Cleanup(func() {
				if !deleted {
					do(t, "DELETE", w.api+p+"/services/"+release, nil)
				}
				cmd := exec.Command(w.helm, "uninstall", release, "--ignore-not-found", "--namespace", w.ns, "--kubeconfig", w.env.Kubeconfig)
				cmd.Env = []string{"HOME=" + home, "PATH=/usr/bin:/bin"}
				_ = cmd.Run()
			})
			shown := strings.Join(launched.Commands, "\n")
			if strings.Contains(shown, "glpat-commands-secret") || !strings.Contains(shown, "password: '********'") || !strings.Contains(shown, "token: '********'") {
				t.Fatalf("the launch's commands must mask the password and the git token:\n%s", shown)
			}
			if len(launched.CommandsWithSecrets) != len(launched.Commands) {
				t.Fatalf("the launch's commands mask secrets but come without commandsWithSecrets")
			}
			type step struct {
				name          string
				shown, reveal []string
				want          *releaseState
			}
			steps := []step{{name: "launch", shown: launched.Commands, reveal: launched.CommandsWithSecrets}}
			steps[0].want = w.settle(t, release, false)
			if !slices.Contains(steps[0].want.ValuesKeys, "git.token (secret)") || !slices.Contains(steps[0].want.ValuesKeys, "security.password (secret)") {
				t.Fatalf("the launched values have no git token or password: %v", steps[0].want.ValuesKeys)
			}
			for _, action := range []string{"suspend", "resume"} {
				var out ActionResult
				w.call(t, "POST", p+"/services/"+release+"/"+action, "", &out)
				steps = append(steps, step{name: action, shown: out.Commands, reveal: out.Commands, want: w.settle(t, release, false)})
			}
			if !slices.ContainsFunc(steps[1].want.Objects, func(o string) bool { return strings.Contains(o, "replicas=0") }) ||
				slices.ContainsFunc(steps[2].want.Objects, func(o string) bool { return strings.Contains(o, "replicas=0") }) {
				t.Fatalf("paused %v, resumed %v: want replicas 0 then back", steps[1].want.Objects, steps[2].want.Objects)
			}
			var out ActionResult
			w.call(t, "DELETE", p+"/services/"+release, "", &out)
			deleted = true
			steps = append(steps, step{name: "delete", shown: out.Commands, reveal: out.Commands, want: w.settle(t, release, true)})

			// Basalt's actions are undone: the same again, from the commands alone.
			for _, s := range steps {
				w.run(t, s.shown, s.reveal)
				if got := w.settle(t, release, s.want == nil); !reflect.DeepEqual(got, s.want) {
					t.Fatalf("after the %s commands:\n%+v\nafter Basalt's %s:\n%+v\ncommands:\n%s", s.name, got, s.name, s.want, strings.Join(s.shown, "\n"))
				}
			}
		})
	}
}
