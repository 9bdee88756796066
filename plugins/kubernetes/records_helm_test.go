package kubernetes_test

import (
	"bytes"
	"encoding/base64"
	"os/exec"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk"
)

// Records are written as two gzip members (the chart's, kept compressed by content, then the
// rest): Helm's own tool reads them whole, values, manifest and chart, and a second launch of
// the same chart writes the same first member.
func TestHelmReadsTheRecordsBasaltWrites(t *testing.T) {
	env := testenv.Require(t)
	helm := helmTool(env)
	if helm == "" {
		t.Fatal("the test environment built no helm tool")
	}
	p, client := newRegion(t, map[string]any{"quotas": map[string]any{}})
	user := sdk.Caller{Username: unique("rec-")}
	project := sdk.Project{ID: "user-" + user.Username}
	dropNamespace(t, client, project.ID)
	if _, err := p.Onboard(t.Context(), sdk.OnboardRequest{Caller: user, Project: project}); err != nil {
		t.Fatal(err)
	}
	archive := jupyterArchive(t)
	var firstMembers [][]byte
	for _, name := range []string{"rec-a", "rec-b"} {
		if _, err := p.Install(t.Context(), sdk.InstallRequest{
			Caller: user, Project: project, ReleaseName: name, Archive: bytes.NewReader(archive),
			Values: values(name), Metadata: sdk.ReleaseMetadata{Catalog: "interactive", Chart: "jupyter-python", Owner: user.Username},
		}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, p, sdk.ReleaseRef{Caller: user, Project: project, Name: name}, "deployed", func(r sdk.Release) bool { return r.Status == "deployed" })
		rec, err := client.CoreV1().Secrets(project.ID).Get(t.Context(), "sh.helm.release.v1."+name+".v1", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		raw, err := base64.StdEncoding.DecodeString(string(rec.Data["release"]))
		if err != nil {
			t.Fatal(err)
		}
		firstMembers = append(firstMembers, raw)

		out, err := exec.Command(helm, "get", "all", name, "--namespace", project.ID, "--kubeconfig", env.Kubeconfig).CombinedOutput()
		if err != nil {
			t.Fatalf("helm get all %s: %v\n%s", name, err, out)
		}
		for _, want := range []string{"CHART: jupyter-python", "VERSION: 2.5.2", "STATUS: deployed", "USER-SUPPLIED VALUES:", "kind: StatefulSet", name + "-jupyter-python"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("helm get all %s says no %q:\n%.2000s", name, want, out)
			}
		}
	}
	// Both records begin with the same compressed chart: the first member's bytes are shared.
	if n := commonPrefix(firstMembers[0], firstMembers[1]); n < 4096 {
		t.Errorf("the two launches' records share %d leading bytes; the chart's member should be the same", n)
	}
}

func commonPrefix(a, b []byte) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}
