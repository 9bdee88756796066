package documents

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/sdk"
)

func TestQueryHistoryKeepsTheLatestFirst(t *testing.T) {
	var l QueryList
	start := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	for i := range MaxQueries + 5 {
		if _, err := l.Add(QueryInput{SQL: fmt.Sprintf("SELECT %d", i)}, start.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if len(l.Queries) != MaxQueries || l.Queries[0].SQL != "SELECT 54" || l.Queries[MaxQueries-1].SQL != "SELECT 5" {
		t.Fatalf("kept %d, first %q, last %q", len(l.Queries), l.Queries[0].SQL, l.Queries[len(l.Queries)-1].SQL)
	}
	// Run again, a query moves up instead of appearing twice.
	q, err := l.Add(QueryInput{SQL: "  SELECT 20\n"}, start.Add(time.Hour+500*time.Millisecond))
	if err != nil || q.SQL != "SELECT 20" || !q.RanAt.Equal(start.Add(time.Hour)) {
		t.Fatalf("again: %+v %v", q, err)
	}
	count := 0
	for _, kept := range l.Queries {
		if kept.SQL == "SELECT 20" {
			count++
		}
	}
	if l.Queries[0].SQL != "SELECT 20" || count != 1 || len(l.Queries) != MaxQueries {
		t.Errorf("after running SELECT 20 again: first %q, %d copies, %d kept", l.Queries[0].SQL, count, len(l.Queries))
	}
}

func TestQueryHistoryRefusesByField(t *testing.T) {
	var l QueryList
	for _, c := range []struct{ sql, rule string }{
		{" \n", "is required"},
		{strings.Repeat("é", MaxQueryLength+1), "at most 10000 characters"},
		{"SELECT '\x00'", "NUL"},
	} {
		_, err := l.Add(QueryInput{SQL: c.sql}, time.Now())
		var e *sdk.Error
		if !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != "sql" || !strings.Contains(e.Fields[0].Rule, c.rule) {
			t.Errorf("%.20q: %v, want the field sql with %q", c.sql, err, c.rule)
		}
	}
	if _, err := l.Add(QueryInput{SQL: strings.Repeat("é", MaxQueryLength)}, time.Now()); err != nil {
		t.Errorf("a query of exactly 10000 characters: %v", err)
	}
	if len(l.Queries) != 1 {
		t.Errorf("refused queries were kept: %d", len(l.Queries))
	}
}
