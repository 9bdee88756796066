package kubernetes_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/release"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8s "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/basalt-dev/basalt/deploy/testenv"

	"github.com/basalt-dev/basalt/plugins/kubernetes"
	"github.com/basalt-dev/basalt/sdk"
)

// launchValues are what the portal sends for a launch of jupyter-python: the chart's whole
// default values (the form fills every field) with the service's own on top, pinned to the
// kwok nodes.
func launchValues(b *testing.B, archive []byte, name string) []byte {
	ch, err := loader.LoadArchive(bytes.NewReader(archive))
	if err != nil {
		b.Fatal(err)
	}
	var own map[string]any
	if err := json.Unmarshal(values(name), &own); err != nil {
		b.Fatal(err)
	}
	own["nodeSelector"] = map[string]any{"type": "kwok"}
	out, err := json.Marshal(chartutil.CoalesceTables(own, ch.Values))
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// seedCopies launches one jupyter-python in project and copies its Helm record, metadata and
// StatefulSet, renamed, perProject times into each of projects, as the scale harness seeds
// services in bulk; the StatefulSet controller makes each copy's pod on a kwok node.
func seedCopies(b *testing.B, p *kubernetes.Plugin, client k8s.Interface, owner sdk.Caller, home sdk.Project, projects []sdk.Project, perProject int) {
	ctx := b.Context()
	archive := jupyterArchive(b)
	const original = "original"
	done := deployed(b, client, home.ID, original)
	_, err := p.Install(ctx, sdk.InstallRequest{
		Caller: owner, Project: home, ReleaseName: original, Archive: bytes.NewReader(archive),
		Values:   launchValues(b, archive, original),
		Metadata: sdk.ReleaseMetadata{Catalog: "interactive", Chart: "jupyter-python", Owner: owner.Username},
	})
	if err != nil {
		b.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		b.Fatal("the original jupyter-python is not deployed after 2 minutes")
	}
	secrets := client.CoreV1().Secrets(home.ID)
	rec, err := secrets.Get(ctx, "sh.helm.release.v1."+original+".v1", metav1.GetOptions{})
	if err != nil {
		b.Fatal(err)
	}
	md, err := secrets.Get(ctx, "sh.onyxia.release.v1."+original, metav1.GetOptions{})
	if err != nil {
		b.Fatal(err)
	}
	sets, err := client.AppsV1().StatefulSets(home.ID).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/instance=" + original})
	if err != nil || len(sets.Items) != 1 {
		b.Fatalf("the original's StatefulSets: %d, %v", len(sets.Items), err)
	}
	rel, err := decodeRelease(rec.Data["release"])
	if err != nil {
		b.Fatal(err)
	}
	relJSON, err := json.Marshal(rel)
	if err != nil {
		b.Fatal(err)
	}
	setJSON, err := json.Marshal(sets.Items[0])
	if err != nil {
		b.Fatal(err)
	}
	copyOne := func(ns, name string) error {
		rename := func(data []byte) []byte { return bytes.ReplaceAll(data, []byte(original), []byte(name)) }
		var r release.Release
		if err := json.Unmarshal(rename(relJSON), &r); err != nil {
			return err
		}
		r.Namespace = ns
		data, err := encodeRelease(&r)
		if err != nil {
			return err
		}
		labels := maps.Clone(rec.Labels)
		labels["name"] = name
		made, err := client.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "sh.helm.release.v1." + name + ".v1", Labels: labels},
			Type:       rec.Type, Data: map[string][]byte{"release": data},
		}, metav1.CreateOptions{})
		if err != nil {
			return err
		}
		yes := true
		_, err = client.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "sh.onyxia.release.v1." + name, Labels: map[string]string{"onyxia.sh/release": name},
				OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "Secret", Name: made.Name, UID: made.UID, Controller: &yes}}},
			Type: md.Type, Data: md.Data,
		}, metav1.CreateOptions{})
		if err != nil {
			return err
		}
		var set appsv1.StatefulSet
		if err := json.Unmarshal(rename(setJSON), &set); err != nil {
			return err
		}
		set.ObjectMeta = metav1.ObjectMeta{Name: set.Name, Namespace: ns, Labels: set.Labels, Annotations: set.Annotations}
		set.Status = appsv1.StatefulSetStatus{}
		_, err = client.AppsV1().StatefulSets(ns).Create(ctx, &set, metav1.CreateOptions{})
		return err
	}
	var wg sync.WaitGroup
	writers := make(chan struct{}, 16)
	for _, project := range projects {
		for i := range perProject {
			wg.Go(func() {
				writers <- struct{}{}
				defer func() { <-writers }()
				if err := copyOne(project.ID, fmt.Sprintf("copy-%d", i)); err != nil {
					b.Errorf("copying into %s: %v", project.ID, err)
				}
			})
		}
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
}

// fastClient is a client of the test environment's cluster without client-go's default
// throttle of five requests a second, for seeding.
func fastClient(b *testing.B) k8s.Interface {
	rc, err := clientcmd.BuildConfigFromFlags("", testenv.Require(b).Kubeconfig)
	if err != nil {
		b.Fatal(err)
	}
	rc.QPS, rc.Burst = 200, 400
	return k8s.NewForConfigOrDie(rc)
}

// inUse is the memory the process holds after a collection: live heap and goroutine stacks.
func inUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}

// BenchmarkMemoryPerRelease measures what the plugin's caches hold per release: a real
// jupyter-python launched with the form's whole values, copied ten times into each of 40
// projects (the scale harness's ten services a project), every project's caches warmed by
// a listing. The figure is the heap and stacks in use after a collection, less what they were
// before the first listing, divided by the releases the caches hold: the projects' with a
// least-privilege plugin (caches per namespace), every Helm release of the cluster with one
// that may read them all (cluster-wide caches).
func BenchmarkMemoryPerRelease(b *testing.B) {
	const projects, perProject = 40, 10
	env := testenv.Require(b)
	client := fastClient(b)
	leastPrivilege := map[string]any{"kubeconfig": leastPrivilegeKubeconfig(b, env, client), "quotas": map[string]any{}}
	p, _ := newRegion(b, leastPrivilege)
	owner := sdk.Caller{Username: unique("mem-")}
	home := sdk.Project{ID: "user-" + owner.Username}
	onboard(b, p, client, owner, home)
	owners, targets := personalProjects(b, p, client, "mem-", projects)
	seedCopies(b, p, client, owner, home, targets, perProject)

	measure := func(b *testing.B, extra map[string]any, held func() int) {
		// A plugin started after the seeding, so that its caches hold only what they read.
		started, _ := newRegion(b, extra)
		ctx := b.Context()
		listAll := func() int {
			n := 0
			for i, project := range targets {
				resp, err := started.ListReleases(ctx, sdk.ListReleasesRequest{Caller: owners[i], Project: project})
				if err != nil {
					b.Fatal(err)
				}
				n += len(resp.Releases)
			}
			return n
		}
		goroutines := runtime.NumGoroutine()
		before := inUse()
		began := time.Now()
		listed := listAll()
		cold := time.Since(began)
		if listed != projects*perProject {
			b.Fatalf("listed %d releases, want %d", listed, projects*perProject)
		}
		after := inUse()
		goroutines = runtime.NumGoroutine() - goroutines
		for b.Loop() {
			listAll()
		}
		releases := held()
		b.ReportMetric((float64(after)-float64(before))/float64(releases)/1024, "KiB/release")
		b.ReportMetric(ms(cold), "cold-ms")
		b.ReportMetric(float64(releases), "releases")
		b.ReportMetric(float64(goroutines), "goroutines")
		sample := mustList(b, started, owners[0], targets[0])
		if len(sample) != perProject || !strings.HasPrefix(sample[0].Name, "copy-") || len(sample[0].Workloads) != 1 {
			b.Fatalf("a copy lists as %+v", sample[0])
		}
	}
	b.Run("per-namespace", func(b *testing.B) {
		measure(b, leastPrivilege, func() int { return projects * perProject })
	})
	b.Run("cluster-wide", func(b *testing.B) {
		measure(b, nil, func() int {
			records, err := client.CoreV1().Secrets("").List(b.Context(), metav1.ListOptions{LabelSelector: "owner=helm"})
			if err != nil {
				b.Fatal(err)
			}
			return len(records.Items)
		})
	})
}

func mustList(b *testing.B, p *kubernetes.Plugin, caller sdk.Caller, project sdk.Project) []sdk.Release {
	resp, err := p.ListReleases(b.Context(), sdk.ListReleasesRequest{Caller: caller, Project: project})
	if err != nil {
		b.Fatal(err)
	}
	return resp.Releases
}
