package action

import (
	"os"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/config"
)

func TestRegionResourcesAndSettingsFileDoNotBothSetAField(t *testing.T) {
	settings := t.TempDir() + "/region.yaml"
	if err := os.WriteFile(settings, []byte("id: local\nservices:\n  expose: {}\n  defaultConfiguration:\n    resources:\n      memoryLimit: 8Gi\n      cpuLimit: 4000m\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.Sources{})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Regions[0].Settings, cfg.Regions[0].Resources.CPULimit = settings, ""
	if _, err := NewConfig(cfg, nil, nil); err == nil || !strings.Contains(err.Error(), "regions[0].resources") || !strings.Contains(err.Error(), "memoryLimit") {
		t.Fatalf("memory limit in both places: %v, want an error naming both", err)
	}
	cfg.Regions[0].Resources.MemoryLimit = ""
	l, err := NewConfig(cfg, nil, nil)
	if err != nil {
		t.Fatalf("each field in one place: %v", err)
	}
	res := l.regions["local"].Services.DefaultConfiguration.Resources
	if res.MemoryLimit != "8Gi" || res.CPULimit != "4000m" || res.CPURequest != "100m" || res.MemoryRequest != "1Gi" {
		t.Fatalf("merged resources: %+v", res)
	}
}

// A region whose allowedURIPattern Go cannot check stops the server at start, naming the key.
func TestRegionSettingsWithUncompilableURIPattern(t *testing.T) {
	settings := t.TempDir() + "/region.yaml"
	if err := os.WriteFile(settings, []byte("id: local\nservices:\n  allowedURIPattern: '^https://(?!internal\\.)'\n  expose: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.Sources{})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Regions[0].Settings = settings
	_, err = NewConfig(cfg, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "regions[0].settings") || !strings.Contains(err.Error(), "services.allowedURIPattern") {
		t.Fatalf("NewConfig: %v, want an error naming regions[0].settings and services.allowedURIPattern", err)
	}
}
