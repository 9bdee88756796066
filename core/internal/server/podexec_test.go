package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/basalt-dev/basalt/deploy/testenv"
)

// podExec runs a command in a pod's container through the API server, as kubectl exec does
// (the v5.channel.k8s.io WebSocket protocol: each message's first byte names its stream), and
// returns what it wrote to stdout and stderr. A command that exits non-zero is an error.
func podExec(ctx context.Context, env *testenv.Env, ns, pod, container string, command ...string) (stdout, stderr string, err error) {
	client, err := env.KubeHTTPClient()
	if err != nil {
		return "", "", err
	}
	q := url.Values{"container": {container}, "stdout": {"true"}, "stderr": {"true"}, "command": command}
	u := strings.Replace(env.KubeServer, "https://", "wss://", 1) + "/api/v1/namespaces/" + ns + "/pods/" + pod + "/exec?" + q.Encode()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{
		HTTPClient:   client,
		HTTPHeader:   http.Header{"Authorization": {"Bearer " + env.KubeToken}},
		Subprotocols: []string{"v5.channel.k8s.io"},
	})
	if err != nil {
		return "", "", fmt.Errorf("exec in %s/%s: %w", ns, pod, err)
	}
	defer conn.CloseNow()
	conn.SetReadLimit(16 << 20)
	var out, errOut bytes.Buffer
	for {
		_, msg, err := conn.Read(ctx)
		if err != nil {
			if websocket.CloseStatus(err) == websocket.StatusNormalClosure {
				return out.String(), errOut.String(), nil
			}
			return out.String(), errOut.String(), fmt.Errorf("exec in %s/%s: %w", ns, pod, err)
		}
		if len(msg) == 0 {
			continue
		}
		switch msg[0] {
		case 1:
			out.Write(msg[1:])
		case 2:
			errOut.Write(msg[1:])
		case 3: // the command's end, as a Status
			var status struct{ Status, Message string }
			if len(msg) > 1 && json.Unmarshal(msg[1:], &status) == nil && status.Status != "Success" {
				return out.String(), errOut.String(), fmt.Errorf("exec in %s/%s: %s", ns, pod, status.Message)
			}
			return out.String(), errOut.String(), nil
		}
	}
}
