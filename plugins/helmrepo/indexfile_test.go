package helmrepo_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"helm.sh/helm/v3/pkg/repo"

	"github.com/basalt-dev/basalt/plugins/helmrepo"
)

// TestIndexReaderMatchesHelm checks that the fast index reader reads exactly what helm's
// loader reads, and hands everything else to helm.
func TestIndexReaderMatchesHelm(t *testing.T) {
	shared, err := os.ReadFile(filepath.Join(sharedDir(t), "index.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	synthetic, err := os.ReadFile(syntheticIndex(t, 3, 4))
	if err != nil {
		t.Fatal(err)
	}
	// helm's own writer, on an index with every field.
	dir := copyRepo(t, func(idx *repo.IndexFile) {
		cv := idx.Entries["rstudio"][0]
		cv.Annotations = map[string]string{"a": "it's \"quoted\"", "b": "1.0", "c": "true", "d": ""}
		cv.Deprecated = true
		cv.KubeVersion = ">=1.25.0-0"
		cv.Condition, cv.Tags = "rstudio.enabled", "ide"
		cv.Dependencies[0].Alias, cv.Dependencies[0].Tags, cv.Dependencies[0].Enabled = "lib", []string{"x"}, true
		cv.Description = "line one\nline two: with a colon # and a hash"
		cv.AppVersion = "2024.12"
		cv.Keywords = append(cv.Keywords, "yes", "null", "0x10", "2024-01-01", "~")
	})
	helmWritten, err := os.ReadFile(filepath.Join(dir, "index.yaml"))
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name string
		doc  string
		fast bool // the fast path must take it
	}{
		{"shared catalog", string(shared), true},
		{"synthetic", string(synthetic), true},
		{"written by helm", string(helmWritten), true},
		{"sequences indented under their key", "apiVersion: v1\nentries:\n  a:\n    - name: a\n      version: 1.0.0\n      apiVersion: v2\n      urls:\n        - a-1.0.0.tgz\n", true},
		{"folded plain description", "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    description: one\n      two\n      three\n", true},
		{"empty entries", "apiVersion: v1\nentries: {}\n", true},
		{"unquoted number in a string field", "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    appVersion: 1.10\n", false},
		{"flow sequence", "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    keywords: [x, y]\n", false},
		{"block scalar", "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    description: |\n      text\n\n        indented\n      end\n\n    home: https://a\n", true},
		{"stripped block scalar", "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    description: |-\n      text\n    home: https://a\n", true},
		{"folded block scalar", "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    description: >\n      text\n", false},
		{"unknown field", "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    colour: red\n", false},
		{"invalid entry", "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: not-semver\n  - name: a\n    version: 1.0.0\n", true},
		{"no apiVersion", "entries:\n  a:\n  - name: a\n    version: 1.0.0\n", false},
		{"anchors", "apiVersion: v1\nentries:\n  a:\n  - &x\n    name: a\n    version: 1.0.0\n", false},
		{"not YAML", "apiVersion: v1\nentries: [this is: not an index\n", false},
		{"digest that starts like a binary number", "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    digest: 0ba57281e45df8b0\n", true},
		{"binary number in a string field", "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    digest: 0b1011\n", false},
		{"digest that starts with many digits", "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    digest: 770420183602158016597aaf535a3e670f7cb93bab6d36aef218d185a07b36eb\n", true},
		{"huge number in a string field", "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    digest: 770420183602158016597770420183602158016597\n", false},
		{"tabs", "apiVersion: v1\nentries:\n\ta: []\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "index.yaml")
			writeFile(t, path, []byte(tc.doc))
			want, helmErr := repo.LoadIndexFile(path)
			got, ok := helmrepo.ReadIndex([]byte(tc.doc))
			if ok != tc.fast {
				t.Fatalf("fast path taken: %v, want %v", ok, tc.fast)
			}
			if !ok {
				return
			}
			if helmErr != nil {
				t.Fatalf("the fast path read a document helm refuses: %v", helmErr)
			}
			got.SortEntries()
			want.SortEntries()
			got.Generated, want.Generated = want.Generated, got.Generated
			if !reflect.DeepEqual(got.Entries, want.Entries) || got.APIVersion != want.APIVersion {
				for name, cvs := range want.Entries {
					for i, cv := range cvs {
						if i < len(got.Entries[name]) && !reflect.DeepEqual(cv, got.Entries[name][i]) {
							t.Errorf("%s[%d]:\n got  %+v %+v\n want %+v %+v", name, i, got.Entries[name][i], got.Entries[name][i].Metadata, cv, cv.Metadata)
						}
					}
				}
				t.Fatalf("entries differ: %d charts, helm %d", len(got.Entries), len(want.Entries))
			}
		})
	}
}
