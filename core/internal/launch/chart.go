package launch

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/basalt-dev/basalt/core/internal/launch/schema"
	"github.com/basalt-dev/basalt/core/internal/launch/values"
)

// Chart is what a launch reads of a Helm chart: its name and version, its values.yaml and
// its values.schema.json (nil when it has none).
type Chart struct {
	Name    string
	Version string
	Values  map[string]any
	Schema  map[string]any
}

// ErrBrokenChart is wrapped by every error about an unreadable chart.
var ErrBrokenChart = errors.New("broken chart")

func broken(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBrokenChart, fmt.Sprintf(format, args...))
}

// LoadChart reads a chart from a directory or a .tgz archive.
func LoadChart(path string) (*Chart, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, broken("%v", err)
	}
	files := map[string][]byte{}
	if st.IsDir() {
		for _, name := range []string{"Chart.yaml", "values.yaml", "values.schema.json"} {
			b, err := os.ReadFile(filepath.Join(path, name))
			if err == nil {
				files[name] = b
			} else if !errors.Is(err, os.ErrNotExist) {
				return nil, broken("%v", err)
			}
		}
		return parseChart(path, files)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, broken("%v", err)
	}
	defer f.Close()
	return ReadChartArchive(path, f)
}

// ReadChartArchive reads a chart's .tgz; name identifies it in errors. Only the top-level
// chart's Chart.yaml, values.yaml and values.schema.json are read.
func ReadChartArchive(name string, r io.Reader) (*Chart, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, broken("%s: not a gzip archive: %v", name, err)
	}
	tr := tar.NewReader(gz)
	files := map[string][]byte{}
	top := ""
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, broken("%s: %v", name, err)
		}
		dir, file, ok := strings.Cut(strings.TrimPrefix(h.Name, "./"), "/")
		if !ok || strings.Contains(file, "/") || h.Typeflag != tar.TypeReg {
			continue // sub-charts and templates are not read
		}
		if top == "" {
			top = dir
		}
		if dir != top {
			continue
		}
		switch file {
		case "Chart.yaml", "values.yaml", "values.schema.json":
			b, err := io.ReadAll(io.LimitReader(tr, 16<<20))
			if err != nil {
				return nil, broken("%s: %v", name, err)
			}
			files[file] = b
		}
	}
	return parseChart(name, files)
}

// ParseChart reads a chart from its Chart.yaml, values.yaml and values.schema.json (the
// last two may be empty; an empty schema is no schema), as a catalog hands them out.
func ParseChart(name string, chartYAML, valuesYAML, schemaJSON []byte) (*Chart, error) {
	files := map[string][]byte{"Chart.yaml": chartYAML, "values.yaml": valuesYAML}
	if len(schemaJSON) > 0 {
		files["values.schema.json"] = schemaJSON
	}
	return parseChart(name, files)
}

func parseChart(name string, files map[string][]byte) (*Chart, error) {
	meta, ok := files["Chart.yaml"]
	if !ok {
		return nil, broken("%s: no Chart.yaml", name)
	}
	var chartYAML struct {
		Name    string `yaml:"name"`
		Version string `yaml:"version"`
	}
	if err := yaml.Unmarshal(meta, &chartYAML); err != nil {
		return nil, broken("%s: Chart.yaml: %v", name, err)
	}
	if chartYAML.Name == "" || chartYAML.Version == "" {
		return nil, broken("%s: Chart.yaml has no name or version", name)
	}
	c := &Chart{Name: chartYAML.Name, Version: chartYAML.Version, Values: map[string]any{}}
	if b := files["values.yaml"]; len(b) > 0 {
		var v any
		if err := yaml.Unmarshal(b, &v); err != nil {
			return nil, broken("%s: values.yaml: %v", name, err)
		}
		if m, ok := values.Normalize(v).(map[string]any); ok {
			c.Values = m
		} else if v != nil {
			return nil, broken("%s: values.yaml is not a mapping", name)
		}
	}
	if b, ok := files["values.schema.json"]; ok {
		var err error
		if c.Schema, err = schema.Decode(b); err != nil {
			return nil, broken("%s: values.schema.json: %v", name, err)
		}
	}
	return c, nil
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
