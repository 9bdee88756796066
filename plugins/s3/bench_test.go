package s3_test

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/plugintest"
)

const gib = 1 << 30

// BenchmarkTransfer1GiB uploads and downloads 1 GiB through the plugin binary (gRPC over
// its socket, as the core calls it) and with minio-go directly, in the same run, both as
// alice with her STS credentials and the same part size and parallelism. It reports MB/s
// for each and the plugin's share of the direct throughput.
func BenchmarkTransfer1GiB(b *testing.B) {
	env := testenv.Require(b)
	s := spawn(b, stsConfig(env))
	alice := caller(b, env, "alice")
	mc := direct(b, env, stsOf(b, env, alice))
	ctx := b.Context()
	plugin := sdk.ObjectRef{Bucket: "user-alice", Key: "bench-transfer/plugin.bin"}
	directKey := "bench-transfer/direct.bin"
	b.Cleanup(func() {
		_, _ = s.Delete(context.Background(), sdk.DeleteObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: "bench-transfer/"}, Recursive: true})
	})
	opts := minio.PutObjectOptions{PartSize: 16 << 20, NumThreads: 4, ConcurrentStreamParts: true, ContentType: "application/octet-stream"}
	var upDirect, upPlugin, downDirect, downPlugin time.Duration
	timed := func(d *time.Duration, what string, f func() (int64, error)) {
		start := time.Now()
		n, err := f()
		*d += time.Since(start)
		if err != nil || n != gib {
			b.Fatalf("%s: %d bytes, %v", what, n, err)
		}
	}
	for b.Loop() {
		timed(&upDirect, "direct upload", func() (int64, error) {
			info, err := mc.PutObject(ctx, plugin.Bucket, directKey, plugintest.NewRepeatReader(gib), gib, opts)
			return info.Size, err
		})
		timed(&upPlugin, "plugin upload", func() (int64, error) {
			resp, err := s.Write(ctx, sdk.WriteObjectRequest{Caller: alice, Object: plugin, Size: gib, Body: plugintest.NewRepeatReader(gib)})
			return resp.Object.Size, err
		})
		timed(&downDirect, "direct download", func() (int64, error) {
			obj, err := mc.GetObject(ctx, plugin.Bucket, directKey, minio.GetObjectOptions{})
			if err != nil {
				return 0, err
			}
			defer obj.Close()
			return io.Copy(io.Discard, obj)
		})
		timed(&downPlugin, "plugin download", func() (int64, error) {
			resp, err := s.Read(ctx, sdk.ReadObjectRequest{Caller: alice, Object: plugin})
			if err != nil {
				return 0, err
			}
			defer resp.Body.Close()
			return io.Copy(io.Discard, resp.Body)
		})
	}
	mbps := func(d time.Duration) float64 { return float64(b.N) * gib / 1e6 / d.Seconds() }
	b.ReportMetric(mbps(upDirect), "upload_direct_MB/s")
	b.ReportMetric(mbps(upPlugin), "upload_plugin_MB/s")
	b.ReportMetric(mbps(upPlugin)/mbps(upDirect), "upload_ratio")
	b.ReportMetric(mbps(downDirect), "download_direct_MB/s")
	b.ReportMetric(mbps(downPlugin), "download_plugin_MB/s")
	b.ReportMetric(mbps(downPlugin)/mbps(downDirect), "download_ratio")
}

// Listing benchmark: listObjects objects under listPrefix of alice's bucket, made once.
const (
	listObjects = 100_000
	listPrefix  = "bench-list-100k/"
	listDone    = "bench-list-100k.complete" // written once every object exists
)

// fillListBucket creates the listing benchmark's objects with MinIO's root keys, many at a
// time, unless an earlier run did.
func fillListBucket(b *testing.B, env *testenv.Env) {
	mc := root(b, env)
	ctx := b.Context()
	if _, err := mc.StatObject(ctx, "user-alice", listDone, minio.StatObjectOptions{}); err == nil {
		return
	}
	// Resume an interrupted fill: only missing keys are written.
	have := map[string]bool{}
	for o := range mc.ListObjects(ctx, "user-alice", minio.ListObjectsOptions{Prefix: listPrefix, Recursive: true}) {
		if o.Err != nil {
			b.Fatal(o.Err)
		}
		have[o.Key] = true
	}
	start := time.Now()
	keys := make(chan string)
	var wg sync.WaitGroup
	var failed atomic.Value
	for range 32 {
		wg.Go(func() {
			for k := range keys {
				if _, err := mc.PutObject(ctx, "user-alice", k, strings.NewReader("x"), 1, minio.PutObjectOptions{}); err != nil {
					failed.Store(err)
				}
			}
		})
	}
	for i := range listObjects {
		if k := fmt.Sprintf("%sf%06d", listPrefix, i); !have[k] {
			keys <- k
		}
	}
	close(keys)
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatalf("creating the objects: %v", err)
	}
	if _, err := mc.PutObject(ctx, "user-alice", listDone, strings.NewReader(""), 0, minio.PutObjectOptions{}); err != nil {
		b.Fatal(err)
	}
	b.Logf("created %d objects in %v", listObjects-len(have), time.Since(start).Round(time.Second))
}

// BenchmarkListPages lists 100,000 objects page by page (1000 a page) as alice, through the
// plugin's wire in this process, sampling the heap after every page: the peak over the first
// tenth of the listing and over all of it show that memory does not grow with the bucket.
func BenchmarkListPages(b *testing.B) {
	env := testenv.Require(b)
	fillListBucket(b, env)
	s := inProcess(b, stsConfig(env))
	alice := caller(b, env, "alice")
	prefix := sdk.ObjectRef{Bucket: "user-alice", Key: listPrefix}
	var pages, objects int
	var peakTenth, peakAll uint64
	var listing time.Duration
	var ms runtime.MemStats
	for b.Loop() {
		runtime.GC()
		token := ""
		for page := 0; ; page++ {
			start := time.Now()
			resp, err := s.List(b.Context(), sdk.ListObjectsRequest{Caller: alice, Prefix: prefix, PageSize: 1000, PageToken: token})
			listing += time.Since(start)
			if err != nil {
				b.Fatal(err)
			}
			pages++
			objects += len(resp.Objects)
			runtime.ReadMemStats(&ms)
			peakAll = max(peakAll, ms.HeapAlloc)
			if page < listObjects/1000/10 {
				peakTenth = max(peakTenth, ms.HeapAlloc)
			}
			if token = resp.NextPageToken; token == "" {
				break
			}
		}
	}
	if objects != b.N*listObjects {
		b.Fatalf("listed %d objects in %d runs, want %d each", objects, b.N, listObjects)
	}
	b.ReportMetric(float64(listing.Microseconds())/1000/float64(pages), "ms/page")
	b.ReportMetric(float64(peakTenth)/1e6, "heap_peak_first10k_MB")
	b.ReportMetric(float64(peakAll)/1e6, "heap_peak_100k_MB")
}
