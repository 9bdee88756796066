package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// VaultLogin trades an ID token for a Vault token through the JWT auth method.
func (e *Env) VaultLogin(ctx context.Context, idToken string) (string, error) {
	var out struct {
		Auth struct {
			ClientToken string `json:"client_token"`
		} `json:"auth"`
	}
	body := map[string]any{"role": e.VaultJWTRole, "jwt": idToken}
	if err := e.Vault(ctx, "", http.MethodPost, "/v1/auth/"+e.VaultJWTMount+"/login", body, &out); err != nil {
		return "", err
	}
	return out.Auth.ClientToken, nil
}

// VaultError is an error answer of Vault.
type VaultError struct {
	Status int
	Errors []string `json:"errors"`
}

func (e *VaultError) Error() string { return fmt.Sprintf("vault: %d: %v", e.Status, e.Errors) }

// Vault sends one request to Vault's HTTP API with token (the root token when
// empty) and decodes the answer into out, if not nil. Error answers are
// *VaultError.
func (e *Env) Vault(ctx context.Context, token, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, e.VaultAddr+path, body)
	if err != nil {
		return err
	}
	if token == "" {
		token = e.VaultToken
	}
	req.Header.Set("X-Vault-Token", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		ve := &VaultError{Status: resp.StatusCode}
		_ = json.Unmarshal(data, ve)
		return ve
	}
	if out == nil || len(data) == 0 {
		return nil
	}
	return json.Unmarshal(data, out)
}
