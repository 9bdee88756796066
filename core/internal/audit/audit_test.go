package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// receiver is a webhook that fails its first `failures` posts, then keeps what it gets.
type receiver struct {
	mu       sync.Mutex
	failures int32
	calls    atomic.Int32
	events   []Event
	auth     []string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rc.calls.Add(1) <= rc.failures {
		http.Error(w, "try later", http.StatusServiceUnavailable)
		return
	}
	var e Event
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &e); err != nil || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "bad event", http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	rc.events = append(rc.events, e)
	rc.auth = append(rc.auth, r.Header.Get("Authorization"))
	rc.mu.Unlock()
}

func TestWebhookReceivesEveryEventWithItsHeadersAfterRetries(t *testing.T) {
	rc := &receiver{failures: 2}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	var logs bytes.Buffer
	r := New(slog.New(slog.NewJSONHandler(&logs, nil)), Webhook{URL: srv.URL,
		Headers: map[string]string{"Authorization": "Bearer hook-secret-123"}, Attempts: 3})

	r.Record(t.Context(), Event{Actor: "alice", Project: "user-alice", Action: "services.delete", Target: "jupyter-1", Outcome: Success, Status: 204})
	r.Record(t.Context(), Event{Actor: "bob", Project: "project-data-team", Action: "secrets.write", Target: "db", Outcome: Denied, Status: 404})
	if err := r.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(rc.events) != 2 || rc.events[0].Action != "services.delete" || rc.events[1].Actor != "bob" || rc.events[0].Time.IsZero() {
		t.Fatalf("webhook got %+v", rc.events)
	}
	for _, a := range rc.auth {
		if a != "Bearer hook-secret-123" {
			t.Errorf("Authorization header %q", a)
		}
	}
	if got := rc.calls.Load(); got != 4 {
		t.Errorf("%d posts, want 4 (2 refused, then 2 delivered)", got)
	}
	if strings.Count(logs.String(), `"audit":true`) != 2 {
		t.Errorf("want 2 audit lines in the log:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "hook-secret-123") {
		t.Error("a webhook header reached the log")
	}
}

func TestAnEventTheWebhookNeverTakesIsLoggedAsLost(t *testing.T) {
	rc := &receiver{failures: 1 << 30}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	var logs bytes.Buffer
	r := New(slog.New(slog.NewJSONHandler(&logs, nil)), Webhook{URL: srv.URL + "/?token=query-secret-9", Attempts: 2})
	r.Record(t.Context(), Event{Actor: "alice", Action: "files.delete", Outcome: Success})
	if err := r.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if rc.calls.Load() != 2 {
		t.Errorf("%d posts, want 2 attempts", rc.calls.Load())
	}
	if !strings.Contains(logs.String(), "audit event lost") || !strings.Contains(logs.String(), "503") {
		t.Errorf("the loss is not logged with its reason:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "query-secret-9") {
		t.Error("the webhook URL's token reached the log")
	}
}

func TestUnreachableWebhookDoesNotLeakItsURL(t *testing.T) {
	var logs bytes.Buffer
	r := New(slog.New(slog.NewJSONHandler(&logs, nil)), Webhook{URL: "http://127.0.0.1:1/hook?token=query-secret-9", Attempts: 1, Timeout: time.Second})
	r.Record(t.Context(), Event{Actor: "alice", Action: "files.delete", Outcome: Success})
	if err := r.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "audit event lost") || strings.Contains(logs.String(), "query-secret-9") {
		t.Errorf("log:\n%s", logs.String())
	}
}

func TestCloseGivesUpAtItsDeadline(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
	defer srv.Close()
	defer close(block)
	r := New(slog.New(slog.NewTextHandler(io.Discard, nil)), Webhook{URL: srv.URL, Attempts: 1, Timeout: time.Minute})
	r.Record(t.Context(), Event{Actor: "alice", Action: "a", Outcome: Success})
	r.Record(t.Context(), Event{Actor: "alice", Action: "b", Outcome: Success})
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if err := r.Close(ctx); err == nil || !strings.Contains(err.Error(), "not delivered") {
		t.Fatalf("Close: %v, want a deadline error naming undelivered events", err)
	}
}

func TestWithoutWebhookEventsGoToTheLogOnly(t *testing.T) {
	var logs bytes.Buffer
	r := New(slog.New(slog.NewJSONHandler(&logs, nil)), Webhook{})
	r.Record(t.Context(), Event{Actor: "carol", Action: "catalogs.refresh", Outcome: Success, Status: 204})
	if err := r.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	var line map[string]any
	if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	if line["actor"] != "carol" || line["action"] != "catalogs.refresh" || line["outcome"] != "success" {
		t.Errorf("log line %v", line)
	}
}
