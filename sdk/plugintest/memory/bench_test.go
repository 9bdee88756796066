package memory_test

import (
	"bytes"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/internal/cputime"
	"github.com/basalt-dev/basalt/sdk/plugintest"
	"github.com/basalt-dev/basalt/sdk/plugintest/memory"
)

// percentile returns the p-th percentile (0 < p ≤ 1) of sorted durations, in microseconds.
func percentile(sorted []time.Duration, p float64) float64 {
	i := int(float64(len(sorted))*p+0.5) - 1
	i = max(0, min(i, len(sorted)-1))
	return float64(sorted[i]) / float64(time.Microsecond)
}

// spawnMetered is spawn for a benchmark that reports the processor time of the host (this
// process) and the plugin: unlike wall-clock figures, these do not depend on how busy the
// machine is with other work.
func spawnMetered(b *testing.B, kind sdk.Kind, withChannel bool) (sdk.Plugin, func() *cputime.Meter) {
	spawn := plugintest.Spawn
	if !withChannel {
		spawn = plugintest.SpawnWithoutChannel
	}
	p, pid := spawn(b, kind, pluginBinary(b), string(kind))
	return p, func() *cputime.Meter {
		m, err := cputime.Start(0, pid)
		if err != nil {
			b.Skipf("no processor times: %v", err)
		}
		return m
	}
}

// spent returns what the host and the plugin spent since m started.
func spent(b *testing.B, m *cputime.Meter) (host, plugin time.Duration) {
	t, err := m.Spent()
	if err != nil {
		b.Fatal(err)
	}
	return t[0], t[1]
}

// BenchmarkPluginCall is the round trip of a small call (Stat of a small object) to a plugin
// process on its private channel, as the core makes it. Besides the wall-clock percentiles it
// reports the processor time one call costs the host and the plugin.
func BenchmarkPluginCall(b *testing.B) { benchmarkCall(b, true) }

// BenchmarkPluginCallWithoutChannel is BenchmarkPluginCall over go-plugin's connection with
// mutual TLS, as with a plugin built with an sdk older than the channel.
func BenchmarkPluginCallWithoutChannel(b *testing.B) { benchmarkCall(b, false) }

// smallObject spawns the storage plugin and stores the 5-byte object the call benchmarks Stat.
func smallObject(b *testing.B, withChannel bool) (sdk.Storage, sdk.ObjectRef, func() *cputime.Meter) {
	p, startMeter := spawnMetered(b, sdk.KindStorage, withChannel)
	store := p.(sdk.Storage)
	ref := sdk.ObjectRef{Bucket: "user-alice", Key: "small.txt"}
	if _, err := store.Write(b.Context(), sdk.WriteObjectRequest{Caller: alice, Object: ref, Size: 5, Body: bytes.NewReader([]byte("small"))}); err != nil {
		b.Fatal(err)
	}
	return store, ref, startMeter
}

func benchmarkCall(b *testing.B, withChannel bool) {
	store, ref, startMeter := smallObject(b, withChannel)
	ctx := b.Context()
	for range 100 { // warm the connection up
		if _, err := store.Stat(ctx, sdk.StatObjectRequest{Caller: alice, Object: ref}); err != nil {
			b.Fatal(err)
		}
	}
	durations := make([]time.Duration, 0, b.N)
	meter := startMeter()
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		resp, err := store.Stat(ctx, sdk.StatObjectRequest{Caller: alice, Object: ref})
		durations = append(durations, time.Since(start))
		if err != nil || resp.Object.Size != 5 {
			b.Fatalf("Stat: %+v, %v", resp.Object, err)
		}
	}
	b.StopTimer()
	host, plugin := spent(b, meter)
	slices.Sort(durations)
	b.ReportMetric(percentile(durations, 0.50), "p50-us")
	b.ReportMetric(percentile(durations, 0.99), "p99-us")
	calls := float64(len(durations))
	b.ReportMetric(float64(host.Microseconds())/calls, "hostcpu-us/call")
	b.ReportMetric(float64(plugin.Microseconds())/calls, "plugincpu-us/call")
}

// BenchmarkPluginCallParallel is BenchmarkPluginCall made by 16 goroutines at once, more
// than there are lanes (see sdk/internal/framedcall): it reports the calls per second the
// plugin serves and the processor time a call costs each end.
func BenchmarkPluginCallParallel(b *testing.B) {
	store, ref, startMeter := smallObject(b, true)
	meter := startMeter()
	start := time.Now()
	b.SetParallelism(8) // 16 goroutines on two processors
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := store.Stat(b.Context(), sdk.StatObjectRequest{Caller: alice, Object: ref})
			if err != nil || resp.Object.Size != 5 {
				b.Errorf("Stat: %+v, %v", resp.Object, err)
				return
			}
		}
	})
	b.StopTimer()
	took := time.Since(start)
	host, plugin := spent(b, meter)
	b.ReportMetric(float64(b.N)/took.Seconds(), "throughput-calls/s")
	b.ReportMetric(float64(host.Microseconds())/float64(b.N), "hostcpu-us/call")
	b.ReportMetric(float64(plugin.Microseconds())/float64(b.N), "plugincpu-us/call")
}

// StreamSize is what BenchmarkPluginStream writes and reads back through the plugin.
const StreamSize = 256 << 20

// BenchmarkPluginStream writes 256 MiB to a plugin process and reads them back, on the
// plugin's private channel. Besides the wall-clock rates it reports the processor time a byte
// costs the host and the plugin: on an idle machine with two cores, where the two processes
// run side by side, the rate tends to 1000 / the larger of the two, in MB/s.
func BenchmarkPluginStream(b *testing.B) {
	p, startMeter := spawnMetered(b, sdk.KindStorage, true)
	benchmarkStream(b, p.(sdk.Storage), startMeter)
}

// BenchmarkPluginStreamWithoutChannel is BenchmarkPluginStream over go-plugin's connection
// with mutual TLS.
func BenchmarkPluginStreamWithoutChannel(b *testing.B) {
	p, startMeter := spawnMetered(b, sdk.KindStorage, false)
	benchmarkStream(b, p.(sdk.Storage), startMeter)
}

// BenchmarkPluginStreamInProcess is BenchmarkPluginStream on the in-process connection
// (no second process, no TLS): the difference is what the process boundary costs.
func BenchmarkPluginStreamInProcess(b *testing.B) {
	benchmarkStream(b, plugintest.ConnectStorage(b, memory.NewStorage()), nil)
}

// benchmarkStream measures store; startMeter, when there is a plugin process, starts
// measuring processor times.
func benchmarkStream(b *testing.B, store sdk.Storage, startMeter func() *cputime.Meter) {
	ctx := b.Context()
	// Bodies under the discard prefix are not kept: the benchmark measures the plugin path,
	// not how fast the host hands out fresh memory.
	if _, err := store.Configure(ctx, sdk.ConfigureRequest{Config: []byte(`{"discardPrefix": ".discard/"}`)}); err != nil {
		b.Fatal(err)
	}
	ref := sdk.ObjectRef{Bucket: "user-alice", Key: ".discard/stream.bin"}
	body := plugintest.NewRepeatReader(0)
	var writing, reading time.Duration
	var meter *cputime.Meter
	if startMeter != nil {
		meter = startMeter()
	}
	for b.Loop() {
		start := time.Now()
		resp, err := store.Write(ctx, sdk.WriteObjectRequest{Caller: alice, Object: ref, Size: StreamSize, Body: body.Again(StreamSize)})
		writing += time.Since(start)
		if err != nil || resp.Object.Size != StreamSize {
			b.Fatalf("Write: %+v, %v", resp.Object, err)
		}
		start = time.Now()
		read, err := store.Read(ctx, sdk.ReadObjectRequest{Caller: alice, Object: ref})
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, read.Body)
		read.Body.Close()
		reading += time.Since(start)
		if err != nil || n != StreamSize {
			b.Fatalf("Read: %d bytes, %v", n, err)
		}
		if _, err := store.Delete(ctx, sdk.DeleteObjectRequest{Caller: alice, Object: ref}); err != nil {
			b.Fatal(err)
		}
	}
	mb := float64(StreamSize) / 1e6 * float64(b.N)
	b.ReportMetric(mb/writing.Seconds(), "write-MB/s")
	b.ReportMetric(mb/reading.Seconds(), "read-MB/s")
	if meter != nil {
		host, plugin := spent(b, meter)
		moved := 2 * float64(StreamSize) * float64(b.N) // written, then read back
		b.ReportMetric(float64(host.Nanoseconds())/moved, "hostcpu-ns/B")
		b.ReportMetric(float64(plugin.Nanoseconds())/moved, "plugincpu-ns/B")
	}
}
