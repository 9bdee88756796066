package scale

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/basalt-dev/basalt/deploy/testenv"
)

// kube is the harness's own client of the sandbox's API server, as its administrator, in
// JSON; its requests do not pass the APICounter.
type kube struct {
	env    *testenv.Env
	client *http.Client
}

func newKube(env *testenv.Env) (*kube, error) {
	c, err := env.KubeHTTPClient()
	if err != nil {
		return nil, err
	}
	c.Timeout = 0 // watches last; each call has its context
	t := c.Transport.(*http.Transport)
	t.MaxIdleConnsPerHost = 64
	return &kube{env: env, client: c}, nil
}

func (k *kube) request(ctx context.Context, method, path string, in any) (*http.Request, error) {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, k.env.KubeServer+path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+k.env.KubeToken)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}

// do sends one request and decodes a 2xx answer into out, if not nil. A 409 on a create is
// an error the caller may test with isConflict.
func (k *kube) do(ctx context.Context, method, path string, in, out any) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req, err := k.request(ctx, method, path, in)
	if err != nil {
		return err
	}
	resp, err := k.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return &kubeError{status: resp.StatusCode, msg: fmt.Sprintf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(data))}
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}

type kubeError struct {
	status int
	msg    string
}

func (e *kubeError) Error() string { return e.msg }

func isStatus(err error, status int) bool {
	ke, ok := err.(*kubeError)
	return ok && ke.status == status
}

// watchEvent is one event of a watch: its type and object, raw.
type watchEvent struct {
	Type   string          `json:"type"`
	Object json.RawMessage `json:"object"`
}

// watch follows path (a list with watch=true added) until ctx ends, calling each for every
// event; it starts again where it stopped when the server ends the watch.
func (k *kube) watch(ctx context.Context, path string, each func(watchEvent)) error {
	for ctx.Err() == nil {
		req, err := k.request(ctx, http.MethodGet, path, nil)
		if err != nil {
			return err
		}
		q := req.URL.Query()
		q.Set("watch", "true")
		req.URL.RawQuery = q.Encode()
		resp, err := k.client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			time.Sleep(time.Second)
			continue
		}
		dec := json.NewDecoder(bufio.NewReader(resp.Body))
		for {
			var ev watchEvent
			if err := dec.Decode(&ev); err != nil {
				break
			}
			each(ev)
		}
		resp.Body.Close()
	}
	return nil
}

// apiserverRequests is the API server's count of the requests it has served, every client's,
// from its metrics (apiserver_request_total).
func apiserverRequests(ctx context.Context, k *kube) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req, err := k.request(ctx, http.MethodGet, "/metrics", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", "text/plain")
	resp, err := k.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("the API server's metrics: %s", resp.Status)
	}
	var total float64
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "apiserver_request_total{") {
			continue
		}
		if i := strings.LastIndexByte(line, ' '); i > 0 {
			v, err := strconv.ParseFloat(line[i+1:], 64)
			if err == nil {
				total += v
			}
		}
	}
	return total, sc.Err()
}
