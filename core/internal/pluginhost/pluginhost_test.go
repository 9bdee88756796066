package pluginhost

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/plugintest/logscan"
)

func newHost(t *testing.T, plugins map[string]config.Plugin) (*Host, *logscan.Buffer) {
	t.Helper()
	log, logs := logscan.Capture(t, "core") // kept for make test's scan of every log too
	h, err := New(plugins, log, NewMetrics(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h, logs
}

func memory(t *testing.T, kind string, cfg map[string]any) config.Plugin {
	return config.Plugin{Kind: kind, Path: testplugin.Memory(t), Args: []string{kind}, Config: cfg}
}

// onPrivateChannel reports whether the calls to i's process go on its private channel.
func onPrivateChannel(i *Instance) bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.channel.Active()
}

// alive reports whether a process exists, zombies included (a zombie keeps its /proc entry).
func alive(pid int) bool {
	_, err := os.Stat("/proc/" + strconv.Itoa(pid))
	return err == nil
}

// blockingBody yields a first chunk, then waits for release before yielding the rest, so that
// a write is in flight while the test kills the plugin.
type blockingBody struct {
	first   bool
	started chan struct{}
	release chan struct{}
}

func (b *blockingBody) Read(p []byte) (int, error) {
	if !b.first {
		b.first = true
		close(b.started)
		return copy(p, bytes.Repeat([]byte("a"), 1024)), nil
	}
	<-b.release
	return copy(p, bytes.Repeat([]byte("b"), len(p))), nil
}

func TestCrashedPluginIsRestarted(t *testing.T) {
	h, logs := newHost(t, map[string]config.Plugin{"files": memory(t, "storage", nil)})
	ctx := t.Context()
	if err := h.Start(ctx); err != nil {
		t.Fatal(err)
	}
	store, err := h.Storage("files")
	if err != nil {
		t.Fatal(err)
	}
	alice := sdk.Caller{Username: "alice"}
	obj := sdk.ObjectRef{Bucket: "user-alice", Key: "crash/test.txt"}
	oldPID := h.Instance("files").PID()
	if oldPID == 0 {
		t.Fatal("the plugin has no process")
	}

	body := &blockingBody{started: make(chan struct{}), release: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		_, err := store.Write(ctx, sdk.WriteObjectRequest{Caller: alice, Object: obj, Size: -1, Body: body})
		done <- err
	}()
	<-body.started
	time.Sleep(100 * time.Millisecond) // the header and first chunk reach the plugin
	if err := syscall.Kill(oldPID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	close(body.release)

	select {
	case err := <-done:
		if !errors.Is(err, sdk.ErrUnavailable) || !strings.Contains(err.Error(), "restarted") {
			t.Fatalf("the call that hit the crash must fail clearly as unavailable, got %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the call that hit the crash never returned")
	}

	// The next call succeeds, served by a new process.
	resp, err := store.Write(ctx, sdk.WriteObjectRequest{Caller: alice, Object: obj, Size: 5, Body: strings.NewReader("hello")})
	if err != nil {
		t.Fatalf("the call after the crash must succeed: %v", err)
	}
	if resp.Object.Size != 5 {
		t.Fatalf("written size %d", resp.Object.Size)
	}
	newPID := h.Instance("files").PID()
	if newPID == 0 || newPID == oldPID {
		t.Fatalf("expected a new process, pid %d then %d", oldPID, newPID)
	}
	if !onPrivateChannel(h.Instance("files")) {
		t.Fatal("the restarted plugin's calls must go on its new private channel")
	}
	if alive(oldPID) {
		t.Fatalf("the killed plugin %d is still there (zombie or orphan)", oldPID)
	}
	if st := h.Instance("files").Status(); st.Restarts != 1 || !st.Running {
		t.Fatalf("status after one crash: %+v", st)
	}
	if !strings.Contains(logs.String(), "plugin process exited") {
		t.Fatal("the crash is not in the log")
	}

	h.Close()
	deadline := time.Now().Add(5 * time.Second)
	for alive(newPID) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if alive(newPID) {
		t.Fatalf("plugin %d outlived Close", newPID)
	}
	if _, err := store.Stat(ctx, sdk.StatObjectRequest{Caller: alice, Object: obj}); !errors.Is(err, sdk.ErrUnavailable) {
		t.Fatalf("after Close calls fail as unavailable, got %v", err)
	}
}

func TestCallAfterCrashWaitsForRestart(t *testing.T) {
	h, _ := newHost(t, map[string]config.Plugin{"files": memory(t, "storage", nil)})
	ctx := t.Context()
	if err := h.Start(ctx); err != nil {
		t.Fatal(err)
	}
	store, _ := h.Storage("files")
	pid := h.Instance("files").PID()
	_ = syscall.Kill(pid, syscall.SIGKILL)
	// No call was in flight: the watcher notices, and the next call finds a plugin.
	_, err := store.Home(ctx, sdk.HomeRequest{Caller: sdk.Caller{Username: "bob"}, Project: sdk.Project{ID: "user-bob"}})
	for i := 0; err != nil && errors.Is(err, sdk.ErrUnavailable) && i < 3; i++ {
		// A call may land in the instant between the kill and the watcher's notice; it then
		// fails cleanly, and the next one must succeed.
		_, err = store.Home(ctx, sdk.HomeRequest{Caller: sdk.Caller{Username: "bob"}, Project: sdk.Project{ID: "user-bob"}})
	}
	if err != nil {
		t.Fatalf("calls after a crash must succeed once restarted: %v", err)
	}
	if alive(pid) {
		t.Fatalf("killed plugin %d still present", pid)
	}
}

func TestConfigurationCheckedAgainstPluginSchema(t *testing.T) {
	h, _ := newHost(t, map[string]config.Plugin{"files": memory(t, "storage", map[string]any{"maxPageSize": "big", "colour": "red"})})
	err := h.Start(t.Context())
	if err == nil {
		t.Fatal("a configuration that fails the plugin's schema must stop the start")
	}
	for _, key := range []string{"plugins.files.config.maxPageSize", "plugins.files.config"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error does not name %s: %v", key, err)
		}
	}
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Errorf("want a ConfigError, got %T", err)
	}
	if pid := h.Instance("files").PID(); pid != 0 {
		t.Fatalf("a rejected plugin must not keep running (pid %d)", pid)
	}
}

func TestKindMismatchNamesTheKey(t *testing.T) {
	p := memory(t, "storage", nil)
	p.Args = []string{"region"} // the binary serves another kind than configured
	h, _ := newHost(t, map[string]config.Plugin{"files": p})
	err := h.Start(t.Context())
	if err == nil || !strings.Contains(err.Error(), "plugins.files") {
		t.Fatalf("want an error naming plugins.files, got %v", err)
	}
}

func TestChecksumIsEnforced(t *testing.T) {
	p := memory(t, "storage", nil)
	p.SHA256 = strings.Repeat("0", 64)
	h, _ := newHost(t, map[string]config.Plugin{"files": p})
	if err := h.Start(t.Context()); err == nil || !strings.Contains(strings.ToLower(err.Error()), "checksum") {
		t.Fatalf("a wrong checksum must refuse the binary, got %v", err)
	}
}

func TestStatusAndLogForwarding(t *testing.T) {
	h, logs := newHost(t, map[string]config.Plugin{
		"files":   memory(t, "storage", nil),
		"secrets": memory(t, "secrets", nil),
	})
	if err := h.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	ready, statuses := h.Ready()
	if !ready || len(statuses) != 2 {
		t.Fatalf("ready=%v %+v", ready, statuses)
	}
	for _, s := range statuses {
		if s.Protocol != sdk.ProtocolVersion || s.Plugin != "memory" || s.PID == 0 {
			t.Errorf("status %+v", s)
		}
	}
	if !onPrivateChannel(h.Instance("files")) || !onPrivateChannel(h.Instance("secrets")) {
		t.Error("the calls to plugins built with this sdk must go on their private channel")
	}
	// go-plugin's server side logs its address; the host must forward that line with the
	// plugin's name attached.
	var forwarded bool
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, `"plugin":"secrets"`) && strings.Contains(line, `"msg":"serving"`) {
			forwarded = true
		}
	}
	if !forwarded {
		t.Fatalf("no log line from the plugin process reached the core's log:\n%s", logs.String())
	}
	if _, err := h.Secrets("files"); err == nil {
		t.Fatal("asking for the wrong kind must fail")
	}
}
