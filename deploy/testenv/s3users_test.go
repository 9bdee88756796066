package testenv_test

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/basalt-dev/basalt/deploy/testenv"
)

// TestAddUserLimitedToItsBucket makes a MinIO user whose policy names one bucket, as make
// run's sandbox does for the local user (MinIO takes the user's secret only encrypted with the
// root's): its keys write and read that bucket and are refused the others.
func TestAddUserLimitedToItsBucket(t *testing.T) {
	env := testenv.Require(t)
	ctx := t.Context()
	root := env.RootS3()
	id := randomHex(4)
	own, other := "user-keys-"+id, "user-other-"+id
	for _, b := range []string{own, other} {
		if err := root.MakeBucket(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := root.PutPolicy(ctx, "keys-"+id, testenv.BucketsPolicy(own)); err != nil {
		t.Fatalf("PutPolicy: %v", err)
	}
	access, secret := "keys-"+id, randomHex(16)
	if err := root.AddUser(ctx, access, secret, "keys-"+id); err != nil {
		t.Fatalf("AddUser: %v", err)
	}
	user := env.S3(testenv.S3Credentials{AccessKey: access, SecretKey: secret})
	if err := user.PutObject(ctx, own, "notes.txt", []byte("mine")); err != nil {
		t.Errorf("the user writes its bucket: %v", err)
	}
	if got, err := user.GetObject(ctx, own, "notes.txt"); err != nil || string(got) != "mine" {
		t.Errorf("the user reads its bucket: %q, %v", got, err)
	}
	var denied *testenv.S3Error
	if err := user.PutObject(ctx, other, "notes.txt", []byte("theirs")); !errors.As(err, &denied) || denied.Code != "AccessDenied" {
		t.Errorf("the user writes another bucket: %v, want AccessDenied", err)
	}
	if _, err := user.GetObject(ctx, testenv.UserBucket("alice"), "anything"); !errors.As(err, &denied) || denied.Code != "AccessDenied" {
		t.Errorf("the user reads alice's bucket: %v, want AccessDenied", err)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
