// Package audit records every state-changing action as one structured event (who, project,
// what, outcome): always in the log, in memory for administrators (the last RecentCapacity
// events of this replica), and to a webhook when one is configured. Delivery to the
// webhook is asynchronous so that a slow receiver never slows users down; an event it cannot
// take after a few tries is logged as lost, never silently dropped.
package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Outcomes of an action.
const (
	Success = "success"
	Denied  = "denied" // refused: not signed in, not allowed, not found for this caller
	Failed  = "failed"
)

// Event is one state-changing action.
type Event struct {
	Time      time.Time `json:"time"`
	Actor     string    `json:"actor"`
	Project   string    `json:"project,omitempty"`
	Action    string    `json:"action"`           // e.g. services.delete
	Target    string    `json:"target,omitempty"` // e.g. a service id or a file path
	Outcome   string    `json:"outcome"`
	Status    int       `json:"status,omitempty"` // the HTTP status answered
	RequestID string    `json:"request_id,omitempty"`
}

// Webhook is where events are posted; a zero URL posts nowhere.
type Webhook struct {
	URL     string
	Headers map[string]string
	Timeout time.Duration
	// Attempts per event before it is logged as lost; 0 means 3.
	Attempts int
	Client   *http.Client
}

// Recorder writes events. Its zero value is not usable: build it with New.
type Recorder struct {
	log   *slog.Logger
	hook  Webhook
	queue chan Event
	done  chan struct{}
	once  sync.Once
	// recent keeps the last events for administrators' pages, webhook or not.
	recent *recent
}

// queueSize bounds the events waiting for the webhook; beyond it new events are logged as
// lost rather than holding requests back.
const queueSize = 4096

// New starts a recorder. Close it to deliver the events still queued.
func New(log *slog.Logger, hook Webhook) *Recorder {
	r := &Recorder{log: log, hook: hook, done: make(chan struct{}), recent: newRecent(RecentCapacity)}
	if hook.URL == "" {
		close(r.done)
		return r
	}
	if r.hook.Attempts <= 0 {
		r.hook.Attempts = 3
	}
	if r.hook.Timeout <= 0 {
		r.hook.Timeout = 5 * time.Second
	}
	if r.hook.Client == nil {
		r.hook.Client = &http.Client{}
	}
	r.queue = make(chan Event, queueSize)
	go r.deliver()
	return r
}

// Record logs e and queues it for the webhook.
func (r *Recorder) Record(ctx context.Context, e Event) {
	if e.Time.IsZero() {
		e.Time = time.Now().UTC()
	}
	r.log.LogAttrs(ctx, slog.LevelInfo, "audit", slog.Bool("audit", true), slog.String("actor", e.Actor),
		slog.String("project", e.Project), slog.String("action", e.Action), slog.String("target", e.Target),
		slog.String("outcome", e.Outcome), slog.Int("status", e.Status), slog.String("request_id", e.RequestID))
	r.recent.add(e)
	if r.queue == nil {
		return
	}
	select {
	case r.queue <- e:
	default:
		r.log.Error("audit event lost: the webhook queue is full", "action", e.Action, "actor", e.Actor, "request_id", e.RequestID)
	}
}

// Close stops taking events and waits, up to ctx, for the queued ones to be delivered.
func (r *Recorder) Close(ctx context.Context) error {
	if r.queue != nil {
		r.once.Do(func() { close(r.queue) })
	}
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("audit: %d events not delivered: %w", len(r.queue), ctx.Err())
	}
}

func (r *Recorder) deliver() {
	defer close(r.done)
	for e := range r.queue {
		var err error
		for attempt := 1; attempt <= r.hook.Attempts; attempt++ {
			if err = r.post(e); err == nil {
				break
			}
			if attempt < r.hook.Attempts {
				time.Sleep(time.Duration(attempt) * 200 * time.Millisecond)
			}
		}
		if err != nil {
			r.log.Error("audit event lost: the webhook refused it", "action", e.Action, "actor", e.Actor,
				"request_id", e.RequestID, "error", err)
		}
	}
}

func (r *Recorder) post(e Event) error {
	body, err := json.Marshal(e)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.hook.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.hook.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range r.hook.Headers {
		req.Header.Set(k, v)
	}
	resp, err := r.hook.Client.Do(req)
	if err != nil {
		// Without the URL: it may carry a token in its query.
		var ue *url.Error
		if errors.As(err, &ue) {
			return ue.Err
		}
		return err
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		// The status only: the receiver's body may echo the headers we sent.
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	return nil
}
