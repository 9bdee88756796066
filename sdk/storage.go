package sdk

import (
	"context"
	"io"
	"time"
)

// Storage is the contract of object stores (S3, local files). Objects live in buckets and are
// addressed by key; "folders" are key prefixes ending in "/".
type Storage interface {
	Plugin

	// Home returns where the caller's files for a project live.
	Home(ctx context.Context, req HomeRequest) (HomeResponse, error)
	// List returns one page of the objects and sub-folders directly under a prefix (or every
	// object under it when Recursive). Pages are bounded: a bucket is never listed whole.
	List(ctx context.Context, req ListObjectsRequest) (ListObjectsResponse, error)
	Stat(ctx context.Context, req StatObjectRequest) (StatObjectResponse, error)
	// Read streams an object, or a byte range of it. The caller closes Body.
	Read(ctx context.Context, req ReadObjectRequest) (ReadObjectResponse, error)
	// Write streams Body into an object. It is all or nothing: when Body fails or ctx is
	// cancelled, no object and no partial upload is left behind.
	Write(ctx context.Context, req WriteObjectRequest) (WriteObjectResponse, error)
	// Delete removes an object, or every object under a prefix when Recursive.
	Delete(ctx context.Context, req DeleteObjectRequest) (DeleteObjectResponse, error)
	Copy(ctx context.Context, req CopyObjectRequest) (CopyObjectResponse, error)
	// Presign returns a URL that allows one method on one object, without credentials, until
	// it expires.
	Presign(ctx context.Context, req PresignRequest) (PresignResponse, error)
	// SetPrefixPolicy makes a prefix public (anonymous read) or private again.
	SetPrefixPolicy(ctx context.Context, req SetPrefixPolicyRequest) (SetPrefixPolicyResponse, error)
	ListPublicPrefixes(ctx context.Context, req ListPublicPrefixesRequest) (ListPublicPrefixesResponse, error)
	// Credentials hands out credentials of the caller's own, to be injected into services.
	Credentials(ctx context.Context, req CredentialsRequest) (CredentialsResponse, error)
}

// ObjectRef names one object, or a prefix when Key ends in "/".
type ObjectRef struct {
	Bucket string
	Key    string
}

type ObjectInfo struct {
	Ref          ObjectRef
	Size         int64
	LastModified time.Time
	ETag         string
	ContentType  string
	Metadata     map[string]string
}

type HomeRequest struct {
	Caller  Caller
	Project Project
}

type HomeResponse struct {
	Home ObjectRef // the bucket and the key prefix ("" for a whole bucket)
}

type ListObjectsRequest struct {
	Caller    Caller
	Prefix    ObjectRef
	Recursive bool
	PageSize  int    // 0 lets the plugin choose; plugins cap it
	PageToken string // from the previous page's NextPageToken
}

type ListObjectsResponse struct {
	Objects       []ObjectInfo
	Folders       []ObjectRef // common prefixes, each ending in "/"
	NextPageToken string      // empty on the last page
}

type StatObjectRequest struct {
	Caller Caller
	Object ObjectRef
}

type StatObjectResponse struct {
	Object ObjectInfo
}

type ReadObjectRequest struct {
	Caller Caller
	Object ObjectRef
	Offset int64
	Length int64 // 0 reads to the end
}

type ReadObjectResponse struct {
	Object ObjectInfo
	Body   io.ReadCloser
}

type WriteObjectRequest struct {
	Caller      Caller
	Object      ObjectRef
	Size        int64 // -1 when unknown
	ContentType string
	Metadata    map[string]string
	Body        io.Reader
}

type WriteObjectResponse struct {
	Object ObjectInfo
}

type DeleteObjectRequest struct {
	Caller    Caller
	Object    ObjectRef
	Recursive bool
}

type DeleteObjectResponse struct {
	Deleted int64
}

type CopyObjectRequest struct {
	Caller      Caller
	Source      ObjectRef
	Destination ObjectRef
	// RemoveSource turns the copy into a move.
	RemoveSource bool
}

type CopyObjectResponse struct {
	Object ObjectInfo
}

type PresignRequest struct {
	Caller Caller
	Object ObjectRef
	Method string // "GET" or "PUT"
	Expiry time.Duration
	// ContentDisposition, for GET, is the Content-Disposition header the link's response
	// carries (S3's response-content-disposition), e.g. to download under the object's
	// name; empty: what the store sends by itself.
	ContentDisposition string
	// ContentType, for GET, is the Content-Type header the link's response carries (S3's
	// response-content-type), e.g. application/octet-stream so that a browser following
	// the link never runs the object; empty: the type the object was stored with.
	ContentType string
}

type PresignResponse struct {
	URL       string
	ExpiresAt time.Time
}

type SetPrefixPolicyRequest struct {
	Caller Caller
	Prefix ObjectRef
	Public bool
}

type SetPrefixPolicyResponse struct{}

type ListPublicPrefixesRequest struct {
	Caller Caller
	Bucket string
}

type ListPublicPrefixesResponse struct {
	Prefixes []ObjectRef
}

type CredentialsRequest struct {
	Caller   Caller
	Project  Project
	Duration time.Duration // 0 lets the plugin choose
}

// CredentialsResponse is what a service needs to reach the store as the caller (the launch
// context's s3 fields).
type CredentialsResponse struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time // zero for static keys
	Endpoint        string    // URL of the S3 API
	Region          string
	PathStyle       bool
	DefaultBucket   string
	DefaultPrefix   string
}
