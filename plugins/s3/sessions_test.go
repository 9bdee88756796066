package s3_test

import (
	"context"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk"
)

// TestSessionsFollowTheToken: the plugin's cache of STS sessions is keyed by the ID token,
// not by the name the core sends: once alice's session is cached, a call naming alice with
// bob's token acts as bob (and is refused alice's home), and one with a forged token gets
// nothing.
func TestSessionsFollowTheToken(t *testing.T) {
	env := needEnv(t)
	s := spawn(t, stsConfig(env))
	alice, bob := caller(t, env, "alice"), caller(t, env, "bob")
	ctx := t.Context()
	ref := sdk.ObjectRef{Bucket: "user-alice", Key: uniqueKey("token-keyed-") + "secret.txt"}
	if _, err := s.Write(ctx, sdk.WriteObjectRequest{Caller: alice, Object: ref, Size: 6, Body: strings.NewReader("secret")}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = s.Delete(context.Background(), sdk.DeleteObjectRequest{Caller: alice, Object: ref}) })
	if _, err := s.Stat(ctx, sdk.StatObjectRequest{Caller: alice, Object: ref}); err != nil {
		t.Fatalf("alice's own Stat, with her session cached: %v", err)
	}

	withBobsToken := alice
	withBobsToken.IDToken = bob.IDToken
	_, err := s.Stat(ctx, sdk.StatObjectRequest{Caller: withBobsToken, Object: ref})
	if err == nil {
		t.Error("a call naming alice with bob's ID token read alice's object: it got her cached session")
	}
	got, err := s.Read(ctx, sdk.ReadObjectRequest{Caller: withBobsToken, Object: ref})
	if err == nil {
		got.Body.Close()
		t.Error("a call naming alice with bob's ID token read alice's object")
	}
	// Credentials hand out what the token gets: bob's keys, which MinIO keeps out of alice's bucket.
	creds, err := s.Credentials(ctx, sdk.CredentialsRequest{Caller: withBobsToken, Project: sdk.Project{ID: "user-alice"}})
	if err == nil {
		mc := direct(t, env, testenv.S3Credentials{AccessKey: creds.AccessKeyID, SecretKey: creds.SecretAccessKey, SessionToken: creds.SessionToken})
		_, err = mc.StatObject(ctx, ref.Bucket, ref.Key, minio.StatObjectOptions{})
		wantDenied(t, "the credentials handed to a call naming alice with bob's token, on alice's object,", err)
	}

	for _, forged := range []string{"not.a.token", ""} {
		c := alice
		c.IDToken = forged
		_, err := s.Stat(ctx, sdk.StatObjectRequest{Caller: c, Object: ref})
		wantKind(t, "Stat naming alice with the ID token "+`"`+forged+`"`, err, sdk.ErrUnauthenticated)
		_, err = s.Credentials(ctx, sdk.CredentialsRequest{Caller: c, Project: sdk.Project{ID: "user-alice"}})
		wantKind(t, "Credentials naming alice with the ID token "+`"`+forged+`"`, err, sdk.ErrUnauthenticated)
	}
}
