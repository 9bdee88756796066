package kubernetes

import (
	"encoding/json"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// quotaDefaultsAnnotation keeps, on the project's ResourceQuota, the values onboarding last set
// (as JSON): a key whose value differs was set by hand.
const quotaDefaultsAnnotation = "basalt.dev/quota-defaults"

// defaultsOf reads what onboarding last set of a quota. A quota without the record (made
// before it existed, or whose marker was just removed) is taken as all onboarding's, as it
// was before.
func defaultsOf(q *corev1.ResourceQuota) map[string]string {
	raw, ok := q.Annotations[quotaDefaultsAnnotation]
	record := map[string]string{}
	if !ok || json.Unmarshal([]byte(raw), &record) != nil {
		for k, v := range q.Spec.Hard {
			record[string(k)] = v.String()
		}
	}
	return record
}

// setByHand are the keys of a quota an administrator set: those whose value is not what
// onboarding last set.
func setByHand(have corev1.ResourceList, record map[string]string) []string {
	var out []string
	for k, v := range have {
		if !sameQuantity(v, record[string(k)]) {
			out = append(out, string(k))
		}
	}
	slices.Sort(out)
	return out
}

func sameQuantity(have resource.Quantity, want string) bool {
	q, err := resource.ParseQuantity(want)
	return err == nil && have.Cmp(q) == 0
}

// mergeQuota is the quota onboarding makes of what the project has (have), what onboarding set
// before (record) and the region's quota (want), with the new record as JSON. A key set by
// hand (its value not the record's) stays, as does one removed by hand (in the record, no
// longer in have); a key the region no longer sets is removed unless set by hand.
func mergeQuota(have corev1.ResourceList, record, want map[string]string) (corev1.ResourceList, string) {
	merged := have.DeepCopy()
	if merged == nil {
		merged = corev1.ResourceList{}
	}
	next := map[string]string{}
	for k, v := range record {
		if _, wanted := want[k]; wanted {
			continue
		}
		if cur, ok := merged[corev1.ResourceName(k)]; ok && sameQuantity(cur, v) {
			delete(merged, corev1.ResourceName(k))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(want)) {
		name := corev1.ResourceName(k)
		cur, has := merged[name]
		before, recorded := record[k]
		switch {
		case has && !(recorded && sameQuantity(cur, before)):
			continue // set by hand
		case !has && recorded:
			next[k] = before // removed by hand, and remembered as such
			continue
		}
		q := resource.MustParse(want[k]) // checked by parseConfig
		merged[name] = q
		next[k] = q.String()
	}
	return merged, recordJSON(next)
}

func recordJSON(record map[string]string) string {
	raw, _ := json.Marshal(record)
	return string(raw)
}
