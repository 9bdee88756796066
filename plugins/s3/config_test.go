package s3

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/sdk"
)

func TestParseConfigDefaults(t *testing.T) {
	cfg, err := parseConfig([]byte(`{"endpoint": "http://127.0.0.1:9000/", "sts": {}}`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Endpoint != "http://127.0.0.1:9000" || cfg.ServiceEndpoint != cfg.Endpoint || cfg.Region != "us-east-1" || !cfg.PathStyle || cfg.STS.DurationSeconds != 3600 {
		t.Errorf("defaults: %+v", cfg)
	}
	h, err := cfg.userHome("alice")
	if err != nil || h != (home{Bucket: "user-alice"}) {
		t.Errorf("multi home of alice: %+v, %v", h, err)
	}
	if _, err := cfg.userHome("Alice_X"); !errors.Is(err, sdk.ErrInvalidArgument) {
		t.Errorf("a username that cannot name a bucket: %v", err)
	}
}

func TestParseConfigServiceEndpoint(t *testing.T) {
	cfg, err := parseConfig([]byte(`{"endpoint": "http://127.0.0.1:9000", "serviceEndpoint": "http://10.88.0.1:9000/", "sts": {}}`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Endpoint != "http://127.0.0.1:9000" || cfg.ServiceEndpoint != "http://10.88.0.1:9000" {
		t.Errorf("endpoint %q, serviceEndpoint %q", cfg.Endpoint, cfg.ServiceEndpoint)
	}
}

func TestParseConfigErrorsNameFields(t *testing.T) {
	for _, tc := range []struct {
		config string
		fields []string
	}{
		{`{"endpoint": "minio:9000", "sts": {}}`, []string{"endpoint"}},
		{`{"endpoint": "http://m", "serviceEndpoint": "http://10.0.0.1:9000/data", "sts": {}}`, []string{"serviceEndpoint"}},
		{`{"endpoint": "http://m"}`, []string{"sts"}},
		{`{"endpoint": "http://m", "sts": {}, "staticCredentials": {"accessKeyID": "a", "secretAccessKey": "b"}}`, []string{"staticCredentials"}},
		{`{"endpoint": "http://m", "sts": {"durationSeconds": 60, "roles": [{"roleARN": "r", "claimName": "groups", "includedClaimPattern": "("}]}}`,
			[]string{"sts.durationSeconds", "sts.roles[0].includedClaimPattern"}},
		{`{"endpoint": "http://m", "sts": {}, "workingDirectory": {"bucketMode": "shared", "prefix": "a/"}}`,
			[]string{"workingDirectory.bucketName", "workingDirectory.prefix"}},
		{`{"endpoint": "http://m", "sts": {}, "workingDirectory": {"bucketNamePrefix": "p-", "bucketNamePrefixGroup": "p-g-"}}`,
			[]string{"workingDirectory.bucketNamePrefixGroup"}},
		{`{"endpoint": "http://m", "sts": {}, "maxPresignExpiry": "200h", "upload": {"partSizeMiB": 1}}`,
			[]string{"maxPresignExpiry", "upload.partSizeMiB"}},
	} {
		_, err := parseConfig([]byte(tc.config))
		var got []string
		for _, f := range sdk.FieldsOf(err) {
			got = append(got, f.Field)
		}
		if !errors.Is(err, sdk.ErrInvalidArgument) || !slices.Equal(got, tc.fields) {
			t.Errorf("%s: got %v (fields %q), want fields %q", tc.config, err, got, tc.fields)
		}
	}
	if _, err := parseConfig([]byte(`{"endpoint": "http://m", "sts": {}, "bucket": "x"}`)); !errors.Is(err, sdk.ErrInvalidArgument) || !strings.Contains(err.Error(), "bucket") {
		t.Errorf("an unknown key: %v", err)
	}
}

func TestSharedHomes(t *testing.T) {
	cfg, err := parseConfig([]byte(`{"endpoint": "http://m", "sts": {}, "workingDirectory": {"bucketMode": "shared", "bucketName": "data", "prefix": "u-", "prefixGroup": "g-"}}`))
	if err != nil {
		t.Fatal(err)
	}
	alice := sdk.Caller{Username: "alice", Groups: []string{"team"}}
	homes, err := cfg.homes(alice)
	if err != nil || !slices.Equal(homes, []home{{Bucket: "data", Key: "u-alice/"}, {Bucket: "data", Key: "g-team/"}}) {
		t.Fatalf("homes: %+v, %v", homes, err)
	}
	for key, allowed := range map[string]bool{
		"u-alice/": true, "u-alice/x": true, "g-team/a/b": true,
		"": false, "u-alicex/": false, "u-bob/x": false, "u-alice": false, "u-alice/../u-bob/x": false,
	} {
		err := cfg.authorize(alice, sdk.ObjectRef{Bucket: "data", Key: key}, "object")
		if (err == nil) != allowed {
			t.Errorf("authorize %q: %v, want allowed=%v", key, err, allowed)
		}
	}
	if _, err := cfg.projectHome(alice, sdk.Project{ID: "project-other", Group: "other"}); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("home of a group alice is not in: %v", err)
	}
}

func token(claims map[string]any) string {
	payload, _ := json.Marshal(claims)
	return "e30." + base64.RawURLEncoding.EncodeToString(payload) + ".sig"
}

func TestRoleByClaim(t *testing.T) {
	cfg, err := parseConfig([]byte(`{"endpoint": "http://m", "sts": {"roles": [
		{"roleARN": "arn:aws:iam::1:role/admin", "claimName": "realm.roles", "includedClaimPattern": "^admin$"},
		{"roleARN": "arn:aws:iam::1:role/team-$1", "claimName": "groups", "includedClaimPattern": "^team-(.+)$", "excludedClaimPattern": "^team-old$"}
	]}}`))
	if err != nil {
		t.Fatal(err)
	}
	ss := &sessions{cfg: cfg}
	for _, tc := range []struct {
		claims map[string]any
		want   string
	}{
		{map[string]any{"realm": map[string]any{"roles": []any{"user", "admin"}}}, "arn:aws:iam::1:role/admin"},
		{map[string]any{"groups": []any{"team-old", "team-data"}}, "arn:aws:iam::1:role/team-data"},
		{map[string]any{"groups": "team-x"}, "arn:aws:iam::1:role/team-x"},
		{map[string]any{"groups": []any{"team-old", "other"}}, ""},
	} {
		role, err := ss.role(sdk.Caller{Username: "u", IDToken: token(tc.claims)})
		if tc.want == "" {
			if !errors.Is(err, sdk.ErrPermissionDenied) {
				t.Errorf("%v: got role %q, %v; want no role", tc.claims, role.RoleARN, err)
			}
			continue
		}
		if err != nil || role.RoleARN != tc.want {
			t.Errorf("%v: got %q, %v; want %q", tc.claims, role.RoleARN, err, tc.want)
		}
	}
	// Without the claim in the token, the caller's groups from the core stand in.
	role, err := ss.role(sdk.Caller{Username: "u", Groups: []string{"team-ops"}})
	if err != nil || role.RoleARN != "arn:aws:iam::1:role/team-ops" {
		t.Errorf("from the caller's groups: %q, %v", role.RoleARN, err)
	}
}

func TestPolicyStatements(t *testing.T) {
	p, err := parsePolicy(`{"Version":"2012-10-17","Statement":[{"Sid":"Other","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/x/*"}]}`)
	if err != nil {
		t.Fatal(err)
	}
	p.setPublic("b", []string{"pub/", "a/b/"})
	if got := publicPrefixes(p, "b"); !slices.Equal(got, []string{"a/b/", "pub/"}) {
		t.Errorf("public prefixes: %q", got)
	}
	if len(p.Statement) != 3 || p.Statement[0]["Sid"] != "Other" {
		t.Errorf("statements: %v", p.Statement)
	}
	p.setPublic("b", nil)
	if len(p.Statement) != 1 || p.Statement[0]["Sid"] != "Other" {
		t.Errorf("after removing every prefix: %v", p.Statement)
	}
	if _, err := parsePolicy("{"); !errors.Is(err, sdk.ErrConflict) {
		t.Errorf("a broken policy: %v", err)
	}
}

func TestPageToken(t *testing.T) {
	if _, err := decodePageToken("!!"); !errors.Is(err, sdk.ErrInvalidArgument) {
		t.Errorf("a forged token: %v", err)
	}
	key, err := decodePageToken(base64.RawURLEncoding.EncodeToString([]byte("a/b")))
	if err != nil || key != "a/b" {
		t.Errorf("a token: %q, %v", key, err)
	}
}
