package s3_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/plugintest"
)

func needEnv(t *testing.T) *testenv.Env {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the test environment")
	}
	return testenv.Require(t)
}

func uniqueKey(prefix string) string {
	return fmt.Sprintf("%s%d/", prefix, time.Now().UnixNano())
}

func wantKind(t *testing.T, what string, err error, kind error) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Errorf("%s: got %v, want %v", what, err, kind)
	}
}

func wantDenied(t *testing.T, what string, err error) {
	t.Helper()
	if code := minio.ToErrorResponse(err).Code; code != "AccessDenied" {
		t.Errorf("%s with bob's own STS credentials: got %v (code %q), want AccessDenied", what, err, code)
	}
}

// TestSTSCredentials: a user gets temporary credentials of their own from their ID token,
// which reach their home and nobody else's.
func TestSTSCredentials(t *testing.T) {
	env := needEnv(t)
	s := spawn(t, stsConfig(env))
	alice := caller(t, env, "alice")
	ctx := t.Context()

	resp, err := s.Credentials(ctx, sdk.CredentialsRequest{Caller: alice, Project: sdk.Project{ID: "user-alice"}, Duration: 30 * time.Minute})
	if err != nil {
		t.Fatalf("Credentials: %v", err)
	}
	if resp.SessionToken == "" || resp.AccessKeyID == env.S3AccessKey {
		t.Errorf("Credentials: want STS keys with a session token, got key %q", resp.AccessKeyID)
	}
	if left := time.Until(resp.Expiration); left < 25*time.Minute || left > 31*time.Minute {
		t.Errorf("Credentials: expire in %v, want about the 30 minutes asked", left)
	}
	if resp.Endpoint != env.S3Endpoint || resp.Region != env.S3Region || !resp.PathStyle || resp.DefaultBucket != "user-alice" || resp.DefaultPrefix != "" {
		t.Errorf("Credentials: %s %s pathStyle=%v %s/%s", resp.Endpoint, resp.Region, resp.PathStyle, resp.DefaultBucket, resp.DefaultPrefix)
	}
	group, err := s.Credentials(ctx, sdk.CredentialsRequest{Caller: alice, Project: sdk.Project{ID: "project-data-team", Group: "data-team"}})
	if err != nil || group.DefaultBucket != "project-data-team" {
		t.Errorf("Credentials for data-team: bucket %q, %v", group.DefaultBucket, err)
	}
	_, err = s.Credentials(ctx, sdk.CredentialsRequest{Caller: caller(t, env, "dave"), Project: sdk.Project{ID: "project-data-team", Group: "data-team"}})
	wantKind(t, "Credentials of a group dave is not in", err, sdk.ErrNotFound)

	mc := direct(t, env, testenv.S3Credentials{AccessKey: resp.AccessKeyID, SecretKey: resp.SecretAccessKey, SessionToken: resp.SessionToken})
	key := uniqueKey("sts-") + "f"
	if _, err := mc.PutObject(ctx, "user-alice", key, strings.NewReader("x"), 1, minio.PutObjectOptions{}); err != nil {
		t.Errorf("alice's STS keys writing her bucket: %v", err)
	}
	t.Cleanup(func() { _ = mc.RemoveObject(context.Background(), "user-alice", key, minio.RemoveObjectOptions{}) })
	_, err = mc.StatObject(ctx, "user-bob", "anything", minio.StatObjectOptions{})
	if code := minio.ToErrorResponse(err).Code; code != "AccessDenied" {
		t.Errorf("alice's STS keys on bob's bucket: %v (%q), want AccessDenied", err, code)
	}

	// A caller without an ID token gets nothing from an STS store.
	noToken := alice
	noToken.IDToken = ""
	_, err = s.Stat(ctx, sdk.StatObjectRequest{Caller: noToken, Object: sdk.ObjectRef{Bucket: "user-alice", Key: key}})
	wantKind(t, "Stat without an ID token", err, sdk.ErrUnauthenticated)
	bad := alice
	bad.IDToken = "not.a.token"
	_, err = s.Stat(ctx, sdk.StatObjectRequest{Caller: bad, Object: sdk.ObjectRef{Bucket: "user-alice", Key: key}})
	wantKind(t, "Stat with a forged ID token", err, sdk.ErrUnauthenticated)
	if err != nil && strings.Contains(err.Error(), "not.a.token") {
		t.Errorf("the error repeats the token: %v", err)
	}
}

// TestLargeUploadAndPresign: alice uploads 200 MiB through the plugin, sees it listed, and
// shares a presigned link that works without credentials until it expires.
func TestLargeUploadAndPresign(t *testing.T) {
	env := needEnv(t)
	s := spawn(t, stsConfig(env))
	alice := caller(t, env, "alice")
	ctx := t.Context()
	dir := sdk.ObjectRef{Bucket: "user-alice", Key: uniqueKey("large-")}
	t.Cleanup(func() {
		_, _ = s.Delete(context.Background(), sdk.DeleteObjectRequest{Caller: alice, Object: dir, Recursive: true})
	})
	const size = 200 << 20
	ref := sdk.ObjectRef{Bucket: dir.Bucket, Key: dir.Key + "data.bin"}
	sum := sha256.New()
	w, err := s.Write(ctx, sdk.WriteObjectRequest{Caller: alice, Object: ref, Size: -1, Body: io.TeeReader(plugintest.NewRepeatReader(size), sum)})
	if err != nil {
		t.Fatalf("Write of 200 MiB: %v", err)
	}
	want := sum.Sum(nil)
	if w.Object.Size != size {
		t.Errorf("Write: size %d, want %d", w.Object.Size, size)
	}
	list, err := s.List(ctx, sdk.ListObjectsRequest{Caller: alice, Prefix: dir})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(list.Objects) != 1 || list.Objects[0].Ref != ref || list.Objects[0].Size != size {
		t.Errorf("List: got %+v, want %s of %d bytes", list.Objects, ref.Key, size)
	}

	p, err := s.Presign(ctx, sdk.PresignRequest{Caller: alice, Object: ref, Method: http.MethodGet, Expiry: 3 * time.Second})
	if err != nil {
		t.Fatalf("Presign: %v", err)
	}
	get := func() (int, []byte) {
		resp, err := http.Get(p.URL)
		if err != nil {
			t.Fatalf("GET of the presigned URL: %v", err)
		}
		defer resp.Body.Close()
		h := sha256.New()
		if _, err := io.Copy(h, resp.Body); err != nil {
			t.Fatalf("GET of the presigned URL: body: %v", err)
		}
		return resp.StatusCode, h.Sum(nil)
	}
	if code, got := get(); code != http.StatusOK || !bytes.Equal(got, want) {
		t.Errorf("presigned GET without credentials: status %d, sha256 %x, want 200 and %x", code, got, want)
	}
	time.Sleep(time.Until(p.ExpiresAt) + 1500*time.Millisecond)
	if code, _ := get(); code != http.StatusForbidden {
		t.Errorf("presigned GET after expiry: status %d, want 403", code)
	}
}

// TestPublicPrefix: a prefix made public is readable anonymously, and no longer once made
// private again; statements of others in the bucket policy survive.
func TestPublicPrefix(t *testing.T) {
	env := needEnv(t)
	s := spawn(t, stsConfig(env))
	dave := caller(t, env, "dave")
	ctx := t.Context()
	rootClient := root(t, env)
	foreign := `{"Version":"2012-10-17","Statement":[{"Sid":"KeptByOthers","Effect":"Allow","Principal":{"AWS":["*"]},"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::user-dave/kept/*"]}]}`
	if err := rootClient.SetBucketPolicy(ctx, "user-dave", foreign); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rootClient.SetBucketPolicy(context.Background(), "user-dave", "") })
	dir := sdk.ObjectRef{Bucket: "user-dave", Key: uniqueKey("pub-")}
	ref := sdk.ObjectRef{Bucket: dir.Bucket, Key: dir.Key + "hello.txt"}
	if _, err := s.Write(ctx, sdk.WriteObjectRequest{Caller: dave, Object: ref, Size: 5, Body: strings.NewReader("hello")}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = s.Delete(context.Background(), sdk.DeleteObjectRequest{Caller: dave, Object: dir, Recursive: true})
	})
	anonymous := func() int {
		resp, err := http.Get(env.S3Endpoint + "/" + ref.Bucket + "/" + ref.Key)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	public := func() []sdk.ObjectRef {
		resp, err := s.ListPublicPrefixes(ctx, sdk.ListPublicPrefixesRequest{Caller: dave, Bucket: "user-dave"})
		if err != nil {
			t.Fatalf("ListPublicPrefixes: %v", err)
		}
		return resp.Prefixes
	}
	if code := anonymous(); code != http.StatusForbidden {
		t.Errorf("anonymous GET before: %d, want 403", code)
	}
	if _, err := s.SetPrefixPolicy(ctx, sdk.SetPrefixPolicyRequest{Caller: dave, Prefix: dir, Public: true}); err != nil {
		t.Fatalf("SetPrefixPolicy public: %v", err)
	}
	if code := anonymous(); code != http.StatusOK {
		t.Errorf("anonymous GET of a public prefix: %d, want 200", code)
	}
	if got := public(); !slices.Contains(got, dir) {
		t.Errorf("ListPublicPrefixes: %+v lacks %s", got, dir.Key)
	}
	if _, err := s.SetPrefixPolicy(ctx, sdk.SetPrefixPolicyRequest{Caller: dave, Prefix: dir, Public: false}); err != nil {
		t.Fatalf("SetPrefixPolicy private: %v", err)
	}
	if code := anonymous(); code != http.StatusForbidden {
		t.Errorf("anonymous GET after making it private: %d, want 403", code)
	}
	if got := public(); slices.Contains(got, dir) {
		t.Errorf("ListPublicPrefixes after private: %+v", got)
	}
	policy, err := rootClient.GetBucketPolicy(ctx, "user-dave")
	if err != nil || !strings.Contains(policy, "KeptByOthers") || strings.Contains(policy, "OnyxiaMakePrefixPublic") {
		t.Errorf("the bucket policy after public then private: %s (%v), want only the foreign statement", policy, err)
	}
}

// TestIsolation: bob can neither list nor read alice's home, through the plugin nor with
// his own STS credentials; and the plugin refuses what lies outside a caller's homes even
// where the store would allow it.
func TestIsolation(t *testing.T) {
	env := needEnv(t)
	s := spawn(t, stsConfig(env))
	alice, bob := caller(t, env, "alice"), caller(t, env, "bob")
	ctx := t.Context()
	dir := sdk.ObjectRef{Bucket: "user-alice", Key: uniqueKey("private-")}
	ref := sdk.ObjectRef{Bucket: dir.Bucket, Key: dir.Key + "secret.txt"}
	if _, err := s.Write(ctx, sdk.WriteObjectRequest{Caller: alice, Object: ref, Size: 6, Body: strings.NewReader("secret")}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = s.Delete(context.Background(), sdk.DeleteObjectRequest{Caller: alice, Object: dir, Recursive: true})
	})

	_, err := s.List(ctx, sdk.ListObjectsRequest{Caller: bob, Prefix: sdk.ObjectRef{Bucket: "user-alice"}, Recursive: true})
	wantKind(t, "bob lists alice's bucket", err, sdk.ErrNotFound)
	_, err = s.Read(ctx, sdk.ReadObjectRequest{Caller: bob, Object: ref})
	wantKind(t, "bob reads alice's object", err, sdk.ErrNotFound)
	_, err = s.Presign(ctx, sdk.PresignRequest{Caller: bob, Object: ref, Method: http.MethodGet, Expiry: time.Minute})
	wantKind(t, "bob presigns alice's object", err, sdk.ErrNotFound)
	_, err = s.ListPublicPrefixes(ctx, sdk.ListPublicPrefixesRequest{Caller: bob, Bucket: "user-alice"})
	wantKind(t, "bob reads alice's public prefixes", err, sdk.ErrNotFound)

	mc := direct(t, env, stsOf(t, env, bob))
	for o := range mc.ListObjects(ctx, "user-alice", minio.ListObjectsOptions{Recursive: true}) {
		wantDenied(t, "ListObjects user-alice", o.Err)
		break
	}
	_, err = mc.StatObject(ctx, ref.Bucket, ref.Key, minio.StatObjectOptions{})
	wantDenied(t, "StatObject", err)
	obj, err := mc.GetObject(ctx, ref.Bucket, ref.Key, minio.GetObjectOptions{})
	if err == nil {
		_, err = io.ReadAll(obj)
	}
	wantDenied(t, "GetObject", err)

	// MinIO lets alice into data-team's bucket; a caller the core does not count in the group
	// is still refused.
	outsider := alice
	outsider.Groups = nil
	_, err = s.List(ctx, sdk.ListObjectsRequest{Caller: outsider, Prefix: sdk.ObjectRef{Bucket: "project-data-team"}})
	wantKind(t, "a group's bucket for a caller not in the group", err, sdk.ErrNotFound)
	if _, err := s.List(ctx, sdk.ListObjectsRequest{Caller: alice, Prefix: sdk.ObjectRef{Bucket: "project-data-team"}}); err != nil {
		t.Errorf("a group's bucket for a member: %v", err)
	}
	_, err = s.Stat(ctx, sdk.StatObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: "a/../../user-bob/x"}})
	wantKind(t, "a key with ..", err, sdk.ErrInvalidArgument)

	// With one account that may do everything, homes rest on the plugin alone.
	static := inProcess(t, staticConfig(env))
	_, err = static.Read(ctx, sdk.ReadObjectRequest{Caller: bob, Object: ref})
	wantKind(t, "bob reads alice's object with root keys behind", err, sdk.ErrNotFound)
	got, err := static.Read(ctx, sdk.ReadObjectRequest{Caller: alice, Object: ref})
	if err != nil {
		t.Fatalf("alice reads her object with static keys: %v", err)
	}
	data, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if string(data) != "secret" {
		t.Errorf("alice reads %q", data)
	}

	// In a shared bucket, a prefix that merely starts like alice's home is not hers.
	sharedBucket(t, env)
	shared := inProcess(t, sharedConfig(env))
	for _, key := range []string{"", "user-bob/", "user-alicex/", "user-alic"} {
		_, err := shared.List(ctx, sdk.ListObjectsRequest{Caller: alice, Prefix: sdk.ObjectRef{Bucket: sharedBucketName, Key: key}})
		if !errors.Is(err, sdk.ErrNotFound) && !errors.Is(err, sdk.ErrInvalidArgument) {
			t.Errorf("alice lists %q of the shared bucket: %v, want refused", key, err)
		}
	}
}

// cancellingBody yields half of a body, waits until the store holds a multipart upload in
// progress for the key, then cancels the call as a client going away does.
type cancellingBody struct {
	r       io.Reader
	half    int64
	read    int64
	waitFor func() bool
	cancel  context.CancelFunc
	ctx     context.Context
	started bool
}

func (c *cancellingBody) Read(p []byte) (int, error) {
	if c.read >= c.half {
		deadline := time.Now().Add(20 * time.Second)
		for !c.waitFor() && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		c.started = c.waitFor()
		c.cancel()
		<-c.ctx.Done()
		return 0, c.ctx.Err()
	}
	n, err := c.r.Read(p[:min(int64(len(p)), c.half-c.read)])
	c.read += int64(n)
	return n, err
}

// TestCancelledUpload: a 64 MiB upload cancelled half way, of unknown then known size,
// leaves neither an object nor a pending multipart upload.
func TestCancelledUpload(t *testing.T) {
	env := needEnv(t)
	s := spawn(t, stsConfig(env))
	alice := caller(t, env, "alice")
	rootClient := root(t, env)
	const size = 64 << 20
	for _, announced := range []int64{-1, size} {
		t.Run(fmt.Sprintf("size=%d", announced), func(t *testing.T) {
			ref := sdk.ObjectRef{Bucket: "user-alice", Key: uniqueKey("cancel-") + "big.bin"}
			pending := func() bool {
				for u := range rootClient.ListIncompleteUploads(context.Background(), ref.Bucket, ref.Key, false) {
					if u.Err == nil && u.Key == ref.Key {
						return true
					}
				}
				return false
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			body := &cancellingBody{r: plugintest.NewRepeatReader(size), half: size / 2, waitFor: pending, cancel: cancel, ctx: ctx}
			_, err := s.Write(ctx, sdk.WriteObjectRequest{Caller: alice, Object: ref, Size: announced, Body: body})
			if err == nil {
				t.Fatal("Write cancelled half way: no error")
			}
			if !body.started {
				t.Error("no multipart upload was in progress when the upload was cancelled: the test proves nothing")
			}
			// The plugin aborts after the call returns: give it a moment.
			deadline := time.Now().Add(15 * time.Second)
			for pending() && time.Now().Before(deadline) {
				time.Sleep(100 * time.Millisecond)
			}
			if pending() {
				t.Errorf("a multipart upload of %s is still pending", ref.Key)
			}
			if _, err := rootClient.StatObject(context.Background(), ref.Bucket, ref.Key, minio.StatObjectOptions{}); minio.ToErrorResponse(err).Code != "NoSuchKey" {
				t.Errorf("Stat of the cancelled object: %v, want NoSuchKey", err)
			}
		})
	}
}

// TestServiceEndpoint: services get the store's address as they reach it (serviceEndpoint),
// and the keys handed with it work there.
func TestServiceEndpoint(t *testing.T) {
	env := needEnv(t)
	// The same MinIO under another name, as a pod would reach it at the bridge's address.
	serviceEndpoint := strings.Replace(env.S3Endpoint, "127.0.0.1", "localhost", 1)
	if serviceEndpoint == env.S3Endpoint {
		t.Fatalf("the test environment's S3 endpoint %s is not on 127.0.0.1", env.S3Endpoint)
	}
	ctx := t.Context()
	for name, cfg := range map[string]map[string]any{"sts": stsConfig(env), "static": staticConfig(env)} {
		t.Run(name, func(t *testing.T) {
			cfg["serviceEndpoint"] = serviceEndpoint + "/"
			s := spawn(t, cfg)
			alice := caller(t, env, "alice")
			resp, err := s.Credentials(ctx, sdk.CredentialsRequest{Caller: alice, Project: sdk.Project{ID: "user-alice"}})
			if err != nil {
				t.Fatalf("Credentials: %v", err)
			}
			if resp.Endpoint != serviceEndpoint {
				t.Fatalf("Credentials: endpoint %q, want the service endpoint %q", resp.Endpoint, serviceEndpoint)
			}
			// What a service does with them: write its home at the endpoint it was given.
			mc, err := minio.New(strings.TrimPrefix(resp.Endpoint, "http://"), &minio.Options{
				Creds:        credentials.NewStaticV4(resp.AccessKeyID, resp.SecretAccessKey, resp.SessionToken),
				Region:       resp.Region,
				BucketLookup: minio.BucketLookupPath,
			})
			if err != nil {
				t.Fatal(err)
			}
			key := uniqueKey("service-endpoint-") + "f"
			if _, err := mc.PutObject(ctx, resp.DefaultBucket, key, strings.NewReader("from a service"), 14, minio.PutObjectOptions{}); err != nil {
				t.Fatalf("writing %s/%s at %s: %v", resp.DefaultBucket, key, resp.Endpoint, err)
			}
			t.Cleanup(func() {
				_ = mc.RemoveObject(context.Background(), resp.DefaultBucket, key, minio.RemoveObjectOptions{})
			})
			// The plugin, at its own endpoint, sees what the service wrote.
			st, err := s.Stat(ctx, sdk.StatObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: resp.DefaultBucket, Key: key}})
			if err != nil || st.Object.Size != 14 {
				t.Errorf("Stat through the plugin: %+v, %v", st, err)
			}
		})
	}
}
