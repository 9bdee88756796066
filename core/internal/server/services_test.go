package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/plugintest/memory"
)

// servicesServer serves the API with a memory region plugin (a real subprocess) for a local
// user, and returns the API's base URL and the region plugin for setting releases up.
func servicesServer(t *testing.T, user string, groups string) (string, sdk.Region) {
	t.Helper()
	base, host := startHost(t, map[string]config.Plugin{"k8s": {Kind: "region", Path: testplugin.Memory(t), Args: []string{"region"}}},
		"auth.local.username="+user, "auth.local.groups="+groups)
	region, _ := host.Region("k8s")
	return base + "/api/v1", region
}

// install puts a release in a project directly through the plugin, as its owner.
func install(t *testing.T, region sdk.Region, owner string, groups []string, project sdk.Project, name string, shared bool) {
	t.Helper()
	archive, err := memory.PackageChart(memory.Chart{Name: "jupyter", Version: "1.0.0", Values: "global:\n  suspend: false\n"})
	if err != nil {
		t.Fatal(err)
	}
	caller := sdk.Caller{Username: owner, Groups: groups}
	ctx := t.Context()
	if _, err := region.Onboard(ctx, sdk.OnboardRequest{Caller: caller, Project: project}); err != nil {
		t.Fatal(err)
	}
	_, err = region.Install(ctx, sdk.InstallRequest{Caller: caller, Project: project, ReleaseName: name,
		Archive: bytes.NewReader(archive), Values: []byte(`{"global":{"suspend":false}}`),
		Metadata: sdk.ReleaseMetadata{Catalog: "ide", Chart: "jupyter", Owner: owner, FriendlyName: name, Shared: shared}})
	if err != nil {
		t.Fatal(err)
	}
}

func serviceIDs(t *testing.T, url string) []string {
	t.Helper()
	var list struct{ Services []ServiceView }
	if code := getJSON(t, url, &list); code != 200 {
		t.Fatalf("%s: %d", url, code)
	}
	var ids []string
	for _, s := range list.Services {
		ids = append(ids, s.ID)
	}
	return ids
}

func TestServicesLifecycle(t *testing.T) {
	base, region := servicesServer(t, "alice", "[data-team]")
	services := base + "/projects/user-alice/services"
	serviceIDs(t, services) // onboards the project
	install(t, region, "alice", []string{"data-team"}, sdk.Project{ID: "user-alice"}, "jupyter-1", false)

	if ids := serviceIDs(t, services); strings.Join(ids, ",") != "jupyter-1" {
		t.Fatalf("services: %v", ids)
	}
	var detail struct {
		Service  ServiceView
		Values   map[string]any
		Commands []string
	}
	if code := getJSON(t, services+"/jupyter-1", &detail); code != 200 || !detail.Service.Ready || !detail.Service.Suspendable {
		t.Fatalf("service: %d %+v", code, detail)
	}
	if len(detail.Commands) == 0 || !strings.Contains(detail.Commands[0], "--namespace user-alice") {
		t.Fatalf("the equivalent commands are missing: %v", detail.Commands)
	}

	if resp, body := do(t, http.MethodPost, services+"/jupyter-1/suspend", nil); resp.StatusCode != 200 {
		t.Fatalf("suspend: %d %s", resp.StatusCode, body)
	}
	getJSON(t, services+"/jupyter-1", &detail)
	if !detail.Service.Suspended {
		t.Fatalf("not suspended: %+v", detail.Service)
	}
	if resp, _ := do(t, http.MethodPost, services+"/jupyter-1/resume", nil); resp.StatusCode != 200 {
		t.Fatal("resume")
	}
	getJSON(t, services+"/jupyter-1", &detail)
	if detail.Service.Suspended {
		t.Fatal("still suspended after resume")
	}

	resp, body := do(t, http.MethodPatch, services+"/jupyter-1", strings.NewReader(`{"friendlyName":"my notebook"}`), "Content-Type", "application/json")
	if resp.StatusCode != 200 || !strings.Contains(string(body), "my notebook") {
		t.Fatalf("rename: %d %s", resp.StatusCode, body)
	}
	if resp, _ := do(t, http.MethodPatch, services+"/jupyter-1", strings.NewReader(`{"shared":true}`), "Content-Type", "application/json"); resp.StatusCode != 400 {
		t.Fatalf("sharing in a personal project must be refused: %d", resp.StatusCode)
	}

	// Logs and events stream as server-sent events; a follow stops when the client leaves.
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, services+"/jupyter-1/logs?follow=true", nil)
	stream, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if stream.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("logs content type %q", stream.Header.Get("Content-Type"))
	}
	reader := bufio.NewReader(stream.Body)
	line, err := reader.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "event: log") {
		t.Fatalf("first log event: %q %v", line, err)
	}
	data, _ := reader.ReadString('\n')
	if !strings.HasPrefix(data, "data: {") || !strings.Contains(data, `"line":`) || !strings.Contains(data, `"pod":`) {
		t.Fatalf("a log event's data: %q", data)
	}
	cancel()
	stream.Body.Close()

	var quota struct{ Hard, Used map[string]string }
	if code := getJSON(t, base+"/projects/user-alice/quota", &quota); code != 200 {
		t.Fatalf("quota: %d", code)
	}

	if resp, _ := do(t, http.MethodDelete, services+"/jupyter-1", nil); resp.StatusCode != 200 {
		t.Fatal("delete")
	}
	if code := getJSON(t, services+"/jupyter-1", nil); code != 404 {
		t.Fatalf("a deleted service: %d", code)
	}
	if resp, _ := do(t, http.MethodDelete, services+"/jupyter-1", nil); resp.StatusCode != 404 {
		t.Fatal("deleting again finds nothing to delete")
	}
}

// TestSimulatedServices: a service whose pods run on simulated nodes says so in the list and
// on its page, until it is paused (no pod at all); another region's services do not.
func TestSimulatedServices(t *testing.T) {
	base, host := startHost(t, map[string]config.Plugin{"k8s": {Kind: "region", Path: testplugin.Memory(t), Args: []string{"region"},
		Config: map[string]any{"simulated": true}}}, "auth.local.username=alice")
	region, _ := host.Region("k8s")
	services := base + "/api/v1/projects/user-alice/services"
	serviceIDs(t, services) // onboards the project
	install(t, region, "alice", nil, sdk.Project{ID: "user-alice"}, "jupyter-1", false)

	simulated := func(url string) any {
		t.Helper()
		var body struct {
			Services []map[string]any
			Service  map[string]any
		}
		if code := getJSON(t, url, &body); code != 200 {
			t.Fatalf("%s: %d", url, code)
		}
		if body.Service != nil {
			return body.Service["simulated"]
		}
		if len(body.Services) != 1 {
			t.Fatalf("%s: %d services, want 1", url, len(body.Services))
		}
		return body.Services[0]["simulated"]
	}
	if got := simulated(services); got != true {
		t.Errorf("listed: simulated %v, want true", got)
	}
	if got := simulated(services + "/jupyter-1"); got != true {
		t.Errorf("service page: simulated %v, want true", got)
	}
	if resp, body := do(t, http.MethodPost, services+"/jupyter-1/suspend", nil); resp.StatusCode != 200 {
		t.Fatalf("suspend: %d %s", resp.StatusCode, body)
	}
	if got := simulated(services + "/jupyter-1"); got != false {
		t.Errorf("paused: simulated %v, want false", got)
	}

	realBase, realRegion := servicesServer(t, "alice", "[]")
	realServices := realBase + "/projects/user-alice/services"
	serviceIDs(t, realServices)
	install(t, realRegion, "alice", nil, sdk.Project{ID: "user-alice"}, "jupyter-2", false)
	if got := simulated(realServices); got != false {
		t.Errorf("a service of a region without simulated nodes: simulated %v, want false", got)
	}
}

func TestGroupServicesSharing(t *testing.T) {
	base, region := servicesServer(t, "bob", "[data-team]")
	group := sdk.Project{ID: "project-data-team", Group: "data-team"}
	services := base + "/projects/project-data-team/services"
	serviceIDs(t, services)
	install(t, region, "alice", []string{"data-team"}, group, "alice-private", false)
	install(t, region, "alice", []string{"data-team"}, group, "alice-shared", true)
	install(t, region, "bob", []string{"data-team"}, group, "bob-own", false)

	if ids := serviceIDs(t, services); strings.Join(ids, ",") != "alice-shared,bob-own" {
		t.Fatalf("bob sees his own and the shared services only, got %v", ids)
	}
	if code := getJSON(t, services+"/alice-private", nil); code != 404 {
		t.Fatalf("another member's private service: %d, want 404", code)
	}
	for _, action := range []string{"/suspend", "/resume"} {
		if resp, _ := do(t, http.MethodPost, services+"/alice-private"+action, nil); resp.StatusCode != 404 {
			t.Errorf("%s on a private service of another: %d, want 404", action, resp.StatusCode)
		}
		if resp, _ := do(t, http.MethodPost, services+"/alice-shared"+action, nil); resp.StatusCode != 403 {
			t.Errorf("%s on a shared service of another: %d, want 403", action, resp.StatusCode)
		}
	}
	if resp, _ := do(t, http.MethodDelete, services+"/alice-shared", nil); resp.StatusCode != 403 {
		t.Fatalf("deleting another's shared service: %d, want 403", resp.StatusCode)
	}
	resp, body := do(t, http.MethodDelete, services, nil)
	var bulk struct{ Deleted []string }
	_ = json.Unmarshal(body, &bulk)
	if resp.StatusCode != 200 || strings.Join(bulk.Deleted, ",") != "bob-own" {
		t.Fatalf("delete all removes bob's own services only: %d %s", resp.StatusCode, body)
	}
	if resp, _ := do(t, http.MethodPatch, services+"/alice-shared", strings.NewReader(`{"shared":false}`), "Content-Type", "application/json"); resp.StatusCode != 403 {
		t.Fatal("unsharing another's service must be refused")
	}
	if code := getJSON(t, base+"/projects/project-finance/services", nil); code != 404 {
		t.Fatalf("a group bob is not in: %d", code)
	}
}
