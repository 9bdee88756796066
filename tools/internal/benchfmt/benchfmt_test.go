package benchfmt

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	in := `goos: linux
BenchmarkPluginCall-2   	   20000	     61234 ns/op	        48.00 p50-us	       120.5 p99-us	    5120 B/op	      97 allocs/op
BenchmarkPluginStream/256MiB-2   	       1	1234567890 ns/op	       812.0 write-MB/s	       901.0 read-MB/s
BenchmarkHTTPListCharts 	 1000	 1500 ns/op
--- FAIL: BenchmarkBroken
PASS
ok  	github.com/basalt-dev/basalt/core	3.2s`
	got, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"BENCH plugin.call.op 61234 ns",
		"BENCH plugin.call.p50 48 us",
		"BENCH plugin.call.p99 120.5 us",
		"BENCH plugin.call.alloc 5120 B",
		"BENCH plugin.call.allocs 97 count",
		"BENCH plugin.stream.256MiB.op 1.23457e+09 ns",
		"BENCH plugin.stream.256MiB.write 812 MB/s",
		"BENCH plugin.stream.256MiB.read 901 MB/s",
		"BENCH http.list.charts.op 1500 ns",
	}
	if len(got) != len(want) {
		t.Fatalf("got %d lines, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("line %d: got %q, want %q", i, got[i], want[i])
		}
	}
}
