package localsecrets_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/plugintest"
)

func TestMain(m *testing.M) {
	os.Exit(plugintest.Run(m))
}

// spawn starts the plugin binary as the core does (go-plugin, gRPC, AutoMTLS), configures
// it with cfg and returns its client and process id.
func spawn(t *testing.T, cfg map[string]any) (sdk.Secrets, int) {
	t.Helper()
	p, pid := plugintest.Spawn(t, sdk.KindSecrets, plugintest.Build(t, "./cmd/basalt-plugin-localsecrets"))
	s := p.(sdk.Secrets)
	config, _ := json.Marshal(cfg)
	if _, err := s.Configure(t.Context(), sdk.ConfigureRequest{Config: config}); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	return s, pid
}

// TestConformanceSubprocess runs the kit against the plugin binary: the whole path the core
// uses.
func TestConformanceSubprocess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and spawns the plugin binary")
	}
	plugintest.TestSecrets(t, func(t *testing.T) plugintest.SecretsSetup {
		s, _ := spawn(t, map[string]any{"file": filepath.Join(t.TempDir(), "secrets.db")})
		return plugintest.SecretsSetup{Secrets: s, Connected: true, Caller: alice, Other: &bob}
	})
}

// TestCrashDuringWrites kills the plugin process (SIGKILL) while writers keep it busy, then
// opens the file: it must open with the same key, and every write the plugin acknowledged
// must be there.
func TestCrashDuringWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and spawns the plugin binary")
	}
	dir := t.TempDir()
	cfg := map[string]any{"file": filepath.Join(dir, "secrets.db"), "keyFile": filepath.Join(dir, "secrets.key"), "maxVersions": 1000}
	acked := map[string]map[int]map[string]string{} // path → version → data
	var mu sync.Mutex
	const writers = 4
	for round := range 4 {
		s, pid := spawn(t, cfg)
		if round == 0 {
			// Some bulk, so that each rewrite of the file takes a while.
			for i := range 200 {
				write(t, s, alice, fmt.Sprintf("alice/bulk/%03d", i), map[string]string{"v": strings.Repeat("x", 512)})
			}
		}
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				path := fmt.Sprintf("alice/crash/%d", w)
				for i := 0; ctx.Err() == nil; i++ {
					data := map[string]string{"round": fmt.Sprint(round), "i": fmt.Sprint(i)}
					resp, err := s.Write(ctx, sdk.WriteSecretRequest{Caller: alice, Path: path, Data: data})
					if err != nil {
						return // the process is gone
					}
					mu.Lock()
					if acked[path] == nil {
						acked[path] = map[int]map[string]string{}
					}
					acked[path][resp.Version] = data
					mu.Unlock()
				}
			})
		}
		time.Sleep(time.Duration(150+100*round) * time.Millisecond)
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatalf("kill: %v", err)
		}
		wg.Wait()
		cancel()
	}

	s, _ := configure(t, cfg)
	total := 0
	for path, versions := range acked {
		for v, want := range versions {
			got, err := s.Read(t.Context(), sdk.ReadSecretRequest{Caller: alice, Path: path, Version: v})
			if err != nil || !maps.Equal(got.Data, want) {
				t.Errorf("%s version %d, acknowledged before the crash: %v, %v; want %v", path, v, got.Data, err, want)
			}
			total++
		}
	}
	if total < writers {
		t.Errorf("only %d writes acknowledged: the test did not exercise the store", total)
	}
	t.Logf("%d acknowledged writes over 4 crashes, all found", total)
	if leftovers, _ := filepath.Glob(filepath.Join(dir, "secrets.db.tmp-*")); len(leftovers) > 0 {
		t.Errorf("temporary files left after reopening: %v", leftovers)
	}
}
