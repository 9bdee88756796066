package vault

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"sync/atomic"
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
	// handedOut is set once the token went to a service (Token): it then outlives its place in
	// the cache. Renewals share it, since they keep the token.
	handedOut *atomic.Bool
}

// refreshAt is when the session stops being handed out as is: a fifth of its lifetime before
// it expires, and at least 30 seconds before, so that a call never starts with a token about
// to die.
func (se *session) refreshAt() time.Time {
	return se.expires.Add(-max(se.ttl/5, 30*time.Second))
}

// sessions caches each user's session by a hash of their ID token, not by the name the core
// sends: a call naming alice with another token (or a forged one) never gets her Vault token.
type sessions struct {
	mu  sync.Mutex
	m   map[string]*session
	now func() time.Time
	// busy holds, by key, a channel closed when the login or renewal under way ends, so that
	// concurrent calls of a user (a form's settings and its token) share one login.
	busy map[string]chan struct{}
}

func sessionKey(c sdk.Caller) string {
	sum := sha256.Sum256([]byte(c.IDToken))
	return hex.EncodeToString(sum[:])
}

func (ss *sessions) get(key string) (*session, bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	se, ok := ss.m[key]
	return se, ok
}

func (ss *sessions) put(key string, se *session) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	now := ss.now()
	for k, old := range ss.m {
		if !now.Before(old.expires) {
			delete(ss.m, k)
		}
	}
	ss.m[key] = se
}

// begin claims key for a login or renewal: it returns nil when the caller may go ahead (and
// must call end), else a channel closed when the one under way ends.
func (ss *sessions) begin(key string) <-chan struct{} {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if wait, ok := ss.busy[key]; ok {
		return wait
	}
	ss.busy[key] = make(chan struct{})
	return nil
}

func (ss *sessions) end(key string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	close(ss.busy[key])
	delete(ss.busy, key)
}

// forget drops a user's session if it still is se.
func (ss *sessions) forget(key string, se *session) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.m[key] == se {
		delete(ss.m, key)
	}
}

// forgetAccessor drops the session whose token an accessor names (revoked by RevokeToken).
func (ss *sessions) forgetAccessor(accessor string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for k, se := range ss.m {
		if se.accessor == accessor {
			delete(ss.m, k)
		}
	}
}

func (ss *sessions) clear() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	clear(ss.m)
}

// session returns a token acting as the caller for the plugin's own calls: the cached one
// while it is fresh (cached is then true), else the cached one renewed when Vault allows,
// else a new login with the caller's ID token.
func (s *Store) session(ctx context.Context, set *settings, c sdk.Caller) (se *session, cached bool, err error) {
	return s.sessionUntil(ctx, set, c, func(se *session, now time.Time) bool { return now.Before(se.refreshAt()) })
}

// sessionUntil is session with a test of freshness of the caller's choosing: a token for a
// service must live longer than one for the next call.
func (s *Store) sessionUntil(ctx context.Context, set *settings, c sdk.Caller, fresh func(*session, time.Time) bool) (se *session, cached bool, err error) {
	if c.Username == "" {
		return nil, false, sdk.Errorf(sdk.ErrUnauthenticated, "no caller")
	}
	key := sessionKey(c)
	for {
		if se, ok := s.sessions.get(key); ok && fresh(se, s.sessions.now()) {
			return se, true, nil
		}
		wait := s.sessions.begin(key)
		if wait == nil {
			break
		}
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
	}
	defer s.sessions.end(key)
	old, ok := s.sessions.get(key)
	now := s.sessions.now()
	if ok && fresh(old, now) { // logged in by the call this one waited for
		return old, true, nil
	}
	if ok && old.renewable && now.Before(old.expires) {
		renewed, err := s.renew(ctx, set, old)
		if err == nil && fresh(renewed, now) {
			s.sessions.put(key, renewed)
			return renewed, false, nil
		}
		if err != nil {
			s.log.Info("renewing the user's Vault token failed; logging in again", "user", c.Username, "error", err)
		}
	}
	if se, err = s.login(ctx, set, c); err != nil {
		return nil, false, err
	}
	s.sessions.put(key, se)
	if ok {
		s.retire(set, old)
	}
	return se, false, nil
}

// retire revokes a token the cache no longer holds, unless it went to a service or has
// expired: a token nobody uses any more should not stay valid until its end.
func (s *Store) retire(set *settings, se *session) {
	if se.handedOut.Load() || !s.sessions.now().Before(se.expires) {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := set.client.WithRequestCallbacks(withToken(se.token)).Logical().WriteWithContext(ctx, "auth/token/revoke-self", nil)
		if err != nil {
			s.log.Info("revoking a Vault token the plugin no longer uses; it ends at its TTL", "accessor", se.accessor, "error", mapError(err))
			return
		}
		s.log.Debug("revoked a Vault token the plugin no longer uses", "accessor", se.accessor)
	}()
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
		expires: start.Add(ttl), renewable: secret.Auth.Renewable, handedOut: new(atomic.Bool)}, nil
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
	return &session{token: se.token, accessor: se.accessor, entityID: se.entityID, ttl: se.ttl, expires: start.Add(ttl),
		renewable: secret.Auth.Renewable, handedOut: se.handedOut}, nil
}

// withToken makes a request carry token (none when empty), whatever the client holds.
func withToken(token string) vaultapi.RequestCallback {
	return func(r *vaultapi.Request) { r.ClientToken = token }
}

// asCaller runs call with a client acting as the caller. A refusal with a cached token may
// mean that Vault revoked it: the call is tried once more with a new login.
func (s *Store) asCaller(ctx context.Context, c sdk.Caller, call func(set *settings, vc *vaultapi.Client) error) error {
	set, err := s.Live()
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
	s.sessions.forget(sessionKey(c), se)
	if se, _, err = s.session(ctx, set, c); err != nil {
		return err
	}
	return call(set, set.client.WithRequestCallbacks(withToken(se.token)))
}
