// Package memory holds in-memory implementations of the four plugin contracts: small, honest
// and concurrency-safe, for the conformance kits and for the core's tests. Nothing survives
// the process.
package memory

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/basalt-dev/basalt/sdk"
)

// Version is the version every memory plugin reports.
const Version = "0.1.0"

// Storage is an object store in memory. Each user owns the bucket user-<username> and each
// group the bucket project-<group>; any other bucket is reported as not found, so a user
// cannot even learn that another's exists.
type Storage struct {
	mu       sync.RWMutex
	buckets  map[string]*bucket
	pageSize int
	key      []byte // signs presigned URLs
	// discard is a key prefix whose objects keep their size but not their bytes, and read
	// back as zeros: it lets benchmarks move large bodies through the plugin without
	// measuring the host's memory.
	discard string
}

type bucket struct {
	objects map[string]*object
	public  map[string]bool // prefixes open to anonymous reads
}

// object is immutable once stored: a write replaces it, so readers need no lock.
type object struct {
	data      []byte
	info      sdk.ObjectInfo
	discarded bool // data was not kept: the object reads as info.Size zeros
}

// NewStorage returns an empty store.
func NewStorage() *Storage {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return &Storage{buckets: map[string]*bucket{}, pageSize: 1000, key: key}
}

func (s *Storage) Info(context.Context, sdk.InfoRequest) (sdk.InfoResponse, error) {
	return sdk.InfoResponse{Kind: sdk.KindStorage, Name: "memory", Version: Version, ProtocolVersions: []int{sdk.ProtocolVersion}}, nil
}

const storageSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "In-memory object store",
  "type": "object",
  "properties": {
    "maxPageSize": {"type": "integer", "minimum": 1, "maximum": 10000, "description": "Largest page a listing returns."},
    "discardPrefix": {"type": "string", "minLength": 1, "description": "Objects whose key starts with it keep their size but not their bytes, and read as zeros (for benchmarks)."}
  },
  "additionalProperties": false
}`

func (s *Storage) ConfigSchema(context.Context, sdk.ConfigSchemaRequest) (sdk.ConfigSchemaResponse, error) {
	return sdk.ConfigSchemaResponse{Schema: []byte(storageSchema)}, nil
}

type storageConfig struct {
	MaxPageSize   int    `json:"maxPageSize"`
	DiscardPrefix string `json:"discardPrefix"`
}

func (s *Storage) Configure(_ context.Context, req sdk.ConfigureRequest) (sdk.ConfigureResponse, error) {
	var cfg storageConfig
	if err := decodeConfig(req.Config, &cfg); err != nil {
		return sdk.ConfigureResponse{}, err
	}
	if cfg.MaxPageSize < 0 || cfg.MaxPageSize > 10000 {
		return sdk.ConfigureResponse{}, sdk.InvalidFields("invalid configuration", sdk.FieldViolation{Field: "maxPageSize", Rule: "must be between 1 and 10000"})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cfg.MaxPageSize > 0 {
		s.pageSize = cfg.MaxPageSize
	}
	s.discard = cfg.DiscardPrefix
	return sdk.ConfigureResponse{}, nil
}

// decodeConfig decodes a plugin's configuration strictly: an unknown key is an error that
// names it. An empty configuration keeps the defaults.
func decodeConfig(raw []byte, into any) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return sdk.Errorf(sdk.ErrInvalidArgument, "invalid configuration: %v", err)
	}
	return nil
}

// bucketsOf returns the buckets the caller may use: their own and their groups'.
func bucketsOf(c sdk.Caller) []string {
	owned := []string{"user-" + c.Username}
	for _, g := range c.Groups {
		owned = append(owned, "project-"+g)
	}
	return owned
}

// bucketFor returns the bucket the caller may use, creating it on first use. s.mu must be
// held for writing when create is set.
func (s *Storage) bucketFor(c sdk.Caller, name string, create bool) (*bucket, error) {
	if c.Username == "" {
		return nil, sdk.Errorf(sdk.ErrUnauthenticated, "no caller")
	}
	if !slices.Contains(bucketsOf(c), name) {
		return nil, sdk.Errorf(sdk.ErrNotFound, "bucket %q not found", name)
	}
	b := s.buckets[name]
	if b == nil {
		if !create {
			return &bucket{}, nil // an owned bucket not used yet is empty
		}
		b = &bucket{objects: map[string]*object{}, public: map[string]bool{}}
		s.buckets[name] = b
	}
	return b, nil
}

func checkKey(ref sdk.ObjectRef) error {
	if ref.Key == "" || strings.HasSuffix(ref.Key, "/") || strings.HasPrefix(ref.Key, "/") || strings.ContainsRune(ref.Key, 0) {
		return sdk.InvalidFields("invalid object", sdk.FieldViolation{Field: "key", Rule: "must name an object: not empty, no leading or trailing /, no NUL"})
	}
	return nil
}

func (s *Storage) Home(_ context.Context, req sdk.HomeRequest) (sdk.HomeResponse, error) {
	if req.Caller.Username == "" {
		return sdk.HomeResponse{}, sdk.Errorf(sdk.ErrUnauthenticated, "no caller")
	}
	if req.Project.Personal() {
		return sdk.HomeResponse{Home: sdk.ObjectRef{Bucket: "user-" + req.Caller.Username}}, nil
	}
	if !slices.Contains(req.Caller.Groups, req.Project.Group) {
		return sdk.HomeResponse{}, sdk.Errorf(sdk.ErrNotFound, "project %q not found", req.Project.ID)
	}
	return sdk.HomeResponse{Home: sdk.ObjectRef{Bucket: "project-" + req.Project.Group}}, nil
}

func (s *Storage) List(_ context.Context, req sdk.ListObjectsRequest) (sdk.ListObjectsResponse, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.bucketFor(req.Caller, req.Prefix.Bucket, false)
	if err != nil {
		return sdk.ListObjectsResponse{}, err
	}
	size := req.PageSize
	if size <= 0 || size > s.pageSize {
		size = s.pageSize
	}
	// Entries are object keys and folder prefixes, in key order; a page token is the last
	// entry of the page before, so that a listing resumes where it stopped even when the
	// bucket changed in between.
	var entries []string
	folders := map[string]bool{}
	for key := range b.objects {
		if !strings.HasPrefix(key, req.Prefix.Key) {
			continue
		}
		entry := key
		if !req.Recursive {
			if i := strings.Index(key[len(req.Prefix.Key):], "/"); i >= 0 {
				entry = key[:len(req.Prefix.Key)+i+1]
				if folders[entry] {
					continue
				}
				folders[entry] = true
			}
		}
		if entry > req.PageToken {
			entries = append(entries, entry)
		}
	}
	slices.Sort(entries)
	var resp sdk.ListObjectsResponse
	if len(entries) > size {
		entries = entries[:size]
		resp.NextPageToken = entries[size-1]
	}
	for _, e := range entries {
		if folders[e] {
			resp.Folders = append(resp.Folders, sdk.ObjectRef{Bucket: req.Prefix.Bucket, Key: e})
		} else {
			resp.Objects = append(resp.Objects, b.objects[e].info)
		}
	}
	return resp, nil
}

func (s *Storage) lookup(c sdk.Caller, ref sdk.ObjectRef) (*object, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.bucketFor(c, ref.Bucket, false)
	if err != nil {
		return nil, err
	}
	o := b.objects[ref.Key]
	if o == nil {
		return nil, sdk.Errorf(sdk.ErrNotFound, "object %s/%s not found", ref.Bucket, ref.Key)
	}
	return o, nil
}

func (s *Storage) Stat(_ context.Context, req sdk.StatObjectRequest) (sdk.StatObjectResponse, error) {
	o, err := s.lookup(req.Caller, req.Object)
	if err != nil {
		return sdk.StatObjectResponse{}, err
	}
	return sdk.StatObjectResponse{Object: o.info}, nil
}

func (s *Storage) Read(_ context.Context, req sdk.ReadObjectRequest) (sdk.ReadObjectResponse, error) {
	o, err := s.lookup(req.Caller, req.Object)
	if err != nil {
		return sdk.ReadObjectResponse{}, err
	}
	size := o.info.Size
	if req.Offset < 0 || req.Length < 0 || (req.Offset > size) || (req.Offset == size && size > 0) {
		return sdk.ReadObjectResponse{}, sdk.Errorf(sdk.ErrInvalidArgument, "range %d+%d is outside an object of %d bytes", req.Offset, req.Length, size)
	}
	end := size
	if req.Length > 0 {
		end = min(size, req.Offset+req.Length)
	}
	if o.discarded {
		return sdk.ReadObjectResponse{Object: o.info, Body: io.NopCloser(&zeros{n: end - req.Offset})}, nil
	}
	return sdk.ReadObjectResponse{Object: o.info, Body: io.NopCloser(bytes.NewReader(o.data[req.Offset:end]))}, nil
}

func (s *Storage) Write(ctx context.Context, req sdk.WriteObjectRequest) (sdk.WriteObjectResponse, error) {
	if err := checkKey(req.Object); err != nil {
		return sdk.WriteObjectResponse{}, err
	}
	// Check access before reading a byte: a refused upload must not cost its body.
	s.mu.RLock()
	_, err := s.bucketFor(req.Caller, req.Object.Bucket, false)
	s.mu.RUnlock()
	if err != nil {
		return sdk.WriteObjectResponse{}, err
	}
	s.mu.RLock()
	discard := s.discard != "" && strings.HasPrefix(req.Object.Key, s.discard)
	s.mu.RUnlock()
	if discard {
		return s.writeDiscarded(ctx, req)
	}
	var buf bytes.Buffer
	if req.Size > 0 {
		// ReadFrom wants MinRead bytes free before each read, the last one (that meets the end)
		// included: without them it would double a buffer of exactly Size bytes.
		buf.Grow(int(req.Size) + bytes.MinRead)
	}
	// The body is read whole before anything is stored: a body that fails, or a call that is
	// cancelled, leaves nothing behind.
	if _, err := buf.ReadFrom(req.Body); err != nil {
		return sdk.WriteObjectResponse{}, fmt.Errorf("write %s/%s: %w", req.Object.Bucket, req.Object.Key, err)
	}
	if err := ctx.Err(); err != nil {
		return sdk.WriteObjectResponse{}, err
	}
	if req.Size >= 0 && int64(buf.Len()) != req.Size {
		return sdk.WriteObjectResponse{}, sdk.Errorf(sdk.ErrInvalidArgument, "write %s/%s: the body has %d bytes, the request announced %d", req.Object.Bucket, req.Object.Key, buf.Len(), req.Size)
	}
	data := buf.Bytes()
	sum := md5.Sum(data)
	o := &object{data: data, info: sdk.ObjectInfo{
		Ref: req.Object, Size: int64(len(data)), LastModified: time.Now().UTC(),
		ETag: hex.EncodeToString(sum[:]), ContentType: req.ContentType, Metadata: req.Metadata,
	}}
	return s.store(req, o)
}

// writeDiscarded consumes the body of an object under the discard prefix, keeping its size.
func (s *Storage) writeDiscarded(ctx context.Context, req sdk.WriteObjectRequest) (sdk.WriteObjectResponse, error) {
	n, err := io.Copy(io.Discard, req.Body)
	if err != nil {
		return sdk.WriteObjectResponse{}, fmt.Errorf("write %s/%s: %w", req.Object.Bucket, req.Object.Key, err)
	}
	if err := ctx.Err(); err != nil {
		return sdk.WriteObjectResponse{}, err
	}
	if req.Size >= 0 && n != req.Size {
		return sdk.WriteObjectResponse{}, sdk.Errorf(sdk.ErrInvalidArgument, "write %s/%s: the body has %d bytes, the request announced %d", req.Object.Bucket, req.Object.Key, n, req.Size)
	}
	return s.store(req, &object{discarded: true, info: sdk.ObjectInfo{
		Ref: req.Object, Size: n, LastModified: time.Now().UTC(),
		ETag: fmt.Sprintf("discarded-%d", n), ContentType: req.ContentType, Metadata: req.Metadata,
	}})
}

func (s *Storage) store(req sdk.WriteObjectRequest, o *object) (sdk.WriteObjectResponse, error) {
	if o.info.ContentType == "" {
		o.info.ContentType = "application/octet-stream"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucketFor(req.Caller, req.Object.Bucket, true)
	if err != nil {
		return sdk.WriteObjectResponse{}, err
	}
	b.objects[req.Object.Key] = o
	return sdk.WriteObjectResponse{Object: o.info}, nil
}

// zeros reads as n zero bytes.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n == 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), z.n)]
	clear(p)
	z.n -= int64(len(p))
	return len(p), nil
}

func (s *Storage) Delete(_ context.Context, req sdk.DeleteObjectRequest) (sdk.DeleteObjectResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucketFor(req.Caller, req.Object.Bucket, true)
	if err != nil {
		return sdk.DeleteObjectResponse{}, err
	}
	if !req.Recursive {
		if _, ok := b.objects[req.Object.Key]; !ok {
			return sdk.DeleteObjectResponse{}, nil // already gone
		}
		delete(b.objects, req.Object.Key)
		return sdk.DeleteObjectResponse{Deleted: 1}, nil
	}
	var n int64
	for key := range b.objects {
		if strings.HasPrefix(key, req.Object.Key) {
			delete(b.objects, key)
			n++
		}
	}
	return sdk.DeleteObjectResponse{Deleted: n}, nil
}

func (s *Storage) Copy(_ context.Context, req sdk.CopyObjectRequest) (sdk.CopyObjectResponse, error) {
	if err := checkKey(req.Destination); err != nil {
		return sdk.CopyObjectResponse{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	src, err := s.bucketFor(req.Caller, req.Source.Bucket, true)
	if err != nil {
		return sdk.CopyObjectResponse{}, err
	}
	o := src.objects[req.Source.Key]
	if o == nil {
		return sdk.CopyObjectResponse{}, sdk.Errorf(sdk.ErrNotFound, "object %s/%s not found", req.Source.Bucket, req.Source.Key)
	}
	dst, err := s.bucketFor(req.Caller, req.Destination.Bucket, true)
	if err != nil {
		return sdk.CopyObjectResponse{}, err
	}
	info := o.info
	info.Ref, info.LastModified = req.Destination, time.Now().UTC()
	dst.objects[req.Destination.Key] = &object{data: o.data, info: info, discarded: o.discarded}
	if req.RemoveSource && req.Source != req.Destination {
		delete(src.objects, req.Source.Key)
	}
	return sdk.CopyObjectResponse{Object: info}, nil
}

// MaxPresignExpiry is the longest validity of a presigned URL, as on S3.
const MaxPresignExpiry = 7 * 24 * time.Hour

func (s *Storage) Presign(_ context.Context, req sdk.PresignRequest) (sdk.PresignResponse, error) {
	if req.Method != "GET" && req.Method != "PUT" {
		return sdk.PresignResponse{}, sdk.InvalidFields("invalid presign request", sdk.FieldViolation{Field: "method", Rule: "must be GET or PUT"})
	}
	if req.Expiry <= 0 || req.Expiry > MaxPresignExpiry {
		return sdk.PresignResponse{}, sdk.InvalidFields("invalid presign request", sdk.FieldViolation{Field: "expiry", Rule: "must be positive and at most 7 days"})
	}
	if err := checkKey(req.Object); err != nil {
		return sdk.PresignResponse{}, err
	}
	s.mu.RLock()
	_, err := s.bucketFor(req.Caller, req.Object.Bucket, false)
	s.mu.RUnlock()
	if err != nil {
		return sdk.PresignResponse{}, err
	}
	expires := time.Now().Add(req.Expiry).Truncate(time.Second)
	u := url.URL{Scheme: "memory", Path: "/" + req.Object.Bucket + "/" + req.Object.Key}
	q := url.Values{"method": {req.Method}, "expires": {strconv.FormatInt(expires.Unix(), 10)}}
	q.Set("signature", s.sign(u.Path, q))
	u.RawQuery = q.Encode()
	return sdk.PresignResponse{URL: u.String(), ExpiresAt: expires}, nil
}

func (s *Storage) sign(path string, q url.Values) string {
	mac := hmac.New(sha256.New, s.key)
	fmt.Fprintf(mac, "%s\n%s\n%s", q.Get("method"), path, q.Get("expires"))
	return hex.EncodeToString(mac.Sum(nil))
}

// VerifyPresigned checks a URL that Presign returned and says which object and method it
// allows. It fails once the URL has expired or if any part of it was changed.
func (s *Storage) VerifyPresigned(rawURL string, now time.Time) (sdk.ObjectRef, string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "memory" {
		return sdk.ObjectRef{}, "", sdk.Errorf(sdk.ErrInvalidArgument, "not a presigned URL of this store")
	}
	q := u.Query()
	if !hmac.Equal([]byte(q.Get("signature")), []byte(s.sign(u.Path, q))) {
		return sdk.ObjectRef{}, "", sdk.Errorf(sdk.ErrPermissionDenied, "bad signature")
	}
	expires, err := strconv.ParseInt(q.Get("expires"), 10, 64)
	if err != nil || !now.Before(time.Unix(expires, 0)) {
		return sdk.ObjectRef{}, "", sdk.Errorf(sdk.ErrPermissionDenied, "the URL has expired")
	}
	bucket, key, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
	return sdk.ObjectRef{Bucket: bucket, Key: key}, q.Get("method"), nil
}

func (s *Storage) SetPrefixPolicy(_ context.Context, req sdk.SetPrefixPolicyRequest) (sdk.SetPrefixPolicyResponse, error) {
	if req.Prefix.Key != "" && !strings.HasSuffix(req.Prefix.Key, "/") {
		return sdk.SetPrefixPolicyResponse{}, sdk.InvalidFields("invalid prefix", sdk.FieldViolation{Field: "prefix.key", Rule: "must end in /"})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucketFor(req.Caller, req.Prefix.Bucket, true)
	if err != nil {
		return sdk.SetPrefixPolicyResponse{}, err
	}
	if req.Public {
		b.public[req.Prefix.Key] = true
	} else {
		delete(b.public, req.Prefix.Key)
	}
	return sdk.SetPrefixPolicyResponse{}, nil
}

func (s *Storage) ListPublicPrefixes(_ context.Context, req sdk.ListPublicPrefixesRequest) (sdk.ListPublicPrefixesResponse, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.bucketFor(req.Caller, req.Bucket, false)
	if err != nil {
		return sdk.ListPublicPrefixesResponse{}, err
	}
	var resp sdk.ListPublicPrefixesResponse
	for prefix := range b.public {
		resp.Prefixes = append(resp.Prefixes, sdk.ObjectRef{Bucket: req.Bucket, Key: prefix})
	}
	slices.SortFunc(resp.Prefixes, func(a, b sdk.ObjectRef) int { return strings.Compare(a.Key, b.Key) })
	return resp, nil
}

// Credentials is not offered: nothing outside this process can reach the store.
func (s *Storage) Credentials(context.Context, sdk.CredentialsRequest) (sdk.CredentialsResponse, error) {
	return sdk.CredentialsResponse{}, sdk.Errorf(sdk.ErrUnimplemented, "the memory store has no endpoint a service could reach")
}

var _ sdk.Storage = (*Storage)(nil)
