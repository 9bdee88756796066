package scale

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// mix is how often each portal call comes in the load phase, out of 20: the services pages
// most, as users watch their services start.
var mix = map[string]int{"catalog": 3, "form": 2, "list": 6, "service": 4, "files": 3, "events": 2}

// target is one call of the mix: who makes it and where.
type target struct {
	kind  string
	user  User
	path  string
	token string
}

// targets are the mix's calls for the load phase's users, each user in their personal project
// and its first service, interleaved so that every user makes every kind of call.
func (h *Harness) targets() []target {
	var kinds []call
	for _, c := range portalCalls {
		for range mix[c.name] {
			kinds = append(kinds, c)
		}
	}
	var out []target
	people := h.people()[:min(h.Sizes.LoadUsers, len(h.people()))]
	for round := range kinds {
		for i, u := range people {
			c := kinds[(round+i)%len(kinds)]
			services := h.seeded.services[u.Personal]
			service := services[(round+i)%len(services)]
			out = append(out, target{kind: c.name, user: u, path: c.path(u, u.Personal, service), token: u.Token})
		}
	}
	return out
}

// kindOf tells a result's call from its URL.
func kindOf(url string) string {
	switch {
	case strings.Contains(url, "/catalogs/"):
		return "catalog"
	case strings.Contains(url, "/launch/form"):
		return "form"
	case strings.Contains(url, "/files"):
		return "files"
	case strings.Contains(url, "/events"):
		return "events"
	case strings.HasSuffix(url, "/services"):
		return "list"
	}
	return "service"
}

// snapshot is what the load phase compares before and after: processor times, API server
// requests and the harness's own count of Basalt's.
type snapshot struct {
	cpu       map[string]time.Duration // core, each plugin, kube-apiserver, etcd
	apiserver float64
	basalt    int64
	byKey     map[string]int64 // Basalt's, by verb and resource
}

func (h *Harness) snapshot(ctx context.Context) snapshot {
	s := snapshot{cpu: map[string]time.Duration{}, basalt: h.counter.Count(), byKey: h.counter.ByKey()}
	pids := map[string]int{"core": h.basalt.PID()}
	for name, pid := range h.basalt.Plugins() {
		pids[strings.TrimPrefix(name, "basalt-plugin-")] = pid
	}
	for _, name := range []string{"kube-apiserver", "etcd"} {
		if pid, err := pidFile(h.Env.Dir, name); err == nil {
			pids[name] = pid
		}
	}
	for name, pid := range pids {
		if t, err := cpuTime(pid); err == nil {
			s.cpu[name] = t
		}
	}
	s.apiserver, _ = apiserverRequests(ctx, h.k)
	return s
}

// load replays the portal mix from Sizes.LoadUsers users at Sizes.LoadRate requests a second
// for Sizes.LoadDuration, with launches and open event streams beside, then measures
// latencies, errors, launches kept, memory, goroutines and processor time.
func (h *Harness) load(ctx context.Context) error {
	// The baseline of the leak check: every load user's project listed once (its caches
	// started), no connection left open.
	for _, u := range h.people()[:min(h.Sizes.LoadUsers, len(h.people()))] {
		if _, err := h.api.Get(ctx, u.Token, "/api/v1/projects/"+u.Personal+"/services", nil); err != nil {
			return err
		}
	}
	h.api.client.CloseIdleConnections()
	time.Sleep(h.Sizes.Settle)
	goroutinesBefore, err := h.basalt.Goroutines(ctx)
	if err != nil {
		return err
	}
	stacksBefore := h.goroutines(ctx, "before")
	releasesBefore, err := h.releaseSet(ctx)
	if err != nil {
		return err
	}
	before := h.snapshot(ctx)
	began := time.Now()
	h.logf("load: %d users, %d requests/s for %s, %d launches/min, %d event streams",
		h.Sizes.LoadUsers, h.Sizes.LoadRate, h.Sizes.LoadDuration, h.Sizes.LaunchesPerMinute, h.Sizes.Streams)

	loadCtx, stop := context.WithTimeout(ctx, h.Sizes.LoadDuration)
	defer stop()
	var wg sync.WaitGroup
	var launches []launched
	wg.Go(func() { launches = h.launchDuringLoad(loadCtx) })
	if h.Profiles != "" {
		wg.Go(func() { h.profileLoad(ctx, began) })
	}
	var streamErrs, streamsOpened atomic.Int64
	for i := range h.Sizes.Streams {
		u := h.people()[i%len(h.people())]
		service := h.seeded.services[u.Personal][0]
		wg.Go(func() { h.holdStream(loadCtx, u, service, &streamsOpened, &streamErrs) })
	}

	all := h.targets()
	var next atomic.Int64
	targeter := func(t *vegeta.Target) error {
		tg := all[int(next.Add(1)-1)%len(all)]
		t.Method, t.URL = http.MethodGet, h.api.URL+tg.path
		t.Header = http.Header{"Authorization": {"Bearer " + tg.token}}
		return nil
	}
	// Each user keeps a connection, as a browser does.
	users := &http.Transport{MaxIdleConnsPerHost: h.Sizes.LoadUsers, MaxConnsPerHost: h.Sizes.LoadUsers, IdleConnTimeout: time.Minute}
	attacker := vegeta.NewAttacker(vegeta.Workers(uint64(h.Sizes.LoadUsers)), vegeta.MaxWorkers(uint64(h.Sizes.LoadUsers)),
		vegeta.Client(&http.Client{Transport: users, Timeout: 30 * time.Second}))
	var overall vegeta.Metrics
	byKind := map[string]*vegeta.Metrics{}
	var errs, limited int
	var firstErrors []string
	for res := range attacker.Attack(targeter, vegeta.Rate{Freq: h.Sizes.LoadRate, Per: time.Second}, h.Sizes.LoadDuration, "portal") {
		kind := kindOf(res.URL)
		if byKind[kind] == nil {
			byKind[kind] = &vegeta.Metrics{}
		}
		switch {
		case res.Code == http.StatusTooManyRequests:
			limited++
		case res.Code < 200 || res.Code > 299:
			errs++
			if len(firstErrors) < 5 {
				firstErrors = append(firstErrors, kind+": "+res.Error+" "+string(res.Body))
			}
		}
		overall.Add(res)
		byKind[kind].Add(res)
	}
	overall.Close()
	wg.Wait()
	after := h.snapshot(ctx)
	loadTook := time.Since(began)

	h.measure("scale.mix.requests", float64(overall.Requests), "count")
	h.measure("scale.mix.rate", overall.Throughput, "requests/s")
	h.measure("scale.mix.p50", ms(overall.Latencies.P50), "ms")
	h.measure("scale.mix.p99", ms(overall.Latencies.P99), "ms")
	h.measure("scale.mix.errors", float64(errs), "count")
	h.measure("scale.mix.ratelimited", float64(limited), "count")
	for _, e := range firstErrors {
		h.logf("load error: %s", e)
	}
	for _, c := range portalCalls {
		if m := byKind[c.name]; m != nil {
			m.Close()
			h.measure("scale.mix."+c.name+".p99", ms(m.Latencies.P99), "ms")
		}
	}
	h.measure("scale.streams.opened", float64(streamsOpened.Load()), "count")
	h.measure("scale.streams.errors", float64(streamErrs.Load()), "count")

	// Every accepted launch is one release, and no release appeared that was not launched.
	var accepted, refused, failed, late int
	var took []time.Duration
	for _, l := range launches {
		if l.late {
			late++
		}
		switch {
		case l.err == nil:
			accepted++
			if l.took > 0 {
				took = append(took, l.took)
			}
		case l.status == http.StatusTooManyRequests:
			refused++
		default:
			failed++
			h.logf("launch during the load failed: %v", l.err)
		}
	}
	releasesAfter, err := h.releaseSet(ctx)
	if err != nil {
		return err
	}
	lost, duplicated := launchesKept(launches, releasesBefore, releasesAfter)
	h.measure("scale.launch.load.accepted", float64(accepted), "count")
	h.measure("scale.launch.load.ratelimited", float64(refused), "count")
	h.measure("scale.launch.load.failed", float64(failed), "count")
	h.measure("scale.launch.load.late", float64(late), "count")
	h.measure("scale.launch.load.lost", float64(lost), "count")
	h.measure("scale.launch.load.duplicated", float64(duplicated), "count")
	loadP50 := quantile(took, 0.5)
	h.measure("scale.launch.load.p50", ms(loadP50), "ms")
	if h.idleLaunch > 0 {
		h.measure("scale.launch.load.ratio", float64(loadP50)/float64(h.idleLaunch), "x")
	}

	// Resources: during the load, and once it stopped.
	for name, t := range after.cpu {
		h.measure("scale.cpu."+name, (t - before.cpu[name]).Seconds(), "s")
	}
	h.measure("scale.cpu.wall", loadTook.Seconds(), "s")
	h.measure("scale.apiserver.requests", after.apiserver-before.apiserver, "count")
	h.measure("scale.apiserver.requests.basalt", float64(after.basalt-before.basalt), "count")
	h.logf("Basalt's API server requests during the load, the most frequent 15:")
	for _, r := range requestsBetween(before.byKey, after.byKey, 15) {
		h.logf("  %s", r)
	}
	if rss, err := residentMB(h.basalt.PID()); err == nil {
		h.measure("scale.rss.core", rss, "MB")
	}
	for name, pid := range h.basalt.Plugins() {
		if rss, err := residentMB(pid); err == nil {
			h.measure("scale.rss."+strings.TrimPrefix(name, "basalt-plugin-"), rss, "MB")
		}
	}
	// The leak check: goroutines back to the baseline within three settling times (a few
	// more are the lifecycle engine's round or a cache's relist, caught mid-way).
	users.CloseIdleConnections()
	h.api.client.CloseIdleConnections()
	stopped := time.Now()
	var goroutinesAfter int
	for deadline := stopped.Add(3 * h.Sizes.Settle); ; time.Sleep(2 * time.Second) {
		if goroutinesAfter, err = h.basalt.Goroutines(ctx); err != nil {
			return err
		}
		if goroutinesAfter <= goroutinesBefore+5 || time.Now().After(deadline) {
			break
		}
	}
	h.measure("scale.goroutines.before", float64(goroutinesBefore), "count")
	h.measure("scale.goroutines.after", float64(goroutinesAfter), "count")
	h.measure("scale.goroutines.settled", time.Since(stopped).Seconds(), "s")
	stacksAfter := h.goroutines(ctx, "after")
	if goroutinesAfter > goroutinesBefore+5 {
		h.logf("the core's goroutines that did not settle, by stack:")
		for _, g := range goroutinesGrown(stacksBefore, stacksAfter, 10) {
			h.logf("  %s", g)
		}
	}
	return nil
}

// launchDuringLoad launches Sizes.LaunchesPerMinute services a minute until ctx ends, each
// by the next user in their personal project, and waits for each to be deployed.
func (h *Harness) launchDuringLoad(ctx context.Context) []launched {
	l := &launcher{api: h.api, deployed: h.deployed, k: h.k, request: LaunchRequest{Catalog: "interactive", Chart: "jupyter-python"}}
	var mu sync.Mutex
	var out []launched
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Minute / time.Duration(h.Sizes.LaunchesPerMinute))
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			wg.Wait()
			return out
		case <-tick.C:
		}
		u := h.people()[i%len(h.people())]
		wg.Go(func() {
			// The launch is waited for past the load's end: it was accepted during it.
			r := l.launch(context.WithoutCancel(ctx), u, u.Personal)
			mu.Lock()
			out = append(out, r)
			mu.Unlock()
		})
	}
}

// holdStream keeps an event stream of the service open, as the service page does, opening
// it again when it ends, until ctx ends.
func (h *Harness) holdStream(ctx context.Context, u User, service string, opened, errs *atomic.Int64) {
	for ctx.Err() == nil {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.api.URL+"/api/v1/projects/"+u.Personal+"/services/"+service+"/events", nil)
		if err != nil {
			errs.Add(1)
			return
		}
		req.Header.Set("Authorization", "Bearer "+u.Token)
		resp, err := h.api.client.Do(req)
		if err != nil {
			if ctx.Err() == nil {
				errs.Add(1)
			}
			time.Sleep(time.Second)
			continue
		}
		if resp.StatusCode != http.StatusOK {
			errs.Add(1)
			resp.Body.Close()
			time.Sleep(time.Second)
			continue
		}
		opened.Add(1)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
		}
		resp.Body.Close()
	}
}

// launchesKept counts the accepted launches whose release is missing, and the releases that
// appeared during the load without an accepted launch (a launch made twice).
func launchesKept(launches []launched, before, after map[string]bool) (lost, duplicated int) {
	accepted := map[string]bool{}
	for _, l := range launches {
		if l.err == nil {
			accepted[l.project+"/"+l.id] = true
			if !after[l.project+"/"+l.id] {
				lost++
			}
		}
	}
	for key := range after {
		if !before[key] && !accepted[key] {
			duplicated++
		}
	}
	return lost, duplicated
}
