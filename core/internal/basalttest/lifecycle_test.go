package basalttest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/deploy/testenv"
)

// lifecycleConfig is onyxiaCatalog with a lifecycle engine in a hurry: idle 25 s, announced
// 8 s before, looked at every second, notices by e-mail through the test environment.
const lifecycleConfig = onyxiaCatalog + `
lifecycle:
  interval: 1s
  busy_millicores: 50
  policies:
    - name: Hurried
      projects: [%[4]q]             # this test's alone: the cluster is the suite's
      suspend_after_idle: 25s
      max_keep: 1h
  notices:
    before_suspend: 8s
    email: {smtp: %[3]q, from: "Basalt <basalt@example.org>", tls: none}
`

type lifecycleService struct {
	Service struct {
		Suspended bool
		Lifecycle *struct {
			SuspendedBy string
			LastActive  *time.Time
			Notice      *struct {
				Action, Reason string
				Due            time.Time
			}
		}
	}
}

// TestIdleServiceSuspendedBusyOneKept launches two of Onyxia's Jupyters on the test
// environment's cluster: one idles, the other computes (its pods' CPU, as the cluster's metrics
// API reports it). The idle one is announced (an e-mail to its owner, read back from the mail
// catcher) and suspended once the notice has run its course, though Basalt restarts in
// between: the schedule holds and the notice is not sent again. The busy one is never touched.
func TestIdleServiceSuspendedBusyOneKept(t *testing.T) {
	env := testenv.Require(t)
	wd, _ := os.Getwd()
	root, err := testenv.FindRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	charts := filepath.Join(root, "..", "shared", "catalogs", "interactive")
	dir := Build(t, "basalt-plugin-helmrepo", "basalt-plugin-kubernetes")
	cfg := filepath.Join(t.TempDir(), "basalt.yaml")
	user := fmt.Sprintf("idle%d", time.Now().UnixNano()%1_000_000)
	if err := os.WriteFile(cfg, fmt.Appendf(nil, lifecycleConfig, charts, env.Kubeconfig, env.SMTPAddr, "user-"+user), 0o600); err != nil {
		t.Fatal(err)
	}
	email := user + "@example.org"
	p := Serve(t, dir, FreeAddress(t), nil, "--config", cfg, "--set", "lifecycle.enabled=true", "--set", "auth.local.username="+user, "--set", "auth.local.email="+email)
	services := p.URL + "/api/v1/projects/user-" + user + "/services"
	launch := func(name string) string {
		var launched struct{ Service struct{ ID string } }
		body := send(t, http.DefaultClient, http.MethodPost, services,
			`{"catalog":"onyxia","chart":"jupyter-python","version":"2.1.11","name":"`+name+`","values":{"persistence":{"enabled":false}}}`, http.StatusAccepted)
		if err := json.Unmarshal([]byte(body), &launched); err != nil || launched.Service.ID == "" {
			t.Fatalf("launch: %s", body)
		}
		svc := services + "/" + launched.Service.ID
		t.Cleanup(func() { deleteQuietly(svc) })
		return launched.Service.ID
	}
	idle, busy := launch("idle"), launch("busy")
	ns := "user-" + user
	// The busy notebook computes from its first moment: its pods' CPU is set as they appear.
	deadline := time.Now().Add(time.Minute)
	for set := false; !set; time.Sleep(200 * time.Millisecond) {
		for _, pod := range podsOn(t, env, ns) {
			if strings.HasPrefix(pod, busy) {
				if err := env.SetPodCPU(t.Context(), ns, pod, 400); err != nil {
					t.Fatal(err)
				}
				set = true
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no running pod of %s in %s after a minute: %v", busy, ns, podsOn(t, env, ns))
		}
	}
	waitVersion(t, services+"/"+idle, "2.1.11")
	waitVersion(t, services+"/"+busy, "2.1.11")
	get := func(id string) lifecycleService {
		t.Helper()
		var s lifecycleService
		if err := json.Unmarshal([]byte(send(t, http.DefaultClient, http.MethodGet, services+"/"+id, "", http.StatusOK)), &s); err != nil {
			t.Fatal(err)
		}
		if s.Service.Lifecycle == nil {
			t.Fatalf("service %s has no lifecycle", id)
		}
		return s
	}
	busyChecked := 0
	checkBusy := func() {
		t.Helper()
		if s := get(busy); s.Service.Suspended || s.Service.Lifecycle.Notice != nil {
			t.Fatalf("the busy notebook: suspended %v, notice %+v", s.Service.Suspended, s.Service.Lifecycle.Notice)
		}
		busyChecked++
	}

	// Idle, the first notebook is announced: a measure of its CPU, 17 s idle, then the notice.
	var due time.Time
	for deadline := time.Now().Add(2*time.Minute + testenv.MetricsDelay); due.IsZero(); time.Sleep(time.Second) {
		if s := get(idle); s.Service.Lifecycle.Notice != nil {
			n := s.Service.Lifecycle.Notice
			if n.Action != "suspend" || n.Reason != "idle" {
				t.Fatalf("the idle notebook's notice: %+v", n)
			}
			due = n.Due
		}
		checkBusy()
		if time.Now().After(deadline) {
			t.Fatalf("the idle notebook was not announced within %v", 2*time.Minute+testenv.MetricsDelay)
		}
	}
	if s := get(idle); s.Service.Suspended {
		t.Fatal("suspended at the notice: the owner had no time to keep it")
	}

	// Basalt restarts while the notice runs: the new process suspends at the same due time.
	p.Restart()
	for deadline := due.Add(30 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		s := get(idle)
		if s.Service.Suspended && time.Now().Before(due) {
			t.Fatalf("suspended at %v, before its notice's due time %v", time.Now(), due)
		}
		// The engine records the step once the region has taken it.
		if s.Service.Suspended && s.Service.Lifecycle.SuspendedBy == "idle" && s.Service.Lifecycle.Notice == nil {
			break
		}
		checkBusy()
		if time.Now().After(deadline) {
			t.Fatalf("not suspended and recorded so 30 s after its notice's due time %v: %+v", due, get(idle).Service)
		}
	}
	checkBusy()
	if busyChecked < 10 {
		t.Errorf("the busy notebook was looked at %d times only", busyChecked)
	}
	if s := get(busy); s.Service.Lifecycle.LastActive == nil || time.Since(*s.Service.Lifecycle.LastActive) > testenv.MetricsDelay {
		t.Errorf("the busy notebook's last use: %v, want within %v", s.Service.Lifecycle.LastActive, testenv.MetricsDelay)
	}

	mails, err := env.Messages(t.Context(), email)
	if err != nil {
		t.Fatal(err)
	}
	if len(mails) != 1 || !strings.Contains(mails[0].Subject, "idle will be suspended") {
		var subjects []string
		for _, m := range mails {
			subjects = append(subjects, m.Subject)
		}
		t.Fatalf("mails to the owner: %q, want the idle notebook's notice once (a restart sends it again?)", subjects)
	}
	keep := ""
	for _, l := range mails[0].Links {
		if strings.Contains(l, "keep=1") {
			keep = l
		}
	}
	if !strings.HasPrefix(keep, p.URL+"/my-services/"+idle+"?") {
		t.Errorf("the keep link %q does not open the idle notebook's page on %s", keep, p.URL)
	}
}
