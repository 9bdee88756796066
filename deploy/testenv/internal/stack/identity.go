package stack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/basalt-dev/basalt/deploy/testenv"
)

// identity starts the OIDC provider and its login app, registers the clients,
// then starts and configures MinIO and Vault, which trust the provider.
func (r *run) identity(ctx context.Context) error {
	t0 := time.Now()
	login, err := r.l.start("login-ui", r.self, []string{"login-ui",
		"-listen", fmt.Sprintf("127.0.0.1:%d", r.ports["login"]),
		"-admin", r.env.OIDCAdminURL,
	}, nil)
	if err != nil {
		return err
	}
	issuer := fmt.Sprintf("http://127.0.0.1:%d/", r.ports["hydra-public"])
	hydra, err := r.l.start("hydra", r.bins["hydra"], []string{"serve", "all", "--dev", "--sqa-opt-out"}, []string{
		"DSN=memory",
		"SQA_OPT_OUT=true", // no usage statistics leave the machine
		"LOG_LEVEL=warn",
		"URLS_SELF_ISSUER=" + issuer,
		"URLS_LOGIN=" + r.env.OIDCLoginURL + "/login",
		"URLS_CONSENT=" + r.env.OIDCLoginURL + "/consent",
		"URLS_LOGOUT=" + r.env.OIDCLoginURL + "/logout",
		"SERVE_PUBLIC_HOST=127.0.0.1",
		fmt.Sprintf("SERVE_PUBLIC_PORT=%d", r.ports["hydra-public"]),
		"SERVE_ADMIN_HOST=127.0.0.1",
		fmt.Sprintf("SERVE_ADMIN_PORT=%d", r.ports["hydra-admin"]),
		"SECRETS_SYSTEM=" + secret() + secret(),
		"STRATEGIES_ACCESS_TOKEN=jwt",
		"OAUTH2_PKCE_ENFORCED_FOR_PUBLIC_CLIENTS=true",
		"TTL_ID_TOKEN=1h",
		"TTL_ACCESS_TOKEN=1h",
	})
	if err != nil {
		return err
	}
	if err := login.waitFor(ctx, 10*time.Second, httpOK(http.DefaultClient, r.env.OIDCLoginURL+"/healthz", "")); err != nil {
		return err
	}
	if err := hydra.waitFor(ctx, 60*time.Second, httpOK(http.DefaultClient, r.env.OIDCAdminURL+"/health/ready", "")); err != nil {
		return err
	}
	// Trust the issuer the discovery document names, character for character:
	// MinIO and Vault compare it with the tokens' iss.
	var discovery struct {
		Issuer string `json:"issuer"`
	}
	if err := getJSON(ctx, issuer+".well-known/openid-configuration", &discovery); err != nil {
		return err
	}
	r.env.OIDCIssuer = discovery.Issuer
	if err := r.registerClients(ctx); err != nil {
		return err
	}
	r.ready("hydra (OIDC)", t0)

	var minioErr, vaultErr error
	var wg sync.WaitGroup
	if r.wants("s3") {
		wg.Go(func() { minioErr = r.minio(ctx) })
	}
	if r.wants("vault") {
		wg.Go(func() { vaultErr = r.vault(ctx) })
	}
	wg.Wait()
	return errors.Join(minioErr, vaultErr)
}

func (r *run) registerClients(ctx context.Context) error {
	scopes := "openid offline_access offline profile email groups roles"
	clients := []struct {
		id, secret *string
		body       map[string]any
	}{
		{&r.env.PortalClientID, &r.env.PortalClientSecret, map[string]any{
			"client_id":                  "basalt-portal",
			"client_name":                "Basalt portal",
			"client_secret":              r.env.PortalClientSecret,
			"token_endpoint_auth_method": "client_secret_basic",
			"redirect_uris":              r.env.PortalRedirectURLs,
			"post_logout_redirect_uris":  origins(r.env.PortalRedirectURLs),
		}},
		{&r.env.PortalPublicClientID, nil, map[string]any{
			"client_id":                  "basalt-portal-public",
			"client_name":                "Basalt portal (browser)",
			"token_endpoint_auth_method": "none",
			"redirect_uris":              r.env.PortalRedirectURLs,
			"post_logout_redirect_uris":  origins(r.env.PortalRedirectURLs),
		}},
		{&r.env.ServicesClientID, &r.env.ServicesClientSecret, map[string]any{
			"client_id":                  "basalt-services",
			"client_name":                "Basalt services (MinIO, Vault)",
			"client_secret":              r.env.ServicesClientSecret,
			"token_endpoint_auth_method": "client_secret_basic",
			"redirect_uris":              []string{r.env.ServicesClientRedirectURL},
		}},
	}
	for _, c := range clients {
		c.body["grant_types"] = []string{"authorization_code", "refresh_token"}
		c.body["response_types"] = []string{"code"}
		c.body["scope"] = scopes
		var out struct {
			ClientID string `json:"client_id"`
		}
		if err := sendJSON(ctx, http.MethodPost, r.env.OIDCAdminURL+"/admin/clients", c.body, &out, nil); err != nil {
			return fmt.Errorf("hydra: registering %s: %w", c.body["client_id"], err)
		}
		// Hydra may assign its own id; the env file carries the real one.
		*c.id = out.ClientID
	}
	return nil
}

// origins are the scheme://host:port/ of the URLs, for logout redirects.
func origins(urls []string) []string {
	var out []string
	for _, u := range urls {
		if i := strings.Index(u[strings.Index(u, "//")+2:], "/"); i >= 0 {
			u = u[:strings.Index(u, "//")+2+i]
		}
		out = append(out, u+"/")
	}
	return out
}

// minio starts MinIO: trusting the identity provider when it runs (STS for every user), with
// static keys alone otherwise; with a local store, on its port and data, for its user.
func (r *run) minio(ctx context.Context) error {
	t0 := time.Now()
	data := r.l.dataDir("minio")
	if r.opts.LocalStore != nil {
		data = r.l.storeData()
	}
	env := []string{
		"MINIO_ROOT_USER=" + r.env.S3AccessKey,
		"MINIO_ROOT_PASSWORD=" + r.env.S3SecretKey,
		"MINIO_BROWSER=off",
		"MINIO_UPDATE=off",
		"MINIO_REGION=" + r.env.S3Region,
	}
	if r.wants("oidc") {
		env = append(env,
			"MINIO_IDENTITY_OPENID_CONFIG_URL="+r.env.OIDCIssuerURL("/.well-known/openid-configuration"),
			"MINIO_IDENTITY_OPENID_CLIENT_ID="+r.env.ServicesClientID,
			"MINIO_IDENTITY_OPENID_CLAIM_NAME=policy")
	}
	p, err := r.l.start("minio", r.bins["minio"], []string{"server",
		"--address", fmt.Sprintf("127.0.0.1:%d", r.ports["minio"]),
		"--console-address", fmt.Sprintf("127.0.0.1:%d", r.ports["minio-console"]),
		"--quiet",
		data,
	}, env)
	if err != nil {
		return err
	}
	if err := p.waitFor(ctx, 60*time.Second, httpOK(http.DefaultClient, r.env.S3Endpoint+"/minio/health/ready", "")); err != nil {
		return err
	}
	root := r.env.RootS3()
	if s := r.opts.LocalStore; s != nil {
		// MinIO answers its readiness probe before its IAM subsystem is up.
		if err := p.waitFor(ctx, 60*time.Second, func(ctx context.Context) error { return s.provision(ctx, root) }); err != nil {
			return fmt.Errorf("minio: the local user's bucket and keys: %w", err)
		}
	}
	if !r.wants("oidc") {
		r.ready("minio (S3, static keys)", t0)
		return nil
	}
	// A user's policy names the bucket after the token's preferred_username,
	// so one policy serves every user; each project has its own.
	policies := map[string][]string{testenv.PolicyUser: {testenv.UserBucket("${jwt:preferred_username}")}}
	for _, g := range testenv.Groups() {
		policies[testenv.GroupPolicy(g)] = []string{testenv.GroupBucket(g)}
	}
	for name, buckets := range policies {
		// MinIO answers its readiness probe before its IAM subsystem is up.
		err := p.waitFor(ctx, 60*time.Second, func(ctx context.Context) error {
			return root.PutPolicy(ctx, name, testenv.BucketsPolicy(buckets...))
		})
		if err != nil {
			return fmt.Errorf("minio: policy %s: %w", name, err)
		}
	}
	for _, u := range testenv.Users {
		if err := root.MakeBucket(ctx, testenv.UserBucket(u.Name)); err != nil {
			return fmt.Errorf("minio: bucket of %s: %w", u.Name, err)
		}
	}
	for _, g := range testenv.Groups() {
		if err := root.MakeBucket(ctx, testenv.GroupBucket(g)); err != nil {
			return fmt.Errorf("minio: bucket of %s: %w", g, err)
		}
	}
	r.ready("minio (S3, STS)", t0)
	return nil
}

func (r *run) vault(ctx context.Context) error {
	t0 := time.Now()
	p, err := r.l.start("vault", r.bins["vault"], []string{"server", "-dev",
		"-dev-root-token-id=" + r.env.VaultToken,
		"-dev-listen-address=" + strings.TrimPrefix(r.env.VaultAddr, "http://"),
		"-dev-no-store-token",
		"-log-level=warn",
	}, []string{"HOME=" + r.l.dataDir("vault"), "VAULT_ADDR=", "VAULT_TOKEN="})
	if err != nil {
		return err
	}
	if err := p.waitFor(ctx, 60*time.Second, httpOK(http.DefaultClient, r.env.VaultAddr+"/v1/sys/health", "")); err != nil {
		return err
	}
	e, mount := r.env, r.env.VaultJWTMount
	var mounts map[string]struct {
		Type    string `json:"type"`
		Options map[string]string
	}
	if err := e.Vault(ctx, "", http.MethodGet, "/v1/sys/mounts", nil, &struct {
		Data *map[string]struct {
			Type    string `json:"type"`
			Options map[string]string
		} `json:"data"`
	}{&mounts}); err != nil {
		return fmt.Errorf("vault: %w", err)
	}
	if m, ok := mounts[e.VaultKVMount+"/"]; !ok || m.Type != "kv" || m.Options["version"] != "2" {
		body := map[string]any{"type": "kv", "options": map[string]string{"version": "2"}}
		if err := e.Vault(ctx, "", http.MethodPost, "/v1/sys/mounts/"+e.VaultKVMount, body, nil); err != nil {
			return fmt.Errorf("vault: mounting KV v2: %w", err)
		}
	}
	steps := []struct {
		path string
		body map[string]any
	}{
		{"/v1/sys/auth/" + mount, map[string]any{"type": "jwt"}},
		{"/v1/auth/" + mount + "/config", map[string]any{
			"oidc_discovery_url": e.OIDCIssuer,
			"bound_issuer":       e.OIDCIssuer,
			"default_role":       e.VaultJWTRole,
		}},
	}
	for _, s := range steps {
		if err := e.Vault(ctx, "", http.MethodPost, s.path, s.body, nil); err != nil {
			return fmt.Errorf("vault: %s: %w", s.path, err)
		}
	}
	var auth struct {
		Data map[string]struct {
			Accessor string `json:"accessor"`
		} `json:"data"`
	}
	if err := e.Vault(ctx, "", http.MethodGet, "/v1/sys/auth", nil, &auth); err != nil {
		return fmt.Errorf("vault: %w", err)
	}
	accessor := auth.Data[mount+"/"].Accessor
	// The entity alias of a JWT login is the user_claim, preferred_username.
	self := "{{identity.entity.aliases." + accessor + ".name}}"
	policies := map[string]string{"basalt-user": kvPolicy(e.VaultKVMount, testenv.UserVaultPath(self))}
	for _, g := range testenv.Groups() {
		policies["project-"+g] = kvPolicy(e.VaultKVMount, testenv.GroupVaultPath(g))
	}
	for name, text := range policies {
		if err := e.Vault(ctx, "", http.MethodPut, "/v1/sys/policies/acl/"+name, map[string]any{"policy": text}, nil); err != nil {
			return fmt.Errorf("vault: policy %s: %w", name, err)
		}
	}
	audiences := []string{e.ServicesClientID, e.PortalClientID, e.PortalPublicClientID}
	role := map[string]any{
		"role_type":       "jwt",
		"bound_audiences": audiences,
		"user_claim":      "preferred_username",
		"groups_claim":    "groups",
		"claim_mappings":  map[string]string{"email": "email"},
		"token_policies":  []string{"basalt-user"},
		"token_ttl":       "1h",
	}
	if err := e.Vault(ctx, "", http.MethodPost, "/v1/auth/"+mount+"/role/"+e.VaultJWTRole, role, nil); err != nil {
		return fmt.Errorf("vault: role: %w", err)
	}
	// A project's policy reaches its members through an external group whose
	// alias is the group's name in the token's groups claim.
	for _, g := range testenv.Groups() {
		var group struct {
			Data struct {
				ID string `json:"id"`
			} `json:"data"`
		}
		body := map[string]any{"name": g, "type": "external", "policies": []string{"project-" + g}}
		if err := e.Vault(ctx, "", http.MethodPost, "/v1/identity/group", body, &group); err != nil {
			return fmt.Errorf("vault: group %s: %w", g, err)
		}
		alias := map[string]any{"name": g, "mount_accessor": accessor, "canonical_id": group.Data.ID}
		if err := e.Vault(ctx, "", http.MethodPost, "/v1/identity/group-alias", alias, nil); err != nil {
			return fmt.Errorf("vault: group alias %s: %w", g, err)
		}
	}
	r.ready("vault (KV v2, JWT)", t0)
	return nil
}

// kvPolicy lets its holder do everything under one path of a KV v2 mount.
func kvPolicy(mount, path string) string {
	return fmt.Sprintf(`path "%[1]s/data/%[2]s/*" { capabilities = ["create", "read", "update", "patch", "delete", "list"] }
path "%[1]s/metadata/%[2]s/*" { capabilities = ["read", "list", "delete"] }
path "%[1]s/metadata/%[2]s" { capabilities = ["read", "list"] }
path "%[1]s/delete/%[2]s/*" { capabilities = ["update"] }
path "%[1]s/undelete/%[2]s/*" { capabilities = ["update"] }
path "%[1]s/destroy/%[2]s/*" { capabilities = ["update"] }
`, mount, path)
}

func getJSON(ctx context.Context, url string, out any) error {
	return sendJSON(ctx, http.MethodGet, url, nil, out, nil)
}

func sendJSON(ctx context.Context, method, url string, in, out any, header http.Header) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, url, resp.Status, bytes.TrimSpace(data))
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}
