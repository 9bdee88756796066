package testenv

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// BucketsPolicy is a MinIO policy document granting every action on the buckets and their
// objects, and listing bucket names.
func BucketsPolicy(buckets ...string) []byte {
	var resources []string
	for _, b := range buckets {
		resources = append(resources, "arn:aws:s3:::"+b, "arn:aws:s3:::"+b+"/*")
	}
	doc, _ := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{
			{"Effect": "Allow", "Action": []string{"s3:*"}, "Resource": resources},
			{"Effect": "Allow", "Action": []string{"s3:ListAllMyBuckets", "s3:GetBucketLocation"}, "Resource": []string{"arn:aws:s3:::*"}},
		},
	})
	return doc
}

// PutPolicy stores a canned policy under name (MinIO's admin API; c must act as root).
func (c *S3Client) PutPolicy(ctx context.Context, name string, doc []byte) error {
	_, err := c.Do(ctx, http.MethodPut, "/minio/admin/v3/add-canned-policy", url.Values{"name": {name}}, doc)
	return err
}

// AddUser makes a MinIO user with these keys and the canned policy named policy as its only
// rights (MinIO's admin API; c must act as root). Adding a user that exists sets its secret.
func (c *S3Client) AddUser(ctx context.Context, accessKey, secretKey, policy string) error {
	plain, _ := json.Marshal(map[string]string{"secretKey": secretKey, "status": "enabled"})
	body, err := encryptAdminBody(c.Credentials.SecretKey, plain)
	if err != nil {
		return err
	}
	if _, err := c.Do(ctx, http.MethodPut, "/minio/admin/v3/add-user", url.Values{"accessKey": {accessKey}}, body); err != nil {
		return fmt.Errorf("adding the user %s: %w", accessKey, err)
	}
	q := url.Values{"policyName": {policy}, "userOrGroup": {accessKey}, "isGroup": {"false"}}
	if _, err := c.Do(ctx, http.MethodPut, "/minio/admin/v3/set-user-or-group-policy", q, nil); err != nil {
		return fmt.Errorf("giving the user %s the policy %s: %w", accessKey, policy, err)
	}
	return nil
}

// encryptAdminBody encrypts a body as MinIO's admin API requires for secrets (madmin's
// EncryptData, in the variant the standard library can make): a 32-byte salt; the
// algorithm's id, 2 (a key from PBKDF2-SHA256 of the caller's secret key, 8192 rounds, for
// AES-256-GCM); an 8-byte nonce; then the text as the single, final fragment of a sio
// stream. Each fragment's nonce is that nonce and its little-endian sequence number; the
// stream's header is the tag of nothing under number 0, which the final fragment
// authenticates behind the flag 0x80, under number 1.
func encryptAdminBody(secret string, plain []byte) ([]byte, error) {
	const fragment = 1 << 14 // sio's fragment size: more would need several
	if len(plain) > fragment {
		return nil, errors.New("an admin request body of more than 16 KiB")
	}
	salt := make([]byte, 32)
	nonce := make([]byte, 8)
	_, _ = rand.Read(salt)
	_, _ = rand.Read(nonce)
	key, err := pbkdf2.Key(sha256.New, secret, salt, 8192, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	numbered := func(n uint32) []byte {
		out := make([]byte, gcm.NonceSize())
		copy(out, nonce)
		binary.LittleEndian.PutUint32(out[len(nonce):], n)
		return out
	}
	final := append([]byte{0x80}, gcm.Seal(nil, numbered(0), nil, nil)...)
	out := append(append(append([]byte{}, salt...), 2), nonce...)
	return gcm.Seal(out, numbered(1), plain, final), nil
}
