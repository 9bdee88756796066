package server

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/httpapi"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
	"github.com/basalt-dev/basalt/deploy/testenv"
)

// kubeGet reads an object of the test environment's cluster as the cluster's administrator.
func kubeGet(t *testing.T, env *testenv.Env, path string, into any) {
	t.Helper()
	kube, err := env.KubeHTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, env.KubeServer+path, nil)
	req.Header.Set("Authorization", "Bearer "+env.KubeToken)
	resp, err := kube.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || json.Unmarshal(raw, into) != nil {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, raw)
	}
}

// An administrator lists the cluster's projects with their quotas, sets a key of a group
// project's quota (bad keys and values refused naming them) and adds someone to it, which the
// cluster then holds (the namespace's annotation, the RoleBinding's subject); the group's
// members see and manage the people added, in their project only.
func TestProjectsOnTheCluster(t *testing.T) {
	env := testenv.Require(t)
	n := time.Now().UnixNano() % 1_000_000
	user, group := fmt.Sprintf("proj%d", n), fmt.Sprintf("team%d", n)
	api := startWithPlugins(t, map[string]config.Plugin{
		"k8s": {Kind: "region", Path: testplugin.Path(t, "basalt-plugin-kubernetes"), Config: map[string]any{"kubeconfig": env.Kubeconfig,
			"quotas": map[string]any{"user": map[string]string{"requests.cpu": "2"}, "group": map[string]string{"requests.cpu": "4", "pods": "10"}}}},
	}, "auth.local.username="+user, "auth.local.groups=["+group+"]", "auth.local.roles=[admin]") + "/api/v1"
	personal, team := "user-"+user, "project-"+group
	t.Cleanup(func() {
		deleteNamespace(t, env, personal)
		deleteNamespace(t, env, team)
	})
	for _, p := range []string{personal, team} { // opening a project onboards it
		if code := getJSON(t, api+"/projects/"+p+"/quota", nil); code != 200 {
			t.Fatalf("quota of %s: %d", p, code)
		}
	}

	var list ProjectList
	if code := getJSON(t, api+"/admin/projects", &list); code != 200 {
		t.Fatalf("projects: %d", code)
	}
	find := func(id string) ProjectView {
		t.Helper()
		i := slices.IndexFunc(list.Projects, func(p ProjectView) bool { return p.ID == id })
		if i < 0 {
			t.Fatalf("projects: %+v, want %s", list.Projects, id)
		}
		return list.Projects[i]
	}
	if p := find(personal); p.Owner != user || p.Group != "" || p.Namespace != personal || p.Quota.Hard["requests.cpu"] != "2" || len(p.Quota.SetByHand) != 0 {
		t.Errorf("personal project: %+v", p)
	}
	if p := find(team); p.Owner != group || p.Group != group || p.Quota.Hard["pods"] != "10" || p.Services != 0 || len(p.Members) != 0 {
		t.Errorf("group project: %+v", p)
	}

	code, body := putJSON(t, api+"/admin/projects/"+team+"/quota", `{"hard":{"requests.cpu":"6","pods":"lots"}}`)
	var problem struct {
		Error struct{ Details httpapi.ErrorFields } `json:"error"`
	}
	if code != 400 || json.Unmarshal(body, &problem) != nil || len(problem.Error.Details.Fields) != 1 || problem.Error.Details.Fields[0].Field != "hard.pods" {
		t.Errorf("a quota that is not a quantity: %d %s, want 400 naming hard.pods", code, body)
	}
	code, body = putJSON(t, api+"/admin/projects/"+team+"/quota", `{"hard":{"requests.cpu":"6"}}`)
	var quota ProjectQuota
	if code != 200 || json.Unmarshal(body, &quota) != nil || quota.Hard["requests.cpu"] != "6" || !slices.Equal(quota.SetByHand, []string{"requests.cpu"}) {
		t.Errorf("setting the quota: %d %s", code, body)
	}
	var rq struct {
		Spec struct{ Hard map[string]string } `json:"spec"`
	}
	kubeGet(t, env, "/api/v1/namespaces/"+team+"/resourcequotas/basalt-quota", &rq)
	if rq.Spec.Hard["requests.cpu"] != "6" || rq.Spec.Hard["pods"] != "10" {
		t.Errorf("the cluster's quota: %v, want requests.cpu 6 and pods 10", rq.Spec.Hard)
	}

	friend := "friend" + user
	code, body = postJSON(t, api+"/admin/projects/"+team+"/members", `{"add":["`+friend+`"]}`)
	var members MemberList
	if code != 200 || json.Unmarshal(body, &members) != nil || len(members.Members) != 1 || members.Members[0].Username != friend || members.Members[0].AddedBy != user {
		t.Fatalf("adding a member: %d %s", code, body)
	}
	var ns struct {
		Metadata struct{ Annotations map[string]string } `json:"metadata"`
	}
	kubeGet(t, env, "/api/v1/namespaces/"+team, &ns)
	if !strings.Contains(ns.Metadata.Annotations["basalt.dev/project-members"], `"username":"`+friend+`"`) {
		t.Errorf("the namespace's annotations: %v", ns.Metadata.Annotations)
	}
	var rb struct{ Subjects []struct{ Kind, Name string } }
	kubeGet(t, env, "/apis/rbac.authorization.k8s.io/v1/namespaces/"+team+"/rolebindings/full_control_namespace", &rb)
	if !slices.ContainsFunc(rb.Subjects, func(s struct{ Kind, Name string }) bool { return s.Kind == "User" && s.Name == friend }) {
		t.Errorf("the RoleBinding's subjects: %+v, want %s", rb.Subjects, friend)
	}
	if code := getJSON(t, api+"/admin/projects", &list); code != 200 || len(find(team).Members) != 1 {
		t.Errorf("projects after adding: %d %+v", code, find(team))
	}

	// A member of the group sees who was added and removes them.
	if code := getJSON(t, api+"/projects/"+team+"/members", &members); code != 200 || !members.CanManage || len(members.Members) != 1 {
		t.Errorf("the group's members: %d %+v", code, members)
	}
	code, body = postJSON(t, api+"/projects/"+team+"/members", `{"remove":["`+friend+`"]}`)
	if code != 200 || json.Unmarshal(body, &members) != nil || len(members.Members) != 0 {
		t.Errorf("removing a member: %d %s", code, body)
	}
	if code, body := postJSON(t, api+"/projects/"+personal+"/members", `{"add":["`+friend+`"]}`); code != 400 {
		t.Errorf("adding someone to a person's own project: %d %s, want 400", code, body)
	}
	if code, body := postJSON(t, api+"/projects/project-elsewhere/members", `{"add":["`+user+`"]}`); code != 404 {
		t.Errorf("adding oneself to another project: %d %s, want 404", code, body)
	}
}
