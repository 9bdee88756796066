package pluginhost

import (
	"bytes"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
	"github.com/basalt-dev/basalt/sdk"
)

// BenchmarkHostCall is the round trip of a small call (Stat) as the core makes it: through
// the host's proxy (start check, crash handling, metrics) to the plugin process. Each
// iteration also makes the same call on the plugin's own client, alternating, so that the
// proxy's share is measured in the same conditions: "direct" and "proxied" percentiles and
// their ratio.
func BenchmarkHostCall(b *testing.B) {
	h, err := New(map[string]config.Plugin{
		"files": {Kind: "storage", Path: testplugin.Memory(b), Args: []string{"storage"}},
	}, slog.New(slog.NewTextHandler(io.Discard, nil)), NewMetrics(nil))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(h.Close)
	ctx := b.Context()
	proxied, err := h.Storage("files")
	if err != nil {
		b.Fatal(err)
	}
	caller := sdk.Caller{Subject: "sub-alice", Username: "alice"}
	ref := sdk.ObjectRef{Bucket: "user-alice", Key: "small.txt"}
	if _, err := proxied.Write(ctx, sdk.WriteObjectRequest{Caller: caller, Object: ref, Size: 5, Body: bytes.NewReader([]byte("small"))}); err != nil {
		b.Fatal(err)
	}
	direct := h.Instance("files").running().(sdk.Storage)
	stat := func(s sdk.Storage) time.Duration {
		start := time.Now()
		resp, err := s.Stat(ctx, sdk.StatObjectRequest{Caller: caller, Object: ref})
		took := time.Since(start)
		if err != nil || resp.Object.Size != 5 {
			b.Fatalf("Stat: %+v, %v", resp.Object, err)
		}
		return took
	}
	for range 100 { // warm the connection up
		stat(proxied)
	}
	var viaProxy, viaClient []time.Duration
	for b.Loop() {
		viaProxy = append(viaProxy, stat(proxied))
		viaClient = append(viaClient, stat(direct))
	}
	b.StopTimer()
	p50 := func(d []time.Duration) float64 {
		slices.Sort(d)
		return float64(d[len(d)/2]) / float64(time.Microsecond)
	}
	proxyP50, clientP50 := p50(viaProxy), p50(viaClient)
	b.ReportMetric(proxyP50, "proxiedp50-us")
	b.ReportMetric(clientP50, "directp50-us")
	b.ReportMetric(proxyP50/clientP50, "ratio-x")
}
