package kubernetes

import (
	"encoding/json"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func quantities(m map[string]string) corev1.ResourceList {
	out := corev1.ResourceList{}
	for k, v := range m {
		out[corev1.ResourceName(k)] = resource.MustParse(v)
	}
	return out
}

func stringsOf(l corev1.ResourceList) map[string]string {
	out := map[string]string{}
	for k, v := range l {
		out[string(k)] = v.String()
	}
	return out
}

// The per-key merge of onboarding, as pure logic: what each kind of hand edit becomes.
func TestMergeQuota(t *testing.T) {
	for _, c := range []struct {
		name               string
		have, record, want map[string]string
		merged, nextRecord map[string]string
	}{
		{name: "a new quota takes the region's",
			have: nil, record: map[string]string{}, want: map[string]string{"requests.cpu": "8", "pods": "10"},
			merged: map[string]string{"requests.cpu": "8", "pods": "10"}, nextRecord: map[string]string{"requests.cpu": "8", "pods": "10"}},
		{name: "the region's change applies where onboarding's value is untouched, a key edited by hand stays",
			have: map[string]string{"requests.cpu": "3", "pods": "10"}, record: map[string]string{"requests.cpu": "8", "pods": "10"},
			want:   map[string]string{"requests.cpu": "16", "pods": "20"},
			merged: map[string]string{"requests.cpu": "3", "pods": "20"}, nextRecord: map[string]string{"pods": "20"}},
		{name: "the same quantity written otherwise is still onboarding's",
			have: map[string]string{"requests.memory": "1024Mi"}, record: map[string]string{"requests.memory": "1Gi"},
			want:   map[string]string{"requests.memory": "2Gi"},
			merged: map[string]string{"requests.memory": "2Gi"}, nextRecord: map[string]string{"requests.memory": "2Gi"}},
		{name: "a key removed by hand stays removed, and remembered so",
			have: map[string]string{"pods": "10"}, record: map[string]string{"requests.cpu": "8", "pods": "10"},
			want:   map[string]string{"requests.cpu": "8", "pods": "10"},
			merged: map[string]string{"pods": "10"}, nextRecord: map[string]string{"requests.cpu": "8", "pods": "10"}},
		{name: "a key the region no longer sets goes, unless set by hand; a key added by hand stays",
			have:   map[string]string{"requests.cpu": "8", "pods": "12", "count/secrets": "5"},
			record: map[string]string{"requests.cpu": "8", "pods": "10"}, want: map[string]string{},
			merged: map[string]string{"pods": "12", "count/secrets": "5"}, nextRecord: map[string]string{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var have corev1.ResourceList
			if c.have != nil {
				have = quantities(c.have)
			}
			merged, raw := mergeQuota(have, c.record, c.want)
			if !sameQuantities(merged, quantities(c.merged)) {
				t.Errorf("merged %v, want %v", stringsOf(merged), c.merged)
			}
			var next map[string]string
			if err := json.Unmarshal([]byte(raw), &next); err != nil || len(next) != len(c.nextRecord) {
				t.Fatalf("record %s, want %v", raw, c.nextRecord)
			}
			for k, v := range c.nextRecord {
				if !sameQuantity(resource.MustParse(v), next[k]) {
					t.Errorf("record %s, want %v", raw, c.nextRecord)
				}
			}
		})
	}
}
