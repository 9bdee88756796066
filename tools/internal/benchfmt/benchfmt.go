// Package benchfmt turns `go test -bench` output into the project's benchmark lines,
// "BENCH <name> <value> <unit>", one per measure, so that runs compare line by line.
//
// A benchmark reports its own measures with b.ReportMetric(v, "<measure>-<unit>"), e.g.
// "p50-us" in BenchmarkPluginCall becomes "BENCH plugin.call.p50 42 us". The standard
// ns/op, B/op and allocs/op become the measures op (ns), alloc (B) and allocs (count).
package benchfmt

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
)

// Line is one measure.
type Line struct {
	Name  string
	Value float64
	Unit  string
}

func (l Line) String() string {
	return fmt.Sprintf("BENCH %s %s %s", l.Name, strconv.FormatFloat(l.Value, 'g', 6, 64), l.Unit)
}

var standard = map[string][2]string{
	"ns/op":     {"op", "ns"},
	"B/op":      {"alloc", "B"},
	"allocs/op": {"allocs", "count"},
	"MB/s":      {"throughput", "MB/s"},
}

// Parse reads go test output and returns the measures of every benchmark result line.
func Parse(r io.Reader) ([]Line, error) {
	var out []Line
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		if _, err := strconv.Atoi(fields[1]); err != nil {
			continue // not a result line
		}
		name := benchName(fields[0])
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				break
			}
			unit := fields[i+1]
			if std, ok := standard[unit]; ok {
				out = append(out, Line{name + "." + std[0], v, std[1]})
				continue
			}
			measure, u, ok := strings.Cut(unit, "-")
			if !ok {
				measure, u = unit, ""
			}
			out = append(out, Line{name + "." + measure, v, u})
		}
	}
	return out, sc.Err()
}

// benchName turns "BenchmarkPluginCall/small-2" into "plugin.call.small".
func benchName(s string) string {
	s = strings.TrimPrefix(s, "Benchmark")
	if i := strings.LastIndexByte(s, '-'); i > 0 {
		if _, err := strconv.Atoi(s[i+1:]); err == nil {
			s = s[:i]
		}
	}
	parts := strings.Split(s, "/")
	parts[0] = dotted(parts[0])
	return strings.Join(parts, ".")
}

func dotted(camel string) string {
	var b strings.Builder
	runes := []rune(camel)
	for i, r := range runes {
		if unicode.IsUpper(r) {
			prevLower := i > 0 && (unicode.IsLower(runes[i-1]) || unicode.IsDigit(runes[i-1]))
			nextLower := i+1 < len(runes) && unicode.IsLower(runes[i+1]) && i > 0 && unicode.IsUpper(runes[i-1])
			if prevLower || nextLower {
				b.WriteByte('.')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return strings.TrimPrefix(strings.ReplaceAll(b.String(), "_", "."), ".")
}
