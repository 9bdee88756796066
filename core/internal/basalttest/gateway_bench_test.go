package basalttest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// gatewayConfig serves one chart from the memory plugins: a launched service's backend is
// the address its values name (ingress.endpoint).
const gatewayConfig = `
plugins:
  files: {enabled: false}
  secrets: {enabled: false}
  catalogs: {enabled: false}
  charts:
    kind: catalog
    path: basalt-plugin-memory
    args: [catalog]
    config:
      catalogs:
        - id: ide
          status: PROD
          charts:
            - {name: app, version: 1.0.0, values: "ingress:\n  endpoint: \"\"\n"}
  k8s:
    kind: region
    path: basalt-plugin-memory
    args: [region]
regions:
  - id: local
    name: Local
    region: k8s
`

// BenchmarkGateway measures the service gateway beside direct access to the same backend, in
// one run: a small request's latency at a steady rate (vegeta), a 1 GiB download's
// throughput (beside a bare reverse proxy's) and the core's CPU time for it, and the core's
// resident memory for 1,000 idle WebSockets.
func BenchmarkGateway(b *testing.B) {
	backend, direct := gatewayBackend(b)
	defer backend.Close()
	dir := Build(b, "basalt-plugin-memory")
	cfg := filepath.Join(b.TempDir(), "basalt.yaml")
	if err := os.WriteFile(cfg, []byte(gatewayConfig), 0o600); err != nil {
		b.Fatal(err)
	}
	addr := FreeAddress(b)
	p := Serve(b, dir, addr, nil, "--config", cfg, "--set", "auth.local.username=bench", "--set", "log.level=warn")
	_, port, _ := net.SplitHostPort(addr)
	var launched struct{ Service struct{ ID string } }
	body := send(b, http.DefaultClient, http.MethodPost, p.URL+"/api/v1/projects/user-bench/services",
		`{"catalog":"ide","chart":"app","values":{"ingress":{"endpoint":"`+direct+`"}}}`, http.StatusAccepted)
	if err := json.Unmarshal([]byte(body), &launched); err != nil {
		b.Fatal(err)
	}
	app := fmt.Sprintf("http://%s--user-bench.localhost:%s", launched.Service.ID, port)
	client := siteClient(addr)
	resp, err := client.Get(app + "/small")
	if err != nil || resp.StatusCode != 200 {
		b.Fatalf("signing in at the service: %v %v", resp, err)
	}
	resp.Body.Close()
	u, _ := url.Parse(app)
	cookie := client.Jar.Cookies(u)[0]

	b.ResetTimer()
	// A small request at 200 a second for 5 s, straight and through the gateway.
	directP50 := p50(b, "http://"+direct+"/small", nil, http.DefaultClient)
	gatewayP50 := p50(b, app+"/small", http.Header{"Cookie": {cookie.Name + "=" + cookie.Value}}, siteClient(addr))
	b.ReportMetric(float64(directP50.Microseconds()), "direct-p50-us")
	b.ReportMetric(float64(gatewayP50.Microseconds()), "gateway-p50-us")
	b.ReportMetric(float64((gatewayP50 - directP50).Microseconds()), "added-p50-us")

	// 1 GiB, straight, through the gateway and through a bare reverse proxy in its own process
	// (the least any proxy in the path costs: a second connection whose every byte the kernel
	// carries twice), three times in turn: the machine's load changes between downloads, the
	// medians less. The proxies' CPU time per GiB does not depend on the load.
	bare, barePID := bareProxy(b, direct)
	var straight, through, ratios, bareRatios, coreCPU, bareCPU []float64
	for range 3 {
		d := download(b, http.DefaultClient, "http://"+direct+"/gib")
		before := cpuSeconds(b, p.PID())
		g := download(b, client, app+"/gib")
		coreCPU = append(coreCPU, cpuSeconds(b, p.PID())-before)
		before = cpuSeconds(b, barePID)
		r := download(b, http.DefaultClient, bare+"/gib")
		bareCPU = append(bareCPU, cpuSeconds(b, barePID)-before)
		straight, through = append(straight, d), append(through, g)
		ratios, bareRatios = append(ratios, g/d), append(bareRatios, r/d)
	}
	b.ReportMetric(median(straight), "direct-MB/s")
	b.ReportMetric(median(through), "gateway-MB/s")
	b.ReportMetric(median(ratios), "download-ratio")
	b.ReportMetric(median(bareRatios), "bare-proxy-ratio")
	b.ReportMetric(1000*median(coreCPU), "core-cpu-ms/GiB")
	b.ReportMetric(1000*median(bareCPU), "bare-proxy-cpu-ms/GiB")

	// 1,000 idle WebSockets through the gateway: what the core's process holds for them.
	before := residentMB(b, p.PID())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var open []*websocket.Conn
	for range 1000 {
		c, _, err := websocket.Dial(ctx, strings.Replace(app, "http://", "ws://", 1)+"/ws", &websocket.DialOptions{HTTPClient: client})
		if err != nil {
			b.Fatalf("websocket %d: %v", len(open), err)
		}
		open = append(open, c)
	}
	time.Sleep(2 * time.Second) // the gateway's goroutines and buffers settle
	after := residentMB(b, p.PID())
	for _, c := range open {
		c.CloseNow()
	}
	b.ReportMetric(after-before, "ws1000-extra-MB")
}

// gatewayBackend stands for a service's pod: a small answer, a 1 GiB stream and WebSockets
// that stay open.
func gatewayBackend(b *testing.B) (*http.Server, string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	zeros := make([]byte, 1<<20)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/small":
			io.WriteString(w, `{"ok":true}`)
		case "/gib":
			w.Header().Set("Content-Length", strconv.Itoa(1<<30))
			for range 1024 {
				if _, err := w.Write(zeros); err != nil {
					return
				}
			}
		case "/ws":
			c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
			if err != nil {
				return
			}
			defer c.CloseNow()
			_, _, _ = c.Read(r.Context()) // idle until closed
		}
	})}
	go srv.Serve(ln)
	return srv, ln.Addr().String()
}

// siteClient reaches every host at Basalt's listener, as browsers resolve *.localhost.
func siteClient(addr string) *http.Client {
	jar, _ := cookiejar.New(nil)
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	return &http.Client{Jar: jar, Transport: &http.Transport{DialContext: dial, MaxIdleConnsPerHost: 100}}
}

func p50(b *testing.B, target string, header http.Header, client *http.Client) time.Duration {
	targeter := vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodGet, URL: target, Header: header})
	attacker := vegeta.NewAttacker(vegeta.Client(client))
	var m vegeta.Metrics
	for res := range attacker.Attack(targeter, vegeta.Rate{Freq: 200, Per: time.Second}, 5*time.Second, "gateway") {
		m.Add(res)
	}
	m.Close()
	if m.Success < 0.99 {
		b.Fatalf("%s: %.1f%% of requests succeeded (%v)", target, 100*m.Success, m.Errors)
	}
	return m.Latencies.P50
}

// download reads a whole answer and returns its throughput in MB/s.
func download(b *testing.B, client *http.Client, u string) float64 {
	start := time.Now()
	resp, err := client.Get(u)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || n != 1<<30 {
		b.Fatalf("%s: %d bytes, %v", u, n, err)
	}
	return float64(n) / 1e6 / time.Since(start).Seconds()
}

// bareProxyEnv makes the test binary, started again, a bare reverse proxy: "listen|backend".
const bareProxyEnv = "BASALT_BENCH_BARE_PROXY"

// bareProxy is the standard library's reverse proxy to backend, with the gateway's buffer
// size and nothing else (no sign-in, no decision, no metering), in a process of its own as
// the core is, so that both compete with the client and the backend alike. It returns the
// proxy's URL and process id.
func bareProxy(b *testing.B, backend string) (string, int) {
	addr := FreeAddress(b)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), bareProxyEnv+"="+addr+"|"+backend)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "http://" + addr, cmd.Process.Pid
		}
		if time.Now().After(deadline) {
			b.Fatal("the bare proxy did not start")
		}
	}
}

// serveBareProxy serves as bareProxy's process when the environment asks for it; it returns
// false otherwise.
func serveBareProxy() bool {
	spec, ok := os.LookupEnv(bareProxyEnv)
	if !ok {
		return false
	}
	listen, backend, _ := strings.Cut(spec, "|")
	target := &url.URL{Scheme: "http", Host: backend}
	proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target) }, BufferPool: bareBuffers{}}
	fmt.Fprintln(os.Stderr, http.ListenAndServe(listen, proxy))
	return true
}

type bareBuffers struct{}

func (bareBuffers) Get() []byte  { return make([]byte, 256<<10) }
func (bareBuffers) Put(b []byte) {}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// cpuSeconds is the CPU time a process has used, user and system, from /proc (in USER_HZ,
// 100 a second on Linux).
func cpuSeconds(b *testing.B, pid int) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// The fields after the command's name, which is in parentheses and may hold spaces.
	fields := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
	user, _ := strconv.ParseFloat(fields[11], 64)
	system, _ := strconv.ParseFloat(fields[12], 64)
	return (user + system) / 100
}

// residentMB is a process's resident memory, from /proc.
func residentMB(b *testing.B, pid int) float64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if fields := strings.Fields(s.Text()); len(fields) >= 2 && fields[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(fields[1], 64)
			return kb / 1024
		}
	}
	b.Fatal("no VmRSS")
	return 0
}
