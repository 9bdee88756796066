package action

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/authz"
	"github.com/basalt-dev/basalt/core/internal/catalog"
	"github.com/basalt-dev/basalt/core/internal/identity"
	"github.com/basalt-dev/basalt/core/internal/scope"
	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/plugintest/memory"
)

// These tests run the launch pipeline with the sdk's in-memory plugins, behind the real
// authorizer, and no HTTP: what each verb asks of each plugin is counted.

// calls counts plugin calls by "Kind.Method".
type calls struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *calls) add(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[name]++
}

func (c *calls) of(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[name]
}

type countedCatalog struct {
	sdk.Catalog
	calls *calls
}

func (c countedCatalog) ListCatalogs(ctx context.Context, r sdk.ListCatalogsRequest) (sdk.ListCatalogsResponse, error) {
	c.calls.add("Catalog.ListCatalogs")
	return c.Catalog.ListCatalogs(ctx, r)
}

func (c countedCatalog) GetChart(ctx context.Context, r sdk.GetChartRequest) (sdk.GetChartResponse, error) {
	c.calls.add("Catalog.GetChart")
	return c.Catalog.GetChart(ctx, r)
}

func (c countedCatalog) GetArchive(ctx context.Context, r sdk.GetArchiveRequest) (sdk.GetArchiveResponse, error) {
	c.calls.add("Catalog.GetArchive")
	return c.Catalog.GetArchive(ctx, r)
}

type countedRegion struct {
	sdk.Region
	calls *calls
	// install, when set, replaces the in-memory install (to fail it).
	install func(context.Context, sdk.InstallRequest) (sdk.InstallResponse, error)
}

func (r countedRegion) Install(ctx context.Context, req sdk.InstallRequest) (sdk.InstallResponse, error) {
	r.calls.add("Region.Install")
	if r.install != nil {
		return r.install(ctx, req)
	}
	return r.Region.Install(ctx, req)
}

type countedStorage struct {
	sdk.Storage
	calls *calls
}

func (s countedStorage) Credentials(ctx context.Context, r sdk.CredentialsRequest) (sdk.CredentialsResponse, error) {
	s.calls.add("Storage.Credentials")
	return s.Storage.Credentials(ctx, r)
}

// tokenSecrets are the in-memory secrets with scoped tokens, which the in-memory store does
// not hand out; revocations are recorded with whether their context was still alive.
type tokenSecrets struct {
	sdk.Secrets
	calls   *calls
	mu      sync.Mutex
	revoked []revocation
}

type revocation struct {
	accessor string
	ctxErr   error
}

func (s *tokenSecrets) Home(ctx context.Context, r sdk.SecretsHomeRequest) (sdk.SecretsHomeResponse, error) {
	s.calls.add("Secrets.Home")
	return s.Secrets.Home(ctx, r)
}

func (s *tokenSecrets) Read(ctx context.Context, r sdk.ReadSecretRequest) (sdk.ReadSecretResponse, error) {
	s.calls.add("Secrets.Read")
	return s.Secrets.Read(ctx, r)
}

func (s *tokenSecrets) Token(_ context.Context, r sdk.SecretsTokenRequest) (sdk.SecretsTokenResponse, error) {
	s.calls.add("Secrets.Token")
	if len(r.Paths) == 0 {
		return sdk.SecretsTokenResponse{}, sdk.Errorf(sdk.ErrUnimplemented, "scoped tokens only")
	}
	return sdk.SecretsTokenResponse{Token: "s.scoped", Accessor: "accessor-1", Address: "http://vault.test", Mount: "kv"}, nil
}

func (s *tokenSecrets) RevokeToken(ctx context.Context, r sdk.RevokeSecretsTokenRequest) (sdk.RevokeSecretsTokenResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revoked = append(s.revoked, revocation{accessor: r.Accessor, ctxErr: ctx.Err()})
	return sdk.RevokeSecretsTokenResponse{}, nil
}

// notebook reads its token from the launch context, and takes environment variables.
var notebook = map[string]any{"catalogs": []any{map[string]any{"id": "ide", "status": "PROD", "charts": []any{
	map[string]any{"name": "notebook", "version": "1.0.0", "values": "vault:\n  token: \"\"\n  secret: \"\"\nextraEnvVars: []\n",
		"schema": map[string]any{
			"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
			"properties": map[string]any{
				"vault": map[string]any{"type": "object", "properties": map[string]any{
					"token":  map[string]any{"type": "string", "x-onyxia": map[string]any{"overwriteDefaultWith": "vault.VAULT_TOKEN"}},
					"secret": map[string]any{"type": "string"},
				}},
				"extraEnvVars": map[string]any{"type": "array"},
			},
		}},
}}}}

type world struct {
	cfg     *Config
	scope   *scope.Scope
	calls   *calls
	region  *countedRegion
	secrets *tokenSecrets
	spans   int // spans ended before the world's first call
}

// spans records the launch pipeline's spans. OpenTelemetry binds the package's tracer to
// the first provider set, so the test process sets one, once.
var spans = sync.OnceValue(func() *tracetest.SpanRecorder {
	recorder := tracetest.NewSpanRecorder()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(recorder)))
	return recorder
})

// newWorld is alice in her personal project, in a region whose secrets store hands out
// scoped tokens (secretInjection: tokenInjection), onboarded in namespace user-alice.
func newWorld(t *testing.T, injection string) *world {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.Load(config.Sources{})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	az, err := authz.New(cfg.Authz, log)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{calls: &calls{n: map[string]int{}}}
	mem := memory.NewCatalog()
	raw, _ := json.Marshal(notebook)
	if _, err := mem.Configure(ctx, sdk.ConfigureRequest{Config: raw}); err != nil {
		t.Fatal(err)
	}
	catalogs := catalog.New([]catalog.Source{{Name: "charts", Plugin: az.Catalog(countedCatalog{mem, w.calls})}}, log)
	if w.cfg, err = NewConfig(cfg, catalogs, log); err != nil {
		t.Fatal(err)
	}
	w.region = &countedRegion{Region: memory.NewRegion(), calls: w.calls}
	w.secrets = &tokenSecrets{Secrets: memory.NewSecrets(), calls: w.calls}
	u := &identity.User{Subject: "alice", Username: "alice"}
	projects := identity.Projects(u, cfg.Projects)
	region := cfg.Regions[0]
	region.SecretInjection = injection
	w.scope = scope.New(u, projects[0], projects, region, scope.Plugins{
		Storage: az.Storage(countedStorage{memory.NewStorage(), w.calls}), Secrets: az.Secrets(w.secrets), Services: az.Region(w.region),
	})
	if _, err := w.region.Onboard(w.scope.Context(ctx), sdk.OnboardRequest{Project: w.scope.Project.SDK()}); err != nil {
		t.Fatal(err)
	}
	w.scope.Namespace = w.scope.Project.ID

	// alice's secret "db", in her home
	home, err := w.secrets.Secrets.Home(ctx, sdk.SecretsHomeRequest{Caller: u.Caller(), Project: w.scope.Project.SDK()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.secrets.Secrets.Write(ctx, sdk.WriteSecretRequest{Caller: u.Caller(), Path: home.Path + "/db",
		Data: map[string]string{"DB_PASSWORD": "hunter2"}}); err != nil {
		t.Fatal(err)
	}
	w.calls.n = map[string]int{}

	w.spans = len(spans().Ended())
	return w
}

func (w *world) plans() int {
	n := 0
	for _, s := range spans().Ended()[w.spans:] {
		if s.Name() == "launch.plan" {
			n++
		}
	}
	return n
}

// TestLaunchAsksEachPluginOnce: a launch with a secret lists the catalogs once, plans once,
// and finds the project's secrets home once.
func TestLaunchAsksEachPluginOnce(t *testing.T) {
	w := newWorld(t, "")
	launched, err := NewLaunch(w.cfg).Run(context.Background(), w.scope, Request{Catalog: "ide", Chart: "notebook", Secret: "db"})
	if err != nil {
		t.Fatal(err)
	}
	for call, want := range map[string]int{
		"Catalog.ListCatalogs": 1, "Catalog.GetChart": 1, "Catalog.GetArchive": 1, "Region.Install": 1,
		"Storage.Credentials": 1, "Secrets.Home": 1, "Secrets.Token": 1,
	} {
		if got := w.calls.of(call); got != want {
			t.Errorf("%s: %d calls per launch, want %d", call, got, want)
		}
	}
	if n := w.plans(); n != 1 {
		t.Errorf("%d plans per launch, want 1", n)
	}
	vault, _ := launched.Plan.Values["vault"].(map[string]any)
	if vault["token"] != "s.scoped" || vault["secret"] != "db" {
		t.Errorf("the scoped token and the secret must be in the one plan's values: vault = %v", vault)
	}
	if launched.Service.Metadata.SecretsTokenAccessor != "accessor-1" {
		t.Errorf("the release must keep its token's accessor, for revocation: %+v", launched.Service.Metadata)
	}
}

// TestSecretAsEnvironmentIsPlannedOnce: the kubernetes-secret injection reads the secret
// before the plan and points the chart's extraEnvVars at the Secret beside the release;
// the secret's value is in neither the values nor the commands.
func TestSecretAsEnvironmentIsPlannedOnce(t *testing.T) {
	w := newWorld(t, config.SecretInjectionKubernetesSecret)
	launched, err := NewLaunch(w.cfg).Run(context.Background(), w.scope, Request{Catalog: "ide", Chart: "notebook", Secret: "db"})
	if err != nil {
		t.Fatal(err)
	}
	if n := w.plans(); n != 1 {
		t.Errorf("%d plans per launch, want 1", n)
	}
	env, _ := json.Marshal(launched.Plan.Values["extraEnvVars"])
	if !json.Valid(env) || !containsAll(string(env), `"name":"DB_PASSWORD"`, sdk.ReleaseSecretName(launched.Planned.Release)) {
		t.Errorf("extraEnvVars must name the secret's key and the release's Secret: %s", env)
	}
	values, _ := json.Marshal(launched.Plan.Values)
	if containsAll(string(values)+launched.Commands.Shown+launched.Commands.Revealed, "hunter2") {
		t.Error("the secret's value must not be in the values or the commands")
	}
	if w.calls.of("Secrets.Token") != 0 {
		t.Error("kubernetes-secret injection makes no token")
	}
}

// TestFailedLaunchRevokesItsTokenAfterTheCallerLeft: the install fails as the caller hangs
// up; the token made for the launch is revoked all the same, on a context still alive.
func TestFailedLaunchRevokesItsTokenAfterTheCallerLeft(t *testing.T) {
	w := newWorld(t, "")
	ctx, hangUp := context.WithCancel(context.Background())
	w.region.install = func(context.Context, sdk.InstallRequest) (sdk.InstallResponse, error) {
		hangUp()
		return sdk.InstallResponse{}, sdk.Errorf(sdk.ErrUnavailable, "the cluster went away")
	}
	_, err := NewLaunch(w.cfg).Run(ctx, w.scope, Request{Catalog: "ide", Chart: "notebook", Secret: "db"})
	if !errors.Is(err, sdk.ErrUnavailable) {
		t.Fatalf("launch: %v, want the install's error", err)
	}
	if len(w.secrets.revoked) != 1 || w.secrets.revoked[0].accessor != "accessor-1" || w.secrets.revoked[0].ctxErr != nil {
		t.Fatalf("revocations %+v, want accessor-1 revoked on a live context", w.secrets.revoked)
	}
}

// TestPlanMakesNoToken: a dry run plans with the caller's context and makes no token.
func TestPlanMakesNoToken(t *testing.T) {
	w := newWorld(t, "")
	planned, err := NewPlan(w.cfg).Run(context.Background(), w.scope, Request{Catalog: "ide", Chart: "notebook", Secret: "db"})
	if err != nil {
		t.Fatal(err)
	}
	if w.calls.of("Secrets.Token") != 0 || w.calls.of("Region.Install") != 0 || w.calls.of("Catalog.GetArchive") != 0 {
		t.Errorf("a plan asked for a token, an archive or an install: %v", w.calls.n)
	}
	if planned.Namespace != "user-alice" || planned.Release == "" || !containsAll(planned.Commands.Shown, "helm upgrade --install", planned.Release) {
		t.Errorf("plan: namespace %q, release %q, commands %q", planned.Namespace, planned.Release, planned.Commands)
	}
}

// TestSecretFromTheReservedFolderIsRefused: Basalt's own documents are not a service's
// secret, whichever way they are named.
func TestSecretFromTheReservedFolderIsRefused(t *testing.T) {
	w := newWorld(t, "")
	for _, req := range []Request{
		{Catalog: "ide", Chart: "notebook", Secret: ".basalt/settings"},
		{Catalog: "ide", Chart: "notebook", Values: map[string]any{"vault": map[string]any{"secret": "a/../../b"}}},
		{Catalog: "ide", Chart: "notebook", Link: "vault.secret=«.basalt/s3-profiles»"},
	} {
		_, err := NewLaunch(w.cfg).Run(context.Background(), w.scope, req)
		if fields := sdk.FieldsOf(err); len(fields) != 1 || (fields[0].Field != "secret" && fields[0].Field != "values.vault.secret") {
			t.Errorf("%+v: %v, want the secret refused", req, err)
		}
	}
	if w.calls.of("Region.Install") != 0 || w.calls.of("Secrets.Token") != 0 {
		t.Errorf("a refused secret must stop the launch before any token or install: %v", w.calls.n)
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
