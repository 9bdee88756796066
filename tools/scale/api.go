package scale

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// API calls Basalt as its users' programs do, with a bearer ID token.
type API struct {
	URL    string
	client *http.Client
}

// NewAPI returns a client of the Basalt at url that keeps enough connections open for the
// load phase's users.
func NewAPI(url string) *API {
	return &API{URL: url, client: &http.Client{
		Timeout:   5 * time.Minute, // each call is bounded by its context besides
		Transport: &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, IdleConnTimeout: time.Minute},
	}}
}

// Answer is one call's status, body and duration.
type Answer struct {
	Status int
	Body   []byte
	Took   time.Duration
}

// Do sends one call as the holder of token; in, if not nil, is sent as JSON.
func (a *API) Do(ctx context.Context, token, method, path string, in any) (Answer, error) {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return Answer{}, err
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.URL+path, body)
	if err != nil {
		return Answer{}, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	began := time.Now()
	resp, err := a.client.Do(req)
	if err != nil {
		return Answer{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return Answer{Status: resp.StatusCode, Body: data, Took: time.Since(began)}, err
}

// Get calls path and decodes a 200 answer into out, if not nil.
func (a *API) Get(ctx context.Context, token, path string, out any) (Answer, error) {
	ans, err := a.Do(ctx, token, http.MethodGet, path, nil)
	if err != nil {
		return ans, err
	}
	if ans.Status != http.StatusOK {
		return ans, fmt.Errorf("GET %s: %d %s", path, ans.Status, bytes.TrimSpace(ans.Body))
	}
	if out != nil {
		return ans, json.Unmarshal(ans.Body, out)
	}
	return ans, nil
}

// LaunchRequest is the body of a launch.
type LaunchRequest struct {
	Catalog string         `json:"catalog"`
	Chart   string         `json:"chart"`
	Values  map[string]any `json:"values,omitempty"`
}

// Launch launches a service in project and returns its id. A refusal (429 included) is an
// error carrying the status.
func (a *API) Launch(ctx context.Context, token, project string, r LaunchRequest) (string, Answer, error) {
	ans, err := a.Do(ctx, token, http.MethodPost, "/api/v1/projects/"+project+"/services", r)
	if err != nil {
		return "", ans, err
	}
	if ans.Status != http.StatusAccepted {
		return "", ans, &RefusedError{Status: ans.Status, Body: string(bytes.TrimSpace(ans.Body))}
	}
	var out struct{ Service struct{ ID string } }
	if err := json.Unmarshal(ans.Body, &out); err != nil {
		return "", ans, err
	}
	return out.Service.ID, ans, nil
}

// RefusedError is a call Basalt answered with an error status.
type RefusedError struct {
	Status int
	Body   string
}

func (e *RefusedError) Error() string { return fmt.Sprintf("%d %s", e.Status, e.Body) }
