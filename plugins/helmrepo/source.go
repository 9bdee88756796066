package helmrepo

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"helm.sh/helm/v3/pkg/repo"
)

// A source is where one catalog's charts come from.
type source interface {
	// fetchIndex writes the source's index.yaml to path, unless the index has not changed
	// since the validators prev; it returns the validators of what it wrote and whether it
	// wrote anything.
	fetchIndex(ctx context.Context, prev validators, path string) (next validators, changed bool, err error)
	// openArchive opens the archive of one chart version.
	openArchive(ctx context.Context, cv *repo.ChartVersion) (io.ReadCloser, error)
	// openIcon opens the icon a chart names (not a data: URL), with the type its host
	// declares ("" for none).
	openIcon(ctx context.Context, ref string) (body io.ReadCloser, declared string, err error)
}

// validators identify the version of an index a source last served: HTTP's ETag and
// Last-Modified, or a local file's modification time and size.
type validators struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"lastModified,omitempty"`
}

// maxIndexSize bounds an index.yaml; the largest public repositories are around 30 MB.
const maxIndexSize = 256 << 20

// httpSource is a classic Helm repository served over HTTP(S).
type httpSource struct {
	base     string // without trailing slash
	host     string // credentials are only ever sent there
	client   *http.Client
	username string
	password string
}

func newHTTPSource(o catalogOptions) (*httpSource, error) {
	u, err := url.Parse(o.location)
	if err != nil {
		return nil, err
	}
	client, err := newHTTPClient(o.caFile, o.insecure)
	if err != nil {
		return nil, err
	}
	return &httpSource{base: o.location, host: u.Host, client: client, username: o.username, password: o.password}, nil
}

// newHTTPClient returns a client trusting the system's authorities and those of caFile.
func newHTTPClient(caFile string, insecure bool) (*http.Client, error) {
	tlsConfig := &tls.Config{InsecureSkipVerify: insecure} //nolint:gosec // an administrator's explicit choice (skipTlsVerify)
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("caFile: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("caFile %s holds no PEM certificate", caFile)
		}
		tlsConfig.RootCAs = pool
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = tlsConfig
	return &http.Client{Transport: transport, Timeout: 5 * time.Minute}, nil
}

func (s *httpSource) get(ctx context.Context, target string, header http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if s.username != "" || s.password != "" {
		if req.URL.Host == s.host {
			req.SetBasicAuth(s.username, s.password)
		}
	}
	return s.client.Do(req)
}

func (s *httpSource) fetchIndex(ctx context.Context, prev validators, path string) (validators, bool, error) {
	target := s.base + "/index.yaml"
	header := http.Header{}
	if prev.ETag != "" {
		header.Set("If-None-Match", prev.ETag)
	}
	if prev.LastModified != "" {
		header.Set("If-Modified-Since", prev.LastModified)
	}
	resp, err := s.get(ctx, target, header)
	if err != nil {
		return prev, false, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return prev, false, nil
	case resp.StatusCode != http.StatusOK:
		return prev, false, fmt.Errorf("GET %s: %s", target, resp.Status)
	}
	if err := writeFile(path, io.LimitReader(resp.Body, maxIndexSize)); err != nil {
		return prev, false, fmt.Errorf("GET %s: %w", target, err)
	}
	return validators{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}, true, nil
}

func (s *httpSource) openArchive(ctx context.Context, cv *repo.ChartVersion) (io.ReadCloser, error) {
	if len(cv.URLs) == 0 {
		return nil, fmt.Errorf("the index gives no URL for %s %s", cv.Name, cv.Version)
	}
	target, err := repo.ResolveReferenceURL(s.base, cv.URLs[0])
	if err != nil {
		return nil, err
	}
	resp, err := s.get(ctx, target, nil)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: %s", target, resp.Status)
	}
	return resp.Body, nil
}

// openIcon resolves ref against the repository's address, as archives are.
func (s *httpSource) openIcon(ctx context.Context, ref string) (io.ReadCloser, string, error) {
	target, err := repo.ResolveReferenceURL(s.base, ref)
	if err != nil {
		return nil, "", err
	}
	return s.openWeb(ctx, target)
}

// openWeb opens an http(s) address, never another scheme an index could name.
func (s *httpSource) openWeb(ctx context.Context, target string) (io.ReadCloser, string, error) {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, "", errors.New("not an http(s) address")
	}
	resp, err := s.get(ctx, target, nil)
	if err != nil {
		return nil, "", err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, "", fmt.Errorf("GET %s: %s", u.Redacted(), resp.Status)
	}
	return resp.Body, resp.Header.Get("Content-Type"), nil
}

// dirSource is a Helm repository in a local directory: an index.yaml beside the archives.
type dirSource struct {
	dir    string
	remote *httpSource // for archives an index names by absolute URL
}

func (s *dirSource) fetchIndex(_ context.Context, prev validators, path string) (validators, bool, error) {
	index := filepath.Join(s.dir, "index.yaml")
	st, err := os.Stat(index)
	if err != nil {
		return prev, false, err
	}
	next := validators{ETag: strconv.FormatInt(st.ModTime().UnixNano(), 36) + "-" + strconv.FormatInt(st.Size(), 36)}
	if next == prev {
		return prev, false, nil
	}
	f, err := os.Open(index)
	if err != nil {
		return prev, false, err
	}
	defer f.Close()
	if err := writeFile(path, io.LimitReader(f, maxIndexSize)); err != nil {
		return prev, false, err
	}
	return next, true, nil
}

func (s *dirSource) openArchive(ctx context.Context, cv *repo.ChartVersion) (io.ReadCloser, error) {
	if len(cv.URLs) == 0 {
		return nil, fmt.Errorf("the index gives no URL for %s %s", cv.Name, cv.Version)
	}
	ref, err := url.Parse(cv.URLs[0])
	if err != nil {
		return nil, err
	}
	switch {
	case ref.Scheme == "file":
		return os.Open(ref.Path)
	case ref.IsAbs():
		return s.remote.openArchive(ctx, cv)
	case !filepath.IsLocal(filepath.FromSlash(ref.Path)):
		return nil, fmt.Errorf("archive %q is outside the repository's directory", cv.URLs[0])
	}
	return os.Open(filepath.Join(s.dir, filepath.FromSlash(ref.Path)))
}

// openIcon reads a relative address inside the repository's directory; an absolute one is
// fetched over HTTP(S).
func (s *dirSource) openIcon(ctx context.Context, ref string) (io.ReadCloser, string, error) {
	u, err := url.Parse(ref)
	if err != nil {
		return nil, "", err
	}
	if u.IsAbs() {
		return s.remote.openWeb(ctx, ref)
	}
	if u.Host != "" || !filepath.IsLocal(filepath.FromSlash(u.Path)) {
		return nil, "", fmt.Errorf("icon %q is outside the repository's directory", ref)
	}
	f, err := os.Open(filepath.Join(s.dir, filepath.FromSlash(u.Path)))
	return f, "", err
}

// writeFile writes r to path through a temporary file, so that path is never half written.
func writeFile(path string, r io.Reader) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, r); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
