package main

import (
	"strings"
	"testing"
)

// A run of two packages as `go test -json` reports it: one passes, one has a failing subtest
// and a test that panicked without its own end event.
const run = `{"Action":"start","Package":"a"}
{"Action":"run","Package":"a","Test":"TestOK"}
{"Action":"output","Package":"a","Test":"TestOK","Output":"=== RUN   TestOK\n"}
{"Action":"output","Package":"a","Test":"TestOK","Output":"    a_test.go:9: a log line of a passing test\n"}
{"Action":"output","Package":"a","Test":"TestOK","Output":"--- PASS: TestOK (0.00s)\n"}
{"Action":"pass","Package":"a","Test":"TestOK"}
{"Action":"output","Package":"a","Output":"PASS\n"}
{"Action":"output","Package":"a","Output":"ok  \ta\t0.01s\n"}
{"Action":"pass","Package":"a"}
{"Action":"output","Package":"b","Test":"TestBad","Output":"=== RUN   TestBad\n"}
{"Action":"output","Package":"b","Test":"TestBad/sub","Output":"    b_test.go:5: got 1, want 2\n"}
{"Action":"output","Package":"b","Test":"TestBad/sub","Output":"    --- FAIL: TestBad/sub (0.00s)\n"}
{"Action":"fail","Package":"b","Test":"TestBad/sub"}
{"Action":"output","Package":"b","Test":"TestBad","Output":"--- FAIL: TestBad (0.00s)\n"}
{"Action":"fail","Package":"b","Test":"TestBad"}
{"Action":"output","Package":"b","Test":"TestPanics","Output":"panic: boom\n"}
{"Action":"output","Package":"b","Output":"FAIL\tb\t0.02s\n"}
{"Action":"fail","Package":"b"}
# a line that is not JSON
`

func TestFilter(t *testing.T) {
	var verbose, short strings.Builder
	if err := filter(strings.NewReader(run), &verbose, &short); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"a log line of a passing test", "=== RUN   TestOK", "got 1, want 2", "panic: boom", "# a line that is not JSON"} {
		if !strings.Contains(verbose.String(), want) {
			t.Errorf("verbose text lacks %q:\n%s", want, verbose.String())
		}
	}
	wantShort := "ok  \ta\t0.01s\n" +
		"    b_test.go:5: got 1, want 2\n    --- FAIL: TestBad/sub (0.00s)\n" +
		"=== RUN   TestBad\n--- FAIL: TestBad (0.00s)\n" +
		"panic: boom\n" +
		"FAIL\tb\t0.02s\n" +
		"# a line that is not JSON\n"
	if short.String() != wantShort {
		t.Errorf("short output:\n%s\nwant:\n%s", short.String(), wantShort)
	}
}
