package action

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/documents"
	"github.com/basalt-dev/basalt/core/internal/launch"
	"github.com/basalt-dev/basalt/core/internal/launch/values"
	"github.com/basalt-dev/basalt/core/internal/scope"
	"github.com/basalt-dev/basalt/sdk"
)

// injection is what a launch adds so that the service gets the secret the user picked: a
// scoped token in the launch context (its accessor kept on the release, so that deleting the
// service revokes it), or the secret's keys for a Secret beside the release.
type injection struct {
	chosen   string // the secret, relative to the project's secrets home; "" for none
	field    string // where the choice came from, for errors
	accessor string
	// secretData are the secret's keys for the Secret beside the release; env points the
	// chart's extraEnvVars at them.
	secretData map[string]string
	env        []any
	asEnv      bool // the secret reaches the service as environment variables
}

// chosenSecret is the secret a launch gives its service: the request's, else the chart's
// vault.secret as the launch link, the user's values and the chart's values.yaml (or the
// running service's values) set it (the last of them that does). field names where it came
// from, for errors.
func chosenSecret(g *gathered) (chosen, field string) {
	if asked := strings.Trim(g.req.Secret, "/"); asked != "" {
		return asked, "secret"
	}
	field = "values.vault.secret"
	path := values.Path{"vault", "secret"}
	for i := len(g.request.Overrides) - 1; i >= 0; i-- {
		if o := g.request.Overrides[i]; slices.Equal(o.Path, path) {
			s, _ := o.Value.(string)
			return strings.Trim(s, "/"), field
		}
	}
	for i := len(g.request.Values) - 1; i >= 0; i-- {
		if vault, ok := g.request.Values[i]["vault"].(map[string]any); ok {
			if s, ok := vault["secret"].(string); ok {
				return strings.Trim(s, "/"), field
			}
		}
	}
	base := g.request.Chart.Values
	if g.request.Base != nil { // a running service's
		base = g.request.Base
	}
	vault, _ := base["vault"].(map[string]any)
	s, _ := vault["secret"].(string)
	return strings.Trim(s, "/"), field
}

// envName is what the real charts accept as the name of an environment variable
// (extraEnvVars[].name), starting with a letter or underscore as shells need.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// inject prepares, before planning, the secret the user picked the region's way: a token in
// the launch context, or the secret's keys for a Secret beside the release. revoke undoes a
// token made for the launch; it is nil when there is nothing to undo.
func (c *Config) inject(ctx context.Context, g *gathered) (inj injection, revoke func(), err error) {
	chosen, field := chosenSecret(g)
	if chosen == "" {
		return injection{}, nil, nil
	}
	for i, part := range strings.Split(chosen, "/") {
		if (i == 0 && part == documents.Folder) || part == ".." || part == "." || strings.ContainsRune(part, 0) {
			return injection{}, nil, sdk.InvalidFields("invalid secret", sdk.FieldViolation{Field: field, Rule: "must be a secret inside the project's secrets, without . or .."})
		}
	}
	inj.chosen, inj.field = chosen, field
	sc, r := g.scope, g.scope.Region
	if userTokenAtPlan(r) {
		return inj, nil, nil
	}
	store, err := sc.Secrets()
	if err != nil {
		return injection{}, nil, fmt.Errorf("%s: %w", field, err)
	}
	ctx = sc.Context(ctx)
	caller, project := sc.User.Caller(), sc.Project.SDK()
	home := g.secretsHome // found with the launch context, else asked now
	if home == "" {
		h, err := store.Home(ctx, sdk.SecretsHomeRequest{Caller: caller, Project: project})
		if err != nil {
			return injection{}, nil, err
		}
		home = h.Path
	}
	path := strings.Trim(home, "/") + "/" + chosen

	if r.SecretInjection == config.SecretInjectionKubernetesSecret {
		return c.secretAsEnv(ctx, g, inj, store, path, field)
	}
	tok, err := store.Token(ctx, sdk.SecretsTokenRequest{Caller: caller, Paths: []string{path}, TTL: r.SecretTokenTTL})
	scoped := err == nil
	if errors.Is(err, sdk.ErrUnimplemented) && r.SecretInjection == "" {
		// The store makes no scoped tokens: the default falls back to Onyxia's behaviour, and
		// for a store that hands out no tokens at all (local secrets), to a Kubernetes Secret.
		tok, err = store.Token(ctx, sdk.SecretsTokenRequest{Caller: caller})
		if errors.Is(err, sdk.ErrUnimplemented) {
			return c.secretAsEnv(ctx, g, inj, store, path, field)
		}
	}
	if err != nil {
		return injection{}, nil, fmt.Errorf("a token for the secret %q: %w", chosen, err)
	}
	lctx := g.request.Context
	if lctx.Vault == nil {
		lctx.Vault = &launch.ContextVault{VaultAddr: tok.Address, VaultMount: tok.Mount, VaultTopDir: strings.Trim(home, "/")}
	}
	lctx.Vault.VaultToken = tok.Token
	if !scoped {
		return inj, nil, nil
	}
	inj.accessor = tok.Accessor
	// Revoked on a context of its own: a client that hangs up must not leave the token alive.
	return inj, func() { c.revokeToken(context.WithoutCancel(ctx), store, caller, tok.Accessor) }, nil
}

// secretAsEnv reads the secret for a Secret beside the release, whose keys the chart's
// extraEnvVars (the real charts' way to environment variables) will point at: the values
// reach the cluster only in that Secret and what the chart renders from it, never the
// release's values, the plan or the commands.
func (c *Config) secretAsEnv(ctx context.Context, g *gathered, inj injection, store sdk.Secrets, path, field string) (injection, func(), error) {
	secret, err := store.Read(ctx, sdk.ReadSecretRequest{Caller: g.scope.User.Caller(), Path: path})
	if err != nil {
		return injection{}, nil, err
	}
	name := sdk.ReleaseSecretName(g.release)
	for _, key := range slices.Sorted(maps.Keys(secret.Data)) {
		if !envName.MatchString(key) {
			return injection{}, nil, sdk.InvalidFields("cannot inject the secret", sdk.FieldViolation{Field: field,
				Rule: fmt.Sprintf("key %q is not an environment variable name (letters, digits and _, not starting with a digit)", key)})
		}
		inj.env = append(inj.env, map[string]any{"name": key,
			"value": fmt.Sprintf(`{{ index (lookup "v1" "Secret" %q %q).data %q | b64dec }}`, g.scope.Namespace, name, key)})
	}
	inj.secretData, inj.asEnv = secret.Data, true
	return inj, nil, nil
}

// apply puts the injection in the planned values: the secret's name where the image's init
// script reads it (vault.secret, VAULT_RELATIVE_PATH), and the environment variables of a
// Secret beside the release.
func (inj injection) apply(plan *launch.Plan) error {
	if inj.chosen == "" {
		return nil
	}
	if vault, ok := plan.Values["vault"].(map[string]any); ok {
		vault["secret"] = inj.chosen
	}
	if !inj.asEnv {
		return nil
	}
	env, ok := plan.Values["extraEnvVars"]
	if !ok {
		return sdk.InvalidFields("cannot inject the secret", sdk.FieldViolation{Field: inj.field,
			Rule: fmt.Sprintf("chart %s takes no environment variables (extraEnvVars), which this region's secret injection (kubernetes-secret) needs", plan.Chart)})
	}
	list, _ := env.([]any)
	plan.Values["extraEnvVars"] = append(list, inj.env...)
	return nil
}

// revokeToken revokes a token made for a service. A failure is logged, not returned: the
// token still ends at its TTL.
func (c *Config) revokeToken(ctx context.Context, store sdk.Secrets, caller sdk.Caller, accessor string) {
	if accessor == "" {
		return
	}
	if _, err := store.RevokeToken(ctx, sdk.RevokeSecretsTokenRequest{Caller: caller, Accessor: accessor}); err != nil {
		c.Log.Warn("revoking a service's secrets token; it ends at its TTL", "accessor", accessor, "error", err)
	}
}

// RevokeServiceToken revokes the scoped token a release was launched with, once the service
// is deleted; a failure is logged, the token still ends at its TTL.
func (c *Config) RevokeServiceToken(ctx context.Context, sc *scope.Scope, rel sdk.Release) {
	accessor := rel.Metadata.SecretsTokenAccessor
	if accessor == "" {
		return
	}
	store, err := sc.Secrets()
	if err != nil {
		c.Log.Warn("revoking a service's secrets token; it ends at its TTL", "accessor", accessor, "error", err)
		return
	}
	c.revokeToken(context.WithoutCancel(sc.Context(ctx)), store, sc.User.Caller(), accessor)
}
