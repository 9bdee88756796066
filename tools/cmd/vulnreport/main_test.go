package main

import (
	"strings"
	"testing"
)

const stream = `{"config":{"scanner_name":"govulncheck"}}
{"osv":{"id":"GO-1","summary":"bad in dep"}}
{"osv":{"id":"GO-2","summary":"bad in stdlib"}}
{"osv":{"id":"GO-3","summary":"bad, unfixed"}}
{"osv":{"id":"GO-4","summary":"imported, never called"}}
{"finding":{"osv":"GO-2","fixed_version":"v1.26.9","trace":[{"module":"stdlib","version":"v1.26.8","package":"net/http","function":"Serve"}]}}
{"finding":{"osv":"GO-3","trace":[{"module":"example.org/web","version":"v4.1.0","package":"example.org/web","function":"Route"}]}}
{"finding":{"osv":"GO-4","fixed_version":"v2.0.1","trace":[{"module":"example.org/lib","version":"v2.0.0","package":"example.org/lib"}]}}
`

func TestOnlyFixableDependencyVulnerabilitiesFail(t *testing.T) {
	var out strings.Builder
	failed, err := report(strings.NewReader(stream), &out)
	if err != nil || failed {
		t.Fatalf("failed %v err %v:\n%s", failed, err, out.String())
	}
	for _, want := range []string{"warning GO-2 stdlib@v1.26.8: bad in stdlib (needs Go v1.26.9)", "warning GO-3 example.org/web@v4.1.0: bad, unfixed (no fix released)",
		"2 reachable vulnerabilities; an upgrade of a dependency fixes 0"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("missing %q in:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "GO-4") {
		t.Errorf("a vulnerability our code never calls is reported:\n%s", out.String())
	}

	out.Reset()
	failed, _ = report(strings.NewReader(stream+`{"finding":{"osv":"GO-1","fixed_version":"v1.2.4","trace":[{"module":"example.org/dep","version":"v1.2.3","function":"Parse"}]}}`), &out)
	if !failed || !strings.Contains(out.String(), "FAIL    GO-1 example.org/dep@v1.2.3: bad in dep (upgrade to v1.2.4)") {
		t.Errorf("a fixable dependency vulnerability must fail:\n%s", out.String())
	}
}

func TestBrokenInputIsAnError(t *testing.T) {
	if _, err := report(strings.NewReader(`{"finding":`), &strings.Builder{}); err == nil {
		t.Error("truncated input accepted")
	}
}
