package server

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/launch"
	"github.com/basalt-dev/basalt/sdk"
)

// injected is what a launch adds to its install so that the service gets the secret the user
// picked: the accessor of a scoped token (revoked with the service) or the secret's keys for
// a Secret beside the release.
type injected struct {
	accessor   string
	secretData map[string]string
	undo       func() // revokes the token when the install fails
}

// userTokenAtPlan reports whether the region puts the user's own token in every launch
// context, as Onyxia does; the other modes make a token, or none, only at launch.
func userTokenAtPlan(r config.Region) bool {
	return r.SecretInjection == config.SecretInjectionUserToken
}

// envName is what the real charts accept as the name of an environment variable
// (extraEnvVars[].name), starting with a letter or underscore as shells need.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// injectSecret gives a planned launch the secret the user picked (the request's secret,
// else the chart's vault.secret, relative to the project's secrets home) the region's way,
// and plans again when the launch context changed.
func (s *Server) injectSecret(c echo.Context, p *prepared, asked string) (injected, error) {
	chosen := strings.Trim(asked, "/")
	if chosen == "" {
		vault, _ := p.plan.Values["vault"].(map[string]any)
		picked, _ := vault["secret"].(string)
		chosen = strings.Trim(picked, "/")
	}
	if chosen == "" {
		return injected{}, nil
	}
	field := "secret"
	if asked == "" {
		field = "values.vault.secret"
	}
	for i, part := range strings.Split(chosen, "/") {
		if (i == 0 && part == basaltFolder) || part == ".." || part == "." || strings.ContainsRune(part, 0) {
			return injected{}, sdk.InvalidFields("invalid secret", sdk.FieldViolation{Field: field, Rule: "must be a secret inside the project's secrets, without . or .."})
		}
	}
	if vault, ok := p.plan.Values["vault"].(map[string]any); ok && asked != "" {
		vault["secret"] = chosen // where the image's init script reads it (VAULT_RELATIVE_PATH)
	}
	r, err := s.region(c)
	if err != nil || userTokenAtPlan(r) {
		return injected{}, err
	}
	store, err := s.secrets(c)
	if err != nil {
		return injected{}, fmt.Errorf("%s: %w", field, err)
	}
	ctx := c.Request().Context()
	caller, project := p.scope.user.Caller(), p.scope.project.SDK()
	home := p.secretsHome // found with the launch context, else asked now
	if home == "" {
		h, err := store.Home(ctx, sdk.SecretsHomeRequest{Caller: caller, Project: project})
		if err != nil {
			return injected{}, err
		}
		home = h.Path
	}
	path := strings.Trim(home, "/") + "/" + chosen

	if r.SecretInjection == config.SecretInjectionKubernetesSecret {
		return s.secretAsEnv(c, p, store, path, field)
	}
	tok, err := store.Token(ctx, sdk.SecretsTokenRequest{Caller: caller, Paths: []string{path}, TTL: r.SecretTokenTTL})
	scoped := err == nil
	if errors.Is(err, sdk.ErrUnimplemented) && r.SecretInjection == "" {
		// The store makes no scoped tokens: the default falls back to Onyxia's behaviour, and
		// for a store that hands out no tokens at all (local secrets), to a Kubernetes Secret.
		tok, err = store.Token(ctx, sdk.SecretsTokenRequest{Caller: caller})
		if errors.Is(err, sdk.ErrUnimplemented) {
			return s.secretAsEnv(c, p, store, path, field)
		}
	}
	if err != nil {
		return injected{}, fmt.Errorf("a token for the secret %q: %w", chosen, err)
	}
	lctx := p.request.Context
	if lctx.Vault == nil {
		lctx.Vault = &launch.ContextVault{VaultAddr: tok.Address, VaultMount: tok.Mount, VaultTopDir: strings.Trim(home, "/")}
	}
	lctx.Vault.VaultToken = tok.Token
	revoke := func() {
		if scoped {
			s.revokeSecretsToken(c, store, caller, tok.Accessor)
		}
	}
	if p.plan, err = s.launcher.planner.PlanContext(c.Request().Context(), p.request); err != nil {
		revoke()
		return injected{}, err
	}
	if vault, ok := p.plan.Values["vault"].(map[string]any); ok {
		vault["secret"] = chosen
	}
	if !scoped {
		return injected{}, nil
	}
	return injected{accessor: tok.Accessor, undo: revoke}, nil
}

// secretAsEnv reads the secret for a Secret beside the release and points the chart's
// extraEnvVars (the real charts' way to environment variables) at its keys: the values
// reach the cluster only in that Secret and what the chart renders from it, never the
// release's values, the plan or the commands.
func (s *Server) secretAsEnv(c echo.Context, p *prepared, store sdk.Secrets, path, field string) (injected, error) {
	if _, ok := p.plan.Values["extraEnvVars"]; !ok {
		return injected{}, sdk.InvalidFields("cannot inject the secret", sdk.FieldViolation{Field: field,
			Rule: fmt.Sprintf("chart %s takes no environment variables (extraEnvVars), which this region's secret injection (kubernetes-secret) needs", p.plan.Chart)})
	}
	secret, err := store.Read(c.Request().Context(), sdk.ReadSecretRequest{Caller: p.scope.user.Caller(), Path: path})
	if err != nil {
		return injected{}, err
	}
	env, _ := p.plan.Values["extraEnvVars"].([]any)
	name := sdk.ReleaseSecretName(p.release)
	for _, key := range slices.Sorted(maps.Keys(secret.Data)) {
		if !envName.MatchString(key) {
			return injected{}, sdk.InvalidFields("cannot inject the secret", sdk.FieldViolation{Field: field,
				Rule: fmt.Sprintf("key %q is not an environment variable name (letters, digits and _, not starting with a digit)", key)})
		}
		env = append(env, map[string]any{"name": key,
			"value": fmt.Sprintf(`{{ index (lookup "v1" "Secret" %q %q).data %q | b64dec }}`, p.scope.ns, name, key)})
	}
	p.plan.Values["extraEnvVars"] = env
	return injected{secretData: secret.Data}, nil
}

// revokeSecretsToken revokes a token made for a service. A failure is logged, not returned:
// the token still ends at its TTL.
func (s *Server) revokeSecretsToken(c echo.Context, store sdk.Secrets, caller sdk.Caller, accessor string) {
	if accessor == "" {
		return
	}
	if _, err := store.RevokeToken(c.Request().Context(), sdk.RevokeSecretsTokenRequest{Caller: caller, Accessor: accessor}); err != nil {
		s.opts.Log.Warn("revoking a service's secrets token; it ends at its TTL", "accessor", accessor, "error", err)
	}
}

// revokeReleaseToken revokes the scoped token a deleted release was launched with.
func (s *Server) revokeReleaseToken(c echo.Context, sc serviceScope, rel sdk.Release) {
	if rel.Metadata.SecretsTokenAccessor == "" {
		return
	}
	store, err := s.secrets(c)
	if err != nil {
		s.opts.Log.Warn("revoking a service's secrets token; it ends at its TTL", "accessor", rel.Metadata.SecretsTokenAccessor, "error", err)
		return
	}
	s.revokeSecretsToken(c, store, sc.user.Caller(), rel.Metadata.SecretsTokenAccessor)
}
