// Package pluginrpc serves a plugin over hashicorp/go-plugin's gRPC transport and gives hosts
// what they need to connect to one. A plugin's main is one call:
//
//	func main() { pluginrpc.ServeStorage(mystore.New()) }
package pluginrpc

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime/pprof"
	"strings"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/internal/wire"
)

// Handshake is shared by the core and every plugin. The magic cookie only keeps a plugin
// binary from being run by hand by mistake; it is not a security measure.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  sdk.ProtocolVersion,
	MagicCookieKey:   "BASALT_PLUGIN_MAGIC_COOKIE",
	MagicCookieValue: "a4f3c1e0-basalt-plugin",
}

// MaxMessageSize bounds one gRPC message. Bodies stream in far smaller chunks; the bound is
// for large listings and chart metadata.
const MaxMessageSize = 64 << 20

// The connection is a local socket with one client: flow-control windows and buffers sized
// for streaming bodies, not for a congested network, keep the sender from stalling on
// window updates.
const (
	window = 16 << 20
	buffer = 1 << 20
)

// serverOptions are the gRPC options of the plugin's end.
func serverOptions(opts []grpc.ServerOption) []grpc.ServerOption {
	return append(append(opts,
		grpc.MaxRecvMsgSize(MaxMessageSize), grpc.MaxSendMsgSize(MaxMessageSize),
		grpc.InitialWindowSize(window), grpc.InitialConnWindowSize(window),
		grpc.WriteBufferSize(buffer), grpc.ReadBufferSize(buffer),
		grpc.ForceServerCodecV2(wire.Codec)), traceServerOptions()...)
}

// DialOptions are the gRPC options a host uses to connect to plugins.
func DialOptions() []grpc.DialOption {
	return append([]grpc.DialOption{
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(MaxMessageSize), grpc.MaxCallSendMsgSize(MaxMessageSize),
			grpc.ForceCodecV2(wire.Codec)),
		grpc.WithInitialWindowSize(window), grpc.WithInitialConnWindowSize(window),
		grpc.WithWriteBufferSize(buffer), grpc.WithReadBufferSize(buffer),
	}, traceDialOptions()...)
}

// kindPlugin adapts one kind to go-plugin: the server side registers impl, the client side
// returns the contract's interface over the connection.
type kindPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	kind sdk.Kind
	impl sdk.Plugin
}

func (p *kindPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	wire.Register(s, p.kind, p.impl)
	return nil
}

func (p *kindPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return wire.NewClient(p.kind, conn), nil
}

// PluginSet returns the go-plugin set that serves impl as kind.
func PluginSet(kind sdk.Kind, impl sdk.Plugin) plugin.PluginSet {
	return plugin.PluginSet{string(kind): &kindPlugin{kind: kind, impl: impl}}
}

// ClientPlugins returns, per protocol version, the plugin sets a host hands go-plugin's client
// so that it can dispense any kind by name.
func ClientPlugins() map[int]plugin.PluginSet {
	set := plugin.PluginSet{}
	for _, kind := range sdk.Kinds {
		set[string(kind)] = &kindPlugin{kind: kind}
	}
	return map[int]plugin.PluginSet{sdk.ProtocolVersion: set}
}

// Serve serves impl as a plugin of the given kind until the host ends it. It exits the
// process if impl does not implement the kind's contract.
func Serve(kind sdk.Kind, impl sdk.Plugin) {
	if err := checkKind(kind, impl); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	// The first line of every plugin's log, forwarded by the host like any other.
	Logger().Info("serving", "kind", string(kind), "protocols", []int{sdk.ProtocolVersion})
	defer startProfile(kind)()
	// Tracing starts before the servers are built: their options depend on it.
	defer serveTracing()()
	serveChannel(kind, impl) // before go-plugin's handshake: see channelGreeting
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  Handshake,
		VersionedPlugins: map[int]plugin.PluginSet{sdk.ProtocolVersion: PluginSet(kind, impl)},
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			return plugin.DefaultGRPCServer(serverOptions(opts))
		},
		Logger: hclog.New(&hclog.LoggerOptions{Output: os.Stderr, JSONFormat: true, Level: hclog.Info}),
	})
}

// ProfileEnv names an environment variable: when it holds a file name, the plugin writes its
// CPU profile there while it serves (go tool pprof), which is how the plugin's half of the
// protocol is measured. "{kind}" in the name becomes the plugin's kind, so that the plugins of
// one Basalt write a file each.
const ProfileEnv = "BASALT_PLUGIN_CPUPROFILE"

// startProfile starts the CPU profile ProfileEnv asks for and returns what stops it.
func startProfile(kind sdk.Kind) (stop func()) {
	path := strings.ReplaceAll(os.Getenv(ProfileEnv), "{kind}", string(kind))
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		Logger().Warn("no CPU profile", "env", ProfileEnv, "error", err.Error())
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

func ServeStorage(impl sdk.Storage) { Serve(sdk.KindStorage, impl) }
func ServeSecrets(impl sdk.Secrets) { Serve(sdk.KindSecrets, impl) }
func ServeCatalog(impl sdk.Catalog) { Serve(sdk.KindCatalog, impl) }
func ServeRegion(impl sdk.Region)   { Serve(sdk.KindRegion, impl) }

func checkKind(kind sdk.Kind, impl sdk.Plugin) error {
	ok := false
	switch kind {
	case sdk.KindStorage:
		_, ok = impl.(sdk.Storage)
	case sdk.KindSecrets:
		_, ok = impl.(sdk.Secrets)
	case sdk.KindCatalog:
		_, ok = impl.(sdk.Catalog)
	case sdk.KindRegion:
		_, ok = impl.(sdk.Region)
	}
	if !ok {
		return fmt.Errorf("pluginrpc: %T does not implement the %q contract", impl, kind)
	}
	return nil
}

// Logger returns the logger a plugin should use: its lines reach the host's structured log
// with their level and attributes (go-plugin reads hclog's JSON lines from stderr).
func Logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) > 0 {
				return a
			}
			switch a.Key {
			case slog.TimeKey:
				return slog.String("@timestamp", a.Value.Time().Format("2006-01-02T15:04:05.000000Z07:00"))
			case slog.LevelKey:
				return slog.String("@level", strings.ToLower(a.Value.String()))
			case slog.MessageKey:
				return slog.String("@message", a.Value.String())
			}
			return a
		},
	}))
}
