package vault

import (
	"context"
	"sync"
	"time"

	vaultapi "github.com/hashicorp/vault/api"

	"github.com/basalt-dev/basalt/sdk"
)

// session is a user's Vault token from a JWT login. The token is a credential: it never
// reaches a log or an error.
type session struct {
	token     string
	accessor  string // names the token without being it, for revocation
	entityID  string // the user's Vault entity, to recognise tokens they were given
	ttl       time.Duration
	expires   time.Time
	renewable bool
}

// refreshAt is when the session stops being handed out as is: a fifth of its lifetime before
// it expires, and at least 30 seconds before, so that a call never starts with a token about
// to die.
func (se *session) refreshAt() time.Time {
	return se.expires.Add(-max(se.ttl/5, 30*time.Second))
}

// sessions caches each user's session.
type sessions struct {
	mu  sync.Mutex
	m   map[string]*session
	now func() time.Time
}

func sessionKey(c sdk.Caller) string { return c.Subject + "\x00" + c.Username }

func (ss *sessions) get(c sdk.Caller) (*session, bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	se, ok := ss.m[sessionKey(c)]
	return se, ok
}

func (ss *sessions) put(c sdk.Caller, se *session) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	now := ss.now()
	for k, old := range ss.m {
		if !now.Before(old.expires) {
			delete(ss.m, k)
		}
	}
	ss.m[sessionKey(c)] = se
}

// forget drops a user's session if it still is se.
func (ss *sessions) forget(c sdk.Caller, se *session) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.m[sessionKey(c)] == se {
		delete(ss.m, sessionKey(c))
	}
}

func (ss *sessions) clear() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	clear(ss.m)
}

// session returns a token acting as the caller: the cached one while it is fresh (cached
// is then true), else the cached one renewed when Vault allows, else a new login with the
// caller's ID token.
func (s *Store) session(ctx context.Context, set *settings, c sdk.Caller) (se *session, cached bool, err error) {
	if c.Username == "" {
		return nil, false, sdk.Errorf(sdk.ErrUnauthenticated, "no caller")
	}
	se, ok := s.sessions.get(c)
	now := s.sessions.now()
	if ok && now.Before(se.refreshAt()) {
		return se, true, nil
	}
	if ok && se.renewable && now.Before(se.expires) {
		renewed, err := s.renew(ctx, set, se)
		if err == nil {
			s.sessions.put(c, renewed)
			return renewed, false, nil
		}
		s.log.Info("renewing the user's Vault token failed; logging in again", "user", c.Username, "error", err)
	}
	if se, err = s.login(ctx, set, c); err != nil {
		return nil, false, err
	}
	s.sessions.put(c, se)
	return se, false, nil
}

// login trades the caller's ID token for a Vault token through the JWT auth method.
func (s *Store) login(ctx context.Context, set *settings, c sdk.Caller) (*session, error) {
	if c.IDToken == "" {
		return nil, sdk.Errorf(sdk.ErrUnauthenticated, "the Vault plugin acts as the user and needs their OIDC ID token, which this call does not carry")
	}
	start := s.sessions.now()
	secret, err := set.client.WithRequestCallbacks(withToken("")).Logical().WriteWithContext(ctx,
		"auth/"+set.cfg.JWTMount+"/login", map[string]any{"role": set.cfg.JWTRole, "jwt": c.IDToken})
	if err != nil {
		if kind := sdk.KindOf(mapError(err)); kind == sdk.ErrInvalidArgument || kind == sdk.ErrPermissionDenied || kind == sdk.ErrNotFound {
			return nil, sdk.Errorf(sdk.ErrUnauthenticated, "Vault refused the login of %q with role %q: %s", c.Username, set.cfg.JWTRole, vaultMessage(err))
		}
		return nil, describe(err, "logging %q in to Vault", c.Username)
	}
	if secret == nil || secret.Auth == nil || secret.Auth.ClientToken == "" {
		return nil, sdk.Errorf(sdk.ErrUnavailable, "Vault's JWT login answered without a token")
	}
	ttl := time.Duration(secret.Auth.LeaseDuration) * time.Second
	s.log.Debug("logged the user in to Vault", "user", c.Username, "ttl", ttl.String(), "renewable", secret.Auth.Renewable)
	return &session{token: secret.Auth.ClientToken, accessor: secret.Auth.Accessor, entityID: secret.Auth.EntityID, ttl: ttl,
		expires: start.Add(ttl), renewable: secret.Auth.Renewable}, nil
}

// renew extends a session's token by its own lifetime.
func (s *Store) renew(ctx context.Context, set *settings, se *session) (*session, error) {
	start := s.sessions.now()
	secret, err := set.client.WithRequestCallbacks(withToken(se.token)).Logical().WriteWithContext(ctx,
		"auth/token/renew-self", map[string]any{"increment": int(se.ttl.Seconds())})
	if err != nil {
		return nil, mapError(err)
	}
	if secret == nil || secret.Auth == nil {
		return nil, sdk.Errorf(sdk.ErrUnavailable, "Vault's renewal answered without a lease")
	}
	ttl := time.Duration(secret.Auth.LeaseDuration) * time.Second
	return &session{token: se.token, accessor: se.accessor, entityID: se.entityID, ttl: se.ttl, expires: start.Add(ttl), renewable: secret.Auth.Renewable}, nil
}

// withToken makes a request carry token (none when empty), whatever the client holds.
func withToken(token string) vaultapi.RequestCallback {
	return func(r *vaultapi.Request) { r.ClientToken = token }
}

// asCaller runs call with a client acting as the caller. A refusal with a cached token may
// mean that Vault revoked it: the call is tried once more with a new login.
func (s *Store) asCaller(ctx context.Context, c sdk.Caller, call func(set *settings, vc *vaultapi.Client) error) error {
	set, err := s.current()
	if err != nil {
		return err
	}
	se, cached, err := s.session(ctx, set, c)
	if err != nil {
		return err
	}
	err = call(set, set.client.WithRequestCallbacks(withToken(se.token)))
	if !cached || !isForbidden(err) || c.IDToken == "" {
		return err
	}
	s.sessions.forget(c, se)
	if se, _, err = s.session(ctx, set, c); err != nil {
		return err
	}
	return call(set, set.client.WithRequestCallbacks(withToken(se.token)))
}
