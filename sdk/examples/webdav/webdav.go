// Command basalt-plugin-webdav is Basalt's storage on a WebDAV server, written as a third
// party would: sdk/filetree does what every store of files in folders does, this speaks WebDAV.
package main

import (
	"cmp"
	"context"
	_ "embed"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/configschema"
	"github.com/basalt-dev/basalt/sdk/filetree"
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

// Store serves sdk.Storage on the WebDAV tree of the live Config.
type Store struct{ *filetree.Store[*Config] }

func main() { pluginrpc.ServeStorage(New()) }

func New() *Store {
	return &Store{filetree.New(sdk.InfoResponse{Kind: sdk.KindStorage, Name: "webdav", Version: "0.1.0"}, schema, parseConfig)}
}

// parseConfig leaves the defaults and bounds to the schema; filetree checks the prefixes.
func parseConfig(_ context.Context, raw []byte) (*Config, error) {
	var c Config
	bad, err := schema.Decode(raw, &c)
	c.URL = strings.TrimSuffix(c.URL, "/")
	return &c, cmp.Or(err, bad.Err("invalid configuration"))
}

func (c *Config) Layout() filetree.Layout {
	return filetree.Layout{UserPrefix: c.UserPrefix, GroupPrefix: c.GroupPrefix, MaxPageSize: c.MaxPageSize}
}

func (c *Config) Stat(ctx context.Context, name string) (filetree.File, error) {
	files, err := c.find(ctx, name, "0")
	if err != nil || len(files) == 0 {
		return filetree.File{}, cmp.Or(err, sdk.Errorf(sdk.ErrUnavailable, "webdav: PROPFIND %s told nothing", name))
	}
	return files[0], nil
}

func (c *Config) List(ctx context.Context, dir string) ([]filetree.File, error) {
	return c.find(ctx, dir, "1")
}

func (c *Config) Open(ctx context.Context, name string, offset, length int64) (io.ReadCloser, error) {
	return c.do(ctx, "GET", name, nil, "Range", fmt.Sprintf("bytes=%d-%d", offset, offset+length-1))
}

func (c *Config) Mkdir(ctx context.Context, dir string) error { return c.call(ctx, "MKCOL", dir, nil) }

func (c *Config) Remove(ctx context.Context, name string) error {
	return c.call(ctx, "DELETE", name, nil)
}

// Create writes a file, then its content type and metadata in a property of its own.
func (c *Config) Create(ctx context.Context, name string, body io.Reader, meta filetree.Meta) error {
	info, _ := json.Marshal(meta)
	set := `<propertyupdate xmlns="DAV:"><set><prop><info xmlns="https://basalt.dev/ns/webdav">` + html.EscapeString(string(info)) + `</info></prop></set></propertyupdate>`
	err := c.call(ctx, "PUT", name, body)
	if err == nil {
		err = c.call(ctx, "PROPPATCH", name, strings.NewReader(set))
	}
	return err
}

// Move and Copy leave the work to the server, which carries the property along.
func (c *Config) Move(ctx context.Context, from, to string) error {
	return c.call(ctx, "MOVE", from, nil, "Destination", c.url(to), "Overwrite", "T")
}

func (c *Config) Copy(ctx context.Context, from, to string) error {
	return c.call(ctx, "COPY", from, nil, "Destination", c.url(to), "Overwrite", "T")
}

// find returns what PROPFIND tells of name, and with depth "1" of what the folder holds.
func (c *Config) find(ctx context.Context, name, depth string) ([]filetree.File, error) {
	body, err := c.do(ctx, "PROPFIND", name, nil, "Depth", depth)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	var answer struct {
		Files []struct {
			Href string `xml:"href"`
			Prop struct {
				Size       int64     `xml:"getcontentlength"`
				Modified   string    `xml:"getlastmodified"`
				ETag       string    `xml:"getetag"`
				Collection *struct{} `xml:"resourcetype>collection"`
				Info       string    `xml:"https://basalt.dev/ns/webdav info"`
			} `xml:"propstat>prop"`
		} `xml:"response"`
	}
	if err := xml.NewDecoder(body).Decode(&answer); err != nil {
		return nil, sdk.Errorf(sdk.ErrUnavailable, "webdav: PROPFIND %s: %v", name, err)
	}
	var files []filetree.File
	asked, _ := url.Parse(c.url(name))
	for _, f := range answer.Files {
		href, _ := url.Parse(f.Href) // the folder itself gets the name "", which filetree leaves out
		file := filetree.File{Name: strings.Trim(strings.TrimPrefix(href.Path, asked.Path), "/"), Dir: f.Prop.Collection != nil, Size: f.Prop.Size, ETag: f.Prop.ETag}
		file.Modified, _ = http.ParseTime(f.Prop.Modified)
		_ = json.Unmarshal([]byte(f.Prop.Info), &file.Meta) // what Create set
		files = append(files, file)
	}
	return files, nil
}

func (c *Config) url(name string) string {
	return c.URL + (&url.URL{Path: "/" + name}).EscapedPath()
}

// do sends one request about name and turns a failure into an error of the sdk's kinds.
func (c *Config) do(ctx context.Context, method, name string, body io.Reader, header ...string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.url(name), body)
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
		return resp.Body, nil
	}
	resp.Body.Close()
	kind := map[int]error{401: sdk.ErrPermissionDenied, 403: sdk.ErrPermissionDenied, 404: sdk.ErrNotFound, 405: sdk.ErrAlreadyExists, 409: sdk.ErrConflict, 412: sdk.ErrConflict}[resp.StatusCode]
	return nil, sdk.Errorf(cmp.Or(kind, sdk.ErrUnavailable), "webdav: %s %s: %s", method, name, resp.Status)
}

// call is do for a request whose answer holds nothing to read.
func (c *Config) call(ctx context.Context, method, name string, body io.Reader, header ...string) error {
	answer, err := c.do(ctx, method, name, body, header...)
	if err == nil {
		answer.Close()
	}
	return err
}

var _ filetree.Copier = (*Config)(nil)
