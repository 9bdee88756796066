package gateway

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Usage is a service's traffic through this replica's gateway since it started.
type Usage struct {
	LastRequest    time.Time
	Requests       int64
	BytesIn        int64 // from browsers to the service
	BytesOut       int64
	OpenWebSockets int64
}

type counters struct {
	last                       atomic.Int64 // unix nanoseconds
	requests, in, out, sockets atomic.Int64
	flushed                    atomic.Int64              // the last request written with the release
	by                         atomic.Pointer[requester] // who made the last request
}

// requester is whose rights write a service's last request with its release.
type requester struct {
	user   string
	groups []string
}

// Meter counts traffic per service ("region/project/service").
type Meter struct {
	mu   sync.Mutex
	m    map[string]*counters
	reqs *prometheus.CounterVec
	byts *prometheus.CounterVec
	ws   prometheus.Gauge
}

func newMeter(reg prometheus.Registerer) *Meter {
	m := &Meter{m: map[string]*counters{},
		reqs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "basalt_gateway_requests_total", Help: "Requests to services through the gateway, by region."}, []string{"region"}),
		byts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "basalt_gateway_bytes_total", Help: "Bytes through the gateway, by region and direction (in: to services, out: to browsers)."}, []string{"region", "direction"}),
		ws:   prometheus.NewGauge(prometheus.GaugeOpts{Name: "basalt_gateway_websockets", Help: "WebSockets open through the gateway."}),
	}
	if reg != nil {
		reg.MustRegister(m.reqs, m.byts, m.ws)
	}
	return m
}

func key(region, project, service string) string { return region + "/" + project + "/" + service }

func (m *Meter) of(k string) *counters {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.m[k]
	if c == nil {
		c = &counters{}
		m.m[k] = c
	}
	return c
}

// Of is a service's usage; zero when it had no traffic.
func (m *Meter) Of(region, project, service string) Usage {
	m.mu.Lock()
	c := m.m[key(region, project, service)]
	m.mu.Unlock()
	if c == nil {
		return Usage{}
	}
	u := Usage{Requests: c.requests.Load(), BytesIn: c.in.Load(), BytesOut: c.out.Load(), OpenWebSockets: c.sockets.Load()}
	if last := c.last.Load(); last > 0 {
		u.LastRequest = time.Unix(0, last)
	}
	return u
}

// metered wraps one request's body and response to count their bytes, and a hijacked
// connection (a WebSocket) to count it open until it closes.
type metered struct {
	http.ResponseWriter
	c      *counters
	m      *Meter
	region string
	onConn func(net.Conn) func() // registers an upgraded connection; returns its release
}

func (w *metered) Write(b []byte) (int, error) {
	n, err := w.ResponseWriter.Write(b)
	w.count(0, n)
	return n, err
}

func (w *metered) count(in, out int) {
	w.c.in.Add(int64(in))
	w.c.out.Add(int64(out))
	if in > 0 {
		w.m.byts.WithLabelValues(w.region, "in").Add(float64(in))
	}
	if out > 0 {
		w.m.byts.WithLabelValues(w.region, "out").Add(float64(out))
	}
}

func (w *metered) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *metered) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Hijack hands the reverse proxy the browser's connection for a WebSocket, counted while open.
func (w *metered) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("gateway: the connection cannot be taken over")
	}
	conn, rw, err := h.Hijack()
	if err != nil {
		return nil, nil, err
	}
	w.c.sockets.Add(1)
	w.m.ws.Inc()
	mc := &meteredConn{Conn: conn, w: w}
	release := func() {}
	if w.onConn != nil {
		release = w.onConn(mc)
	}
	mc.done = func() {
		w.c.sockets.Add(-1)
		w.m.ws.Dec()
		release()
	}
	return mc, rw, nil
}

type meteredConn struct {
	net.Conn
	w    *metered
	once sync.Once
	done func()
}

func (c *meteredConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.w.count(n, 0)
	return n, err
}

func (c *meteredConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.w.count(0, n)
	return n, err
}

func (c *meteredConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.done)
	return err
}

// countedBody counts a request body's bytes as they go to the service.
type countedBody struct {
	io.ReadCloser
	w *metered
}

func (b countedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.w.count(n, 0)
	return n, err
}
