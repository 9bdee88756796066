// Command basalt-plugin-webdav is Basalt's storage on a WebDAV server, written as a plugin
// outside Basalt's repository would be: a bucket is a collection under the configured root
// (user-alice, project-team), an object a file in it, with its content type and metadata in a
// property of its own.
package main

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/configschema"
	"github.com/basalt-dev/basalt/sdk/pluginbase"
	"github.com/basalt-dev/basalt/sdk/pluginrpc"
)

//go:embed schema.json
var schemaDoc []byte

var schema = configschema.MustCompile(schemaDoc)

// Config is the configuration section; schema.json holds its defaults and bounds.
type Config struct {
	URL, Username, Password string
	UserPrefix, GroupPrefix string
	MaxPageSize             int
}

// Store serves sdk.Storage on the live Config.
type Store struct{ *pluginbase.Base[*Config] }

func main() { pluginrpc.ServeStorage(New()) }

func New() *Store {
	return &Store{pluginbase.New(sdk.InfoResponse{Kind: sdk.KindStorage, Name: "webdav", Version: "0.1.0"}, schema, parseConfig)}
}

// parseConfig leaves the defaults and bounds to the schema and checks the rule it cannot say.
func parseConfig(_ context.Context, raw []byte) (*Config, error) {
	var c Config
	bad, err := schema.Decode(raw, &c)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(c.UserPrefix, c.GroupPrefix) || strings.HasPrefix(c.GroupPrefix, c.UserPrefix) {
		bad.Add("groupPrefix", "neither prefix may start the other, or a user could own a group's bucket")
	}
	c.URL = strings.TrimSuffix(c.URL, "/")
	return &c, bad.Err("invalid configuration")
}

func (s *Store) Home(_ context.Context, req sdk.HomeRequest) (sdk.HomeResponse, error) {
	c, err := s.Live()
	if err != nil {
		return sdk.HomeResponse{}, err
	}
	home := sdk.ObjectRef{Bucket: c.UserPrefix + req.Caller.Username}
	if !req.Project.Personal() {
		home.Bucket = c.GroupPrefix + req.Project.Group
	}
	_, err = s.open(req.Caller, home)
	return sdk.HomeResponse{Home: home}, err
}

// open returns the live Config once every ref lies in one of the caller's buckets.
func (s *Store) open(caller sdk.Caller, refs ...sdk.ObjectRef) (*Config, error) {
	c, err := s.Live()
	for _, r := range refs {
		if err != nil {
			break
		}
		group, isGroup := strings.CutPrefix(r.Bucket, c.GroupPrefix)
		mine := caller.Username != "" && r.Bucket == c.UserPrefix+caller.Username
		if strings.Contains(r.Bucket, "/") || !mine && !(isGroup && slices.Contains(caller.Groups, group)) {
			err = sdk.Errorf(sdk.ErrNotFound, "bucket %q not found", r.Bucket)
		} else if r.Key != "" && slices.ContainsFunc(strings.Split(strings.TrimSuffix(r.Key, "/"), "/"), badName) {
			err = sdk.Errorf(sdk.ErrInvalidArgument, "%q is not a key: empty, . or .. names are not", r.Key)
		}
	}
	return c, err
}

// tempPrefix starts the name of a file being written; no key may use it, listings skip it.
const tempPrefix = ".basalt-upload-"

func badName(n string) bool {
	return n == "" || n == "." || n == ".." || strings.HasPrefix(n, tempPrefix)
}

// List lists every file under the prefix's folder at once (PROPFIND with Depth: infinity) and
// pages through them by key; a non-recursive listing shows a folder for the files below one.
func (s *Store) List(ctx context.Context, req sdk.ListObjectsRequest) (sdk.ListObjectsResponse, error) {
	c, err := s.open(req.Caller, req.Prefix)
	if err != nil {
		return sdk.ListObjectsResponse{}, err
	}
	folder := sdk.ObjectRef{Bucket: req.Prefix.Bucket, Key: req.Prefix.Key[:strings.LastIndex(req.Prefix.Key, "/")+1]}
	files, err := c.find(ctx, folder, "infinity")
	size, resp := c.MaxPageSize, sdk.ListObjectsResponse{}
	if req.PageSize > 0 {
		size = min(req.PageSize, size)
	}
	for _, o := range files {
		rest, under := strings.CutPrefix(o.Ref.Key, req.Prefix.Key)
		if i := strings.Index(rest, "/"); i >= 0 && !req.Recursive {
			o.Ref.Key = req.Prefix.Key + rest[:i+1]
		}
		// NextPageToken holds the last key listed, and stays only when the page is full.
		switch last := max(req.PageToken, resp.NextPageToken); {
		case !under || o.Ref.Key <= last:
		case len(resp.Objects)+len(resp.Folders) == size:
			return resp, nil
		case strings.HasSuffix(o.Ref.Key, "/"):
			resp.Folders, resp.NextPageToken = append(resp.Folders, o.Ref), o.Ref.Key
		default:
			resp.Objects, resp.NextPageToken = append(resp.Objects, o), o.Ref.Key
		}
	}
	resp.NextPageToken = ""
	return resp, err
}

func (s *Store) Stat(ctx context.Context, req sdk.StatObjectRequest) (sdk.StatObjectResponse, error) {
	c, err := s.open(req.Caller, req.Object)
	if err != nil {
		return sdk.StatObjectResponse{}, err
	}
	o, err := c.stat(ctx, req.Object)
	return sdk.StatObjectResponse{Object: o}, err
}

func (s *Store) Read(ctx context.Context, req sdk.ReadObjectRequest) (sdk.ReadObjectResponse, error) {
	c, err := s.open(req.Caller, req.Object)
	if err != nil {
		return sdk.ReadObjectResponse{}, err
	}
	o, err := c.stat(ctx, req.Object)
	byteRange := fmt.Sprintf("bytes=%d-", req.Offset)
	if req.Length > 0 {
		byteRange += fmt.Sprint(req.Offset + req.Length - 1)
	}
	var resp *http.Response
	if err == nil {
		resp, err = c.do(ctx, "GET", req.Object, nil, "Range", byteRange)
	}
	if err != nil {
		return sdk.ReadObjectResponse{}, err
	}
	return sdk.ReadObjectResponse{Object: o, Body: resp.Body}, nil
}

// Write sends the body to a temporary file beside the object and moves it over the object once
// whole, so that a write that fails or is cancelled leaves nothing behind and the old content.
func (s *Store) Write(ctx context.Context, req sdk.WriteObjectRequest) (sdk.WriteObjectResponse, error) {
	c, err := s.open(req.Caller, req.Object)
	if err != nil {
		return sdk.WriteObjectResponse{}, err
	}
	dir, _ := path.Split(req.Object.Key)
	temp := sdk.ObjectRef{Bucket: req.Object.Bucket, Key: dir + tempPrefix + rand.Text()}
	defer c.call(context.WithoutCancel(ctx), "DELETE", temp, nil) // when the move did not happen
	info, _ := json.Marshal(struct {
		ContentType string `json:",omitempty"`
		Metadata    map[string]string
	}{req.ContentType, req.Metadata})
	set := `<propertyupdate xmlns="DAV:"><set><prop><info xmlns="` + infoNS + `">` + html.EscapeString(string(info)) + `</info></prop></set></propertyupdate>`
	for _, step := range []func() error{
		func() error { return c.mkdirs(ctx, req.Object) },
		func() error { return c.call(ctx, "PUT", temp, req.Body) },
		func() error { return c.call(ctx, "PROPPATCH", temp, strings.NewReader(set)) },
		func() error {
			return c.call(ctx, "MOVE", temp, nil, "Destination", c.url(req.Object), "Overwrite", "T")
		},
	} {
		if err := step(); err != nil {
			return sdk.WriteObjectResponse{}, err
		}
	}
	o, err := c.stat(ctx, req.Object)
	return sdk.WriteObjectResponse{Object: o}, err
}

func (s *Store) Delete(ctx context.Context, req sdk.DeleteObjectRequest) (sdk.DeleteObjectResponse, error) {
	c, err := s.open(req.Caller, req.Object)
	if err != nil {
		return sdk.DeleteObjectResponse{}, err
	}
	gone := []sdk.ObjectInfo{{Ref: req.Object}}
	if req.Recursive {
		gone, err = c.find(ctx, req.Object, "infinity")
	}
	if err == nil {
		err = c.call(ctx, "DELETE", req.Object, nil)
	}
	if errors.Is(err, sdk.ErrNotFound) {
		return sdk.DeleteObjectResponse{}, nil // gone already
	}
	return sdk.DeleteObjectResponse{Deleted: int64(len(gone))}, err
}

func (s *Store) Copy(ctx context.Context, req sdk.CopyObjectRequest) (sdk.CopyObjectResponse, error) {
	c, err := s.open(req.Caller, req.Source, req.Destination)
	if err == nil {
		err = c.mkdirs(ctx, req.Destination)
	}
	if method := "COPY"; err == nil {
		if req.RemoveSource {
			method = "MOVE"
		}
		err = c.call(ctx, method, req.Source, nil, "Destination", c.url(req.Destination), "Overwrite", "T")
	}
	if err != nil {
		return sdk.CopyObjectResponse{}, err
	}
	o, err := c.stat(ctx, req.Destination)
	return sdk.CopyObjectResponse{Object: o}, err
}

var errNoKeys = sdk.Errorf(sdk.ErrUnimplemented, "a WebDAV store has no signed links, public prefixes or keys of a user's own")

func (*Store) Presign(context.Context, sdk.PresignRequest) (sdk.PresignResponse, error) {
	return sdk.PresignResponse{}, errNoKeys
}

func (*Store) SetPrefixPolicy(context.Context, sdk.SetPrefixPolicyRequest) (sdk.SetPrefixPolicyResponse, error) {
	return sdk.SetPrefixPolicyResponse{}, errNoKeys
}

func (*Store) ListPublicPrefixes(context.Context, sdk.ListPublicPrefixesRequest) (sdk.ListPublicPrefixesResponse, error) {
	return sdk.ListPublicPrefixesResponse{}, errNoKeys
}

func (*Store) Credentials(context.Context, sdk.CredentialsRequest) (sdk.CredentialsResponse, error) {
	return sdk.CredentialsResponse{}, errNoKeys
}

// infoNS is the namespace of the property that holds an object's content type and metadata.
const infoNS = "https://basalt.dev/ns/webdav"

// find returns the files at ref, which a folder holds down to depth ("0": ref itself), sorted
// by key. A folder not made yet holds nothing.
func (c *Config) find(ctx context.Context, ref sdk.ObjectRef, depth string) ([]sdk.ObjectInfo, error) {
	resp, err := c.do(ctx, "PROPFIND", ref, nil, "Depth", depth)
	if errors.Is(err, sdk.ErrNotFound) && depth != "0" {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var answer struct {
		Files []struct {
			Href string `xml:"href"`
			Prop struct {
				Size       int64     `xml:"getcontentlength"`
				Modified   string    `xml:"getlastmodified"`
				ETag       string    `xml:"getetag"`
				Type       string    `xml:"getcontenttype"`
				Collection *struct{} `xml:"resourcetype>collection"`
				Info       string    `xml:"https://basalt.dev/ns/webdav info"`
			} `xml:"propstat>prop"`
		} `xml:"response"`
	}
	if err := xml.NewDecoder(resp.Body).Decode(&answer); err != nil {
		return nil, sdk.Errorf(sdk.ErrUnavailable, "webdav: PROPFIND %s: %v", ref.Key, err)
	}
	root, _ := url.Parse(c.URL)
	var files []sdk.ObjectInfo
	for _, f := range answer.Files {
		href, _ := url.Parse(f.Href)
		bucket, key, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(href.Path, root.Path), "/"), "/")
		if f.Prop.Collection == nil && !strings.HasPrefix(path.Base(key), tempPrefix) {
			o := sdk.ObjectInfo{Ref: sdk.ObjectRef{Bucket: bucket, Key: key}, Size: f.Prop.Size, ETag: f.Prop.ETag, ContentType: f.Prop.Type}
			o.LastModified, _ = http.ParseTime(f.Prop.Modified)
			_ = json.Unmarshal([]byte(f.Prop.Info), &o) // the content type and metadata Write set
			files = append(files, o)
		}
	}
	slices.SortFunc(files, func(a, b sdk.ObjectInfo) int { return strings.Compare(a.Ref.Key, b.Ref.Key) })
	return files, nil
}

func (c *Config) stat(ctx context.Context, ref sdk.ObjectRef) (sdk.ObjectInfo, error) {
	files, err := c.find(ctx, ref, "0")
	if err == nil && len(files) == 0 {
		err = sdk.Errorf(sdk.ErrNotFound, "%q is a folder, not an object", ref.Key)
	}
	if err != nil {
		return sdk.ObjectInfo{}, err
	}
	return files[0], nil
}

// mkdirs makes the bucket's collection and the folders of ref's key that are missing.
func (c *Config) mkdirs(ctx context.Context, ref sdk.ObjectRef) error {
	folder := sdk.ObjectRef{Bucket: ref.Bucket}
	for name := range strings.SplitSeq(ref.Key, "/") {
		if err := c.call(ctx, "MKCOL", folder, nil); err != nil && !errors.Is(err, sdk.ErrAlreadyExists) {
			return err
		}
		folder.Key += name + "/"
	}
	return nil
}

func (c *Config) url(ref sdk.ObjectRef) string {
	return c.URL + (&url.URL{Path: "/" + ref.Bucket + "/" + ref.Key}).EscapedPath()
}

// do sends one request about ref and turns a failure into an error of the sdk's kinds.
func (c *Config) do(ctx context.Context, method string, ref sdk.ObjectRef, body io.Reader, header ...string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.url(ref), body)
	if err != nil {
		return nil, err
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if c.Username != "" {
		req.SetBasicAuth(c.Username, c.Password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, sdk.Errorf(sdk.ErrUnavailable, "webdav: %v", err)
	}
	if resp.StatusCode < 300 {
		return resp, nil
	}
	resp.Body.Close()
	kind, ok := map[int]error{401: sdk.ErrPermissionDenied, 403: sdk.ErrPermissionDenied, 404: sdk.ErrNotFound, 405: sdk.ErrAlreadyExists, 409: sdk.ErrConflict, 412: sdk.ErrConflict}[resp.StatusCode]
	if !ok {
		kind = sdk.ErrUnavailable
	}
	return nil, sdk.Errorf(kind, "webdav: %s %s/%s: %s", method, ref.Bucket, ref.Key, resp.Status)
}

// call is do for a request whose answer holds nothing to read.
func (c *Config) call(ctx context.Context, method string, ref sdk.ObjectRef, body io.Reader, header ...string) error {
	resp, err := c.do(ctx, method, ref, body, header...)
	if err == nil {
		resp.Body.Close()
	}
	return err
}

var _ sdk.Storage = (*Store)(nil)
