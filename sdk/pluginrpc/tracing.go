package pluginrpc

import (
	"context"
	"strings"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/stats"

	"github.com/basalt-dev/basalt/sdk/tracing"
)

// flushTimeout bounds the export of the last spans when the plugin stops; the host kills a
// plugin that has not exited two seconds after asking it to.
const flushTimeout = 1500 * time.Millisecond

// serveTracing starts the plugin's tracing when its host asked for it through the standard
// OpenTelemetry variables (tracing.PluginEnv), and returns what flushes the spans when the
// plugin stops. It runs before the plugin's gRPC servers are built: their options then
// continue the host's traces (traceServerOptions).
func serveTracing() (stop func()) {
	settings, ok := tracing.FromEnv()
	if !ok {
		return func() {}
	}
	shutdown, err := tracing.Start(context.Background(), settings)
	if err != nil {
		Logger().Warn("no tracing", "error", err.Error())
		return func() {}
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
		defer cancel()
		if err := shutdown(ctx); err != nil {
			Logger().Warn("flushing spans", "error", err.Error())
		}
	}
}

// traceServerOptions make a tracing plugin's calls children of the host's spans; none when
// the process does not trace.
func traceServerOptions() []grpc.ServerOption {
	if tracing.Active() == nil {
		return nil
	}
	return []grpc.ServerOption{grpc.StatsHandler(otelgrpc.NewServerHandler(otelgrpc.WithFilter(basaltCalls)))}
}

// traceDialOptions make a tracing host's calls carry their trace to the plugin; none when the
// process does not trace.
func traceDialOptions() []grpc.DialOption {
	if tracing.Active() == nil {
		return nil
	}
	return []grpc.DialOption{grpc.WithStatsHandler(otelgrpc.NewClientHandler(otelgrpc.WithFilter(basaltCalls)))}
}

// basaltCalls keeps the contracts' calls and leaves out go-plugin's own services (the log
// stream lives as long as the plugin; the controller only stops it).
func basaltCalls(info *stats.RPCTagInfo) bool {
	return strings.HasPrefix(info.FullMethodName, "/basalt.")
}
