package audit

import (
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"
)

func actions(events []Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.Action
	}
	return out
}

func TestRecentSelectsNewestFirst(t *testing.T) {
	r := New(slog.New(slog.NewTextHandler(io.Discard, nil)), Webhook{})
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for i, e := range []Event{
		{Actor: "alice", Project: "user-alice", Action: "services.launch", Outcome: Success},
		{Actor: "bob", Project: "project-data-team", Action: "secrets.write", Outcome: Denied},
		{Actor: "alice", Project: "project-data-team", Action: "services.delete", Outcome: Failed},
		{Actor: "alice", Project: "user-alice", Action: "files.upload", Outcome: Success},
		{Actor: "carol", Action: "fleet.action", Outcome: Success},
	} {
		e.Time = t0.Add(time.Duration(i) * time.Minute)
		r.Record(t.Context(), e)
	}
	for name, c := range map[string]struct {
		q    Query
		want []string
	}{
		"all":            {Query{}, []string{"fleet.action", "files.upload", "services.delete", "secrets.write", "services.launch"}},
		"actor":          {Query{Actor: "alice"}, []string{"files.upload", "services.delete", "services.launch"}},
		"project":        {Query{Project: "project-data-team"}, []string{"services.delete", "secrets.write"}},
		"action prefix":  {Query{Action: "services."}, []string{"services.delete", "services.launch"}},
		"outcome":        {Query{Outcome: Success}, []string{"fleet.action", "files.upload", "services.launch"}},
		"since":          {Query{Since: t0.Add(2 * time.Minute)}, []string{"fleet.action", "files.upload", "services.delete"}},
		"limit":          {Query{Limit: 2}, []string{"fleet.action", "files.upload"}},
		"limit filtered": {Query{Actor: "alice", Limit: 2}, []string{"files.upload", "services.delete"}},
		"none":           {Query{Actor: "dave"}, []string{}},
	} {
		got := r.Recent(c.q)
		if !slices.Equal(actions(got.Events), c.want) || got.Capacity != RecentCapacity || got.Held != 5 {
			t.Errorf("%s: got %v (capacity %d, held %d), want %v", name, actions(got.Events), got.Capacity, got.Held, c.want)
		}
	}
}

// The ring keeps the last RecentCapacity events: the oldest go first.
func TestRecentForgetsTheOldest(t *testing.T) {
	r := New(slog.New(slog.NewTextHandler(io.Discard, nil)), Webhook{})
	for i := range RecentCapacity + 5 {
		r.Record(t.Context(), Event{Actor: "alice", Action: fmt.Sprintf("a.%d", i), Outcome: Success})
	}
	got := r.Recent(Query{})
	if len(got.Events) != RecentCapacity || got.Held != RecentCapacity {
		t.Fatalf("held %d, answered %d", got.Held, len(got.Events))
	}
	newest, oldest := got.Events[0], got.Events[len(got.Events)-1]
	if newest.Action != fmt.Sprintf("a.%d", RecentCapacity+4) || oldest.Action != "a.5" || newest.Time.IsZero() {
		t.Fatalf("newest %+v, oldest %+v", newest, oldest)
	}
}
