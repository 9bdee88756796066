package action

import (
	"regexp"

	udiff "github.com/aymanbagabas/go-udiff"

	"github.com/basalt-dev/basalt/core/internal/launch/values"
)

// Diff is what a change or a rollback changes, as its owner sees it before and after.
type Diff struct {
	Values []ValueChange
	// Manifest is the unified diff of the rendered manifests, secrets masked; "" when the
	// region rendered none.
	Manifest string
	// Dropped are values of the service the target version has no place for.
	Dropped []string
}

// ValueChange is one value a change sets or removes.
type ValueChange struct {
	Path    string
	Before  any
	After   any
	Removed bool
}

// secretKey names values shown masked, as the region plugins mask them.
var secretKey = regexp.MustCompile(`(?i)(password|secret|token|privatekey)`)

const masked = "********"

func diffOf(before, after map[string]any, manifestBefore, manifestAfter string, rendered bool, dropped []values.Path) Diff {
	var d Diff
	for _, c := range values.Diff(before, after) {
		old, _ := values.Get(before, c.Path)
		vc := ValueChange{Path: c.Path.String(), Before: old, After: c.Value, Removed: c.Removed}
		if isSecret(c.Path) {
			vc.Before, vc.After = mask(vc.Before), mask(vc.After)
		}
		d.Values = append(d.Values, vc)
	}
	if rendered && manifestBefore != manifestAfter {
		d.Manifest = udiff.Unified("running", "changed", manifestBefore, manifestAfter)
	}
	for _, p := range dropped {
		d.Dropped = append(d.Dropped, p.String())
	}
	return d
}

func isSecret(p values.Path) bool {
	for i := len(p) - 1; i >= 0; i-- {
		if k, ok := p[i].(string); ok {
			return secretKey.MatchString(k)
		}
	}
	return false
}

func mask(v any) any {
	if s, ok := v.(string); ok && s != "" {
		return masked
	}
	return v
}
