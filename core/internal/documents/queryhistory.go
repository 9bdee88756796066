package documents

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/basalt-dev/basalt/sdk"
)

// QueryHistory is the personal document of the SQL queries a user ran in the data explorer,
// so that their history follows them from browser to browser.
const QueryHistory = Folder + "/query-history"

const (
	// MaxQueries is how many queries the history keeps: the oldest go first.
	MaxQueries = 50
	// MaxQueryLength bounds one query, in characters, so that the whole history stays a
	// small secret (50 × 10,000 characters at most).
	MaxQueryLength = 10000
)

// QueryInput is a query the explorer ran, sent to be kept.
type QueryInput struct {
	SQL string `json:"sql"`
}

// SavedQuery is a query of the history and when it last ran.
type SavedQuery struct {
	SQL   string    `json:"sql"`
	RanAt time.Time `json:"ranAt"`
}

// QueryList is a user's history, the latest query first.
type QueryList struct {
	Queries []SavedQuery `json:"queries"`
}

// Add puts the query first, ran at the given time: a query already kept moves up rather
// than appearing twice, and beyond MaxQueries the oldest is forgotten.
func (l *QueryList) Add(in QueryInput, at time.Time) (SavedQuery, error) {
	sql := strings.TrimSpace(in.SQL)
	switch {
	case sql == "":
		return SavedQuery{}, sdk.InvalidFields("invalid query", sdk.FieldViolation{Field: "sql", Rule: "is required: the query that ran"})
	case utf8.RuneCountInString(sql) > MaxQueryLength:
		return SavedQuery{}, sdk.InvalidFields("invalid query", sdk.FieldViolation{Field: "sql", Rule: "must be at most 10000 characters to be kept in the history"})
	case strings.ContainsRune(sql, 0):
		return SavedQuery{}, sdk.InvalidFields("invalid query", sdk.FieldViolation{Field: "sql", Rule: "must not hold a NUL character"})
	}
	q := SavedQuery{SQL: sql, RanAt: at.UTC().Truncate(time.Second)}
	l.Queries = slices.DeleteFunc(l.Queries, func(old SavedQuery) bool { return old.SQL == sql })
	l.Queries = slices.Insert(l.Queries, 0, q)
	if len(l.Queries) > MaxQueries {
		l.Queries = l.Queries[:MaxQueries]
	}
	return q, nil
}
