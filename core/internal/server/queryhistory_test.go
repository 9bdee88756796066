package server

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/core/internal/documents"
)

// TestQueryHistoryIsTheUsersOwn goes through the real API with local secrets: the data
// explorer's queries are kept latest first, a query run again moves up, bad input is named by
// field, and another user sees none of it.
func TestQueryHistoryIsTheUsersOwn(t *testing.T) {
	w := newPersonalWorld(t)
	for _, sql := range []string{"SELECT 1", "SELECT * FROM 's3://user-alice/data/*.parquet'", "SELECT 1"} {
		code, resp := w.call(t, "alice", "POST", "/me/query-history", `{"sql":`+quoteJSON(sql)+`}`)
		var kept documents.SavedQuery
		if code != 201 || json.Unmarshal([]byte(resp), &kept) != nil || kept.SQL != sql || kept.RanAt.IsZero() {
			t.Fatalf("keep %q: %d %s", sql, code, resp)
		}
	}
	for body, rule := range map[string]string{
		`{"sql":"  "}`: "is required",
		`{"sql":"` + strings.Repeat("x", 10001) + `"}`: "at most 10000 characters",
		`{"sql":"SELECT 1","database":"elsewhere"}`:    "is not a known field",
		`{"query":"SELECT 1"}`:                         "is not a known field",
	} {
		if code, resp := w.call(t, "alice", "POST", "/me/query-history", body); code != 400 || !strings.Contains(resp, rule) {
			t.Errorf("%.40s: %d %.300s, want 400 with %q", body, code, resp, rule)
		}
	}
	code, raw := w.call(t, "alice", "GET", "/me/query-history", "")
	var list documents.QueryList
	if code != 200 || json.Unmarshal([]byte(raw), &list) != nil {
		t.Fatalf("list: %d %s", code, raw)
	}
	if len(list.Queries) != 2 || list.Queries[0].SQL != "SELECT 1" || !strings.Contains(list.Queries[1].SQL, "*.parquet") {
		t.Errorf("the history, latest first, without the repeat: %+v", list.Queries)
	}
	if code, resp := w.call(t, "bob", "GET", "/me/query-history", ""); code != 200 || strings.TrimSpace(resp) != `{"queries":[]}` {
		t.Errorf("bob's history: %d %s", code, resp)
	}
}

func quoteJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
