package kubernetes

import (
	"errors"
	"slices"
	"testing"

	"github.com/basalt-dev/basalt/sdk"
)

func TestAllSimulated(t *testing.T) {
	fake := func(node string) bool { return node == "kwok-1" || node == "kwok-2" }
	for _, tc := range []struct {
		what  string
		nodes []string
		want  bool
	}{
		{"no pod (paused)", nil, false},
		{"no pod scheduled yet", []string{"", ""}, false},
		{"every pod on kwok", []string{"kwok-1", "kwok-2"}, true},
		{"on kwok, one pod not scheduled yet", []string{"kwok-1", ""}, true},
		{"one pod on kwok, one on a real node", []string{"kwok-1", "worker-1"}, false},
		{"one pod on a real node, one on kwok", []string{"worker-1", "kwok-2"}, false},
		{"every pod on real nodes", []string{"worker-1", "worker-2"}, false},
	} {
		if got := allSimulated(tc.nodes, fake); got != tc.want {
			t.Errorf("%s %q: simulated %v, want %v", tc.what, tc.nodes, got, tc.want)
		}
	}
}

func TestSimulatedNodeAnnotationConfig(t *testing.T) {
	s, err := parseConfig([]byte(`{}`))
	if err != nil || s.SimulatedNodeAnnotation != DefaultSimulatedNodeAnnotation {
		t.Fatalf("default: %q, %v", s.SimulatedNodeAnnotation, err)
	}
	_, err = parseConfig([]byte(`{"simulatedNodeAnnotation": "kwok.x-k8s.io/node"}`))
	fields := sdk.FieldsOf(err)
	if !errors.Is(err, sdk.ErrInvalidArgument) || !slices.ContainsFunc(fields, func(f sdk.FieldViolation) bool { return f.Field == "simulatedNodeAnnotation" }) {
		t.Errorf("an annotation without value: %v (fields %v)", err, fields)
	}
}
