package scale

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"
)

// call is one kind of portal call, as one user in one project makes it.
type call struct {
	name string
	path func(u User, project, service string) string
}

// portalCalls are the calls the portal makes on its pages, by page.
var portalCalls = []call{
	{"catalog", func(User, string, string) string { return "/api/v1/catalogs/interactive/charts" }},
	{"form", func(_ User, p, _ string) string {
		return "/api/v1/projects/" + p + "/launch/form?catalog=interactive&chart=jupyter-python"
	}},
	{"list", func(_ User, p, _ string) string { return "/api/v1/projects/" + p + "/services" }},
	{"service", func(_ User, p, s string) string { return "/api/v1/projects/" + p + "/services/" + s }},
	{"files", func(_ User, p, _ string) string { return "/api/v1/projects/" + p + "/files" }},
	{"events", func(_ User, p, s string) string {
		return "/api/v1/projects/" + p + "/services/" + s + "/events?follow=false"
	}},
}

// cost calls path as u samples times, one after the other, and returns the calls' latencies
// and the fewest API server requests one of them cost: background work (the lifecycle
// engine's rounds, informers' relists) only ever adds to a sample.
func (h *Harness) cost(ctx context.Context, u User, path string, samples int) ([]time.Duration, int64, error) {
	var took []time.Duration
	fewest := int64(-1)
	var which []string
	for range samples {
		before, keys := h.counter.Count(), h.counter.ByKey()
		ans, err := h.api.Get(ctx, u.Token, path, nil)
		if err != nil {
			return nil, 0, err
		}
		n := h.counter.Count() - before
		if fewest < 0 || n < fewest {
			fewest, which = n, h.counter.Since(keys)
		}
		took = append(took, ans.Took)
	}
	if fewest > 0 && len(which) <= 20 {
		h.logf("GET %s: %v", path, which)
	}
	return took, fewest, nil
}

// measureIdle measures on the seeded, otherwise idle, instance: one project's listing cold
// and warm, each portal call's API server cost, the administrator's fleet, and launches.
func (h *Harness) measureIdle(ctx context.Context) error {
	s := &h.seeded
	// Cold: projects listed for the first time since Basalt started.
	var cold []time.Duration
	for i := range min(h.Sizes.ColdProjects, len(s.projects)-1) {
		p := s.projects[len(s.projects)-1-i]
		ans, err := h.api.Get(ctx, h.user(p.members[0]).Token, "/api/v1/projects/"+p.id+"/services", nil)
		if err != nil {
			return err
		}
		cold = append(cold, ans.Took)
	}
	h.measure("scale.list.cold.p50", ms(quantile(cold, 0.5)), "ms")

	// Warm: one personal project, listed again and again.
	p := s.projects[len(s.projects)/4]
	u := h.user(p.members[0])
	var list struct{ Services []json.RawMessage }
	if _, err := h.api.Get(ctx, u.Token, "/api/v1/projects/"+p.id+"/services", &list); err != nil {
		return err
	}
	h.measure("scale.list.services", float64(len(list.Services)), "count")
	took, fewest, err := h.cost(ctx, u, "/api/v1/projects/"+p.id+"/services", h.Sizes.ListSamples)
	if err != nil {
		return err
	}
	h.measure("scale.list.p50", ms(quantile(took, 0.5)), "ms")
	h.measure("scale.list.p99", ms(quantile(took, 0.99)), "ms")
	h.measure("scale.list.apicalls", float64(fewest), "requests")

	service := s.services[p.id][0]
	for _, c := range portalCalls {
		if c.name == "list" {
			continue // measured above
		}
		took, fewest, err := h.cost(ctx, u, c.path(u, p.id, service), h.Sizes.CostSamples)
		if err != nil {
			return err
		}
		h.measure("scale.cost."+c.name+".p50", ms(quantile(took, 0.5)), "ms")
		h.measure("scale.cost."+c.name+".apicalls", float64(fewest), "requests")
	}

	if h.Sizes.FleetSamples > 0 {
		if err := h.measureFleet(ctx); err != nil {
			return err
		}
	}

	// Launches on the idle instance, one after the other, each by another user.
	l := &launcher{api: h.api, deployed: h.deployed, k: h.k, request: LaunchRequest{Catalog: "interactive", Chart: "jupyter-python"}}
	var launches []time.Duration
	fewest = -1
	for i := range h.Sizes.IdleLaunches {
		u := h.people()[len(h.people())-1-i]
		before := h.counter.Count()
		r := l.launch(ctx, u, u.Personal)
		if n := h.counter.Count() - before; fewest < 0 || n < fewest {
			fewest = n
		}
		if r.err != nil || r.took == 0 {
			return fmt.Errorf("launch on the idle instance: %v (deployed: %v)", r.err, r.took > 0)
		}
		s.services[u.Personal] = append(s.services[u.Personal], r.id)
		launches = append(launches, r.took)
	}
	h.idleLaunch = quantile(launches, 0.5)
	h.measure("scale.launch.idle.p50", ms(h.idleLaunch), "ms")
	h.measure("scale.launch.apicalls", float64(fewest), "requests")
	return nil
}

// fleetBound is how long the administrator's fleet may take, first call and samples each: a
// fleet slower than that is a figure (scale.fleet.timeouts), not the end of the run.
const fleetBound = 3 * time.Minute

// fleetPage is the portal's page of the administrator's fleet.
const fleetPage = "/api/v1/admin/services?limit=100"

// measureFleet measures the administrator's fleet as the portal reads it: its first page of
// 100, first and warm (the figure issue 23 asks for), then every page in turn (the whole fleet,
// which the lifecycle engine's and a fleet action's reads come near).
func (h *Harness) measureFleet(ctx context.Context) error {
	first, cancel := context.WithTimeout(ctx, fleetBound)
	defer cancel()
	var page struct {
		Services []json.RawMessage
		Total    int
		Next     string
	}
	began := time.Now()
	ans, err := h.api.Get(first, h.admin().Token, fleetPage, &page)
	if err != nil {
		if ctx.Err() != nil || first.Err() == nil {
			return err
		}
		h.logf("the fleet did not answer within %s: %v", fleetBound, err)
		h.measure("scale.fleet.first", ms(time.Since(began)), "ms")
		h.measure("scale.fleet.timeouts", 1, "count")
		return nil
	}
	h.measure("scale.fleet.first", ms(ans.Took), "ms")
	h.measure("scale.fleet.services", float64(page.Total), "count")

	// Every page, following the cursors: each service once.
	whole, seen, bytes := time.Now(), len(page.Services), len(ans.Body)
	for page.Next != "" && first.Err() == nil {
		next := page.Next
		page.Next = ""
		ans, err := h.api.Get(first, h.admin().Token, fleetPage+"&cursor="+url.QueryEscape(next), &page)
		if err != nil {
			if ctx.Err() != nil || first.Err() == nil {
				return err
			}
			break
		}
		seen, bytes = seen+len(page.Services), bytes+len(ans.Body)
	}
	h.measure("scale.fleet.all", ms(time.Since(whole)), "ms")
	h.measure("scale.fleet.paged", float64(seen), "count")
	h.measure("scale.fleet.bytes", float64(bytes), "B")

	samples, cancel := context.WithTimeout(ctx, fleetBound)
	defer cancel()
	took, fewest, err := h.cost(samples, h.admin(), fleetPage, h.Sizes.FleetSamples)
	if err != nil && samples.Err() == nil {
		return err
	}
	if err != nil {
		h.measure("scale.fleet.timeouts", 1, "count")
		return nil
	}
	h.measure("scale.fleet.p50", ms(quantile(took, 0.5)), "ms")
	h.measure("scale.fleet.apicalls", float64(fewest), "requests")
	return nil
}
