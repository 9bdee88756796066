package usage

import (
	"fmt"
	"time"

	"github.com/basalt-dev/basalt/sdk"
)

// MaxDays is the longest period one report covers: a quarter, which bounds its work.
const MaxDays = 92

// DefaultDays is the period when only its last day is given: the 30 days to it.
const DefaultDays = 30

// Period is whole days in UTC.
type Period struct {
	First time.Time // its first day's 00:00 UTC
	Days  int
}

// Start is when the period begins, End when it is over.
func (p Period) Start() time.Time { return p.First }
func (p Period) End() time.Time   { return p.First.AddDate(0, 0, p.Days) }

// Day is the period's i-th day (from 0) as YYYY-MM-DD.
func (p Period) Day(i int) string { return p.First.AddDate(0, 0, i).Format(time.DateOnly) }

// Last is the period's last day as YYYY-MM-DD.
func (p Period) Last() string { return p.Day(p.Days - 1) }

// ParsePeriod reads a period from its first and last days (YYYY-MM-DD, both included): an
// empty last is today's date (UTC), an empty first the DefaultDays to the last.
func ParsePeriod(from, to string, now time.Time) (Period, error) {
	const rule = "a date as YYYY-MM-DD, e.g. 2026-05-01"
	var bad []sdk.FieldViolation
	last := now.UTC().Truncate(24 * time.Hour)
	if to != "" {
		t, err := time.Parse(time.DateOnly, to)
		if err != nil {
			bad = append(bad, sdk.FieldViolation{Field: "to", Rule: rule})
		}
		last = t
	}
	first := last.AddDate(0, 0, 1-DefaultDays)
	if from != "" {
		f, err := time.Parse(time.DateOnly, from)
		if err != nil {
			bad = append(bad, sdk.FieldViolation{Field: "from", Rule: rule})
		}
		first = f
	}
	if len(bad) == 0 {
		switch days := int(last.Sub(first).Hours()/24) + 1; {
		case days < 1:
			bad = append(bad, sdk.FieldViolation{Field: "to", Rule: "on or after from"})
		case days > MaxDays:
			bad = append(bad, sdk.FieldViolation{Field: "from", Rule: fmt.Sprintf("at most %d days before to (both included)", MaxDays)})
		default:
			return Period{First: first, Days: days}, nil
		}
	}
	return Period{}, sdk.InvalidFields("invalid period", bad...)
}
