package usage

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/sdk"
)

const gigabyte = 1 << 30

func at(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

func period(t *testing.T, from, to string) Period {
	t.Helper()
	p, err := ParsePeriod(from, to, at("2026-05-20 09:00"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func sameHours(a, b Hours) bool {
	return near(a.Running, b.Running) && near(a.CPU, b.CPU) && near(a.MemoryGiB, b.MemoryGiB) && near(a.GPU, b.GPU) && near(a.StorageGiB, b.StorageGiB)
}

// rowsOf is a tally's rows as "day key" → hours.
func rowsOf(t *Tally) map[string]Hours {
	out := map[string]Hours{}
	for _, r := range t.Rows() {
		out[r.Day+" "+r.Key] = r.Hours
	}
	return out
}

func checkRows(t *testing.T, tally *Tally, want map[string]Hours) {
	t.Helper()
	got := rowsOf(tally)
	if len(got) != len(want) {
		t.Errorf("rows %v, want %v", got, want)
	}
	for k, w := range want {
		if g, ok := got[k]; !ok || !sameHours(g, w) {
			t.Errorf("%s: %+v, want %+v", k, g, w)
		}
	}
}

var notebook = Requests{CPUMillicores: 500, MemoryBytes: 2 * gigabyte, StorageBytes: 10 * gigabyte}

// Launched yesterday at 10:00, paused at 12:00, resumed at 14:00 and still running at 09:00
// today: 12 hours yesterday (2 + 10), 9 today; the volume counts through the pause.
func TestPausedAndResumed(t *testing.T) {
	history := []Revision{ // the region lists the newest first
		{Number: 3, At: at("2026-05-19 14:00"), Requests: notebook},
		{Number: 2, At: at("2026-05-19 12:00"), Paused: true, Requests: Requests{StorageBytes: 10 * gigabyte}},
		{Number: 1, At: at("2026-05-19 10:00"), Requests: notebook},
	}
	tally := NewTally(period(t, "2026-05-18", "2026-05-21"), at("2026-05-20 09:00"))
	tally.Add("alice", history)
	checkRows(t, tally, map[string]Hours{
		"2026-05-19 alice": {Running: 12, CPU: 6, MemoryGiB: 24, StorageGiB: 140},
		"2026-05-20 alice": {Running: 9, CPU: 4.5, MemoryGiB: 18, StorageGiB: 90},
	})
	totals, all := tally.Totals()
	if len(totals) != 1 || totals[0].Key != "alice" || !sameHours(totals[0].Hours, Hours{Running: 21, CPU: 10.5, MemoryGiB: 42, StorageGiB: 230}) ||
		!sameHours(all, totals[0].Hours) {
		t.Errorf("totals %+v, all %+v", totals, all)
	}
}

// A change of requests at 13:00 (1 CPU and a GPU, then 4 CPU): each part of the day at its
// own requests.
func TestChangeOfRequestsMidDay(t *testing.T) {
	history := []Revision{
		{Number: 1, At: at("2026-05-19 08:00"), Requests: Requests{CPUMillicores: 1000, GPUs: 1}},
		{Number: 2, At: at("2026-05-19 13:00"), Requests: Requests{CPUMillicores: 4000, MemoryBytes: gigabyte / 2}},
	}
	tally := NewTally(period(t, "2026-05-19", "2026-05-19"), at("2026-05-20 09:00"))
	tally.Add("alice", history)
	checkRows(t, tally, map[string]Hours{"2026-05-19 alice": {Running: 16, CPU: 5 + 44, MemoryGiB: 5.5, GPU: 5}})
}

// Running from 22:00 to 02:00 the next day: two hours on each day.
func TestDayBoundary(t *testing.T) {
	history := []Revision{
		{Number: 1, At: at("2026-05-17 22:00"), Requests: Requests{CPUMillicores: 2000}},
		{Number: 2, At: at("2026-05-18 02:00"), Paused: true},
	}
	tally := NewTally(period(t, "2026-05-17", "2026-05-18"), at("2026-05-20 09:00"))
	tally.Add("project-data-team", history)
	checkRows(t, tally, map[string]Hours{
		"2026-05-17 project-data-team": {Running: 2, CPU: 4},
		"2026-05-18 project-data-team": {Running: 2, CPU: 4},
	})
}

// Paused before the period: nothing ran in it; the volume it keeps still counts, and only
// the pause's revision needs reading.
func TestPausedBeforeThePeriod(t *testing.T) {
	history := []Revision{
		{Number: 2, At: at("2026-05-01 18:00"), Paused: true, Requests: Requests{StorageBytes: 5 * gigabyte}},
		{Number: 1, At: at("2026-04-20 09:00"), Requests: notebook},
	}
	p := period(t, "2026-05-10", "2026-05-11")
	if got := Within(history, p, at("2026-05-20 09:00")); !slices.Equal(got, []int{2}) {
		t.Errorf("revisions within the period: %v, want [2]", got)
	}
	tally := NewTally(p, at("2026-05-20 09:00"))
	tally.Add("alice", history)
	checkRows(t, tally, map[string]Hours{
		"2026-05-10 alice": {StorageGiB: 120},
		"2026-05-11 alice": {StorageGiB: 120},
	})
}

// Users are kept apart, the days after now count nothing, and a service launched after the
// period is not in it.
func TestKeysAndNow(t *testing.T) {
	p := period(t, "2026-05-19", "2026-05-22")
	now := at("2026-05-20 06:00")
	tally := NewTally(p, now)
	tally.Add("bob", []Revision{{Number: 1, At: at("2026-05-19 18:00"), Requests: Requests{CPUMillicores: 1000}}})
	tally.Add("alice", []Revision{{Number: 1, At: at("2026-05-20 00:00"), Requests: Requests{CPUMillicores: 250}}})
	tally.Add("carol", []Revision{{Number: 1, At: at("2026-05-21 00:00"), Requests: Requests{CPUMillicores: 250}}})
	checkRows(t, tally, map[string]Hours{
		"2026-05-19 bob":   {Running: 6, CPU: 6},
		"2026-05-20 alice": {Running: 6, CPU: 1.5},
		"2026-05-20 bob":   {Running: 6, CPU: 6},
	})
	var order []string
	for _, r := range tally.Rows() {
		order = append(order, r.Day+" "+r.Key)
	}
	if strings.Join(order, ",") != "2026-05-19 bob,2026-05-20 alice,2026-05-20 bob" {
		t.Errorf("rows in order %v, want by day then key", order)
	}
	if got := Within([]Revision{{Number: 1, At: at("2026-05-21 00:00")}}, p, now); len(got) != 0 {
		t.Errorf("a revision made after now: %v", got)
	}
}

func TestParsePeriod(t *testing.T) {
	now := at("2026-05-20 09:00")
	p, err := ParsePeriod("", "", now)
	if err != nil || p.Days != DefaultDays || p.Day(0) != "2026-04-21" || p.Last() != "2026-05-20" || !p.End().Equal(at("2026-05-21 00:00")) {
		t.Errorf("the default period: %+v %v (%s to %s)", p, err, p.Day(0), p.Last())
	}
	p, err = ParsePeriod("2026-02-01", "2026-05-03", now)
	if err != nil || p.Days != MaxDays {
		t.Errorf("92 days: %+v %v", p, err)
	}
	for _, c := range []struct{ from, to, field, rule string }{
		{"2026-02-01", "2026-05-04", "from", "at most 92 days"},
		{"2026-05-04", "2026-05-03", "to", "on or after from"},
		{"yesterday", "", "from", "YYYY-MM-DD"},
		{"", "2026-13-01", "to", "YYYY-MM-DD"},
	} {
		_, err := ParsePeriod(c.from, c.to, now)
		fields := sdk.FieldsOf(err)
		if !errors.Is(err, sdk.ErrInvalidArgument) || len(fields) != 1 || fields[0].Field != c.field || !strings.Contains(fields[0].Rule, c.rule) {
			t.Errorf("from %q to %q: %v %+v, want %s: %s", c.from, c.to, err, fields, c.field, c.rule)
		}
	}
}
