// Package s3 is Basalt's storage on an S3 store (MinIO, AWS, Ceph, SeaweedFS...), through
// minio-go.
//
// Every call acts as its caller. With STS, the plugin trades the caller's ID token for
// temporary credentials (AssumeRoleWithWebIdentity) and keeps them per user until shortly
// before they expire, so the store's own policies apply; with static keys, one account
// serves everyone. Either way the plugin confines each caller to their homes (their bucket,
// or their prefix of a shared bucket, and their groups') before the store is asked: what
// lies elsewhere is not found, even where the store would allow it.
package s3

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/minio/minio-go/v7"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/configschema"
	"github.com/basalt-dev/basalt/sdk/pluginbase"
)

// Version is the plugin's own version.
const Version = "0.1.0"

//go:embed schema.json
var configSchema []byte

var schema = configschema.MustCompile(configSchema)

// Store is the S3 storage plugin. Its methods are safe for concurrent use.
type Store struct {
	*pluginbase.Base[*state]
	log *slog.Logger
}

// state is what one configuration opens. A new Configure replaces it whole; calls in flight
// finish on the one they started with.
type state struct {
	cfg      Config
	sessions *sessions
	// policies serialises read-modify-write cycles of bucket policies made by this process.
	policies sync.Mutex
}

// New returns an unconfigured store that logs to log.
func New(log *slog.Logger) *Store {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{log: log}
	s.Base = pluginbase.New(sdk.InfoResponse{Kind: sdk.KindStorage, Name: "s3", Version: Version}, schema, s.newState)
	return s
}

// newState checks the configuration without reaching the store, so that the plugin starts
// while the store is down; calls then fail as unavailable until it is back.
func (s *Store) newState(_ context.Context, raw []byte) (*state, error) {
	cfg, err := parseConfig(raw)
	if err != nil {
		return nil, err
	}
	transport, err := newTransport(cfg)
	if err != nil {
		return nil, err
	}
	ss, err := newSessions(cfg, transport)
	if err != nil {
		return nil, err
	}
	s.log.Info("configured", "endpoint", cfg.Endpoint, "serviceEndpoint", cfg.ServiceEndpoint, "region", cfg.Region, "sts", cfg.STS != nil, "bucketMode", cfg.WorkingDirectory.BucketMode)
	return &state{cfg: cfg, sessions: ss}, nil
}

// newTransport is the one HTTP transport of every client of a configuration, so that
// connections are reused across users' sessions.
func newTransport(cfg Config) (*http.Transport, error) {
	t, err := minio.DefaultTransport(strings.HasPrefix(cfg.Endpoint, "https://"))
	if err != nil {
		return nil, err
	}
	// Uploads send parts in parallel: keep a connection for each.
	t.MaxIdleConnsPerHost = max(t.MaxIdleConnsPerHost, 4*cfg.Upload.Concurrency)
	if t.TLSClientConfig == nil {
		t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if cfg.TLS.CAFile != "" {
		pem, err := os.ReadFile(cfg.TLS.CAFile)
		if err != nil {
			return nil, sdk.InvalidFields("invalid configuration", sdk.FieldViolation{Field: "tls.caFile", Rule: "cannot be read: " + err.Error()})
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, sdk.InvalidFields("invalid configuration", sdk.FieldViolation{Field: "tls.caFile", Rule: "holds no PEM certificate"})
		}
		t.TLSClientConfig.RootCAs = pool
	}
	t.TLSClientConfig.InsecureSkipVerify = cfg.TLS.InsecureSkipVerify
	return t, nil
}

// open checks that ref lies in the caller's homes and returns the state and the caller's
// session.
func (s *Store) open(ctx context.Context, caller sdk.Caller, ref sdk.ObjectRef, field string) (*state, *session, error) {
	st, err := s.Live()
	if err != nil {
		return nil, nil, err
	}
	if err := st.cfg.authorize(caller, ref, field); err != nil {
		return nil, nil, err
	}
	sess, err := st.sessions.get(ctx, caller)
	if err != nil {
		return nil, nil, err
	}
	return st, sess, nil
}

func (s *Store) Home(_ context.Context, req sdk.HomeRequest) (sdk.HomeResponse, error) {
	st, err := s.Live()
	if err != nil {
		return sdk.HomeResponse{}, err
	}
	h, err := st.cfg.projectHome(req.Caller, req.Project)
	if err != nil {
		return sdk.HomeResponse{}, err
	}
	return sdk.HomeResponse{Home: h}, nil
}

// Credentials hands out a fresh session of the caller's for a service to use: STS keys of
// the requested duration (at most sts.durationSeconds), or the static keys when the
// configuration allows sharing them, with the store's address as services reach it.
func (s *Store) Credentials(ctx context.Context, req sdk.CredentialsRequest) (sdk.CredentialsResponse, error) {
	st, err := s.Live()
	if err != nil {
		return sdk.CredentialsResponse{}, err
	}
	if c := st.cfg.StaticCredentials; c != nil && !c.ShareWithServices {
		return sdk.CredentialsResponse{}, sdk.Errorf(sdk.ErrUnimplemented, "this S3 store has one account for everyone, and its keys are not handed to services (staticCredentials.shareWithServices)")
	}
	h, err := st.cfg.projectHome(req.Caller, req.Project)
	if err != nil {
		return sdk.CredentialsResponse{}, err
	}
	sess, err := st.sessions.forService(ctx, req.Caller, req.Duration)
	if err != nil {
		return sdk.CredentialsResponse{}, err
	}
	return sdk.CredentialsResponse{
		AccessKeyID:     sess.keys.AccessKeyID,
		SecretAccessKey: sess.keys.SecretAccessKey,
		SessionToken:    sess.keys.SessionToken,
		Expiration:      sess.keys.Expiration,
		Endpoint:        st.cfg.ServiceEndpoint,
		Region:          st.cfg.Region,
		PathStyle:       st.cfg.PathStyle,
		DefaultBucket:   h.Bucket,
		DefaultPrefix:   h.Key,
	}, nil
}

// storeError turns an error of the store into one of the sdk's kinds, naming what the call
// was about. Keys and tokens never appear in minio-go's errors.
func storeError(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if sdk.KindOf(err) != nil {
		return err
	}
	resp := minio.ToErrorResponse(err)
	switch resp.Code {
	case "NoSuchKey", "NoSuchBucket", "NoSuchUpload", "NotFound":
		return sdk.Errorf(sdk.ErrNotFound, "%s not found", what)
	case "AccessDenied", "AllAccessDisabled":
		return sdk.Errorf(sdk.ErrPermissionDenied, "the S3 store denies access to %s", what)
	case "InvalidAccessKeyId", "ExpiredToken", "InvalidToken", "SignatureDoesNotMatch":
		return sdk.Errorf(sdk.ErrUnauthenticated, "the S3 store refused the credentials for %s: %s", what, resp.Code)
	case "InvalidRange":
		return sdk.Errorf(sdk.ErrInvalidArgument, "the range is outside %s", what)
	case "InvalidArgument", "InvalidObjectName", "KeyTooLongError", "XMinioInvalidObjectName", "EntityTooLarge":
		return sdk.Errorf(sdk.ErrInvalidArgument, "%s: %s", what, resp.Message)
	case "PreconditionFailed":
		return sdk.Errorf(sdk.ErrConflict, "%s changed meanwhile", what)
	}
	switch resp.StatusCode {
	case http.StatusNotFound:
		return sdk.Errorf(sdk.ErrNotFound, "%s not found", what)
	case http.StatusForbidden:
		return sdk.Errorf(sdk.ErrPermissionDenied, "the S3 store denies access to %s", what)
	case 0, http.StatusServiceUnavailable, http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
		return sdk.Errorf(sdk.ErrUnavailable, "the S3 store failed on %s: %v", what, err)
	}
	return fmt.Errorf("s3: %s: %w", what, err)
}

var _ sdk.Storage = (*Store)(nil)
