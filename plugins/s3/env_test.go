package s3_test

import (
	"context"
	"encoding/json"
	"os"
	"sync"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/plugins/s3"
	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/plugintest"
	"github.com/basalt-dev/basalt/sdk/plugintest/logscan"
)

func TestMain(m *testing.M) {
	os.Exit(plugintest.Run(m))
}

// tokens caches each user's ID token for the test process: logging in through Hydra takes
// a few requests.
var tokens = struct {
	sync.Mutex
	m map[string]string
}{m: map[string]string{}}

// caller returns a testenv user as the core would pass them, with a fresh ID token.
func caller(t testing.TB, env *testenv.Env, name string) sdk.Caller {
	t.Helper()
	u, ok := testenv.LookupUser(name)
	if !ok {
		t.Fatalf("no testenv user %q", name)
	}
	tokens.Lock()
	defer tokens.Unlock()
	token, ok := tokens.m[name]
	if !ok {
		var err error
		if token, err = env.IDToken(context.Background(), name); err != nil {
			t.Fatalf("ID token of %s: %v", name, err)
		}
		tokens.m[name] = token
	}
	return sdk.Caller{Subject: u.Name, Username: u.Name, Email: u.Email, Groups: u.Groups, Roles: u.Roles, IDToken: token}
}

// stsConfig is the plugin's configuration for the test environment's MinIO with STS: a
// bucket per user and per group, as testenv's policies grant.
func stsConfig(env *testenv.Env) map[string]any {
	return map[string]any{
		"endpoint": env.S3Endpoint,
		"region":   env.S3Region,
		"sts":      map[string]any{"durationSeconds": 3600},
	}
}

// staticConfig uses MinIO's root keys: the store allows everything, the plugin confines.
func staticConfig(env *testenv.Env) map[string]any {
	return map[string]any{
		"endpoint": env.S3Endpoint,
		"region":   env.S3Region,
		"staticCredentials": map[string]any{
			"accessKeyID": env.S3AccessKey, "secretAccessKey": env.S3SecretKey, "shareWithServices": true,
		},
	}
}

func configure(t testing.TB, s sdk.Storage, cfg map[string]any) {
	t.Helper()
	raw, _ := json.Marshal(cfg)
	if _, err := s.Configure(context.Background(), sdk.ConfigureRequest{Config: raw}); err != nil {
		t.Fatalf("Configure: %v", err)
	}
}

// spawn starts the plugin binary, as the core does, configured with cfg.
func spawn(t testing.TB, cfg map[string]any) sdk.Storage {
	t.Helper()
	p, _ := plugintest.Spawn(t, sdk.KindStorage, plugintest.Build(t, "./cmd/basalt-plugin-s3"))
	s := p.(sdk.Storage)
	configure(t, s, cfg)
	return s
}

// inProcess is the store behind the plugin wire, in the test's process.
func inProcess(t testing.TB, cfg map[string]any) sdk.Storage {
	t.Helper()
	s := plugintest.ConnectStorage(t, s3.New(logscan.Logger(t, "plugin-s3")))
	configure(t, s, cfg)
	return s
}

// direct returns a minio-go client with creds, beside the plugin.
func direct(t testing.TB, env *testenv.Env, creds testenv.S3Credentials) *minio.Client {
	t.Helper()
	c, err := minio.New(env.S3Endpoint[len("http://"):], &minio.Options{
		Creds:        credentials.NewStaticV4(creds.AccessKey, creds.SecretKey, creds.SessionToken),
		Region:       env.S3Region,
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func root(t testing.TB, env *testenv.Env) *minio.Client {
	return direct(t, env, testenv.S3Credentials{AccessKey: env.S3AccessKey, SecretKey: env.S3SecretKey})
}

// stsOf returns a user's own STS credentials, straight from MinIO.
func stsOf(t testing.TB, env *testenv.Env, c sdk.Caller) testenv.S3Credentials {
	t.Helper()
	creds, err := env.AssumeRoleWithWebIdentity(context.Background(), c.IDToken)
	if err != nil {
		t.Fatalf("STS for %s: %v", c.Username, err)
	}
	return creds
}

// sharedBucketName is the one bucket of the shared-mode tests, made by MinIO's root.
const sharedBucketName = "basalt-plugin-s3-shared"

func sharedBucket(t testing.TB, env *testenv.Env) {
	t.Helper()
	if err := env.RootS3().MakeBucket(context.Background(), sharedBucketName); err != nil {
		t.Fatalf("making %s: %v", sharedBucketName, err)
	}
}

// sharedConfig puts every home in one bucket, a prefix each, reached with MinIO's root keys.
func sharedConfig(env *testenv.Env) map[string]any {
	cfg := staticConfig(env)
	cfg["workingDirectory"] = map[string]any{"bucketMode": "shared", "bucketName": sharedBucketName}
	return cfg
}
