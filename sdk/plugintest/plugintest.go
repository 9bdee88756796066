// Package plugintest is the conformance kit of Basalt's plugin contracts. An implementation
// proves it honours its contract by running the kit of its kind against itself:
//
//	func TestConformance(t *testing.T) {
//		plugintest.TestStorage(t, func(t *testing.T) plugintest.StorageSetup {
//			return plugintest.StorageSetup{Storage: mystore.New(...), Caller: alice}
//		})
//	}
//
// Every call of a kit goes through the real gRPC path (go-plugin's in-process connection, or
// a subprocess the caller started), so what is tested is what the core will see.
package plugintest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/go-plugin"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/pluginrpc"
)

// Connect serves impl as a plugin of the given kind on an in-process gRPC connection and
// returns the client side, which implements the kind's contract. The connection closes when
// the test ends.
func Connect(t testing.TB, kind sdk.Kind, impl sdk.Plugin) sdk.Plugin {
	t.Helper()
	client, _ := plugin.TestPluginGRPCConn(t, false, pluginrpc.PluginSet(kind, impl))
	// Closing the client asks the server to stop (go-plugin's controller Shutdown); stopping
	// the server here as well would race with that.
	t.Cleanup(func() { _ = client.Close() })
	raw, err := client.Dispense(string(kind))
	if err != nil {
		t.Fatalf("plugintest: dispense %s: %v", kind, err)
	}
	p, ok := raw.(sdk.Plugin)
	if !ok {
		t.Fatalf("plugintest: the %s client is a %T, not an sdk.Plugin", kind, raw)
	}
	return p
}

// ConnectStorage is Connect for the storage contract.
func ConnectStorage(t testing.TB, impl sdk.Storage) sdk.Storage {
	return Connect(t, sdk.KindStorage, impl).(sdk.Storage)
}

// ConnectSecrets is Connect for the secrets contract.
func ConnectSecrets(t testing.TB, impl sdk.Secrets) sdk.Secrets {
	return Connect(t, sdk.KindSecrets, impl).(sdk.Secrets)
}

// ConnectCatalog is Connect for the catalog contract.
func ConnectCatalog(t testing.TB, impl sdk.Catalog) sdk.Catalog {
	return Connect(t, sdk.KindCatalog, impl).(sdk.Catalog)
}

// ConnectRegion is Connect for the region contract.
func ConnectRegion(t testing.TB, impl sdk.Region) sdk.Region {
	return Connect(t, sdk.KindRegion, impl).(sdk.Region)
}

// testBase checks what every kind shares: the plugin says what it is and publishes a JSON
// Schema of its configuration.
func testBase(t *testing.T, kind sdk.Kind, p sdk.Plugin) {
	t.Helper()
	ctx := testContext(t)
	info, err := p.Info(ctx, sdk.InfoRequest{})
	if err != nil {
		t.Fatalf("Info: %v", err)
	}
	if info.Kind != kind {
		t.Errorf("Info: kind %q, want %q", info.Kind, kind)
	}
	if info.Name == "" || info.Version == "" {
		t.Errorf("Info: name %q and version %q must both be set", info.Name, info.Version)
	}
	if !slices.Contains(info.ProtocolVersions, sdk.ProtocolVersion) {
		t.Errorf("Info: protocol versions %v do not include %d", info.ProtocolVersions, sdk.ProtocolVersion)
	}
	schema, err := p.ConfigSchema(ctx, sdk.ConfigSchemaRequest{})
	if err != nil {
		t.Fatalf("ConfigSchema: %v", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(schema.Schema, &doc); err != nil {
		t.Fatalf("ConfigSchema: not a JSON object: %v", err)
	}
	if _, ok := doc["type"]; !ok {
		t.Errorf("ConfigSchema: the schema has no \"type\": %s", schema.Schema)
	}
}

// testContext bounds every call of a subtest, so that a plugin that hangs fails the test
// instead of stalling the run.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// skipUnimplemented skips a subtest whose optional capability the plugin does not offer.
func skipUnimplemented(t *testing.T, method string, err error) {
	t.Helper()
	if errors.Is(err, sdk.ErrUnimplemented) {
		t.Skipf("%s is optional and this plugin does not implement it: %v", method, err)
	}
}

// wantKind fails the test unless err is of one of the kinds.
func wantKind(t *testing.T, what string, err error, kinds ...error) {
	t.Helper()
	for _, kind := range kinds {
		if errors.Is(err, kind) {
			return
		}
	}
	t.Errorf("%s: got error %v, want one of %v", what, err, kinds)
}

// unique returns a fresh name so that runs against a shared backend never collide.
func unique(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}
