package kubernetes

import (
	"reflect"
	"testing"
)

// A record written again with the same manifest (pending, then deployed) reuses its summary;
// another manifest, or other URL kinds, get their own.
func TestSummariesAreKeptByManifest(t *testing.T) {
	manifest := "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - name: http\n    port: 80\n"
	kinds := urlKinds{ingress: true}
	first, again := summaries.of(manifest, kinds), summaries.of(manifest, kinds)
	if !first.objects["Service/web"] {
		t.Fatalf("summary of a Service: %+v", first)
	}
	same := func(a, b manifestSummary) bool {
		return reflect.ValueOf(a.objects).Pointer() == reflect.ValueOf(b.objects).Pointer()
	}
	if !same(first, again) {
		t.Errorf("the same manifest was summarized twice")
	}
	if other := summaries.of(manifest+"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: conf\n", kinds); same(first, other) || !other.objects["ConfigMap/conf"] {
		t.Errorf("another manifest got the first one's summary: %+v", other)
	}
	if otherKinds := summaries.of(manifest, urlKinds{route: true}); same(first, otherKinds) {
		t.Errorf("other URL kinds got the first one's summary")
	}
}
