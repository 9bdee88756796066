package kubernetes_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/basalt-dev/basalt/plugins/kubernetes"
	"github.com/basalt-dev/basalt/sdk"
)

// BenchmarkConcurrentLaunches launches 50 jupyter-python services at once, 5 for each of 10
// users, through two plugin instances (as two replicas of the core would): one service of
// each user is launched twice at the same moment, once through each. It checks that every
// service reaches deployed with ready workloads, that no launch is lost and that each twin
// pair made one release, then uninstalls everything. Reported: the time until every launch
// call returned, and until every service was ready.
func BenchmarkConcurrentLaunches(b *testing.B) {
	const users, perUser = 10, 5
	noQuota := map[string]any{"quotas": map[string]any{}}
	p, client := newRegion(b, noQuota)
	twin, _ := newRegion(b, noQuota)
	archive := jupyterArchive(b)
	ctx := b.Context()
	var callers []sdk.Caller
	for range users {
		u := sdk.Caller{Username: unique("crowd-")}
		dropNamespace(b, client, "user-"+u.Username)
		if _, err := p.Onboard(ctx, sdk.OnboardRequest{Caller: u, Project: project(u)}); err != nil {
			b.Fatal(err)
		}
		callers = append(callers, u)
	}

	var returned, ready []time.Duration
	for i := range b.N {
		began := time.Now()
		launched, twins := launchCrowd(b, p, twin, callers, archive, i, perUser)
		returned = append(returned, time.Since(began))
		// One of each twin pair won; the metadata is the winner's.
		for _, winner := range twins {
			rel, err := p.GetRelease(ctx, sdk.GetReleaseRequest{ReleaseRef: sdk.ReleaseRef{Caller: winner.Caller, Project: winner.Project, Name: winner.ReleaseName}})
			if err != nil || rel.Release.Metadata.FriendlyName != winner.Metadata.FriendlyName {
				b.Errorf("twin %s: metadata %+v, want the winner's (%q): %v", winner.ReleaseName, rel.Release.Metadata, winner.Metadata.FriendlyName, err)
			}
		}
		for _, u := range callers {
			waitAllReady(b, p, u, launched[u.Username], 3*time.Minute)
		}
		ready = append(ready, time.Since(began))

		b.StopTimer()
		for _, u := range callers {
			// One Helm record per service: nothing launched twice.
			recs, err := client.CoreV1().Secrets(project(u).ID).List(ctx, metav1.ListOptions{LabelSelector: "owner=helm"})
			if err != nil {
				b.Fatal(err)
			}
			if len(recs.Items) != perUser {
				b.Errorf("%s: %d Helm records for %d services", u.Username, len(recs.Items), perUser)
			}
		}
		uninstallAll(b, p, callers)
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(ms(median(returned)), "returned-ms")
	b.ReportMetric(ms(median(ready)), "all-ready-ms")
}

func project(u sdk.Caller) sdk.Project { return sdk.Project{ID: "user-" + u.Username} }

// launchCrowd launches perUser services for each caller at once, the first of each also
// through twin; it returns the names launched per user and the requests that won each twin
// pair. Every other launch must succeed; of a pair, one, the other finding the name taken.
func launchCrowd(b *testing.B, p, twin *kubernetes.Plugin, callers []sdk.Caller, archive []byte, round, perUser int) (map[string][]string, map[string]sdk.InstallRequest) {
	type outcome struct {
		req sdk.InstallRequest
		err error
	}
	var (
		mu       sync.Mutex
		outcomes = map[string][]outcome{}
		wg       sync.WaitGroup
	)
	launched := map[string][]string{}
	start := make(chan struct{})
	launch := func(via *kubernetes.Plugin, req sdk.InstallRequest) {
		wg.Go(func() {
			<-start
			_, err := via.Install(b.Context(), req)
			mu.Lock()
			outcomes[req.ReleaseName] = append(outcomes[req.ReleaseName], outcome{req, err})
			mu.Unlock()
		})
	}
	for _, u := range callers {
		for j := range perUser {
			name := fmt.Sprintf("jupyter-%d-%d", round, j)
			req := sdk.InstallRequest{
				Caller: u, Project: project(u), ReleaseName: name, Archive: bytes.NewReader(archive), Values: values(name),
				Metadata: sdk.ReleaseMetadata{Catalog: "interactive", Chart: "jupyter-python", Owner: u.Username, FriendlyName: "first"},
			}
			launch(p, req)
			launched[u.Username] = append(launched[u.Username], name)
			if j == 0 {
				req.Archive, req.Metadata.FriendlyName = bytes.NewReader(archive), "twin"
				launch(twin, req)
			}
		}
	}
	close(start)
	wg.Wait()

	twins := map[string]sdk.InstallRequest{}
	for _, u := range callers {
		for j, name := range launched[u.Username] {
			var won []sdk.InstallRequest
			for _, o := range outcomes[name] {
				if o.req.Caller.Username != u.Username {
					continue
				}
				switch {
				case o.err == nil:
					won = append(won, o.req)
				case !errors.Is(o.err, sdk.ErrAlreadyExists):
					b.Errorf("launch of %s for %s: %v", name, u.Username, o.err)
				}
			}
			if len(won) != 1 {
				b.Fatalf("launch of %s for %s: %d launches succeeded, want 1", name, u.Username, len(won))
			}
			if j == 0 {
				twins[u.Username+"/"+name] = won[0]
			}
		}
	}
	return launched, twins
}

// waitAllReady waits until the caller's project lists exactly these services, all deployed
// with ready workloads.
func waitAllReady(b *testing.B, p *kubernetes.Plugin, u sdk.Caller, names []string, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for {
		resp, err := p.ListReleases(b.Context(), sdk.ListReleasesRequest{Caller: u, Project: project(u)})
		if err != nil {
			b.Fatal(err)
		}
		var listed, notReady []string
		for _, r := range resp.Releases {
			listed = append(listed, r.Name)
			if r.Status == sdk.StatusFailed {
				b.Fatalf("%s failed: %s", r.Name, r.Reason)
			}
			if !r.Ready() || r.Revision != 1 {
				notReady = append(notReady, r.Name)
			}
		}
		slices.Sort(listed)
		if len(notReady) == 0 && slices.Equal(listed, slices.Sorted(slices.Values(names))) {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s after %v: listed %v, not ready %v, want %v", u.Username, timeout, listed, notReady, names)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// uninstallAll deletes every service of the callers' projects, at once, and checks that
// none is left.
func uninstallAll(b *testing.B, p *kubernetes.Plugin, callers []sdk.Caller) {
	var wg sync.WaitGroup
	for _, u := range callers {
		resp, err := p.ListReleases(b.Context(), sdk.ListReleasesRequest{Caller: u, Project: project(u)})
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range resp.Releases {
			wg.Go(func() {
				ref := sdk.ReleaseRef{Caller: u, Project: project(u), Name: r.Name}
				if _, err := p.Uninstall(context.WithoutCancel(b.Context()), sdk.UninstallRequest{ReleaseRef: ref}); err != nil {
					b.Errorf("Uninstall %s: %v", r.Name, err)
				}
			})
		}
	}
	wg.Wait()
	for _, u := range callers {
		resp, err := p.ListReleases(b.Context(), sdk.ListReleasesRequest{Caller: u, Project: project(u)})
		if err != nil || len(resp.Releases) != 0 {
			b.Errorf("%s after uninstalling all: %d services left, %v", u.Username, len(resp.Releases), err)
		}
	}
}
