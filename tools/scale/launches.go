package scale

import (
	"context"
	"encoding/json"
	"net/url"
	"sync"
	"time"
)

// deployments tells when each release was first recorded as deployed, from one watch on
// every namespace's Helm release records.
type deployments struct {
	mu      sync.Mutex
	seen    map[string]time.Time // namespace/name
	waiters map[string][]chan time.Time
}

func watchDeployments(ctx context.Context, k *kube) *deployments {
	d := &deployments{seen: map[string]time.Time{}, waiters: map[string][]chan time.Time{}}
	go func() {
		_ = k.watch(ctx, "/api/v1/secrets?labelSelector=owner%3Dhelm%2Cstatus%3Ddeployed", func(ev watchEvent) {
			if ev.Type != "ADDED" && ev.Type != "MODIFIED" {
				return
			}
			var s struct {
				Metadata struct {
					Namespace string
					Labels    map[string]string
				}
			}
			if json.Unmarshal(ev.Object, &s) == nil {
				d.record(s.Metadata.Namespace+"/"+s.Metadata.Labels["name"], time.Now())
			}
		})
	}()
	return d
}

func (d *deployments) record(key string, at time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.seen[key]; ok {
		return
	}
	d.seen[key] = at
	for _, w := range d.waiters[key] {
		w <- at
	}
	delete(d.waiters, key)
}

// wait returns when the release namespace/name was first seen deployed, waiting up to
// timeout; false if it was not.
func (d *deployments) wait(ctx context.Context, namespace, name string, timeout time.Duration) (time.Time, bool) {
	key := namespace + "/" + name
	d.mu.Lock()
	if at, ok := d.seen[key]; ok {
		d.mu.Unlock()
		return at, true
	}
	w := make(chan time.Time, 1)
	d.waiters[key] = append(d.waiters[key], w)
	d.mu.Unlock()
	select {
	case at := <-w:
		return at, true
	case <-time.After(timeout):
	case <-ctx.Done():
	}
	return time.Time{}, false
}

// launcher launches services and measures each from the call to its release recorded as
// deployed, which is what a user waits for before the service starts.
type launcher struct {
	api      *API
	deployed *deployments
	k        *kube // to read a record the watch has not reported
	request  LaunchRequest
}

// launched is one launch's outcome.
type launched struct {
	project, id string
	status      int           // Basalt's answer to the launch
	took        time.Duration // until deployed; 0 if not deployed in time
	late        bool          // seen deployed only by reading its record after 3 minutes
	err         error
}

func (l *launcher) launch(ctx context.Context, u User, project string) launched {
	began := time.Now()
	id, ans, err := l.api.Launch(ctx, u.Token, project, l.request)
	out := launched{project: project, id: id, status: ans.Status, err: err}
	if err != nil {
		return out
	}
	if at, ok := l.deployed.wait(ctx, project, id, 3*time.Minute); ok {
		out.took = at.Sub(began)
		return out
	}
	// The watch can lag far behind on a loaded API server: the record itself says.
	if l.k != nil && isDeployed(ctx, l.k, project, id) {
		out.took, out.late = time.Since(began), true
	}
	return out
}

// isDeployed reads whether the release's record says deployed.
func isDeployed(ctx context.Context, k *kube, namespace, name string) bool {
	var list struct{ Items []json.RawMessage }
	err := k.do(ctx, "GET", "/api/v1/namespaces/"+namespace+"/secrets?labelSelector="+
		url.QueryEscape("owner=helm,status=deployed,name="+name), nil, &list)
	return err == nil && len(list.Items) > 0
}
