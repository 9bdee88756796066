package pluginrpc_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/pluginrpc"
	"github.com/basalt-dev/basalt/sdk/plugintest/memory"
	"github.com/basalt-dev/basalt/sdk/tracing"
	"github.com/basalt-dev/basalt/sdk/tracing/tracingtest"
)

// pluginEnv makes the test binary a storage plugin (see TestMain): "current" serves through
// pluginrpc.Serve, "older" through go-plugin alone, as a plugin built before the private
// channel does, and "no-lanes" as a plugin built before the framed calls' lanes, which
// does not see the lanes the host passes.
const pluginEnv = "BASALT_CHANNEL_TEST_PLUGIN"

func servePlugin(mode string) {
	if mode == "older" {
		plugin.Serve(&plugin.ServeConfig{
			HandshakeConfig:  pluginrpc.Handshake,
			VersionedPlugins: map[int]plugin.PluginSet{sdk.ProtocolVersion: pluginrpc.PluginSet(sdk.KindStorage, memory.NewStorage())},
			GRPCServer:       plugin.DefaultGRPCServer,
		})
		return
	}
	if mode == "no-lanes" {
		os.Unsetenv(pluginrpc.LanesEnv)
	}
	pluginrpc.ServeStorage(memory.NewStorage())
}

// startPlugin starts the test binary as a plugin in mode, as the core does, and returns its
// storage client, its channel and its process id.
func startPlugin(t *testing.T, mode string) (sdk.Storage, *pluginrpc.Channel, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = []string{pluginEnv + "=" + mode}
	channel, err := pluginrpc.NewChannel(cmd)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { channel.Close() })
	client := plugin.NewClient(pluginrpc.ClientConfig(cmd, hclog.New(&hclog.LoggerOptions{Output: io.Discard})))
	t.Cleanup(client.Kill)
	rpc, err := client.Client()
	if err != nil {
		t.Fatalf("starting the plugin: %v", err)
	}
	p, err := channel.Dispense(rpc, sdk.KindStorage)
	if err != nil {
		t.Fatal(err)
	}
	return p.(sdk.Storage), channel, client.ReattachConfig().Pid
}

var alice = sdk.Caller{Subject: "sub-alice", Username: "alice"}

// writeAndRead stores a body larger than one chunk and reads it back.
func writeAndRead(t *testing.T, store sdk.Storage) {
	t.Helper()
	ctx := t.Context()
	ref := sdk.ObjectRef{Bucket: "user-alice", Key: "channel/body.txt"}
	body := strings.Repeat("basalt ", 400_000) // 2.8 MB: several chunks
	if _, err := store.Write(ctx, sdk.WriteObjectRequest{Caller: alice, Object: ref, Size: int64(len(body)), Body: strings.NewReader(body)}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	resp, err := store.Read(ctx, sdk.ReadObjectRequest{Caller: alice, Object: ref})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || string(got) != body {
		t.Fatalf("read back %d bytes (%v), want %d", len(got), err, len(body))
	}
	// Error kinds cross the channel as they cross go-plugin's connection.
	_, err = store.Stat(ctx, sdk.StatObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: "missing"}})
	if !errors.Is(err, sdk.ErrNotFound) {
		t.Fatalf("Stat of a missing object: %v, want not found", err)
	}
}

func TestChannelCarriesTheCalls(t *testing.T) {
	store, channel, _ := startPlugin(t, "current")
	if !channel.Active() {
		t.Fatal("a plugin served by pluginrpc.Serve must serve its private channel")
	}
	if !channel.FramedCalls() || channel.Lanes() == 0 {
		t.Fatalf("a plugin served by pluginrpc.Serve must serve framed calls on lanes to a host that does not trace (%d lanes)", channel.Lanes())
	}
	writeAndRead(t, store)
	concurrentStats(t, store)
}

// concurrentStats makes more calls at once than there are lanes: each gets its own answer.
func concurrentStats(t *testing.T, store sdk.Storage) {
	t.Helper()
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			key := fmt.Sprintf("missing-%d", i)
			_, err := store.Stat(t.Context(), sdk.StatObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: key}})
			if !errors.Is(err, sdk.ErrNotFound) || !strings.Contains(err.Error(), key) {
				t.Errorf("Stat %s: %v, want its own not found", key, err)
			}
		})
	}
	wg.Wait()
}

func TestPluginWithoutLanesGetsFramedCallsOnOneConnection(t *testing.T) {
	store, channel, _ := startPlugin(t, "no-lanes")
	if !channel.FramedCalls() || channel.Lanes() != 0 {
		t.Fatalf("a plugin that does not serve lanes: framed calls %t, %d lanes; want framed calls without lanes", channel.FramedCalls(), channel.Lanes())
	}
	writeAndRead(t, store)
	concurrentStats(t, store)
}

func TestOlderPluginKeepsGoPluginConnection(t *testing.T) {
	store, channel, _ := startPlugin(t, "older")
	if channel.Active() || channel.FramedCalls() {
		t.Fatal("a plugin that never greeted cannot be on the private channel")
	}
	writeAndRead(t, store)
}

func TestChannelFailsAsUnavailableWhenThePluginDies(t *testing.T) {
	store, _, pid := startPlugin(t, "current")
	ref := sdk.ObjectRef{Bucket: "user-alice", Key: "missing"}
	if _, err := store.Stat(t.Context(), sdk.StatObjectRequest{Caller: alice, Object: ref}); !errors.Is(err, sdk.ErrNotFound) {
		t.Fatalf("Stat before the kill: %v", err)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// The socket pair breaks with the process: calls fail at once, they do not hang or
	// reach another process.
	done := make(chan error, 1)
	go func() {
		time.Sleep(50 * time.Millisecond)
		_, err := store.Stat(t.Context(), sdk.StatObjectRequest{Caller: alice, Object: ref})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, sdk.ErrUnavailable) {
			t.Fatalf("a call after the plugin died: %v, want unavailable", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a call after the plugin died never returned")
	}
}

// A host that traces keeps gRPC for every call: the spans of a call and the trace it carries
// to the plugin come from gRPC's stats handlers.
func TestTracingHostCallsOnGRPC(t *testing.T) {
	collector := tracingtest.NewCollector(t)
	shutdown, err := tracing.Start(t.Context(), tracing.Settings{Endpoint: collector.URL, Protocol: tracing.ProtocolHTTP,
		ServiceName: "basalt-test", Sampler: tracing.RootSampler(1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { shutdown(context.Background()) })
	store, channel, _ := startPlugin(t, "current")
	if !channel.Active() || channel.FramedCalls() {
		t.Fatalf("a tracing host: channel %t, framed calls %t; want the channel without framed calls", channel.Active(), channel.FramedCalls())
	}
	writeAndRead(t, store)
}
