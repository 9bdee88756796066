package kubernetes_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

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
func deployed(b *testing.B, client k8s.Interface, ns, name string) <-chan struct{} {
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
	uninstall := func(name string) {
		if _, err := p.Uninstall(b.Context(), sdk.UninstallRequest{ReleaseRef: sdk.ReleaseRef{Caller: user, Project: project, Name: name}}); err != nil {
			b.Fatal(err)
		}
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

	env := testEnv(b)
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

// BenchmarkListReleases lists a project of 200 services (paused, so that the cluster runs no
// pods for them).
func BenchmarkListReleases(b *testing.B) {
	const services = 200
	p, client := newRegion(b, map[string]any{"quotas": map[string]any{}})
	archive := jupyterArchive(b)
	user := sdk.Caller{Username: unique("bench-")}
	project := sdk.Project{ID: "user-" + user.Username}
	dropNamespace(b, client, project.ID)
	if _, err := p.Onboard(b.Context(), sdk.OnboardRequest{Caller: user, Project: project}); err != nil {
		b.Fatal(err)
	}
	ctx := b.Context()
	for i := range services {
		name := fmt.Sprintf("jupyter-%d", i)
		_, err := p.Install(ctx, sdk.InstallRequest{
			Caller: user, Project: project, ReleaseName: name, Archive: bytes.NewReader(archive),
			Values:   []byte(`{"global":{"suspend":true}}`),
			Metadata: sdk.ReleaseMetadata{Catalog: "interactive", Chart: "jupyter-python", Owner: user.Username},
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	list := func(p *kubernetes.Plugin) int {
		resp, err := p.ListReleases(ctx, sdk.ListReleasesRequest{Caller: user, Project: project})
		if err != nil {
			b.Fatal(err)
		}
		return len(resp.Releases)
	}
	if n := list(p); n != services {
		b.Fatalf("listed %d services, want %d", n, services)
	}
	var took []time.Duration
	b.ResetTimer()
	for range b.N {
		began := time.Now()
		list(p)
		took = append(took, time.Since(began))
	}
	b.StopTimer()
	b.ReportMetric(ms(median(took)), "p50-ms")

	// A plugin just started pays for its first listing: the caches fill from the cluster.
	cold, _ := newRegion(b, nil)
	began := time.Now()
	list(cold)
	b.ReportMetric(ms(time.Since(began)), "cold-ms")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	_ = client.CoreV1().Namespaces().Delete(ctx, project.ID, metav1.DeleteOptions{})
}
