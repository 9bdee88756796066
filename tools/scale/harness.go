package scale

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/tools/internal/benchfmt"
)

// Harness is one run: a sandbox, the binaries, where Basalt works, and the sizes.
type Harness struct {
	Env      *testenv.Env
	Bin      string // basalt and its plugins (Binaries), and the packaged default catalog
	Work     string // Basalt's working directory, empty
	Charts   string // Onyxia's chart repository, ../shared/catalogs/interactive
	Sizes    Sizes
	Prefix   string    // of the users' and groups' names, hence of the projects' (default: scale)
	Log      io.Writer // progress, and Basalt's own output
	Profiles string    // for the core's CPU profile and goroutines, the plugins' CPU profiles; empty: none
	Measures []benchfmt.Line

	k        *kube
	counter  *APICounter
	basalt   *Basalt
	api      *API
	deployed *deployments
	users    []User // the last is the administrator
	seeded   seeded

	idleLaunch time.Duration
}

// Run seeds the sandbox, measures, loads and measures again; Measures holds every figure,
// also when it fails midway.
func (h *Harness) Run(ctx context.Context) error {
	var err error
	if h.k, err = newKube(h.Env); err != nil {
		return err
	}
	if h.counter, err = StartAPICounter(h.Env); err != nil {
		return err
	}
	defer h.counter.Close()
	kubeconfig, err := h.counter.Kubeconfig(h.Work)
	if err != nil {
		return err
	}
	if h.Sizes.Nodes > 0 {
		if h.seeded.nodes, err = addNodes(ctx, h.k, h.Sizes.Nodes, h.Sizes.PodsPerNode); err != nil {
			return err
		}
	}
	charts, err := filepath.Abs(h.Charts) // Basalt runs in its own folder
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(charts, "index.yaml")); err != nil {
		return fmt.Errorf("onyxia's charts: %w", err)
	}
	catalogs := []Catalog{{ID: "interactive", Location: charts}}
	if _, err := os.Stat(h.Bin + "/catalog"); err == nil {
		catalogs = append(catalogs, Catalog{ID: "ide", Location: "catalog"})
	}
	// The fleet is the lifecycle engine's: on a shared cluster, an engine would tend other
	// tests' services, so a run without fleet measures has none.
	o := BasaltOptions{Bin: h.Bin, Work: h.Work, Kubeconfig: kubeconfig, Catalogs: catalogs, Log: h.Log, Lifecycle: h.Sizes.FleetSamples > 0, Profiles: h.Profiles}
	if h.basalt, err = StartBasalt(ctx, h.Env, o); err != nil {
		return err
	}
	defer h.basalt.Stop()
	h.api = NewAPI(h.basalt.URL)
	watching, stop := context.WithCancel(ctx)
	defer stop()
	h.deployed = watchDeployments(watching, h.k)

	began := time.Now()
	h.logf("signing %d users in", h.Sizes.Users+1)
	if h.users, err = SignIn(ctx, h.Env, Population(h.prefix(), h.Sizes.Users, h.Sizes.Groups), 3); err != nil {
		return err
	}
	h.measure("scale.signin.time", time.Since(began).Seconds(), "s")
	if err := h.seed(ctx, len(catalogs) > 1); err != nil {
		return err
	}
	if err := h.measureIdle(ctx); err != nil {
		return err
	}
	return h.load(ctx)
}

func (h *Harness) measure(name string, value float64, unit string) {
	l := benchfmt.Line{Name: name, Value: value, Unit: unit}
	h.Measures = append(h.Measures, l)
	h.logf("%s", l)
}

func (h *Harness) logf(format string, args ...any) {
	fmt.Fprintf(h.Log, "scale: "+format+"\n", args...)
}

func (h *Harness) prefix() string {
	if h.Prefix == "" {
		return "scale"
	}
	return h.Prefix
}

// admin is the administrator among the users.
func (h *Harness) admin() User { return h.users[len(h.users)-1] }

// people are the users who are not the administrator.
func (h *Harness) people() []User { return h.users[:len(h.users)-1] }

// Cleanup deletes the namespaces of the run's projects, for a run on a cluster it shares.
func (h *Harness) Cleanup(ctx context.Context) error {
	if h.k == nil {
		return nil
	}
	var errs []error
	for _, u := range h.people() {
		for _, ns := range []string{u.Personal, u.Group} {
			if ns == "" {
				continue
			}
			err := h.k.do(ctx, "DELETE", "/api/v1/namespaces/"+ns, nil, nil)
			if err != nil && !isStatus(err, 404) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
