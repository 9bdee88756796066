package stack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/basalt-dev/basalt/deploy/testenv"
)

// Options tune one start of the environment.
type Options struct {
	// PortalRedirectURLs are registered with the portal's OIDC clients.
	PortalRedirectURLs []string
	Out                io.Writer // progress lines
	// Only, if not empty, starts only these parts ("kube", "node", "prometheus", "oidc",
	// "s3", "vault", "registry", "mail"); "vault" needs "oidc", "node" needs "kube" and
	// "registry", "prometheus" needs "kube"; "s3" without "oidc" takes static keys alone. The
	// env file is then incomplete.
	Only []string
	// LocalStore, if set, is make run's store (SettleLocalStore): MinIO keeps its port, root
	// and data there, and makes the local user's bucket and keys.
	LocalStore *LocalStore
	// RealWorkloads says whose pods may run on the real node: RealWorkloadsLabelled (the
	// default) or RealWorkloadsEverywhere.
	RealWorkloads string
}

const (
	// RealWorkloadsLabelled: only pods of namespaces labelled RealWorkloadsLabel=true.
	RealWorkloadsLabelled = "labelled"
	// RealWorkloadsEverywhere: every pod whose images the sandbox serves (make run).
	RealWorkloadsEverywhere = "everywhere"
)

// SetupVersion changes whenever what Up starts or configures changes, so that `testenv up`
// restarts an environment an older testenv set up instead of reusing it.
// 2: default StorageClass and the host-path provisioner.
// 3: the mail catcher, and the metrics API (metrics-server, kwok's resource metrics).
// 4: the real node (containerd, kubelet, pod network, images, placement webhook, relays).
// 5: the kubelet's logs in the state directory, its evictions only when the disk is exhausted.
// 6: Prometheus, scraping the nodes' resource metrics.
const SetupVersion = "6"

// DefaultPortalRedirectURLs are registered when Options names none.
var DefaultPortalRedirectURLs = []string{
	"http://127.0.0.1:8080/auth/callback",
	"http://localhost:8080/auth/callback",
}

// run is the state of one `up`: its ports, secrets and the env being filled.
type run struct {
	l     Layout
	bins  Binaries
	opts  Options
	env   *testenv.Env
	pki   *pki
	ports map[string]int
	mu    sync.Mutex // guards out
	self  string     // the testenv executable, which also serves the login app
}

// Up starts every server, waits until each is ready, configures them and
// writes the env file. It expects nothing of a previous run to be running
// (call Stop first). On error, what it started keeps running: call Stop.
func Up(ctx context.Context, l Layout, bins Binaries, opts Options) (*testenv.Env, error) {
	if len(opts.PortalRedirectURLs) == 0 {
		opts.PortalRedirectURLs = DefaultPortalRedirectURLs
	}
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if err := noMountsUnder(l.State); err != nil {
		return nil, err
	}
	for _, d := range []string{"data", "pki", "run", "logs"} {
		if err := os.RemoveAll(filepath.Join(l.State, d)); err != nil {
			return nil, err
		}
	}
	_ = os.Remove(l.EnvFile())
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	r := &run{l: l, bins: bins, opts: opts, self: self, ports: map[string]int{}}
	names := []string{"etcd", "etcd-peer", "apiserver", "controller-manager", "scheduler", "kwok",
		"hydra-public", "hydra-admin", "login", "minio", "minio-console", "registry",
		"metrics-server", "smtp", "mail-api", "kubelet", "kubelet-healthz", "placement", "prometheus"}
	ports, err := freePorts(len(names))
	if err != nil {
		return nil, err
	}
	for i, n := range names {
		r.ports[n] = ports[i]
	}
	if r.ports["vault"], err = freePortPair(); err != nil {
		return nil, err
	}
	if r.pki, err = newPKI(filepath.Join(l.State, "pki"), l.podNetwork().hostIP); err != nil {
		return nil, err
	}
	r.env = &testenv.Env{
		Dir:        l.State,
		Kubeconfig: filepath.Join(l.State, "kubeconfig"),
		KubeServer: fmt.Sprintf("https://127.0.0.1:%d", r.ports["apiserver"]),
		KubeToken:  secret(),
		KubeCAFile: r.pki.caCert,
		EtcdURL:    fmt.Sprintf("http://127.0.0.1:%d", r.ports["etcd"]),

		OIDCAdminURL:              fmt.Sprintf("http://127.0.0.1:%d", r.ports["hydra-admin"]),
		OIDCLoginURL:              fmt.Sprintf("http://127.0.0.1:%d", r.ports["login"]),
		PortalClientSecret:        secret(),
		PortalRedirectURLs:        opts.PortalRedirectURLs,
		ServicesClientSecret:      secret(),
		ServicesClientRedirectURL: "http://127.0.0.1/testenv/callback",

		S3Endpoint:  fmt.Sprintf("http://127.0.0.1:%d", r.ports["minio"]),
		S3Region:    "us-east-1",
		S3AccessKey: "basalt-root",
		S3SecretKey: secret(),

		VaultAddr:     fmt.Sprintf("http://127.0.0.1:%d", r.ports["vault"]),
		VaultToken:    "root-" + secret(),
		VaultJWTMount: "jwt",
		VaultJWTRole:  "basalt",
		VaultKVMount:  "secret",

		Registry: fmt.Sprintf("127.0.0.1:%d", r.ports["registry"]),
		SMTPAddr: fmt.Sprintf("127.0.0.1:%d", r.ports["smtp"]),
		MailAPI:  fmt.Sprintf("http://127.0.0.1:%d", r.ports["mail-api"]),
		Helm:     bins["helm"],
		Setup:    SetupVersion,

		PrometheusURL: fmt.Sprintf("http://127.0.0.1:%d", r.ports["prometheus"]),
	}
	if s := opts.LocalStore; s != nil {
		r.ports["minio"], r.env.S3Endpoint, r.env.S3SecretKey = s.Port, s.Endpoint(), s.RootSecret
	}

	// Independent chains, run side by side: Kubernetes, the identity provider
	// with what trusts it (MinIO, Vault), the registry and the mail catcher.
	start := time.Now()
	chains := map[string]func(context.Context) error{"kube": r.kube, "oidc": r.identity, "registry": r.registry, "mail": r.mail}
	if !r.wants("oidc") {
		chains["s3"] = r.minio // alone, with static keys (make run's sandbox)
	}
	for name := range chains {
		if !r.wants(name) {
			delete(chains, name)
		}
	}
	errs := make([]error, len(chains))
	var wg sync.WaitGroup
	i := 0
	for _, chain := range chains {
		wg.Add(1)
		go func(slot *error) {
			defer wg.Done()
			*slot = chain(ctx)
		}(&errs[i])
		i++
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	r.forgetUnstarted()
	if r.wants("prometheus") {
		if !r.wants("kube") {
			return nil, errors.New(`the part "prometheus" needs "kube"`)
		}
		// Started before the real node, which it finds once the node registers.
		if err := r.prometheus(ctx); err != nil {
			return nil, err
		}
	}
	if r.wants("node") {
		if !r.wants("kube") || !r.wants("registry") {
			return nil, errors.New(`the part "node" needs "kube" and "registry"`)
		}
		// Built now rather than before anything starts (BuildFirst): the stores and the API
		// server serve while the node's binaries, and its images above all, are built.
		nodeBins, err := Build(ctx, r.l, r.opts.Out, "node")
		if err != nil {
			return nil, err
		}
		maps.Copy(r.bins, nodeBins)
		if err := r.realNode(ctx); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(l.EnvFile(), r.env.Marshal(), 0o600); err != nil {
		return nil, err
	}
	r.logf("testenv: up in %s; env file %s", time.Since(start).Round(100*time.Millisecond), l.EnvFile())
	return r.env, nil
}

// BuildFirst are the parts whose binaries must be built before Up: those of only (every
// part when it is empty) but the real node's, which Up builds once the others run.
func BuildFirst(only []string) []string {
	var parts []string
	for _, c := range components {
		if c.part != "node" && (len(only) == 0 || slices.Contains(only, c.part)) && !slices.Contains(parts, c.part) {
			parts = append(parts, c.part)
		}
	}
	return parts
}

// wants reports whether part is to be started (see Options.Only).
func (r *run) wants(part string) bool {
	return len(r.opts.Only) == 0 || slices.Contains(r.opts.Only, part)
}

// forgetUnstarted clears the addresses of the parts that were not started, so
// that the env file says what runs and Env.Check probes only that.
func (r *run) forgetUnstarted() {
	e := r.env
	if !r.wants("kube") {
		e.Kubeconfig, e.KubeServer, e.KubeToken, e.KubeCAFile, e.EtcdURL = "", "", "", "", ""
	}
	if !r.wants("oidc") {
		e.OIDCAdminURL, e.OIDCLoginURL, e.PortalClientSecret, e.ServicesClientSecret = "", "", "", ""
	}
	if !r.wants("s3") {
		e.S3Endpoint, e.S3SecretKey = "", ""
	}
	if !r.wants("oidc") || !r.wants("vault") {
		e.VaultAddr, e.VaultToken = "", ""
	}
	if !r.wants("registry") {
		e.Registry = ""
	}
	if !r.wants("mail") {
		e.SMTPAddr, e.MailAPI = "", ""
	}
	if !r.wants("prometheus") {
		e.PrometheusURL = ""
	}
}

func (r *run) logf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(r.opts.Out, format+"\n", args...)
}

// ready logs that a server became ready, and since when it was started.
func (r *run) ready(name string, since time.Time) {
	r.logf("testenv: %-24s ready in %s", name, time.Since(since).Round(100*time.Millisecond))
}

func secret() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
