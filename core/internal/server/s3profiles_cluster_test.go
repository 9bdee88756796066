package server

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/documents"
	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk/plugintest/logscan"
)

// TestS3ProfileForServicesOnTheCluster keeps a user's own S3 profile in Vault through the API,
// chooses it for their services and launches Onyxia's jupyter-python on the sandbox cluster:
// the release's S3 Secret holds the profile's endpoint and keys instead of the user's STS
// ones. Another user never sees the profile, and the version an update replaced is destroyed.
// It runs as dave, so that launches of alice's in other tests keep her STS credentials.
func TestS3ProfileForServicesOnTheCluster(t *testing.T) {
	w := newInjectionWorld(t)
	ctx := t.Context()
	daveToken, err := w.env.IDToken(ctx, "dave")
	if err != nil {
		t.Fatal(err)
	}
	dave := *w
	dave.token, dave.ns = daveToken, "user-dave"

	accessKey, secretKey := fmt.Sprintf("AKIAOWN%d", time.Now().UnixNano()), logscan.Canary()
	create := fmt.Sprintf(`{"name":"own-store","url":"https://s3.own-store.example:9443","region":"eu-north-1","pathStyleAccess":true,
		"accessKeyId":%q,"secretAccessKey":%q}`, accessKey, secretKey)
	if code := dave.call(t, "POST", "/me/s3-profiles", create, nil); code != http.StatusCreated {
		t.Fatalf("create: %d", code)
	}
	t.Cleanup(func() { dave.call(t, "DELETE", "/me/s3-profiles/own-store", "", nil) })
	// Chosen for services by an update that sends no secret: the saved key stays.
	if code := dave.call(t, "PUT", "/me/s3-profiles/own-store", `{"url":"https://s3.own-store.example:9443","region":"eu-north-1",
		"pathStyleAccess":true,"accessKeyId":"`+accessKey+`","defaultForServices":true}`, nil); code != http.StatusOK {
		t.Fatalf("choose for services: %d", code)
	}

	// In Vault, the document the update replaced is destroyed: its keys live on nowhere.
	var meta struct {
		Data struct {
			CurrentVersion int `json:"current_version"`
			Versions       map[string]struct {
				Destroyed bool `json:"destroyed"`
			} `json:"versions"`
		} `json:"data"`
	}
	if err := w.env.Vault(ctx, "", "GET", "/v1/"+w.env.VaultKVMount+"/metadata/"+testenv.UserVaultPath("dave")+"/"+documents.S3Profiles, nil, &meta); err != nil {
		t.Fatal(err)
	}
	// Vault keeps the last versions only, so the latest is the current one, not the count:
	// the shared test environment's Vault holds the versions of earlier runs too.
	for v, m := range meta.Data.Versions {
		if last := fmt.Sprint(meta.Data.CurrentVersion); v != last && !m.Destroyed {
			t.Errorf("version %s of the profiles (latest %s) is still readable in Vault", v, last)
		}
	}

	// Alice sees none of it.
	var list struct {
		Profiles []struct{ Name string } `json:"profiles"`
	}
	if code := w.call(t, "GET", "/me/s3-profiles", "", &list); code != http.StatusOK || len(list.Profiles) != 0 {
		t.Errorf("alice's profiles: %d %+v", code, list.Profiles)
	}
	if code := w.call(t, "GET", "/me/s3-profiles/own-store/credentials", "", nil); code != http.StatusNotFound {
		t.Errorf("alice reads dave's profile: %d", code)
	}

	name := dave.launch(t, config.SecretInjectionScopedToken, "")
	s3 := dave.secret(t, name+"-secrets3")
	want := map[string]string{"AWS_ACCESS_KEY_ID": accessKey, "AWS_SECRET_ACCESS_KEY": secretKey, "AWS_SESSION_TOKEN": "",
		"AWS_S3_ENDPOINT": "s3.own-store.example", "AWS_DEFAULT_REGION": "eu-north-1", "AWS_PATH_STYLE_ACCESS": "true"}
	for k, v := range want {
		if s3[k] != v {
			t.Errorf("the release's S3 Secret: %s = %q, want %q", k, s3[k], v)
		}
	}
	var details struct {
		Values map[string]any `json:"values"`
	}
	if code := dave.call(t, "GET", "/projects/user-dave/services/"+name+"?values=true&region="+config.SecretInjectionScopedToken, "", &details); code != http.StatusOK {
		t.Fatalf("service: %d", code)
	}
	if s3v, _ := details.Values["s3"].(map[string]any); s3v["accessKeyId"] != accessKey || !strings.Contains(fmt.Sprint(s3v["endpoint"]), "own-store") {
		t.Errorf("the release's values: s3 = %v", s3v)
	}
}
