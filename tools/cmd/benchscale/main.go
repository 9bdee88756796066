// Command benchscale runs the scale harness (tools/scale) against a sandbox that `testenv up
// -state` started for it alone (make bench-scale), and prints one "BENCH <name> <value>
// <unit>" line per figure on stdout; progress and Basalt's output go to stderr.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/tools/scale"
)

func main() {
	envFile := flag.String("env", "", "the sandbox's env file (testenv up -state DIR writes DIR/env)")
	bin := flag.String("bin", "bin", "basalt, its plugins and the packaged default catalog (make build's bin/)")
	charts := flag.String("charts", "../shared/catalogs/interactive", "Onyxia's chart repository")
	small := flag.Bool("small", false, "the regression guard's sizes (20 users, 500 services) instead of issue 23's")
	users := flag.Int("users", 0, "users, if not the sizes' own")
	services := flag.Int("services", 0, "services, if not the sizes' own")
	launched := flag.Int("launched", 0, "services launched through Basalt while seeding (the rest are copied), if not the sizes' own")
	loadFor := flag.Duration("load", 0, "the load phase's length, if not the sizes' own")
	profiles := flag.String("profiles", "", "a folder for the core's CPU profile of the load phase and goroutine dumps before and after it, and each plugin's CPU profile over the run (go tool pprof); empty: none")
	flag.Parse()
	if *envFile == "" {
		fail(fmt.Errorf("-env is required"))
	}
	env, err := testenv.Load(*envFile)
	if err != nil {
		fail(err)
	}
	sizes := scale.Full()
	if *small {
		sizes = scale.Small()
	}
	if *users > 0 {
		sizes.Users = *users
	}
	if *services > 0 {
		sizes.Services = *services
	}
	if *launched > 0 {
		sizes.Launched = *launched
	}
	if *loadFor > 0 {
		sizes.LoadDuration = *loadFor
	}
	chartsDir, err := filepath.Abs(*charts)
	if err != nil {
		fail(err)
	}
	binDir, err := filepath.Abs(*bin) // Basalt runs in a folder of its own
	if err != nil {
		fail(err)
	}
	if *profiles != "" {
		if *profiles, err = filepath.Abs(*profiles); err == nil {
			err = os.MkdirAll(*profiles, 0o755)
		}
		if err != nil {
			fail(fmt.Errorf("-profiles: %w", err))
		}
	}
	work, err := os.MkdirTemp("", "basalt-benchscale-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(work)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	began := time.Now()
	h := &scale.Harness{Env: env, Bin: binDir, Work: work, Charts: chartsDir, Sizes: sizes, Log: os.Stderr, Profiles: *profiles}
	runErr := h.Run(ctx)
	for _, l := range h.Measures {
		fmt.Println(l)
	}
	fmt.Printf("BENCH scale.total.time %.0f s\n", time.Since(began).Seconds())
	if load, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Fprintf(os.Stderr, "benchscale: load average %s", load)
		fmt.Printf("BENCH scale.loadavg %s load\n", strings.Fields(string(load))[0])
	}
	if runErr != nil {
		os.RemoveAll(work)
		fail(runErr)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchscale:", err)
	os.Exit(1)
}
