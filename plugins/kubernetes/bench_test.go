package kubernetes_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/release"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	k8s "k8s.io/client-go/kubernetes"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/plugins/kubernetes"
	"github.com/basalt-dev/basalt/sdk"
)

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// deployed returns a channel closed when the release's record says deployed.
func deployed(b testing.TB, client k8s.Interface, ns, name string) <-chan struct{} {
	w, err := client.CoreV1().Secrets(ns).Watch(b.Context(), metav1.ListOptions{LabelSelector: "owner=helm,status=deployed,name=" + name})
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer w.Stop()
		for ev := range w.ResultChan() {
			if ev.Type == watch.Added || ev.Type == watch.Modified {
				close(done)
				return
			}
		}
	}()
	return done
}

// helmTool is the helm command-line tool the test environment built, if it did.
func helmTool(env *testenv.Env) string {
	if env.Helm != "" {
		return env.Helm
	}
	found, _ := filepath.Glob("../../.cache/bin/helm-*/helm")
	if len(found) > 0 {
		return found[0]
	}
	return ""
}

// BenchmarkLaunch measures the launch latency of Onyxia's jupyter-python, from the call to
// the release recorded as deployed, and in the same run that of `helm upgrade --install`,
// which Onyxia runs for every launch.
func BenchmarkLaunch(b *testing.B) {
	p, client := newRegion(b, map[string]any{"quotas": map[string]any{}})
	archive := jupyterArchive(b)
	user := sdk.Caller{Username: unique("bench-")}
	project := sdk.Project{ID: "user-" + user.Username}
	dropNamespace(b, client, project.ID)
	if _, err := p.Onboard(b.Context(), sdk.OnboardRequest{Caller: user, Project: project}); err != nil {
		b.Fatal(err)
	}
	launch := func(name string) time.Duration {
		done := deployed(b, client, project.ID, name)
		began := time.Now()
		_, err := p.Install(b.Context(), sdk.InstallRequest{
			Caller: user, Project: project, ReleaseName: name, Archive: bytes.NewReader(archive),
			Values: values(name), Metadata: sdk.ReleaseMetadata{Catalog: "interactive", Chart: "jupyter-python", Owner: user.Username},
		})
		if err != nil {
			b.Fatal(err)
		}
		select {
		case <-done:
		case <-time.After(time.Minute):
			b.Fatalf("%s not deployed after a minute", name)
		}
		return time.Since(began)
	}
	// Each launch, Basalt's or helm's, meets a settled cluster: the burst of work that follows
	// an uninstall (the controllers deleting what the objects made, the caches taking in the
	// deletions) is over, as it is when a user launches.
	uninstall := func(name string) {
		if _, err := p.Uninstall(b.Context(), sdk.UninstallRequest{ReleaseRef: sdk.ReleaseRef{Caller: user, Project: project, Name: name}}); err != nil {
			b.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
	}
	launch("warm-up") // the first launch in a namespace starts its caches
	uninstall("warm-up")

	var ours []time.Duration
	b.ResetTimer()
	for i := range b.N {
		name := fmt.Sprintf("jupyter-%d", i)
		ours = append(ours, launch(name))
		b.StopTimer()
		uninstall(name)
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(ms(median(ours)), "p50-ms")

	env := testenv.Require(b)
	helm := helmTool(env)
	if helm == "" {
		b.Logf("no helm tool in the test environment: no side-by-side measure")
		return
	}
	chartPath := filepath.Join(catalogs, "jupyter-python-2.5.2.tgz")
	home := b.TempDir()
	var theirs []time.Duration
	for i := range min(b.N, 10) {
		name := fmt.Sprintf("helm-%d", i)
		valuesFile := filepath.Join(home, name+".json")
		if err := os.WriteFile(valuesFile, values(name), 0o600); err != nil {
			b.Fatal(err)
		}
		cmd := exec.Command(helm, "upgrade", "--install", name, chartPath, "-f", valuesFile,
			"--namespace", project.ID, "--kubeconfig", env.Kubeconfig, "--history-max", "0")
		cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+filepath.Join(home, "cache"),
			"HELM_CONFIG_HOME="+filepath.Join(home, "config"), "HELM_DATA_HOME="+filepath.Join(home, "data"))
		began := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("helm upgrade --install: %v\n%s", err, out)
		}
		theirs = append(theirs, time.Since(began))
		uninstall(name)
	}
	b.ReportMetric(ms(median(theirs)), "helm-p50-ms")
	b.ReportMetric(float64(median(ours))/float64(median(theirs)), "ratio")
}

// BenchmarkListReleases lists a project of 200 services. One jupyter-python release is
// installed, and its Helm record and metadata copied under 199 other names: installing 200
// for real takes minutes, as each render of Onyxia's charts lists every Secret of the
// namespace. In the same run: helm ls plus helm get all per release, as Onyxia lists
// services, estimated from five get all.
func BenchmarkListReleases(b *testing.B) {
	const services = 200
	p, client := newRegion(b, map[string]any{"quotas": map[string]any{}})
	user, project := listFixture(b, p, client, services)
	ctx := b.Context()
	list := func(p *kubernetes.Plugin) int {
		resp, err := p.ListReleases(ctx, sdk.ListReleasesRequest{Caller: user, Project: project})
		if err != nil {
			b.Fatal(err)
		}
		return len(resp.Releases)
	}
	// A plugin just started pays for its first listing: the caches fill from the cluster.
	began := time.Now()
	if n := list(p); n != services {
		b.Fatalf("listed %d services, want %d", n, services)
	}
	cold := time.Since(began)
	var took []time.Duration
	b.ResetTimer()
	for range b.N {
		began := time.Now()
		list(p)
		took = append(took, time.Since(began))
	}
	b.StopTimer()
	b.ReportMetric(ms(median(took)), "p50-ms")
	b.ReportMetric(ms(cold), "cold-ms")

	env := testenv.Require(b)
	helm := helmTool(env)
	if helm == "" {
		return
	}
	home := b.TempDir()
	run := func(args ...string) time.Duration {
		cmd := exec.Command(helm, append(args, "--namespace", project.ID, "--kubeconfig", env.Kubeconfig)...)
		cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+filepath.Join(home, "cache"),
			"HELM_CONFIG_HOME="+filepath.Join(home, "config"), "HELM_DATA_HOME="+filepath.Join(home, "data"))
		began := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("helm %v: %v\n%s", args, err, out)
		}
		return time.Since(began)
	}
	ls := run("ls", "--max", "0")
	var getAll []time.Duration
	for i := range 5 {
		getAll = append(getAll, run("get", "all", fmt.Sprintf("copy-%d", i+1)))
	}
	estimate := ls + services*median(getAll)
	b.ReportMetric(ms(estimate), "helm-est-ms")
	b.ReportMetric(float64(median(took))/float64(estimate), "ratio")
}

var fixture struct {
	sync.Once
	user    sdk.Caller
	project sdk.Project
}

// listFixture makes, once per test binary, a project of n services; TestMain deletes it.
func listFixture(b *testing.B, p *kubernetes.Plugin, client k8s.Interface, n int) (sdk.Caller, sdk.Project) {
	fixture.Do(func() {
		user := sdk.Caller{Username: unique("bench-")}
		project := sdk.Project{ID: "user-" + user.Username}
		ctx := b.Context()
		if _, err := p.Onboard(ctx, sdk.OnboardRequest{Caller: user, Project: project}); err != nil {
			b.Fatal(err)
		}
		cleanups = append(cleanups, func() {
			_ = client.CoreV1().Namespaces().Delete(context.Background(), project.ID, metav1.DeleteOptions{})
		})
		_, err := p.Install(ctx, sdk.InstallRequest{
			Caller: user, Project: project, ReleaseName: "original", Archive: bytes.NewReader(jupyterArchive(b)),
			Values:   []byte(`{"global":{"suspend":true}}`),
			Metadata: sdk.ReleaseMetadata{Catalog: "interactive", Chart: "jupyter-python", Owner: user.Username},
		})
		if err != nil {
			b.Fatal(err)
		}
		secrets := client.CoreV1().Secrets(project.ID)
		var rec *corev1.Secret
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
			rec, err = secrets.Get(ctx, "sh.helm.release.v1.original.v1", metav1.GetOptions{})
			if err == nil && rec.Labels["status"] == "deployed" {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("original not deployed: %v", err)
			}
		}
		md, err := secrets.Get(ctx, "sh.onyxia.release.v1.original", metav1.GetOptions{})
		if err != nil {
			b.Fatal(err)
		}
		rel, err := decodeRelease(rec.Data["release"])
		if err != nil {
			b.Fatal(err)
		}
		for i := 1; i < n; i++ {
			name := fmt.Sprintf("copy-%d", i)
			rel.Name = name
			data, err := encodeRelease(rel)
			if err != nil {
				b.Fatal(err)
			}
			labels := maps.Clone(rec.Labels)
			labels["name"] = name
			copyRec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "sh.helm.release.v1." + name + ".v1", Labels: labels}, Type: rec.Type, Data: map[string][]byte{"release": data}}
			if _, err := secrets.Create(ctx, copyRec, metav1.CreateOptions{}); err != nil {
				b.Fatal(err)
			}
			copyMD := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "sh.onyxia.release.v1." + name, Labels: map[string]string{"onyxia.sh/release": name}}, Type: md.Type, Data: md.Data}
			if _, err := secrets.Create(ctx, copyMD, metav1.CreateOptions{}); err != nil {
				b.Fatal(err)
			}
		}
		fixture.user, fixture.project = user, project
	})
	if fixture.project.ID == "" {
		b.Fatal("the listing fixture failed in an earlier run")
	}
	return fixture.user, fixture.project
}

// decodeRelease and encodeRelease read and write Helm's storage format (base64 of gzipped
// JSON).
func decodeRelease(data []byte) (*release.Release, error) {
	raw, err := base64.StdEncoding.DecodeString(string(data))
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	var rel release.Release
	return &rel, json.NewDecoder(zr).Decode(&rel)
}

func encodeRelease(rel *release.Release) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := json.NewEncoder(zw).Encode(rel); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return []byte(base64.StdEncoding.EncodeToString(buf.Bytes())), nil
}

// cleanups run once every test and benchmark of the binary ended.
var cleanups []func()

func TestMain(m *testing.M) {
	code := m.Run()
	for _, f := range cleanups {
		f()
	}
	os.Exit(code)
}
