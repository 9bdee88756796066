package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// selfSignedPEM is a certificate as a ca_file holds one.
func selfSignedPEM(t *testing.T) []byte {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "prometheus-ca"}, NotBefore: time.Now(),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func TestRegionPrometheus(t *testing.T) {
	dir := t.TempDir()
	token, ca, empty := filepath.Join(dir, "token"), filepath.Join(dir, "ca.pem"), filepath.Join(dir, "empty")
	for path, body := range map[string]string{token: "s3cr3t\n", ca: string(selfSignedPEM(t)), empty: " \n"} {
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	load := func(settings string) (*Config, error) {
		return Load(Sources{File: writeFile(t, "regions:\n  - id: eu\n    prometheus: "+settings+"\n")})
	}
	cfg, err := load(`{url: "https://prometheus.example.org:9090/prefix", bearer_token_file: "` + token + `", ca_file: "` + ca +
		`", timeout: 10s, step: 30s, selector: 'job="kubelet", metrics_path!~"/metrics/(probes|resource)",'}`)
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.Regions[0].Prometheus
	if p.URL != "https://prometheus.example.org:9090/prefix" || p.QueryTimeout() != 10*time.Second || p.Resolution() != 30*time.Second {
		t.Errorf("read %+v: timeout %s, step %s", p, p.QueryTimeout(), p.Resolution())
	}
	if cfg, err := load(`{url: "http://127.0.0.1:9090"}`); err != nil || cfg.Regions[0].Prometheus.QueryTimeout() != DefaultPrometheusTimeout ||
		cfg.Regions[0].Prometheus.Resolution() != time.Minute {
		t.Errorf("the defaults: %v", err)
	}
	for settings, want := range map[string]string{
		`{url: "prometheus:9090"}`:                                  "regions[0].prometheus.url: must be an http or https URL",
		`{url: "http://p:9090/?x=1"}`:                               "regions[0].prometheus.url: must be an http or https URL without query",
		`{bearer_token_file: "` + token + `"}`:                      "regions[0].prometheus.bearer_token_file: needs regions[0].prometheus.url",
		`{url: "http://p", bearer_token_file: "/no/such/token"}`:    "regions[0].prometheus.bearer_token_file: cannot read /no/such/token",
		`{url: "http://p", bearer_token_file: "` + empty + `"}`:     "is empty: it must hold the token",
		`{url: "http://p", ca_file: "` + token + `"}`:               "regions[0].prometheus.ca_file: " + token + " holds no PEM certificate",
		`{url: "http://p", timeout: -1s}`:                           "regions[0].prometheus.timeout: must not be negative",
		`{url: "http://p", step: 7s}`:                               "regions[0].prometheus.step: must be whole seconds between 1s and 1h that divide a day",
		`{url: "http://p", step: 2h}`:                               "regions[0].prometheus.step",
		`{url: "http://p", step: 1500ms}`:                           "regions[0].prometheus.step",
		`{url: "http://p", selector: "job=kubelet"}`:                "regions[0].prometheus.selector: must be label matchers",
		`{url: "http://p", selector: 'job="a"} or vector(1) {x="'}`: "regions[0].prometheus.selector",
	} {
		_, err := load(settings)
		var ke *KeyError
		if !errors.As(err, &ke) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %s", settings, err, want)
		}
	}
}
