package server

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk/plugintest/logscan"
)

// TestUsageMeasuredByPrometheus launches Basalt's jupyter chart on the test environment's
// cluster in a person's project and in a group's, whose region names the environment's
// Prometheus; the person's notebook computes (500m, through kwok), and a pod made without
// Basalt computes in the group's project (200m). After a minute and a half of samples, the
// report's hours running, CPU and memory are, project by project and pod by pod, within 5 % of
// what Prometheus answers to the test's own queries over the same time (CPU: the counters'
// increase; running: from each pod's first sample on; memory: the working set's average over
// that time), and the person's CPU is close to 500m × the time since it was set. The group's
// pods are not counted in the person's project; the stray pod counts for the group's project,
// by user under "<project> (no known service)". The sources say Prometheus for running, CPU
// and memory, requests for GPU and storage, in JSON and in CSV.
func TestUsageMeasuredByPrometheus(t *testing.T) {
	env := testenv.Require(t)
	if env.PrometheusURL == "" {
		t.Fatal("the test environment runs no Prometheus: run `make testenv-up` again (its env file predates Prometheus)")
	}
	began := time.Now()
	suffix := began.UnixNano() % 1_000_000
	user, group := fmt.Sprintf("measured%d", suffix), fmt.Sprintf("measured%d", suffix)
	personal, team := "user-"+user, "project-"+group
	cfg, err := config.Load(config.Sources{Sets: []string{"auth.local.username=" + user, "auth.local.roles=[admin]", "auth.local.groups=[" + group + "]"}})
	if err != nil {
		t.Fatal(err)
	}
	// A step of a second: the test's minute and a half counted to the second.
	cfg.Regions[0].Prometheus = config.Prometheus{URL: env.PrometheusURL, Step: time.Second}
	base, _ := serveConfig(t, cfg, logscan.Logger(t, "core"), clusterPlugins(t, env))
	api := base + "/api/v1"
	t.Cleanup(func() {
		for _, ns := range []string{personal, team} {
			do(t, http.MethodDelete, api+"/projects/"+ns+"/services", nil)
			deleteNamespace(t, env, ns)
		}
	})
	launch := func(project string) string {
		t.Helper()
		code, body := postJSON(t, api+"/projects/"+project+"/services", `{"catalog":"basalt","chart":"jupyter"}`)
		var launched LaunchResult
		if code != http.StatusAccepted || json.Unmarshal(body, &launched) != nil {
			t.Fatalf("launch in %s: %d %s", project, code, body)
		}
		return launched.Service.ID
	}
	mine, theirs := launch(personal), launch(team)
	myPod, theirPod := runningPod(t, env, personal, mine), runningPod(t, env, team, theirs)
	kubeCall(t, env, http.MethodPost, "/api/v1/namespaces/"+team+"/pods", map[string]any{
		"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "stray"},
		"spec": map[string]any{"containers": []map[string]any{{"name": "main", "image": "busybox:1.36",
			"resources": map[string]any{"requests": map[string]string{"cpu": "100m", "memory": "64Mi"}, "limits": map[string]string{"cpu": "1", "memory": "256Mi"}}}}},
	}, nil)
	runningPod(t, env, team, "stray")
	for pod, millicores := range map[string]int{personal + "/" + myPod: 500, team + "/stray": 200} {
		ns, name, _ := strings.Cut(pod, "/")
		if err := env.SetPodCPU(t.Context(), ns, name, millicores); err != nil {
			t.Fatal(err)
		}
	}
	set := time.Now()
	t.Logf("three pods running %s after the start", set.Sub(began).Round(100*time.Millisecond))
	time.Sleep(90 * time.Second)

	day := began.UTC().Format(time.DateOnly)
	next := began.UTC().AddDate(0, 0, 1).Format(time.DateOnly) // should the test cross midnight
	report := func(by string) UsageReport {
		t.Helper()
		var r UsageReport
		if code := getJSON(t, api+"/admin/usage?from="+day+"&to="+next+"&by="+by, &r); code != 200 {
			t.Fatalf("usage by %s: %d %+v", by, code, r)
		}
		want := UsageSources{Running: "prometheus", CPU: "prometheus", MemoryGiB: "prometheus", GPU: "requests", StorageGiB: "requests"}
		if r.Sources != want || r.Basis != "prometheus" || len(r.MeasuredRegions) != 1 || r.MeasuredRegions[0] != cfg.Regions[0].ID ||
			len(r.PrometheusFailures) != 0 || !strings.Contains(r.Note, "measured") {
			t.Errorf("by %s: sources %+v, basis %s, measured %v, failures %+v, note %q", by, r.Sources, r.Basis, r.MeasuredRegions, r.PrometheusFailures, r.Note)
		}
		return r
	}
	asked := time.Now()
	byProject := report("project")
	t.Logf("the report by project in %s", time.Since(asked).Round(10*time.Millisecond))
	// Prometheus' own answers for the containers the selector picks, over the test's time to
	// a report's asOf (to the second, as Basalt counts).
	own := func(r UsageReport, selector string) UsageHours {
		t.Helper()
		asOf := r.AsOf.Truncate(time.Second)
		window := fmt.Sprintf("%ds", int(asOf.Sub(began).Seconds())+60)
		one := func(expr string) float64 {
			samples, err := env.PrometheusQuery(t.Context(), expr, asOf)
			if err != nil || len(samples) != 1 {
				t.Fatalf("%s: %+v %v", expr, samples, err)
			}
			return samples[0].Value
		}
		memory := "container_memory_working_set_bytes" + selector
		// Seconds from each container's first sample to asOf (it still runs).
		present := fmt.Sprintf("(time() - min_over_time(timestamp(%s)[%s:1s]))", memory, window)
		return UsageHours{
			CPU:       one(fmt.Sprintf("sum(increase(container_cpu_usage_seconds_total%s[%s]))", selector, window)) / 3600,
			Running:   one(fmt.Sprintf("sum(max by (namespace, pod) (%s))", present)) / 3600,
			MemoryGiB: one(fmt.Sprintf("sum(avg_over_time(%s[%s]) * %s)", memory, window, present)) / 3600 / (1 << 30),
		}
	}
	near := func(what string, got, want UsageHours) {
		t.Helper()
		for _, q := range []struct {
			name      string
			got, want float64
		}{{"running", got.Running, want.Running}, {"cpu", got.CPU, want.CPU}, {"memory", got.MemoryGiB, want.MemoryGiB}} {
			if q.want <= 0 || math.Abs(q.got-q.want) > 0.05*q.want {
				t.Errorf("%s: %s %.6f h, Prometheus' own answer %.6f h: not within 5 %%", what, q.name, q.got, q.want)
			} else {
				t.Logf("%s: %s %.6f h, Prometheus' own answer %.6f h (%+.2f %%)", what, q.name, q.got, q.want, 100*(q.got-q.want)/q.want)
			}
		}
	}
	total := func(r UsageReport, key string) UsageHours {
		for _, k := range r.Keys {
			if k.Key == key {
				return k.Hours
			}
		}
		t.Fatalf("no total for %s among %+v", key, r.Keys)
		return UsageHours{}
	}
	selector := func(namespace, pods string) string {
		return fmt.Sprintf(`{namespace=%q,pod=~%q,container!="",container!="POD"}`, namespace, pods)
	}

	mineHours := total(byProject, personal)
	near("the person's project", mineHours, own(byProject, selector(personal, ".+")))
	near("the group's project", total(byProject, team), own(byProject, selector(team, ".+")))
	elapsed := byProject.AsOf.Sub(set).Hours()
	if math.Abs(mineHours.CPU-0.5*elapsed) > 0.15*0.5*elapsed {
		t.Errorf("the person's notebook used %.5f core-hours in the %.4f h since its 500m was set: want about %.5f", mineHours.CPU, elapsed, 0.5*elapsed)
	}
	if mineHours.StorageGiB <= 0 || mineHours.GPU != 0 {
		t.Errorf("the person's storage and GPU, requests × time: %+v", mineHours)
	}
	t.Logf("the person's project: %+v; %.4f h since the CPU was set", mineHours, elapsed)

	byUser := report("user")
	stray := team + " (no known service)"
	near("the person's services", total(byUser, user), own(byUser, fmt.Sprintf(`{namespace=~%q,pod=~%q,container!="",container!="POD"}`,
		personal+"|"+team, myPod+"|"+theirPod)))
	near("the stray pod", total(byUser, stray), own(byUser, selector(team, "stray")))

	resp, body := do(t, http.MethodGet, api+"/admin/usage?from="+day+"&to="+next+"&by=user&format=csv", nil)
	lines, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if resp.StatusCode != 200 || err != nil || len(lines) < 2 {
		t.Fatalf("CSV: %d %v %s", resp.StatusCode, err, body)
	}
	for _, l := range lines[1:] {
		if l[1] == stray && strings.Join(l[7:], ",") != "prometheus,prometheus,prometheus,requests,requests" {
			t.Errorf("CSV line %v: want the sources prometheus ×3, requests ×2", l)
		}
	}
}

// kubeCall sends one request to the test environment's cluster as its administrator, and
// decodes its answer into out unless nil.
func kubeCall(t *testing.T, env *testenv.Env, method, path string, in, out any) {
	t.Helper()
	kube, err := env.KubeHTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	var body io.Reader
	if in != nil {
		data, _ := json.Marshal(in)
		body = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, env.KubeServer+path, body)
	req.Header.Set("Authorization", "Bearer "+env.KubeToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := kube.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatal(err)
		}
	}
}

// runningPod waits (a minute at most) for a running pod of a namespace whose name is name or
// starts with name and a dash, and names it.
func runningPod(t *testing.T, env *testenv.Env, namespace, name string) string {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(500 * time.Millisecond) {
		var pods struct {
			Items []struct {
				Metadata struct{ Name string }
				Status   struct{ Phase string }
			}
		}
		kubeCall(t, env, http.MethodGet, "/api/v1/namespaces/"+namespace+"/pods", nil, &pods)
		for _, p := range pods.Items {
			if (p.Metadata.Name == name || strings.HasPrefix(p.Metadata.Name, name+"-")) && p.Status.Phase == "Running" {
				return p.Metadata.Name
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no running pod of %s in %s after a minute: %+v", name, namespace, pods.Items)
		}
	}
}
