package scale

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// project is one project of the run and who acts in it.
type project struct {
	id      string   // also its namespace
	members []string // its users; a personal project has one
	group   string   // "" for a personal project
}

// seeded is what the seeding made.
type seeded struct {
	nodes    []string
	projects []project
	services map[string][]string // project → its services, launched ones first
	launched int
	copied   int
}

// chartRef names a chart of one of the run's catalogs.
type chartRef struct{ catalog, chart string }

func (h *Harness) projects() []project {
	var out []project
	groups := map[string]*project{}
	for _, u := range h.people() {
		out = append(out, project{id: u.Personal, members: []string{u.Name}})
		if u.Group == "" {
			continue
		}
		if groups[u.Group] == nil {
			groups[u.Group] = &project{id: u.Group, group: u.Groups[0]}
		}
		groups[u.Group].members = append(groups[u.Group].members, u.Name)
	}
	for _, u := range h.people() {
		if g := groups[u.Group]; g != nil {
			out = append(out, *g)
			delete(groups, u.Group)
		}
	}
	return out
}

func (h *Harness) user(name string) User {
	for _, u := range h.users {
		if u.Name == name {
			return u
		}
	}
	panic("scale: no user " + name)
}

// seed launches one service in every project through Basalt, then copies the originals in
// bulk until the cluster holds Sizes.Services.
func (h *Harness) seed(ctx context.Context, withDefaultCatalog bool) error {
	s := &h.seeded
	s.projects = h.projects()
	s.services = map[string][]string{}
	first := s.projects[0]
	owner := h.user(first.members[0])
	l := &launcher{api: h.api, deployed: h.deployed, k: h.k}

	// The originals of the copies: Onyxia's jupyter-python and, with the default catalog, its
	// postgresql, each running and suspended, in the first user's project.
	copyCharts := []chartRef{{"interactive", "jupyter-python"}}
	launchCharts := []chartRef{{"interactive", "jupyter-python"}, {"interactive", "rstudio"}, {"interactive", "vscode-python"}}
	if withDefaultCatalog {
		copyCharts = append(copyCharts, chartRef{"ide", "postgresql"})
		launchCharts = []chartRef{{"interactive", "jupyter-python"}, {"ide", "jupyter"}, {"ide", "vscode"}, {"ide", "rstudio"}, {"ide", "postgresql"}}
	}
	began := time.Now()
	var running, paused []*original
	for _, c := range copyCharts {
		for _, suspend := range []bool{false, true} {
			l.request = LaunchRequest{Catalog: c.catalog, Chart: c.chart}
			r := l.launch(ctx, owner, first.id)
			if r.err != nil || r.took == 0 {
				return fmt.Errorf("launching the original %s/%s: %v (deployed: %v)", c.catalog, c.chart, r.err, r.took > 0)
			}
			revision := 1
			if suspend {
				path := "/api/v1/projects/" + first.id + "/services/" + r.id + "/suspend"
				if ans, err := h.api.Do(ctx, owner.Token, http.MethodPost, path, nil); err != nil || ans.Status/100 != 2 {
					return fmt.Errorf("suspending the original %s: %v %d %s", r.id, err, ans.Status, ans.Body)
				}
				revision = 2
			}
			o, err := readOriginal(ctx, h.k, first.id, r.id, revision)
			if err != nil {
				return err
			}
			s.services[first.id] = append(s.services[first.id], r.id)
			s.launched++
			if suspend {
				paused = append(paused, o)
			} else {
				running = append(running, o)
			}
		}
	}

	// Every project onboarded by Basalt, then the launches and the copies side by side: the
	// launches wait on Helm installs, the copies on the API server. Onboarding first: two
	// calls onboarding one project at once may fail (a RoleBinding "already exists").
	if err := h.onboardEveryProject(ctx); err != nil {
		return err
	}
	var failed int
	var copyErr error
	var mu sync.Mutex
	var wg sync.WaitGroup
	wg.Go(func() { failed = h.launchInProjects(ctx, launchCharts, &mu) })
	wg.Go(func() { copyErr = h.copyInBulk(ctx, running, paused, &mu) })
	wg.Wait()
	h.measure("scale.seed.launched", float64(s.launched), "count")
	h.measure("scale.seed.launch.failed", float64(failed), "count")
	h.measure("scale.seed.copied", float64(s.copied), "count")
	h.measure("scale.seed.time", time.Since(began).Seconds(), "s")
	if failed > h.Sizes.Launched/20 {
		return fmt.Errorf("%d launches of %d failed while seeding", failed, h.Sizes.Launched)
	}
	if copyErr != nil {
		return copyErr
	}

	all, err := h.releaseSet(ctx)
	if err != nil {
		return err
	}
	total := len(all)
	h.measure("scale.seed.services", float64(total), "count")
	if total < h.Sizes.Services {
		return fmt.Errorf("the cluster holds %d releases of the run's projects, not %d", total, h.Sizes.Services)
	}
	return nil
}

// onboardEveryProject has Basalt make every project's namespace, as the portal's first visit
// to its services page does.
func (h *Harness) onboardEveryProject(ctx context.Context) error {
	s := &h.seeded
	began := time.Now()
	defer func() { h.measure("scale.seed.onboard.time", time.Since(began).Seconds(), "s") }()
	next := make(chan int)
	errs := make([]error, len(s.projects))
	var wg sync.WaitGroup
	for range h.Sizes.LaunchParallel {
		wg.Go(func() {
			for i := range next {
				p := s.projects[i]
				_, errs[i] = h.api.Get(ctx, h.user(p.members[0]).Token, "/api/v1/projects/"+p.id+"/services", nil)
			}
		})
	}
	for i := range s.projects {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return errors.Join(errs...)
}

// launchInProjects launches Sizes.Launched services through Basalt, in projects spread over
// the list, each as the project's first member, and returns how many failed.
func (h *Harness) launchInProjects(ctx context.Context, charts []chartRef, mu *sync.Mutex) int {
	s := &h.seeded
	h.logf("launching %d services through Basalt, %d at a time", h.Sizes.Launched, h.Sizes.LaunchParallel)
	began := time.Now()
	var failed atomic.Int64
	var launched, late atomic.Int64
	next := make(chan int)
	var wg sync.WaitGroup
	for range h.Sizes.LaunchParallel {
		wg.Go(func() {
			l := &launcher{api: h.api, deployed: h.deployed, k: h.k}
			for i := range next {
				p := s.projects[i]
				c := charts[i%len(charts)]
				l.request = LaunchRequest{Catalog: c.catalog, Chart: c.chart}
				r := l.launch(ctx, h.user(p.members[0]), p.id)
				if r.err != nil || r.took == 0 {
					failed.Add(1)
					h.logf("launch in %s failed: %v (deployed: %v)", p.id, r.err, r.took > 0)
					continue
				}
				launched.Add(1)
				if r.late {
					late.Add(1)
				}
				mu.Lock()
				s.services[p.id] = append(s.services[p.id], r.id)
				s.launched++
				mu.Unlock()
			}
		})
	}
	for i := range h.Sizes.Launched {
		if ctx.Err() != nil {
			break
		}
		next <- i * len(s.projects) / h.Sizes.Launched
	}
	close(next)
	wg.Wait()
	h.measure("scale.seed.launch.rate", float64(launched.Load())/time.Since(began).Seconds(), "launches/s")
	h.measure("scale.seed.launch.late", float64(late.Load()), "count")
	return int(failed.Load())
}

// copyInBulk copies the originals into the projects, round robin, until the run's services
// are there beside the launched ones; RunningShare of the copies run. Copy j goes to project
// j mod projects.
func (h *Harness) copyInBulk(ctx context.Context, running, paused []*original, mu *sync.Mutex) error {
	s := &h.seeded
	copies := h.Sizes.Services - len(running) - len(paused) - h.Sizes.Launched
	h.logf("copying %d services in bulk, %d at a time", copies, h.Sizes.CopyParallel)
	began := time.Now()
	targets := make(chan int)
	errs := make(chan error, h.Sizes.CopyParallel)
	var wg sync.WaitGroup
	for range h.Sizes.CopyParallel {
		wg.Go(func() {
			for i := range targets {
				p := s.projects[i%len(s.projects)]
				t := copyTarget{namespace: p.id, name: fmt.Sprintf("copy-%05d", i), owner: p.members[i%len(p.members)], group: p.group}
				from := paused[i%len(paused)]
				if float64(i%100) < h.Sizes.RunningShare*100 {
					from = running[i%len(running)]
					t.node = s.nodes[i%len(s.nodes)]
				}
				if err := makeCopy(ctx, h.k, from, t); err != nil {
					errs <- fmt.Errorf("copy %s/%s: %w", t.namespace, t.name, err)
					return
				}
				mu.Lock()
				s.services[p.id] = append(s.services[p.id], t.name)
				s.copied++
				mu.Unlock()
			}
		})
	}
	var err error
feed:
	for i := range copies {
		select {
		case targets <- i:
		case err = <-errs:
			break feed
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(targets)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errs:
		default:
		}
	}
	h.measure("scale.seed.copy.time", time.Since(began).Seconds(), "s")
	return err
}

// releaseSet is every release of the run's projects on the cluster, as project/name, from
// Helm's records.
func (h *Harness) releaseSet(ctx context.Context) (map[string]bool, error) {
	ours := map[string]bool{}
	for _, p := range h.seeded.projects {
		ours[p.id] = true
	}
	seen := map[string]bool{}
	cont := ""
	for {
		var page struct {
			Metadata struct{ Continue string }
			Items    []struct {
				Metadata struct {
					Namespace string
					Labels    map[string]string
				}
			}
		}
		path := "/api/v1/secrets?limit=2000&labelSelector=" + url.QueryEscape("owner=helm")
		if cont != "" {
			path += "&continue=" + url.QueryEscape(cont)
		}
		if err := h.k.do(ctx, "GET", path, nil, &page); err != nil {
			return nil, err
		}
		for _, s := range page.Items {
			if ours[s.Metadata.Namespace] {
				seen[s.Metadata.Namespace+"/"+s.Metadata.Labels["name"]] = true
			}
		}
		if cont = page.Metadata.Continue; cont == "" {
			break
		}
	}
	if len(seen) == 0 {
		return nil, errors.New("no release found on the cluster")
	}
	return seen, nil
}
