package testenv

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// S3Credentials are an access key, as MinIO's root or as an STS session.
type S3Credentials struct {
	AccessKey    string
	SecretKey    string
	SessionToken string // empty for long-lived keys
	Expiration   time.Time
}

// AssumeRoleWithWebIdentity trades an ID token for temporary S3 credentials
// through MinIO's STS; the token's "policy" claim decides what they allow.
func (e *Env) AssumeRoleWithWebIdentity(ctx context.Context, idToken string) (S3Credentials, error) {
	form := url.Values{
		"Action":           {"AssumeRoleWithWebIdentity"},
		"Version":          {"2011-06-15"},
		"WebIdentityToken": {idToken},
		"DurationSeconds":  {"3600"},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.S3Endpoint+"/", strings.NewReader(form.Encode()))
	if err != nil {
		return S3Credentials{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return S3Credentials{}, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return S3Credentials{}, fmt.Errorf("testenv: AssumeRoleWithWebIdentity: %s: %s", resp.Status, body)
	}
	var out struct {
		Result struct {
			Credentials struct {
				AccessKeyID     string    `xml:"AccessKeyId"`
				SecretAccessKey string    `xml:"SecretAccessKey"`
				SessionToken    string    `xml:"SessionToken"`
				Expiration      time.Time `xml:"Expiration"`
			} `xml:"Credentials"`
		} `xml:"AssumeRoleWithWebIdentityResult"`
	}
	if err := xml.Unmarshal(body, &out); err != nil {
		return S3Credentials{}, fmt.Errorf("testenv: AssumeRoleWithWebIdentity: %w", err)
	}
	c := out.Result.Credentials
	return S3Credentials{AccessKey: c.AccessKeyID, SecretKey: c.SecretAccessKey, SessionToken: c.SessionToken, Expiration: c.Expiration}, nil
}

// S3 returns a client of the environment's MinIO acting with creds.
func (e *Env) S3(creds S3Credentials) *S3Client {
	return &S3Client{Endpoint: e.S3Endpoint, Region: e.S3Region, Credentials: creds}
}

// RootS3 returns a client acting as MinIO's root user.
func (e *Env) RootS3() *S3Client {
	return e.S3(S3Credentials{AccessKey: e.S3AccessKey, SecretKey: e.S3SecretKey})
}

// S3Client is the few S3 calls the environment and its tests need, signed
// with AWS Signature Version 4, in path style.
type S3Client struct {
	Endpoint    string
	Region      string
	Credentials S3Credentials
}

// S3Error is an error answer of the S3 server.
type S3Error struct {
	Status  int
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

func (e *S3Error) Error() string {
	return fmt.Sprintf("s3: %d %s: %s", e.Status, e.Code, e.Message)
}

// PutObject writes an object.
func (c *S3Client) PutObject(ctx context.Context, bucket, key string, body []byte) error {
	_, err := c.Do(ctx, http.MethodPut, "/"+bucket+"/"+key, nil, body)
	return err
}

// GetObject reads an object.
func (c *S3Client) GetObject(ctx context.Context, bucket, key string) ([]byte, error) {
	return c.Do(ctx, http.MethodGet, "/"+bucket+"/"+key, nil, nil)
}

// MakeBucket creates a bucket; one that exists already is no error.
func (c *S3Client) MakeBucket(ctx context.Context, bucket string) error {
	_, err := c.Do(ctx, http.MethodPut, "/"+bucket, nil, nil)
	if se, ok := err.(*S3Error); ok && (se.Code == "BucketAlreadyOwnedByYou" || se.Code == "BucketAlreadyExists") {
		return nil
	}
	return err
}

// Do sends a signed request and returns the body of a 2xx answer, or an
// *S3Error.
func (c *S3Client) Do(ctx context.Context, method, path string, query url.Values, body []byte) ([]byte, error) {
	u := c.Endpoint + uriEncode(path, false)
	if len(query) > 0 {
		u += "?" + canonicalQuery(query)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	c.sign(req, body, time.Now().UTC())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		se := &S3Error{Status: resp.StatusCode}
		// S3 calls answer errors in XML, MinIO's admin API in JSON.
		if xml.Unmarshal(data, se) != nil && json.Unmarshal(data, se) != nil {
			se.Message = string(data)
		}
		return nil, se
	}
	return data, nil
}

func (c *S3Client) sign(req *http.Request, body []byte, now time.Time) {
	payload := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(payload[:])
	amzDate := now.Format("20060102T150405Z")
	day := now.Format("20060102")
	req.Header.Set("X-Amz-Date", amzDate)
	req.Header.Set("X-Amz-Content-Sha256", payloadHash)
	if c.Credentials.SessionToken != "" {
		req.Header.Set("X-Amz-Security-Token", c.Credentials.SessionToken)
	}
	headers := map[string]string{"host": req.URL.Host}
	for k, v := range req.Header {
		if lk := strings.ToLower(k); strings.HasPrefix(lk, "x-amz-") || lk == "content-type" {
			headers[lk] = strings.TrimSpace(strings.Join(v, ","))
		}
	}
	names := make([]string, 0, len(headers))
	for k := range headers {
		names = append(names, k)
	}
	sort.Strings(names)
	var canonHeaders strings.Builder
	for _, k := range names {
		canonHeaders.WriteString(k + ":" + headers[k] + "\n")
	}
	signed := strings.Join(names, ";")
	canonical := strings.Join([]string{
		req.Method,
		uriEncode(req.URL.Path, false),
		canonicalQuery(req.URL.Query()),
		canonHeaders.String(),
		signed,
		payloadHash,
	}, "\n")
	scope := day + "/" + c.Region + "/s3/aws4_request"
	sum := sha256.Sum256([]byte(canonical))
	toSign := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
	key := []byte("AWS4" + c.Credentials.SecretKey)
	for _, part := range []string{day, c.Region, "s3", "aws4_request"} {
		key = hmacSHA256(key, part)
	}
	sig := hex.EncodeToString(hmacSHA256(key, toSign))
	req.Header.Set("Authorization", fmt.Sprintf("AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s",
		c.Credentials.AccessKey, scope, signed, sig))
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

func canonicalQuery(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		vs := append([]string(nil), q[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			parts = append(parts, uriEncode(k, true)+"="+uriEncode(v, true))
		}
	}
	return strings.Join(parts, "&")
}

// uriEncode percent-encodes everything but RFC 3986's unreserved characters,
// and '/' too unless encodeSlash, as Signature Version 4 asks.
func uriEncode(s string, encodeSlash bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case 'A' <= ch && ch <= 'Z', 'a' <= ch && ch <= 'z', '0' <= ch && ch <= '9',
			ch == '-', ch == '_', ch == '.', ch == '~', ch == '/' && !encodeSlash:
			b.WriteByte(ch)
		default:
			fmt.Fprintf(&b, "%%%02X", ch)
		}
	}
	return b.String()
}
