package pluginrpc_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/sdk/internal/cputime"
)

// The floor benchmarks measure what any plugin protocol over go-plugin's transport costs at
// least on this machine: bytes and round trips over mutual TLS on a unix socket between two
// processes, with no gRPC, HTTP/2 or protobuf. The test binary is its own peer process.

const (
	peerEnv  = "BASALT_FLOOR_PEER" // sink or echo
	sockEnv  = "BASALT_FLOOR_SOCKET"
	certEnv  = "BASALT_FLOOR_CERT"
	keyEnv   = "BASALT_FLOOR_KEY"
	pingSize = 64
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(pluginEnv); mode != "" {
		servePlugin(mode)
		os.Exit(0)
	}
	if mode := os.Getenv(peerEnv); mode != "" {
		if err := runPeer(mode); err != nil {
			fmt.Fprintln(os.Stderr, "floor peer:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// tlsConfig is mutual TLS with one self-signed certificate on both ends, as go-plugin's
// AutoMTLS sets it up.
func tlsConfig(certPEM, keyPEM []byte) (*tls.Config, error) {
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	return &tls.Config{
		Certificates: []tls.Certificate{cert}, RootCAs: pool, ClientCAs: pool,
		ClientAuth: tls.RequireAndVerifyClientCert, ServerName: "localhost", MinVersion: tls.VersionTLS12,
	}, nil
}

// runPeer serves one connection: sink reads to the end then answers one byte; echo sends
// every ping back.
func runPeer(mode string) error {
	cfg, err := tlsConfig([]byte(os.Getenv(certEnv)), []byte(os.Getenv(keyEnv)))
	if err != nil {
		return err
	}
	l, err := net.Listen("unix", os.Getenv(sockEnv))
	if err != nil {
		return err
	}
	raw, err := l.Accept()
	if err != nil {
		return err
	}
	var conn net.Conn = raw
	if cfg != nil && os.Getenv("BASALT_FLOOR_PLAIN") == "" {
		conn = tls.Server(raw, cfg)
	}
	defer conn.Close()
	if mode == "sink" {
		if _, err := io.CopyBuffer(io.Discard, conn, make([]byte, 1<<20)); err != nil {
			return err
		}
		_, err := raw.Write([]byte{1}) // after the client's close_notify, outside TLS
		return err
	}
	buf := make([]byte, pingSize)
	for {
		if _, err := io.ReadFull(conn, buf); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		if _, err := conn.Write(buf); err != nil {
			return err
		}
	}
}

// selfSigned returns a certificate and key in PEM for localhost.
func selfSigned(tb testing.TB) (certPEM, keyPEM []byte) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth},
		IsCA:        true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		tb.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
}

// startPeer starts the peer process in mode and returns the client's end of its connection
// (TLS unless plain), the raw socket under it and the peer's process id.
func startPeer(b *testing.B, mode string, plain bool) (net.Conn, net.Conn, int) {
	certPEM, keyPEM := selfSigned(b)
	sock := filepath.Join(b.TempDir(), "peer.sock")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), peerEnv+"="+mode, sockEnv+"="+sock, certEnv+"="+string(certPEM), keyEnv+"="+string(keyPEM))
	if plain {
		cmd.Env = append(cmd.Env, "BASALT_FLOOR_PLAIN=1")
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var raw net.Conn
	var err error
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if raw, err = net.Dial("unix", sock); err == nil {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("the peer does not listen: %v", err)
		}
	}
	b.Cleanup(func() { raw.Close() })
	if plain {
		return raw, raw, cmd.Process.Pid
	}
	cfg, err := tlsConfig(certPEM, keyPEM)
	if err != nil {
		b.Fatal(err)
	}
	conn := tls.Client(raw, cfg)
	if err := conn.Handshake(); err != nil {
		b.Fatal(err)
	}
	return conn, raw, cmd.Process.Pid
}

func startMeter(b *testing.B, pid int) *cputime.Meter {
	m, err := cputime.Start(0, pid)
	if err != nil {
		b.Skipf("no processor times: %v", err)
	}
	return m
}

// BenchmarkFloorTLSStream sends 1 MiB writes over mutual TLS on a unix socket to another
// process, which reads them with a 1 MiB buffer: the ceiling of streaming a body through
// go-plugin's connection.
func BenchmarkFloorTLSStream(b *testing.B) { benchmarkStream(b, false) }

// BenchmarkFloorUnixStream is BenchmarkFloorTLSStream without TLS: the ceiling of streaming a
// body on a plugin's private channel, a unix socket pair.
func BenchmarkFloorUnixStream(b *testing.B) { benchmarkStream(b, true) }

func benchmarkStream(b *testing.B, plain bool) {
	conn, raw, pid := startPeer(b, "sink", plain)
	buf := make([]byte, 1<<20)
	b.SetBytes(int64(len(buf)))
	meter := startMeter(b, pid)
	for b.Loop() {
		if _, err := conn.Write(buf); err != nil {
			b.Fatal(err)
		}
	}
	// The peer has read everything once it acknowledges the end of the stream.
	if err := conn.(interface{ CloseWrite() error }).CloseWrite(); err != nil {
		b.Fatal(err)
	}
	if _, err := io.ReadFull(raw, make([]byte, 1)); err != nil {
		b.Fatalf("the peer's acknowledgement: %v", err)
	}
	spent, err := meter.Spent()
	if err != nil {
		b.Fatal(err)
	}
	size := float64(b.N * len(buf))
	b.ReportMetric(float64(spent[0].Nanoseconds())/size, "hostcpu-ns/B")
	b.ReportMetric(float64(spent[1].Nanoseconds())/size, "peercpu-ns/B")
}

// BenchmarkFloorTLSPingPong is the round trip of 64 bytes over mutual TLS on a unix socket to
// another process: the floor of a small plugin call.
func BenchmarkFloorTLSPingPong(b *testing.B) { benchmarkPingPong(b, false) }

// BenchmarkFloorUnixPingPong is BenchmarkFloorTLSPingPong without TLS: the floor of a small
// call on a plugin's private channel.
func BenchmarkFloorUnixPingPong(b *testing.B) { benchmarkPingPong(b, true) }

func benchmarkPingPong(b *testing.B, plain bool) {
	conn, _, pid := startPeer(b, "echo", plain)
	buf := make([]byte, pingSize)
	durations := make([]time.Duration, 0, 1<<16)
	meter := startMeter(b, pid)
	for b.Loop() {
		start := time.Now()
		if _, err := conn.Write(buf); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(conn, buf); err != nil {
			b.Fatal(err)
		}
		durations = append(durations, time.Since(start))
	}
	spent, err := meter.Spent()
	if err != nil {
		b.Fatal(err)
	}
	slices.Sort(durations)
	n := float64(len(durations))
	b.ReportMetric(float64(durations[len(durations)/2].Microseconds()), "p50-us")
	b.ReportMetric(float64(spent[0].Microseconds())/n, "hostcpu-us/call")
	b.ReportMetric(float64(spent[1].Microseconds())/n, "peercpu-us/call")
}
