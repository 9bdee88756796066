package helmrepo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/registry"
	"helm.sh/helm/v3/pkg/repo"
	"sigs.k8s.io/yaml"
)

// ociSource is a set of charts in an OCI registry, through helm's registry client. A registry
// has no index, so the source writes one: for each listed chart it lists the tags, keeps the
// versions the catalog's selection wants, and reads each kept version's metadata from the
// registry once per manifest digest (remembered on disk, so a restart pulls nothing).
type ociSource struct {
	repository string // host/path, without the oci:// scheme
	charts     []string
	filter     filter
	client     *registry.Client
	store      *archiveStore
	web        *httpSource // for icons, which live on the web rather than in the registry
	knownPath  string
	known      map[string]ociVersion // by host/path/chart:tag
}

// ociVersion is what the source remembers of one pulled tag.
type ociVersion struct {
	Manifest string          `json:"manifest"` // the manifest digest the tag pointed to
	Digest   string          `json:"digest"`   // hex sha256 of the chart archive layer
	Created  time.Time       `json:"created,omitzero"`
	Metadata *chart.Metadata `json:"metadata"`
}

func newOCISource(o catalogOptions, dir string, store *archiveStore) (*ociSource, error) {
	httpClient, err := newHTTPClient(o.caFile, o.insecure)
	if err != nil {
		return nil, err
	}
	opts := []registry.ClientOption{
		registry.ClientOptHTTPClient(httpClient),
		registry.ClientOptEnableCache(true),
		// Never read the host user's helm or docker credentials: only the catalog's own.
		registry.ClientOptCredentialsFile(filepath.Join(dir, "registry-credentials.json")),
	}
	if o.username != "" {
		opts = append(opts, registry.ClientOptBasicAuth(o.username, o.password))
	}
	if o.plainHTTP {
		opts = append(opts, registry.ClientOptPlainHTTP())
	}
	client, err := registry.NewClient(opts...)
	if err != nil {
		return nil, err
	}
	web, err := newHTTPSource(catalogOptions{location: "http://", caFile: o.caFile, insecure: o.insecure})
	if err != nil {
		return nil, err
	}
	s := &ociSource{
		web:        web,
		repository: strings.TrimPrefix(o.location, "oci://"),
		charts:     o.charts,
		filter:     o.filter,
		client:     client,
		store:      store,
		knownPath:  filepath.Join(dir, "oci-versions.json"),
		known:      map[string]ociVersion{},
	}
	if data, err := os.ReadFile(s.knownPath); err == nil {
		_ = json.Unmarshal(data, &s.known) // a damaged file only costs pulls
	}
	return s, nil
}

func (s *ociSource) fetchIndex(ctx context.Context, prev validators, path string) (validators, bool, error) {
	idx := repo.NewIndexFile()
	idx.Generated = time.Time{}
	known := map[string]ociVersion{}
	for _, name := range s.charts {
		ref := s.repository + "/" + name
		tags, err := s.client.Tags(ref)
		if err != nil {
			return prev, false, fmt.Errorf("listing the tags of %s: %w", ref, err)
		}
		if len(tags) == 0 {
			return prev, false, fmt.Errorf("%s has no version tag", ref)
		}
		candidates := make(repo.ChartVersions, len(tags))
		for i, tag := range tags {
			candidates[i] = &repo.ChartVersion{Metadata: &chart.Metadata{Name: name, Version: tag}}
		}
		for _, c := range s.filter.selectVersions(orderVersions(candidates)) {
			if err := ctx.Err(); err != nil {
				return prev, false, err
			}
			tagRef := ref + ":" + c.Version
			v, err := s.version(tagRef)
			if err != nil {
				return prev, false, fmt.Errorf("%s: %w", tagRef, err)
			}
			known[tagRef] = v
			idx.Entries[name] = append(idx.Entries[name], &repo.ChartVersion{
				Metadata: v.Metadata,
				URLs:     []string{"oci://" + tagRef},
				Created:  v.Created,
				Digest:   v.Digest,
			})
		}
	}
	s.known = known
	if data, err := json.Marshal(known); err == nil {
		_ = writeFile(s.knownPath, bytes.NewReader(data))
	}
	data, err := yaml.Marshal(idx)
	if err != nil {
		return prev, false, err
	}
	next := validators{ETag: sumOf(data)}
	if next == prev {
		return prev, false, nil
	}
	if err := writeFile(path, bytes.NewReader(data)); err != nil {
		return prev, false, err
	}
	return next, true, nil
}

// version returns what the index needs of one tag, pulling the chart only when the tag points
// to a manifest the source has not seen or whose archive is no longer cached.
func (s *ociSource) version(tagRef string) (ociVersion, error) {
	desc, err := s.client.Resolve(ociTag(tagRef))
	if err != nil {
		return ociVersion{}, err
	}
	if v, ok := s.known[tagRef]; ok && v.Manifest == desc.Digest.String() {
		if _, err := s.store.load(v.Digest); err == nil {
			return v, nil
		}
	}
	result, err := s.client.Pull(tagRef)
	if err != nil {
		return ociVersion{}, err
	}
	want := strings.TrimPrefix(result.Chart.Digest, "sha256:")
	digest, _, err := s.store.put(bytes.NewReader(result.Chart.Data), want)
	if err != nil {
		return ociVersion{}, err
	}
	v := ociVersion{Manifest: result.Manifest.Digest, Digest: digest, Metadata: result.Chart.Meta}
	var manifest ocispec.Manifest
	if json.Unmarshal(result.Manifest.Data, &manifest) == nil {
		if t, err := time.Parse(time.RFC3339, manifest.Annotations[ocispec.AnnotationCreated]); err == nil {
			v.Created = t
		}
	}
	return v, nil
}

// ociTag writes a helm version as an OCI tag, which cannot hold "+".
func ociTag(ref string) string { return strings.ReplaceAll(ref, "+", "_") }

func (s *ociSource) openArchive(_ context.Context, cv *repo.ChartVersion) (io.ReadCloser, error) {
	if len(cv.URLs) == 0 {
		return nil, errors.New("no reference")
	}
	result, err := s.client.Pull(strings.TrimPrefix(cv.URLs[0], "oci://"))
	if err != nil {
		return nil, err
	}
	return io.NopCloser(bytes.NewReader(result.Chart.Data)), nil
}

// openIcon fetches an icon from the absolute address a chart names.
func (s *ociSource) openIcon(ctx context.Context, ref string) (io.ReadCloser, string, error) {
	return s.web.openWeb(ctx, ref)
}
