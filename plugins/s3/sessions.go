package s3

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/basalt-dev/basalt/sdk"
)

// session is what one caller's calls use: a client signing as the caller, and the keys
// behind it.
type session struct {
	client *minio.Client
	keys   credentials.Value // Expiration is zero for static keys
}

// sessions hands out each caller's session. With STS, it trades the caller's ID token for
// temporary credentials and keeps them, by a hash of that token, until shortly before they
// expire; with static keys, every caller shares one session.
type sessions struct {
	cfg       Config
	transport http.RoundTripper
	static    *session // nil with STS

	mu    sync.Mutex
	cache map[string]*cachedSession // by sessionKey
}

type cachedSession struct {
	// ready is closed once s or err is set, so that concurrent calls of one user wait for one
	// exchange instead of each making their own.
	ready chan struct{}
	s     *session
	err   error
}

func newSessions(cfg Config, transport http.RoundTripper) (*sessions, error) {
	ss := &sessions{cfg: cfg, transport: transport, cache: map[string]*cachedSession{}}
	if c := cfg.StaticCredentials; c != nil {
		keys := credentials.Value{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SignerType: credentials.SignatureV4}
		client, err := ss.client(keys)
		if err != nil {
			return nil, err
		}
		ss.static = &session{client: client, keys: keys}
	}
	return ss, nil
}

// client returns a client of the store signing with keys.
func (ss *sessions) client(keys credentials.Value) (*minio.Client, error) {
	endpoint, secure := hostOf(ss.cfg.Endpoint)
	lookup := minio.BucketLookupDNS
	if ss.cfg.PathStyle {
		lookup = minio.BucketLookupPath
	}
	client, err := minio.New(endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(keys.AccessKeyID, keys.SecretAccessKey, keys.SessionToken),
		Secure:       secure,
		Region:       ss.cfg.Region,
		BucketLookup: lookup,
		Transport:    ss.transport,
	})
	if err != nil {
		return nil, sdk.InvalidFields("invalid configuration", sdk.FieldViolation{Field: "endpoint", Rule: err.Error()})
	}
	return client, nil
}

// hostOf splits an endpoint URL into host[:port] and whether it uses TLS.
func hostOf(endpoint string) (string, bool) {
	if rest, ok := strings.CutPrefix(endpoint, "https://"); ok {
		return rest, true
	}
	return strings.TrimPrefix(endpoint, "http://"), false
}

// refreshMargin is how long before it expires a session is replaced: long enough for the
// calls started with it (an upload of a few GiB) to finish.
func refreshMargin(duration time.Duration) time.Duration {
	return min(10*time.Minute, duration/4)
}

// sessionKey names the cache entry of a caller's session: a hash of their ID token, not the
// name the core sends, so that a call naming alice with another token (or a forged one) never
// gets her session; and the role, since the configuration may give a token several.
func sessionKey(caller sdk.Caller, role Role) string {
	sum := sha256.Sum256([]byte(caller.IDToken))
	return hex.EncodeToString(sum[:]) + "\x00" + role.RoleARN
}

// get returns the caller's session for the plugin's own calls, exchanging their ID token when
// there is none or it nears its end.
func (ss *sessions) get(ctx context.Context, caller sdk.Caller) (*session, error) {
	if ss.static != nil {
		return ss.static, nil
	}
	return ss.lasting(ctx, caller, refreshMargin(ss.cfg.stsDuration()))
}

// lasting returns the caller's cached session while it has more than minLeft to live, else
// exchanges their ID token for a new one, which replaces it in the cache.
func (ss *sessions) lasting(ctx context.Context, caller sdk.Caller, minLeft time.Duration) (*session, error) {
	if ss.static != nil {
		return ss.static, nil
	}
	role, err := ss.role(caller)
	if err != nil {
		return nil, err
	}
	key := sessionKey(caller, role)
	for {
		ss.mu.Lock()
		entry, ok := ss.cache[key]
		if ok {
			select {
			case <-entry.ready:
				if entry.err == nil && time.Until(entry.s.keys.Expiration) > minLeft {
					ss.mu.Unlock()
					return entry.s, nil
				}
				ok = false // failed or nearly expired: exchange again
			default:
			}
		}
		if !ok {
			entry = &cachedSession{ready: make(chan struct{})}
			ss.cache[key] = entry
			ss.sweep()
			ss.mu.Unlock()
			entry.s, entry.err = ss.exchange(ctx, caller, role, ss.cfg.stsDuration())
			close(entry.ready)
			if entry.err != nil {
				ss.mu.Lock()
				if ss.cache[key] == entry {
					delete(ss.cache, key)
				}
				ss.mu.Unlock()
			}
			return entry.s, entry.err
		}
		ss.mu.Unlock()
		select {
		case <-entry.ready:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// sweep forgets sessions that have expired; ss.mu is held.
func (ss *sessions) sweep() {
	now := time.Now()
	for k, e := range ss.cache {
		select {
		case <-e.ready:
			if e.err != nil || e.s.keys.Expiration.Before(now) {
				delete(ss.cache, k)
			}
		default:
		}
	}
}

// forService returns a session of the given duration for handing to a service. A session of
// the configured duration is the cached one while it has at least half of it to live (a new
// one then replaces it): every form, plan and launch of a user would otherwise mint
// credentials of their own, which an STS cannot revoke. A shorter duration, asked for
// explicitly, gets a session of its own.
func (ss *sessions) forService(ctx context.Context, caller sdk.Caller, duration time.Duration) (*session, error) {
	if ss.static != nil {
		return ss.static, nil
	}
	full := ss.cfg.stsDuration()
	if duration <= 0 || duration >= full {
		return ss.lasting(ctx, caller, full/2)
	}
	role, err := ss.role(caller)
	if err != nil {
		return nil, err
	}
	return ss.exchange(ctx, caller, role, max(duration, 15*time.Minute))
}

// exchange trades the caller's ID token for temporary credentials (AssumeRoleWithWebIdentity).
func (ss *sessions) exchange(ctx context.Context, caller sdk.Caller, role Role, duration time.Duration) (*session, error) {
	if caller.IDToken == "" {
		return nil, sdk.Errorf(sdk.ErrUnauthenticated, "the S3 store needs the caller's ID token and the call carries none")
	}
	endpoint := ss.cfg.Endpoint
	if ss.cfg.STS.Endpoint != "" {
		endpoint = ss.cfg.STS.Endpoint
	}
	token := caller.IDToken
	creds, err := credentials.NewSTSWebIdentity(endpoint, func() (*credentials.WebIdentityToken, error) {
		return &credentials.WebIdentityToken{Token: token, Expiry: int(duration / time.Second)}, nil
	}, func(i *credentials.STSWebIdentity) { i.RoleARN = role.RoleARN })
	if err != nil {
		return nil, fmt.Errorf("s3: STS: %w", err)
	}
	keys, err := creds.GetWithContext(&credentials.CredContext{
		Client:   &http.Client{Transport: ss.transport, Timeout: 30 * time.Second},
		Endpoint: endpoint,
	})
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil {
		return nil, stsError(err)
	}
	client, err := ss.client(keys)
	if err != nil {
		return nil, err
	}
	return &session{client: client, keys: keys}, nil
}

// stsError turns a refusal of the STS into an error of a kind, without the token.
func stsError(err error) error {
	var resp credentials.ErrorResponse
	if errors.As(err, &resp) {
		switch resp.STSError.Code {
		case "AccessDenied", "InvalidIdentityToken", "ExpiredToken", "InvalidParameterValue":
			return sdk.Errorf(sdk.ErrUnauthenticated, "the S3 store's STS refused the caller's identity: %s: %s", resp.STSError.Code, resp.STSError.Message)
		}
		return sdk.Errorf(sdk.ErrUnavailable, "the S3 store's STS failed: %s: %s", resp.STSError.Code, resp.STSError.Message)
	}
	return sdk.Errorf(sdk.ErrUnavailable, "the S3 store's STS cannot be reached: %v", err)
}

// role chooses the role the caller assumes: the first entry that applies to them, with
// $1, $2... in its ARN replaced by the groups of the matching claim value.
func (ss *sessions) role(caller sdk.Caller) (Role, error) {
	roles := ss.cfg.STS.Roles
	if len(roles) == 0 {
		return Role{}, nil
	}
	var claims map[string]any
	for _, r := range roles {
		if r.ClaimName == "" {
			return r, nil
		}
		if claims == nil {
			claims = tokenClaims(caller)
		}
		for _, v := range claimValues(claims, r.ClaimName) {
			if r.excluded != nil && r.excluded.MatchString(v) {
				continue
			}
			m := r.included.FindStringSubmatchIndex(v)
			if m == nil {
				continue
			}
			out := r
			out.RoleARN = string(r.included.ExpandString(nil, r.RoleARN, v, m))
			return out, nil
		}
	}
	return Role{}, sdk.Errorf(sdk.ErrPermissionDenied, "no S3 role is configured for user %q", caller.Username)
}

// tokenClaims reads the claims of the caller's ID token, without checking its signature:
// the core has checked it, and the STS checks it again. The caller's groups and roles stand
// in when the token has no such claims.
func tokenClaims(caller sdk.Caller) map[string]any {
	claims := map[string]any{}
	if parts := strings.Split(caller.IDToken, "."); len(parts) == 3 {
		if payload, err := base64.RawURLEncoding.DecodeString(parts[1]); err == nil {
			_ = json.Unmarshal(payload, &claims)
		}
	}
	fallback := map[string]any{"preferred_username": caller.Username, "email": caller.Email, "sub": caller.Subject}
	if len(caller.Groups) > 0 {
		fallback["groups"] = toAny(caller.Groups)
	}
	if len(caller.Roles) > 0 {
		fallback["roles"] = toAny(caller.Roles)
	}
	for k, v := range fallback {
		if _, ok := claims[k]; !ok {
			claims[k] = v
		}
	}
	return claims
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// claimValues returns the string values of a claim, top-level or at a dotted path.
func claimValues(claims map[string]any, name string) []string {
	var v any = claims
	if direct, ok := claims[name]; ok {
		v = direct
	} else {
		for part := range strings.SplitSeq(name, ".") {
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[part]
		}
	}
	return stringsOf(v)
}
