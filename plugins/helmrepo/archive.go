package helmrepo

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"

	"github.com/basalt-dev/basalt/sdk"
)

// maxArchiveSize bounds one chart archive; Onyxia's largest charts are well under 1 MB.
const maxArchiveSize = 64 << 20

// errNotCached says an archive is not (or no longer correctly) on disk.
var errNotCached = errors.New("archive not cached")

// archiveStore keeps chart archives on disk named by the sha256 of their content, so that a
// restart downloads nothing it has, and keeps what GetChart returns for each archive in
// memory, read once per digest.
type archiveStore struct {
	dir string

	mu     sync.Mutex
	parsed map[string]*chartFiles // by digest
}

// chartFiles is what GetChart returns of one archive.
type chartFiles struct {
	metadata     *chart.Metadata
	chartYAML    []byte
	valuesYAML   []byte
	valuesSchema []byte
	readme       []byte
	dependencies []sdk.ChartDependency
	size         int64
}

func newArchiveStore(dir string) (*archiveStore, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return &archiveStore{dir: dir, parsed: map[string]*chartFiles{}}, nil
}

func (s *archiveStore) path(digest string) string {
	return filepath.Join(s.dir, digest+".tgz")
}

// open returns the cached archive of digest, for streaming.
func (s *archiveStore) open(digest string) (*os.File, int64, error) {
	f, err := os.Open(s.path(digest))
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, st.Size(), nil
}

// load returns the archive of digest, reading and checking the file on disk the first time.
// It returns errNotCached when the file is missing or no longer has that digest.
func (s *archiveStore) load(digest string) (*chartFiles, error) {
	s.mu.Lock()
	files, ok := s.parsed[digest]
	s.mu.Unlock()
	if ok {
		return files, nil
	}
	data, err := os.ReadFile(s.path(digest))
	if errors.Is(err, os.ErrNotExist) {
		return nil, errNotCached
	}
	if err != nil {
		return nil, err
	}
	if sumOf(data) != digest {
		// Damaged on disk: drop it so that the next refresh downloads it again.
		_ = os.Remove(s.path(digest))
		return nil, errNotCached
	}
	files, err = parseArchive(data)
	if err != nil {
		_ = os.Remove(s.path(digest))
		return nil, err
	}
	s.remember(digest, files)
	return files, nil
}

// put reads one archive from r, checks it against the digest the source announced (when it
// announced one) and that it is a chart, then stores it. It returns the archive's digest.
func (s *archiveStore) put(r io.Reader, want string) (string, *chartFiles, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxArchiveSize+1))
	if err != nil {
		return "", nil, err
	}
	if len(data) > maxArchiveSize {
		return "", nil, fmt.Errorf("archive larger than %d MB", maxArchiveSize>>20)
	}
	digest := sumOf(data)
	if want != "" && digest != want {
		return "", nil, fmt.Errorf("digest mismatch: the index says sha256 %s, the archive is %s", want, digest)
	}
	files, err := parseArchive(data)
	if err != nil {
		return "", nil, err
	}
	tmp, err := os.CreateTemp(s.dir, ".download-*")
	if err != nil {
		return "", nil, err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return "", nil, err
	}
	if err := tmp.Close(); err != nil {
		return "", nil, err
	}
	if err := os.Rename(tmp.Name(), s.path(digest)); err != nil {
		return "", nil, err
	}
	s.remember(digest, files)
	return digest, files, nil
}

func (s *archiveStore) remember(digest string, files *chartFiles) {
	s.mu.Lock()
	s.parsed[digest] = files
	s.mu.Unlock()
}

// retain forgets the parsed archives whose digest keep does not hold. The files stay on disk.
func (s *archiveStore) retain(keep map[string]bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for digest := range s.parsed {
		if !keep[digest] {
			delete(s.parsed, digest)
		}
	}
}

func sumOf(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// parseArchive reads a chart archive with helm's loader and keeps what a launch needs.
func parseArchive(data []byte) (*chartFiles, error) {
	c, err := loader.LoadArchive(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("corrupt archive: %v", err)
	}
	files := &chartFiles{
		metadata:     c.Metadata,
		valuesSchema: c.Schema,
		dependencies: dependenciesOf(c.Metadata),
		size:         int64(len(data)),
	}
	for _, f := range c.Raw {
		switch f.Name {
		case "Chart.yaml":
			files.chartYAML = f.Data
		case "values.yaml":
			files.valuesYAML = f.Data
		}
	}
	for _, f := range c.Files {
		if files.readme == nil && !strings.Contains(f.Name, "/") && strings.HasPrefix(strings.ToLower(f.Name), "readme") {
			files.readme = f.Data
		}
	}
	return files, nil
}
