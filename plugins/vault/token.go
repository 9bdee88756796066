package vault

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	vaultapi "github.com/hashicorp/vault/api"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/secrethome"
)

// limitedPolicyPrefix starts the name of every policy the plugin writes for limited tokens;
// the token role allows exactly these (allowed_policies_glob).
const limitedPolicyPrefix = "basalt-secret-"

// metaUser is the token metadata key naming the user a limited token was made for.
const metaUser = "basalt-user"

// Token hands out a token for a service.
//
// Without paths it is the user's own, with every right the user has, as Onyxia does
// (compatibility): the token of the plugin's session for the caller's ID token, while it has
// at least half its lifetime left. With paths it is an orphan token of the configured token role
// that reads only those secrets, lives for TTL and is not renewable, minted with the issuer
// token after the caller's own token has shown that it may read each path.
func (s *Store) Token(ctx context.Context, req sdk.SecretsTokenRequest) (sdk.SecretsTokenResponse, error) {
	set, err := s.Live()
	if err != nil {
		return sdk.SecretsTokenResponse{}, err
	}
	if len(req.Paths) == 0 {
		return s.ownToken(ctx, set, req.Caller)
	}
	return s.limitedToken(ctx, set, req)
}

func (s *Store) ownToken(ctx context.Context, set *settings, c sdk.Caller) (sdk.SecretsTokenResponse, error) {
	// Every form, plan and launch asks for one: each its own JWT login would leave as many
	// tokens alive, unused, until their end. The session's token serves them all; should it be
	// revoked, the plugin's next call logs in again (asCaller).
	se, _, err := s.sessionUntil(ctx, set, c, func(se *session, now time.Time) bool { return se.expires.Sub(now) >= se.ttl/2 })
	if err != nil {
		return sdk.SecretsTokenResponse{}, err
	}
	se.handedOut.Store(true)
	s.log.Info("handed out the user's own Vault token", "user", c.Username, "accessor", se.accessor, "expires", se.expires)
	return sdk.SecretsTokenResponse{Token: se.token, Accessor: se.accessor, Expiration: se.expires, Renewable: se.renewable,
		Address: set.cfg.ServiceAddress, Mount: set.cfg.KVMount}, nil
}

func (s *Store) limitedToken(ctx context.Context, set *settings, req sdk.SecretsTokenRequest) (sdk.SecretsTokenResponse, error) {
	if set.issuerToken == "" {
		return sdk.SecretsTokenResponse{}, sdk.Errorf(sdk.ErrUnimplemented, "tokens limited to a secret need issuerTokenFile in the Vault plugin's configuration")
	}
	ttl := req.TTL
	if ttl == 0 {
		ttl = set.tokenTTL
	}
	if ttl < time.Minute || ttl > set.maxTokenTTL {
		return sdk.SecretsTokenResponse{}, sdk.InvalidFields("invalid token request", sdk.FieldViolation{Field: "ttl", Rule: fmt.Sprintf("must be between 1m and %s", set.maxTokenTTL)})
	}
	paths, err := s.limitedPaths(set, req.Caller, req.Paths)
	if err != nil {
		return sdk.SecretsTokenResponse{}, err
	}
	// The caller proves, with their own token, that they may read every path.
	err = s.asCaller(ctx, req.Caller, func(set *settings, vc *vaultapi.Client) error {
		return canRead(ctx, set, vc, paths)
	})
	if err != nil {
		return sdk.SecretsTokenResponse{}, describe(err, "checking the caller's rights on %q", paths)
	}

	issuer := set.client.WithRequestCallbacks(withToken(set.issuerToken))
	name, policy := limitedPolicy(set.cfg.KVMount, paths)
	if _, err := issuer.Logical().WriteWithContext(ctx, "sys/policies/acl/"+name, map[string]any{"policy": policy}); err != nil {
		return sdk.SecretsTokenResponse{}, describe(err, "writing the policy of a limited token")
	}
	start := time.Now()
	secret, err := issuer.Logical().WriteWithContext(ctx, "auth/token/create/"+set.cfg.TokenRole, map[string]any{
		"policies":         []string{name},
		"ttl":              ttl.String(),
		"explicit_max_ttl": ttl.String(),
		"renewable":        false,
		"display_name":     "basalt-" + req.Caller.Username,
		"meta":             map[string]string{metaUser: req.Caller.Username},
	})
	if err != nil {
		return sdk.SecretsTokenResponse{}, describe(err, "creating a limited token with role %q", set.cfg.TokenRole)
	}
	if secret == nil || secret.Auth == nil || secret.Auth.ClientToken == "" {
		return sdk.SecretsTokenResponse{}, sdk.Errorf(sdk.ErrUnavailable, "Vault created a limited token but answered without it")
	}
	lease := time.Duration(secret.Auth.LeaseDuration) * time.Second
	s.log.Info("handed out a limited Vault token", "user", req.Caller.Username, "paths", paths, "accessor", secret.Auth.Accessor, "ttl", lease.String())
	return sdk.SecretsTokenResponse{Token: secret.Auth.ClientToken, Accessor: secret.Auth.Accessor, Expiration: start.Add(lease),
		Renewable: secret.Auth.Renewable, Address: set.cfg.ServiceAddress, Mount: set.cfg.KVMount}, nil
}

// limitedPaths resolves the paths of a limited token: secrets in the caller's homes, outside
// Basalt's own folder, and free of the characters that policies read as globs or quotes.
func (s *Store) limitedPaths(set *settings, c sdk.Caller, asked []string) ([]string, error) {
	reserved := strings.TrimSuffix(set.cfg.ReservedFolder, "/")
	var paths []string
	for i, p := range asked {
		field := fmt.Sprintf("paths[%d]", i)
		resolved, err := set.layout.Resolve(c, p, false)
		if err != nil {
			return nil, err
		}
		if strings.ContainsAny(resolved, "*+\"\\") || strings.ContainsFunc(resolved, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return nil, sdk.InvalidFields("invalid token request", sdk.FieldViolation{Field: field, Rule: `must not hold *, +, ", \ or control characters`})
		}
		for _, home := range set.layout.Homes(c) {
			if secrethome.Within(resolved, home+"/"+reserved) {
				return nil, sdk.InvalidFields("invalid token request", sdk.FieldViolation{Field: field, Rule: "Basalt's own folder " + set.cfg.ReservedFolder + " is never handed to services"})
			}
		}
		if !slices.Contains(paths, resolved) {
			paths = append(paths, resolved)
		}
	}
	slices.Sort(paths)
	return paths, nil
}

// canRead checks with sys/capabilities-self that the client's token may read every path.
func canRead(ctx context.Context, set *settings, vc *vaultapi.Client, paths []string) error {
	api := make([]string, len(paths))
	for i, p := range paths {
		api[i] = set.kvPath("data", p)
	}
	secret, err := vc.Logical().WriteWithContext(ctx, "sys/capabilities-self", map[string]any{"paths": api})
	if err != nil {
		return err
	}
	for i, p := range api {
		var caps []any
		if secret != nil {
			caps, _ = secret.Data[p].([]any)
		}
		if !slices.Contains(caps, any("read")) && !slices.Contains(caps, any("root")) {
			return sdk.Errorf(sdk.ErrNotFound, "secret %q not found", paths[i])
		}
	}
	return nil
}

// limitedPolicy returns the policy that reads exactly paths, named after what it grants so
// that two launches of the same secrets share it and no name ever grants something else.
func limitedPolicy(mount string, paths []string) (name, policy string) {
	var b strings.Builder
	for _, p := range paths {
		fmt.Fprintf(&b, "path %q { capabilities = [\"read\"] }\n", mount+"/data/"+p)
		fmt.Fprintf(&b, "path %q { capabilities = [\"read\"] }\n", mount+"/metadata/"+p)
	}
	sum := sha256.Sum256([]byte(b.String()))
	return limitedPolicyPrefix + hex.EncodeToString(sum[:12]), b.String()
}

// RevokeToken revokes a token that Token handed out to the caller, named by its accessor.
// A token already gone is not an error; a token of someone else is not found.
func (s *Store) RevokeToken(ctx context.Context, req sdk.RevokeSecretsTokenRequest) (sdk.RevokeSecretsTokenResponse, error) {
	set, err := s.Live()
	if err != nil {
		return sdk.RevokeSecretsTokenResponse{}, err
	}
	if set.issuerToken == "" {
		return sdk.RevokeSecretsTokenResponse{}, sdk.Errorf(sdk.ErrUnimplemented, "revoking tokens needs issuerTokenFile in the Vault plugin's configuration")
	}
	if req.Accessor == "" {
		return sdk.RevokeSecretsTokenResponse{}, sdk.InvalidFields("invalid revocation", sdk.FieldViolation{Field: "accessor", Rule: "is required"})
	}
	issuer := set.client.WithRequestCallbacks(withToken(set.issuerToken))
	secret, err := issuer.Logical().WriteWithContext(ctx, "auth/token/lookup-accessor", map[string]any{"accessor": req.Accessor})
	if isBadRequest(err) {
		return sdk.RevokeSecretsTokenResponse{}, nil // Vault knows no such token: expired or revoked already
	}
	if err != nil {
		return sdk.RevokeSecretsTokenResponse{}, describe(err, "looking up a token to revoke")
	}
	owned, err := s.owns(ctx, set, req.Caller, secret)
	if err != nil {
		return sdk.RevokeSecretsTokenResponse{}, err
	}
	if !owned {
		return sdk.RevokeSecretsTokenResponse{}, sdk.Errorf(sdk.ErrNotFound, "token %q not found", req.Accessor)
	}
	if _, err := issuer.Logical().WriteWithContext(ctx, "auth/token/revoke-accessor", map[string]any{"accessor": req.Accessor}); err != nil {
		return sdk.RevokeSecretsTokenResponse{}, describe(err, "revoking token %q", req.Accessor)
	}
	s.sessions.forgetAccessor(req.Accessor)
	s.log.Info("revoked a Vault token", "user", req.Caller.Username, "accessor", req.Accessor)
	return sdk.RevokeSecretsTokenResponse{}, nil
}

// owns reports whether a token (as lookup-accessor describes it) was handed out to the
// caller: a limited token names its user in its metadata; the user's own token belongs to
// their Vault entity.
func (s *Store) owns(ctx context.Context, set *settings, c sdk.Caller, lookup *vaultapi.Secret) (bool, error) {
	if lookup == nil || lookup.Data == nil {
		return false, nil
	}
	meta, _ := lookup.Data["meta"].(map[string]any)
	if user, ok := meta[metaUser].(string); ok {
		return user == c.Username && c.Username != "", nil
	}
	entity, _ := lookup.Data["entity_id"].(string)
	if entity == "" {
		return false, nil
	}
	se, _, err := s.session(ctx, set, c)
	if err != nil {
		return false, err
	}
	return se.entityID == entity, nil
}
