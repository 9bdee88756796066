package testenv

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"
)

// Env is every address and credential of a running environment, as written to
// the env file by `testenv up`.
type Env struct {
	Dir string // state directory, .cache/testenv

	Kubeconfig string // admin kubeconfig (token auth)
	KubeServer string // https://127.0.0.1:port
	KubeToken  string // bearer token of the admin user, group system:masters
	KubeCAFile string // CA of the API server's serving certificate
	EtcdURL    string

	OIDCIssuer                string // Hydra's public URL, exactly as in its tokens
	OIDCAdminURL              string // Hydra's admin API
	OIDCLoginURL              string // the login and consent app for browsers
	PortalClientID            string // confidential client of the portal
	PortalClientSecret        string
	PortalPublicClientID      string // public client (PKCE only) of the portal
	PortalRedirectURLs        []string
	ServicesClientID          string // the audience that MinIO and Vault accept
	ServicesClientSecret      string
	ServicesClientRedirectURL string

	S3Endpoint  string // http://127.0.0.1:port
	S3Region    string
	S3AccessKey string // MinIO root credentials
	S3SecretKey string

	VaultAddr     string
	VaultToken    string // root token
	VaultJWTMount string // auth mount path of the JWT method, e.g. "jwt"
	VaultJWTRole  string
	VaultKVMount  string // KV v2 mount, e.g. "secret"

	Registry string // host:port of the OCI registry (plain HTTP)
	Helm     string // path of the helm binary built with the environment

	// The real node (part "node"): a kubelet with containerd beside the kwok nodes. Pods on it
	// reach the host only at PodHostIP, the pod network bridge's address, where MinIO and Vault
	// are relayed at PodS3Endpoint and PodVaultAddr (the addresses to hand to services).
	RealNode      string // the node's name; empty when the node part is not started
	PodHostIP     string
	PodS3Endpoint string
	PodVaultAddr  string

	SMTPAddr string // host:port of the mail catcher's SMTP server: no authentication, no TLS
	MailAPI  string // base URL of the mail catcher's HTTP API (mailpit; Messages reads it)

	// PrometheusURL is the base URL of a Prometheus (part "prometheus") scraping every node's
	// kubelet resource metrics every PrometheusScrapeInterval, as a cluster's Prometheus does;
	// empty when not started, or in an env file written before it was part of the environment.
	PrometheusURL string

	// Setup is the version of what `testenv up` configured (stack.SetupVersion); up restarts
	// an environment an older testenv set up. Empty in env files written before it existed.
	Setup string
}

// fields maps env file keys to the fields of e, in the order they are written.
func (e *Env) fields() []struct {
	key string
	val *string
} {
	return []struct {
		key string
		val *string
	}{
		{"BASALT_TESTENV_DIR", &e.Dir},
		{"BASALT_TESTENV_REAL_NODE", &e.RealNode},
		{"BASALT_TESTENV_POD_HOST_IP", &e.PodHostIP},
		{"BASALT_TESTENV_POD_S3_ENDPOINT", &e.PodS3Endpoint},
		{"BASALT_TESTENV_POD_VAULT_ADDR", &e.PodVaultAddr},
		{"KUBECONFIG", &e.Kubeconfig},
		{"BASALT_TESTENV_KUBE_SERVER", &e.KubeServer},
		{"BASALT_TESTENV_KUBE_TOKEN", &e.KubeToken},
		{"BASALT_TESTENV_KUBE_CA_FILE", &e.KubeCAFile},
		{"BASALT_TESTENV_ETCD_URL", &e.EtcdURL},
		{"BASALT_TESTENV_OIDC_ISSUER", &e.OIDCIssuer},
		{"BASALT_TESTENV_OIDC_ADMIN_URL", &e.OIDCAdminURL},
		{"BASALT_TESTENV_OIDC_LOGIN_URL", &e.OIDCLoginURL},
		{"BASALT_TESTENV_OIDC_PORTAL_CLIENT_ID", &e.PortalClientID},
		{"BASALT_TESTENV_OIDC_PORTAL_CLIENT_SECRET", &e.PortalClientSecret},
		{"BASALT_TESTENV_OIDC_PORTAL_PUBLIC_CLIENT_ID", &e.PortalPublicClientID},
		{"BASALT_TESTENV_OIDC_SERVICES_CLIENT_ID", &e.ServicesClientID},
		{"BASALT_TESTENV_OIDC_SERVICES_CLIENT_SECRET", &e.ServicesClientSecret},
		{"BASALT_TESTENV_OIDC_SERVICES_REDIRECT_URL", &e.ServicesClientRedirectURL},
		{"BASALT_TESTENV_S3_ENDPOINT", &e.S3Endpoint},
		{"BASALT_TESTENV_S3_REGION", &e.S3Region},
		{"BASALT_TESTENV_S3_ACCESS_KEY", &e.S3AccessKey},
		{"BASALT_TESTENV_S3_SECRET_KEY", &e.S3SecretKey},
		{"BASALT_TESTENV_VAULT_ADDR", &e.VaultAddr},
		{"BASALT_TESTENV_VAULT_TOKEN", &e.VaultToken},
		{"BASALT_TESTENV_VAULT_JWT_MOUNT", &e.VaultJWTMount},
		{"BASALT_TESTENV_VAULT_JWT_ROLE", &e.VaultJWTRole},
		{"BASALT_TESTENV_VAULT_KV_MOUNT", &e.VaultKVMount},
		{"BASALT_TESTENV_REGISTRY", &e.Registry},
		{"BASALT_TESTENV_HELM", &e.Helm},
		{"BASALT_TESTENV_SMTP_ADDR", &e.SMTPAddr},
		{"BASALT_TESTENV_MAIL_API", &e.MailAPI},
	}
}

const (
	redirectsKey  = "BASALT_TESTENV_OIDC_PORTAL_REDIRECT_URLS"
	setupKey      = "BASALT_TESTENV_SETUP"
	prometheusKey = "BASALT_TESTENV_PROMETHEUS_URL"
)

// PrometheusScrapeInterval is how often the environment's Prometheus scrapes the nodes.
const PrometheusScrapeInterval = 5 * time.Second

// Marshal renders e as a file that both Load and a POSIX shell can read.
func (e *Env) Marshal() []byte {
	var b bytes.Buffer
	b.WriteString("# Written by `testenv up`; removed by `testenv down`.\n")
	for _, f := range e.fields() {
		fmt.Fprintf(&b, "%s=%s\n", f.key, shellQuote(*f.val))
	}
	fmt.Fprintf(&b, "%s=%s\n", redirectsKey, shellQuote(strings.Join(e.PortalRedirectURLs, ",")))
	fmt.Fprintf(&b, "%s=%s\n", setupKey, shellQuote(e.Setup))
	fmt.Fprintf(&b, "%s=%s\n", prometheusKey, shellQuote(e.PrometheusURL))
	return b.Bytes()
}

// Load reads an env file written by `testenv up`.
func Load(path string) (*Env, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	values := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%s: malformed line %q", path, line)
		}
		if uq, err := shellUnquote(v); err == nil {
			v = uq
		} else {
			return nil, fmt.Errorf("%s: %s: %w", path, k, err)
		}
		values[k] = v
	}
	e := &Env{}
	for _, f := range e.fields() {
		v, ok := values[f.key]
		if !ok {
			return nil, fmt.Errorf("%s: %s missing; rerun `make testenv-up`", path, f.key)
		}
		*f.val = v
	}
	e.Setup = values[setupKey]
	e.PrometheusURL = values[prometheusKey] // optional: tests that need it say so
	if v := values[redirectsKey]; v != "" {
		e.PortalRedirectURLs = strings.Split(v, ",")
	}
	return e, nil
}

// shellQuote quotes s in single quotes, which a shell takes literally.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func shellUnquote(s string) (string, error) {
	if !strings.HasPrefix(s, "'") {
		return s, nil
	}
	var b strings.Builder
	for len(s) > 0 {
		if s[0] != '\'' {
			return "", errors.New("text outside quotes")
		}
		end := strings.IndexByte(s[1:], '\'')
		if end < 0 {
			return "", errors.New("unterminated quote")
		}
		b.WriteString(s[1 : 1+end])
		s = s[2+end:]
		if strings.HasPrefix(s, `\''`) {
			b.WriteByte('\'')
			s = s[2:]
		}
	}
	return b.String(), nil
}

// KubeHTTPClient returns a client that trusts the API server's CA. Requests
// still need the bearer token (KubeToken).
func (e *Env) KubeHTTPClient() (*http.Client, error) {
	pem, err := os.ReadFile(e.KubeCAFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: no certificate", e.KubeCAFile)
	}
	return &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
	}, nil
}

// nodePath is the API URL of the real node, or "" when there is none.
func nodePath(server, node string) string {
	if server == "" || node == "" {
		return ""
	}
	return server + "/api/v1/nodes/" + node
}

// Check reports whether every server of e answers its readiness probe. A
// server whose address is empty was not started (`testenv up -only`) and is
// not probed.
func (e *Env) Check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	kube := http.DefaultClient
	if e.KubeServer != "" {
		var err error
		if kube, err = e.KubeHTTPClient(); err != nil {
			return err
		}
	}
	registry := ""
	if e.Registry != "" {
		registry = "http://" + e.Registry
	}
	probes := []struct {
		name, base, path, token string
		client                  *http.Client
	}{
		{"kube-apiserver", e.KubeServer, "/readyz", e.KubeToken, kube},
		{"etcd", e.EtcdURL, "/health", "", http.DefaultClient},
		{"hydra", e.OIDCAdminURL, "/health/ready", "", http.DefaultClient},
		{"login-ui", e.OIDCLoginURL, "/healthz", "", http.DefaultClient},
		{"minio", e.S3Endpoint, "/minio/health/ready", "", http.DefaultClient},
		{"vault", e.VaultAddr, "/v1/sys/health", "", http.DefaultClient},
		{"registry", registry, "/v2/", "", http.DefaultClient},
		// metrics-server, through the API server's aggregation
		{"metrics API", e.KubeServer, "/apis/metrics.k8s.io/v1beta1", e.KubeToken, kube},
		{"mailpit", e.MailAPI, "/readyz", "", http.DefaultClient},
		{"prometheus", e.PrometheusURL, "/-/ready", "", http.DefaultClient},
		{"real node", nodePath(e.KubeServer, e.RealNode), "", e.KubeToken, kube},
		{"MinIO for pods", e.PodS3Endpoint, "/minio/health/ready", "", http.DefaultClient},
		{"Vault for pods", e.PodVaultAddr, "/v1/sys/health", "", http.DefaultClient},
	}
	var errs []error
	for _, p := range probes {
		if p.base == "" {
			continue
		}
		url := p.base + p.path
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if p.token != "" {
			req.Header.Set("Authorization", "Bearer "+p.token)
		}
		resp, err := p.client.Do(req)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p.name, err))
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			errs = append(errs, fmt.Errorf("%s: %s answered %s", p.name, url, resp.Status))
		}
	}
	if _, err := os.Stat(e.Helm); e.Helm != "" && err != nil {
		errs = append(errs, fmt.Errorf("helm: %w", err))
	}
	return errors.Join(errs...)
}
