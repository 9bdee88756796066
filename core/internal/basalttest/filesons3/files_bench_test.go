package filesons3

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/basalt-dev/basalt/core/internal/basalttest"
	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk/plugintest"
)

// filesOnS3 is a configuration whose only plugin is the s3 plugin on the test environment's
// MinIO, each user's files reached with their own STS credentials.
const filesOnS3 = `
auth:
  mode: oidc
  oidc: {issuer_url: %[1]q, client_id: %[2]q}
plugins:
  files: {enabled: false}
  secrets: {enabled: false}
  catalogs: {enabled: false}
  s3:
    kind: storage
    path: basalt-plugin-s3
    config: {endpoint: %[3]q, region: %[4]q, sts: {durationSeconds: 3600}}
regions:
  - {id: local, name: MinIO, storage: s3, download_from_store: true}
`

// The part size and parallelism of the s3 plugin's defaults, given to the direct uploads too.
var directPut = minio.PutObjectOptions{PartSize: 16 << 20, NumThreads: 4, ConcurrentStreamParts: true, ContentType: "application/octet-stream"}

// BenchmarkFiles moves one object up and down through the files API, as alice with a bearer
// token, against a basalt process whose s3 plugin is a subprocess on the test environment's
// MinIO with her STS credentials, and side by side the same object with minio-go straight to
// MinIO with the same credentials (sideBySide). 1 GiB, 64 MiB under -short. Its two halves run
// alone too (-bench Files/download), e.g. to profile one.
func BenchmarkFiles(b *testing.B) {
	size := int64(1 << 30)
	if testing.Short() {
		size = 64 << 20
	}
	f := serveFilesOnS3(b)
	api, mc, ctx := f.api, f.mc, b.Context()
	const bucket, prefix = "user-alice", "bench-files/"
	b.Cleanup(func() { removePrefix(mc, bucket, prefix) })
	body := plugintest.NewRepeatReader(0)
	apiKey, directKey := bucket+"/"+prefix+"api.bin", prefix+"direct.bin"
	procs := processes{core: f.basalt.PID(), plugin: pluginPID(b, f.basalt.PID(), "basalt-plugin-s3")}

	b.Run("upload", func(b *testing.B) {
		sideBySide(b, size, procs, func() (int64, error) {
			return api.upload(ctx, apiKey, body.Again(size))
		}, func() (int64, error) {
			info, err := mc.PutObject(ctx, bucket, directKey, body.Again(size), size, directPut)
			return info.Size, err
		})
	})
	// Run alone, a download benchmark writes its objects first.
	stored := func(b *testing.B) {
		for _, key := range []string{strings.TrimPrefix(apiKey, bucket+"/"), directKey} {
			if info, err := mc.StatObject(ctx, bucket, key, minio.StatObjectOptions{}); err != nil || info.Size != size {
				if _, err := mc.PutObject(ctx, bucket, key, body.Again(size), size, directPut); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	direct := func() (int64, error) {
		obj, err := mc.GetObject(ctx, bucket, directKey, minio.GetObjectOptions{})
		if err != nil {
			return 0, err
		}
		defer obj.Close()
		return drain(obj)
	}
	b.Run("download", func(b *testing.B) {
		stored(b)
		sideBySide(b, size, procs, func() (int64, error) { return api.download(ctx, apiKey) }, direct)
	})
	// A client that reaches the store itself asks for a redirect: Basalt signs, the store serves.
	b.Run("download_redirect", func(b *testing.B) {
		stored(b)
		sideBySide(b, size, procs, func() (int64, error) { return api.downloadRedirected(ctx, apiKey) }, direct)
	})
}

// filesOnS3Setup is a running basalt whose files are the s3 plugin's, alice's API client,
// and a minio-go client with her STS credentials.
type filesOnS3Setup struct {
	basalt *basalttest.Process
	api    *filesAPI
	mc     *minio.Client
}

func serveFilesOnS3(tb testing.TB, args ...string) filesOnS3Setup {
	env := testenv.Require(tb)
	dir := basalttest.Build(tb, "basalt-plugin-s3")
	cfg := filepath.Join(tb.TempDir(), "basalt.yaml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, filesOnS3, env.OIDCIssuer, env.ServicesClientID, env.S3Endpoint, env.S3Region), 0o600); err != nil {
		tb.Fatal(err)
	}
	addr := basalttest.FreeAddress(tb)
	p := basalttest.Serve(tb, dir, addr, []string{
		"BASALT_AUTH__OIDC__CLIENT_SECRET=" + env.ServicesClientSecret, "BASALT_AUTH__SESSION__KEY=" + strings.Repeat("bench-files-", 4)},
		append([]string{"--config", cfg, "--set", "server.public_url=http://" + addr}, args...)...)
	token, err := env.IDToken(tb.Context(), "alice")
	if err != nil {
		tb.Fatal(err)
	}
	api := &filesAPI{url: p.URL + "/api/v1/projects/user-alice/files", token: token}
	// A listing first: the plugin is running and alice's STS session is made.
	if resp, err := api.list(tb.Context()); err != nil {
		tb.Fatal(err)
	} else {
		resp.Body.Close()
	}
	return filesOnS3Setup{basalt: p, api: api, mc: aliceS3(tb, env, token)}
}

func removePrefix(mc *minio.Client, bucket, prefix string) {
	for o := range mc.ListObjects(context.Background(), bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		_ = mc.RemoveObject(context.Background(), bucket, o.Key, minio.RemoveObjectOptions{})
	}
}

// processes are the basalt process and its storage plugin's.
type processes struct{ core, plugin int }

// sideBySide runs three rounds of one transfer of size bytes through the API and directly,
// in alternating order, and reports the medians, the API's share, and the processor time the
// core and the plugin spent per byte moved through the API.
func sideBySide(b *testing.B, size int64, procs processes, api, direct func() (int64, error)) {
	var viaAPI, straight []float64
	var core, plugin time.Duration
	load := loadAverage()
	for b.Loop() {
		for round := range 3 {
			runAPI := func() {
				c0, p0 := cpuTime(b, procs.core), cpuTime(b, procs.plugin)
				viaAPI = append(viaAPI, throughput(b, "through the API", size, api))
				core += cpuTime(b, procs.core) - c0
				plugin += cpuTime(b, procs.plugin) - p0
			}
			runDirect := func() { straight = append(straight, throughput(b, "direct", size, direct)) }
			if round%2 == 0 {
				runDirect()
				runAPI()
			} else {
				runAPI()
				runDirect()
			}
		}
	}
	b.Logf("load average %s before, %s after; MB/s by round: API %.0f, direct %.0f", load, loadAverage(), viaAPI, straight)
	moved := float64(len(viaAPI)) * float64(size)
	b.ReportMetric(median(viaAPI), "api-MB/s")
	b.ReportMetric(median(straight), "direct-MB/s")
	b.ReportMetric(median(viaAPI)/median(straight), "ratio-x")
	b.ReportMetric(float64(core.Nanoseconds())/moved, "corecpu-ns/B")
	b.ReportMetric(float64(plugin.Nanoseconds())/moved, "plugincpu-ns/B")
}

// filesAPI is the files API of one project as a user's program calls it.
type filesAPI struct {
	url, token string
	client     http.Client
}

func (a *filesAPI) list(ctx context.Context) (*http.Response, error) {
	return a.do(ctx, http.MethodGet, a.url, nil, 0)
}

func (a *filesAPI) do(ctx context.Context, method, url string, body io.Reader, size int64) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return nil, err
	}
	req.ContentLength = size
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := a.client.Do(req)
	if err == nil && resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return nil, fmt.Errorf("%s %s: %s %s", method, url, resp.Status, msg)
	}
	return resp, err
}

func (a *filesAPI) upload(ctx context.Context, path string, body *plugintest.RepeatReader) (int64, error) {
	size := body.N
	resp, err := a.do(ctx, http.MethodPut, a.url+"/content?path="+path, body, size)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return size - body.N, nil
}

func (a *filesAPI) download(ctx context.Context, path string) (int64, error) {
	resp, err := a.do(ctx, http.MethodGet, a.url+"/content?path="+path, nil, 0)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return drain(resp.Body)
}

// downloadRedirected asks for a redirect and follows it without Basalt's token, as curl -L
// does to another host (the store refuses a signed link that also carries a bearer token).
func (a *filesAPI) downloadRedirected(ctx context.Context, path string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.url+"/content?redirect=true&path="+path, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	noFollow := http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTemporaryRedirect {
		return 0, fmt.Errorf("redirect: %s", resp.Status)
	}
	get, err := http.NewRequestWithContext(ctx, http.MethodGet, resp.Header.Get("Location"), nil)
	if err != nil {
		return 0, err
	}
	if resp, err = a.client.Do(get); err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("the store: %s", resp.Status)
	}
	return drain(resp.Body)
}

// aliceS3 is a minio-go client with the STS credentials MinIO gives alice's token.
func aliceS3(tb testing.TB, env *testenv.Env, token string) *minio.Client {
	creds, err := env.AssumeRoleWithWebIdentity(tb.Context(), token)
	if err != nil {
		tb.Fatal(err)
	}
	mc, err := minio.New(strings.TrimPrefix(env.S3Endpoint, "http://"), &minio.Options{
		Creds:        credentials.NewStaticV4(creds.AccessKey, creds.SecretKey, creds.SessionToken),
		Region:       env.S3Region,
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return mc
}

// throughput runs one transfer of size bytes and returns its MB/s.
func throughput(b *testing.B, what string, size int64, transfer func() (int64, error)) float64 {
	start := time.Now()
	n, err := transfer()
	took := time.Since(start)
	if err != nil || n != size {
		b.Fatalf("%s: %d bytes of %d, %v", what, n, size, err)
	}
	return float64(size) / 1e6 / took.Seconds()
}

func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	return s[len(s)/2]
}

// drain reads r to its end in large reads, as a program saving a download does (io.Discard
// would read 8 KiB at a time), and returns how many bytes it read.
func drain(r io.Reader) (int64, error) {
	buf := make([]byte, 1<<20)
	var total int64
	for {
		n, err := r.Read(buf)
		total += int64(n)
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// pluginPID finds the child of parent running the named plugin.
func pluginPID(b *testing.B, parent int, name string) int {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		comm, fields := splitStat(string(stat))
		if len(fields) > 1 && fields[1] == strconv.Itoa(parent) && strings.HasPrefix(name, comm) {
			return pid
		}
	}
	b.Fatalf("no %s process under %d", name, parent)
	return 0
}

// cpuTime is the user and system time a process has used so far.
func cpuTime(b *testing.B, pid int) time.Duration {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	_, fields := splitStat(string(stat))
	// utime and stime, fields 14 and 15 of proc(5), in clock ticks of 1/100 s.
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// splitStat splits /proc/PID/stat into the command name and the fields after it (state first).
func splitStat(stat string) (string, []string) {
	open, end := strings.IndexByte(stat, '('), strings.LastIndexByte(stat, ')')
	if open < 0 || end < open {
		return "", nil
	}
	return stat[open+1 : end], strings.Fields(stat[end+1:])
}

func loadAverage() string {
	raw, _ := os.ReadFile("/proc/loadavg")
	return strings.Join(strings.Fields(string(raw))[:min(3, len(strings.Fields(string(raw))))], " ")
}
