package memory_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/plugintest"
	"github.com/basalt-dev/basalt/sdk/plugintest/memory"
)

var (
	alice = sdk.Caller{Subject: "sub-alice", Username: "alice", Groups: []string{"data"}}
	bob   = sdk.Caller{Subject: "sub-bob", Username: "bob"}
)

func TestStorageConformance(t *testing.T) {
	plugintest.TestStorage(t, func(t *testing.T) plugintest.StorageSetup {
		return plugintest.StorageSetup{Storage: memory.NewStorage(), Caller: alice, Other: &bob}
	})
}

func TestStorageConformanceGroupProject(t *testing.T) {
	plugintest.TestStorage(t, func(t *testing.T) plugintest.StorageSetup {
		return plugintest.StorageSetup{
			Storage: memory.NewStorage(), Caller: alice, Other: &bob,
			Project: sdk.Project{ID: "project-data", Group: "data"},
		}
	})
}

func TestSecretsConformance(t *testing.T) {
	plugintest.TestSecrets(t, func(t *testing.T) plugintest.SecretsSetup {
		return plugintest.SecretsSetup{Secrets: memory.NewSecrets(), Caller: alice, Other: &bob}
	})
}

// jupyterIcon is an icon given inline, which the memory catalog serves.
const jupyterIcon = "data:image/svg+xml,%3Csvg%20xmlns%3D%22http%3A%2F%2Fwww.w3.org%2F2000%2Fsvg%22%2F%3E"

// catalogConfig holds the traps a catalog must get right: 1.10.0 is newer than 1.9.3, a
// pre-release newer than every stable version still sorts last, and a library chart is
// never listed.
var catalogConfig = memory.CatalogConfig{Catalogs: []memory.CatalogSource{
	{ID: "ide", Name: sdk.LocalizedString{"en": "IDEs"}, Charts: []memory.Chart{
		{Name: "jupyter", Version: "1.2.0", AppVersion: "4.0", Values: "global:\n  suspend: false\n"},
		{Name: "jupyter", Version: "2.0.0-rc.1", AppVersion: "5.0"},
		{Name: "jupyter", Version: "1.10.0", AppVersion: "4.2", Values: "global:\n  suspend: false\n", Icon: jupyterIcon},
		{Name: "jupyter", Version: "1.9.3", AppVersion: "4.1"},
		{Name: "rstudio", Version: "0.1.0", Values: "resources: {}\n", Schema: json.RawMessage(`{"type":"object"}`), Readme: "# RStudio\n"},
		{Name: "library-chart", Version: "1.0.0", Type: "library"},
	}},
	{ID: "databases", Charts: []memory.Chart{{Name: "postgresql", Version: "15.0.0"}}},
}}

func configuredCatalog(t *testing.T) *memory.Catalog {
	t.Helper()
	raw, err := json.Marshal(catalogConfig)
	if err != nil {
		t.Fatal(err)
	}
	c := memory.NewCatalog()
	if _, err := c.Configure(t.Context(), sdk.ConfigureRequest{Config: raw}); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	return c
}

// TestCatalogRefusesAnIconWithAScript: a data: icon the catalog would not serve is a fault of
// its configuration, named.
func TestCatalogRefusesAnIconWithAScript(t *testing.T) {
	raw, _ := json.Marshal(memory.CatalogConfig{Catalogs: []memory.CatalogSource{{ID: "ide", Charts: []memory.Chart{
		{Name: "jupyter", Version: "1.0.0", Icon: "data:image/svg+xml,%3Csvg%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E%3C%2Fsvg%3E"},
	}}}})
	_, err := memory.NewCatalog().Configure(t.Context(), sdk.ConfigureRequest{Config: raw})
	if !errors.Is(err, sdk.ErrInvalidArgument) || !strings.Contains(err.Error(), "catalogs[0].charts[0].icon") || !strings.Contains(err.Error(), "<script>") {
		t.Errorf("Configure: %v, want catalogs[0].charts[0].icon refused for its script", err)
	}
}

func TestCatalogConformance(t *testing.T) {
	plugintest.TestCatalog(t, func(t *testing.T) plugintest.CatalogSetup {
		return plugintest.CatalogSetup{
			Catalog: configuredCatalog(t), CatalogID: "ide",
			Charts: []plugintest.ExpectedChart{
				{Name: "jupyter", Versions: []string{"1.10.0", "1.9.3", "1.2.0", "2.0.0-rc.1"}, Icon: true},
				{Name: "rstudio", Versions: []string{"0.1.0"}, Schema: true},
			},
			Hidden: []string{"library-chart"},
		}
	})
}

func regionArchive(t *testing.T) []byte { return regionArchiveOf(t, "1.0.0") }

func regionArchiveOf(t *testing.T, version string) []byte {
	t.Helper()
	archive, err := memory.PackageChart(memory.Chart{
		Name: "jupyter", Version: version, AppVersion: "4.0",
		Values: "global:\n  suspend: false\nservice:\n  image: jupyter/base\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	return archive
}

func TestRegionConformance(t *testing.T) {
	for _, simulated := range []bool{false, true} {
		t.Run(fmt.Sprintf("simulated=%v", simulated), func(t *testing.T) {
			plugintest.TestRegion(t, func(t *testing.T) plugintest.RegionSetup {
				r := memory.NewRegion()
				if _, err := r.Configure(t.Context(), sdk.ConfigureRequest{Config: fmt.Appendf(nil, `{"simulated": %v}`, simulated)}); err != nil {
					t.Fatal(err)
				}
				return plugintest.RegionSetup{
					Region: r, Caller: alice, Archive: regionArchive(t), OtherArchive: regionArchiveOf(t, "1.1.0"),
					Values:       []byte(`{"service":{"image":"jupyter/custom"},"resources":{"cpu":"1"}}`),
					SecretValues: []byte(`{"security":{"password":"","token":""}}`),
					ReadyTimeout: 5 * time.Second,
					Simulated:    simulated,
				}
			})
		})
	}
}

func TestPresignedURLs(t *testing.T) {
	s := memory.NewStorage()
	ctx := t.Context()
	ref := sdk.ObjectRef{Bucket: "user-alice", Key: "a/b.txt"}
	resp, err := s.Presign(ctx, sdk.PresignRequest{Caller: alice, Object: ref, Method: "GET", Expiry: time.Minute})
	if err != nil {
		t.Fatalf("Presign: %v", err)
	}
	got, method, err := s.VerifyPresigned(resp.URL, time.Now())
	if err != nil || got != ref || method != "GET" {
		t.Errorf("VerifyPresigned of a fresh URL: %+v %s %v", got, method, err)
	}
	if _, _, err := s.VerifyPresigned(resp.URL, resp.ExpiresAt.Add(time.Second)); !errors.Is(err, sdk.ErrPermissionDenied) {
		t.Errorf("VerifyPresigned after expiry: %v, want ErrPermissionDenied", err)
	}
	tampered := strings.Replace(resp.URL, "b.txt", "c.txt", 1)
	if _, _, err := s.VerifyPresigned(tampered, time.Now()); !errors.Is(err, sdk.ErrPermissionDenied) {
		t.Errorf("VerifyPresigned of a changed URL: %v, want ErrPermissionDenied", err)
	}
	if _, _, err := memory.NewStorage().VerifyPresigned(resp.URL, time.Now()); err == nil {
		t.Error("another store accepted the URL")
	}
	if _, err := s.Presign(ctx, sdk.PresignRequest{Caller: bob, Object: ref, Method: "GET", Expiry: time.Minute}); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("Presign of another user's object: %v, want ErrNotFound", err)
	}
}

func TestConfigureRejectsNamingTheField(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		plugin sdk.Plugin
		config string
		field  string
	}{
		{memory.NewStorage(), `{"maxPageSize": 0.5}`, "maxPageSize"},
		{memory.NewStorage(), `{"bogus": 1}`, "bogus"},
		{memory.NewCatalog(), `{"catalogs":[{"id":"x","charts":[{"name":"a","version":"one"}]}]}`, "catalogs[0].charts[0].version"},
		{memory.NewCatalog(), `{"catalogs":[{"id":"x","charts":[]},{"id":"x","charts":[]}]}`, "catalogs[1].id"},
		{memory.NewRegion(), `{"quota": {"pods": 3}}`, "quota"},
	} {
		_, err := tc.plugin.Configure(ctx, sdk.ConfigureRequest{Config: []byte(tc.config)})
		if !errors.Is(err, sdk.ErrInvalidArgument) || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("Configure %T with %s: %v, want ErrInvalidArgument naming %s", tc.plugin, tc.config, err, tc.field)
		}
	}
}

func TestArchiveIsReproducible(t *testing.T) {
	ch := memory.Chart{Name: "a", Version: "1.0.0", Values: "x: 1\n"}
	first, err := memory.PackageChart(ch)
	if err != nil {
		t.Fatal(err)
	}
	second, _ := memory.PackageChart(ch)
	if string(first) != string(second) {
		t.Error("packaging the same chart twice gave different archives")
	}
	ch.Values = "x: 2\n"
	third, _ := memory.PackageChart(ch)
	if string(first) == string(third) {
		t.Error("packaging a changed chart gave the same archive")
	}
}

func TestDiscardPrefix(t *testing.T) {
	s := memory.NewStorage()
	ctx := t.Context()
	if _, err := s.Configure(ctx, sdk.ConfigureRequest{Config: []byte(`{"discardPrefix": "sink/"}`)}); err != nil {
		t.Fatal(err)
	}
	ref := sdk.ObjectRef{Bucket: "user-alice", Key: "sink/big"}
	body := strings.NewReader(strings.Repeat("x", 10000))
	if _, err := s.Write(ctx, sdk.WriteObjectRequest{Caller: alice, Object: ref, Size: 10000, Body: body}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	read, err := s.Read(ctx, sdk.ReadObjectRequest{Caller: alice, Object: ref, Offset: 9990})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	got, _ := io.ReadAll(read.Body)
	if read.Object.Size != 10000 || string(got) != strings.Repeat("\x00", 10) {
		t.Errorf("a discarded object: size %d, tail %q; want 10000 and ten zeros", read.Object.Size, got)
	}
	// Outside the prefix, bytes are kept.
	kept := sdk.ObjectRef{Bucket: "user-alice", Key: "kept"}
	if _, err := s.Write(ctx, sdk.WriteObjectRequest{Caller: alice, Object: kept, Size: 3, Body: strings.NewReader("abc")}); err != nil {
		t.Fatal(err)
	}
	read, err = s.Read(ctx, sdk.ReadObjectRequest{Caller: alice, Object: kept})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(read.Body); string(got) != "abc" {
		t.Errorf("an object outside the discard prefix: %q", got)
	}
}
