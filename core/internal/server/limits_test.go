package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/httpapi"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/plugintest/logscan"
)

// shortTimeouts make slow clients show within a test, with room for a loaded machine: the
// pauses that must pass are a third of them, those that must not three times as long.
var shortTimeouts = []string{"server.timeouts.read_header=1s", "server.timeouts.read=1s", "server.timeouts.write=1s"}

// cutOff fails the test unless the server closes conn within a few seconds while the
// client trickles: whatever the server answers before, it must not keep the connection.
func cutOff(t *testing.T, conn net.Conn, what string) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(4 * time.Second))
	_, err := io.Copy(io.Discard, conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("%s: the server still holds the connection after 4s", what)
	}
}

// trickle writes a byte of s every 50 ms until it is written or the connection fails.
func trickle(conn net.Conn, s string) {
	for i := range len(s) {
		if _, err := conn.Write([]byte{s[i]}); err != nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func dial(t *testing.T, base string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// TestSlowClientsAreCutOff: a client that never finishes its headers (slowloris), or
// trickles a request body, loses its connection after the configured timeout.
func TestSlowClientsAreCutOff(t *testing.T) {
	base := startWithPlugins(t, map[string]config.Plugin{
		"files": {Kind: "storage", Path: testplugin.Memory(t), Args: []string{"storage"}},
	}, append([]string{"auth.local.username=alice"}, shortTimeouts...)...)

	headers := dial(t, base)
	go trickle(headers, "GET /healthz HTTP/1.1\r\nHost: basalt\r\n"+strings.Repeat("X-Slow: yes\r\n", 20))
	cutOff(t, headers, "headers sent one byte every 50 ms")

	body := dial(t, base)
	go func() {
		_, _ = io.WriteString(body, "POST /api/v1/projects/user-alice/files/folders HTTP/1.1\r\nHost: basalt\r\n"+
			"Content-Type: application/json\r\nContent-Length: 400\r\n\r\n")
		trickle(body, `{"path":"user-alice/`+strings.Repeat("x", 380)+`/"}`)
	}()
	cutOff(t, body, "a JSON body sent one byte every 50 ms")
}

// pausingReader yields its chunks with a pause before each.
type pausingReader struct {
	chunks [][]byte
	pause  time.Duration
}

func (p *pausingReader) Read(b []byte) (int, error) {
	if len(p.chunks) == 0 {
		return 0, io.EOF
	}
	time.Sleep(p.pause)
	n := copy(b, p.chunks[0])
	p.chunks = p.chunks[1:]
	return n, nil
}

// TestLongTransfersAndStreamsOutliveTimeouts: an upload, a download and an event stream
// that take longer than every timeout keep working while they move; a download whose
// client stops reading is cut off.
func TestLongTransfersAndStreamsOutliveTimeouts(t *testing.T) {
	memory := testplugin.Memory(t)
	base, host := startHost(t, map[string]config.Plugin{
		"files": {Kind: "storage", Path: memory, Args: []string{"storage"}},
		"k8s":   {Kind: "region", Path: memory, Args: []string{"region"}},
	}, append([]string{"auth.local.username=alice"}, shortTimeouts...)...)
	files := base + "/api/v1/projects/user-alice/files/content?path=user-alice/"

	// An upload in ten pieces 330 ms apart: 3.3 s in all, each pause under the timeout.
	slow := &pausingReader{pause: 330 * time.Millisecond}
	for range 10 {
		slow.chunks = append(slow.chunks, bytes.Repeat([]byte("u"), 1000))
	}
	req, _ := http.NewRequest(http.MethodPut, files+"slow.bin", slow)
	req.ContentLength = 10000
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("an upload that keeps moving for 3.3 s: %d, want 201", resp.StatusCode)
	}

	// A download larger than every buffer between the server and the client.
	big := bytes.Repeat([]byte("0123456789abcdef"), 2<<20) // 32 MiB
	if resp, body := do(t, http.MethodPut, files+"big.bin", bytes.NewReader(big), "Content-Type", "application/octet-stream"); resp.StatusCode != 201 {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	resp, err = http.Get(files + "big.bin")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for buf := make([]byte, 1<<20); ; time.Sleep(60 * time.Millisecond) {
		m, err := io.ReadFull(resp.Body, buf)
		n += m
		if err != nil {
			break
		}
	}
	resp.Body.Close()
	if n != len(big) {
		t.Fatalf("a download read steadily for about 2 s: %d bytes of %d", n, len(big))
	}
	resp, err = http.Get(files + "big.bin")
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second) // the client stops reading
	n64, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if n64 == int64(len(big)) {
		t.Fatal("a client that stopped reading for 3 s still got the whole download")
	}

	// An event stream open for longer than every timeout gets the next event.
	region, _ := host.Region("k8s")
	install(t, region, "alice", nil, sdk.Project{ID: "user-alice"}, "jupyter-1", false)
	services := base + "/api/v1/projects/user-alice/services/"
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, services+"jupyter-1/events?follow=true", nil)
	stream, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	lines := make(chan string)
	go func() {
		defer close(lines)
		scan := bufio.NewScanner(stream.Body)
		for scan.Scan() {
			lines <- scan.Text()
		}
	}()
	time.Sleep(2500 * time.Millisecond)
	if resp, body := do(t, http.MethodPost, services+"jupyter-1/suspend", nil); resp.StatusCode != 200 {
		t.Fatalf("suspend: %d %s", resp.StatusCode, body)
	}
	for line := range lines {
		if strings.Contains(line, `"reason":"Killing"`) {
			return
		}
	}
	t.Fatalf("the event stream ended before the suspension's event (%v)", ctx.Err())
}

// TestStreamsPerUserAreCapped: a user's log and event streams beyond
// server.max_streams_per_user are refused with 429 while another user's are served, and a
// closed stream frees its place.
func TestStreamsPerUserAreCapped(t *testing.T) {
	env := testenv.Require(t)
	ctx := t.Context()
	cfg, ln, base := oidcConfig(t, env, "server.max_streams_per_user=2")
	cfg.Plugins = map[string]config.Plugin{"k8s": {Kind: "region", Path: testplugin.Memory(t), Args: []string{"region"}}}
	r := &cfg.Regions[0]
	r.Storage, r.Secrets, r.Region = "", "", "k8s"
	host := serveOIDC(t, cfg, ln, base, logscan.Logger(t, "core"))
	region, _ := host.Region("k8s")

	tokens := map[string]string{}
	for _, user := range []string{"alice", "bob"} {
		tok, err := env.IDToken(ctx, user)
		if err != nil {
			t.Fatal(err)
		}
		tokens[user] = tok
		install(t, region, user, nil, sdk.Project{ID: "user-" + user}, "jupyter-1", false)
	}
	// open starts a user's event stream and returns its status, the error's message, and
	// what closes the stream.
	open := func(user, stream string) (int, string, func()) {
		sctx, cancel := context.WithCancel(ctx)
		req, _ := http.NewRequestWithContext(sctx, http.MethodGet,
			base+"/api/v1/projects/user-"+user+"/services/jupyter-1/"+stream+"?follow=true", nil)
		req.Header.Set("Authorization", "Bearer "+tokens[user])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK {
			var e httpapi.ErrorBody
			_ = json.NewDecoder(resp.Body).Decode(&e)
			resp.Body.Close()
			cancel()
			return resp.StatusCode, e.Error.Message, func() {}
		}
		return resp.StatusCode, "", func() { cancel(); resp.Body.Close() }
	}

	_, _, closeFirst := open("alice", "events")
	_, _, closeSecond := open("alice", "logs")
	defer closeSecond()
	code, msg, _ := open("alice", "events")
	if code != http.StatusTooManyRequests || !strings.Contains(msg, "at most 2") {
		t.Fatalf("alice's third stream: %d %q, want 429 saying at most 2", code, msg)
	}
	code, _, closeBob := open("bob", "events")
	defer closeBob()
	if code != http.StatusOK {
		t.Fatalf("bob's first stream while alice has hers: %d, want 200", code)
	}
	closeFirst()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		code, _, closeAgain := open("alice", "events")
		closeAgain()
		if code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("alice's stream after she closed one: %d, want 200", code)
		}
	}
}
