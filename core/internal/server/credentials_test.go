package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/deploy/testenv"
)

// TestCredentialsOnTheCluster asks for alice's own keys to the test environment's MinIO and
// her token to its Vault: temporary STS keys and a token for her, where her files and secrets
// are, with snippets, and never cached.
func TestCredentialsOnTheCluster(t *testing.T) {
	w := newInjectionWorld(t)
	get := func(path string, out any) http.Header {
		t.Helper()
		resp, raw := do(t, http.MethodGet, w.base+"/api/v1/projects/user-alice/credentials/"+path, nil, jsonAs(w.token, "")...)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s credentials: %d %.400s", path, resp.StatusCode, raw)
		}
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatal(err)
		}
		return resp.Header
	}

	var storage StorageCredentials
	header := get("storage", &storage)
	if storage.AccessKeyID == "" || storage.SecretAccessKey == "" || storage.SessionToken == "" {
		t.Errorf("the store's keys must be STS ones, with a session token: %+v", storage)
	}
	if e := storage.Expiration; e == nil || !e.After(time.Now()) || e.After(time.Now().Add(2*time.Hour)) {
		t.Errorf("STS keys expire within the configured hour: %v", e)
	}
	if storage.Endpoint != w.env.S3Endpoint || storage.DefaultBucket == "" || len(storage.Snippets) == 0 {
		t.Errorf("endpoint, home and snippets: %+v", storage)
	}
	if !strings.Contains(header.Get("Cache-Control"), "no-store") {
		t.Errorf("storage keys must not be cached: Cache-Control %q", header.Get("Cache-Control"))
	}

	var secrets SecretsCredentials
	header = get("secrets", &secrets)
	if secrets.Token == "" || secrets.Address != w.env.VaultAddr || secrets.Home != testenv.UserVaultPath("alice") || len(secrets.Snippets) == 0 {
		t.Errorf("alice's Vault token, address, home and snippets: %+v", secrets)
	}
	if !strings.Contains(header.Get("Cache-Control"), "no-store") {
		t.Errorf("a Vault token must not be cached: Cache-Control %q", header.Get("Cache-Control"))
	}
}
