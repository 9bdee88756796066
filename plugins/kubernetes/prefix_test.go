package kubernetes

import (
	"errors"
	"testing"

	"github.com/basalt-dev/basalt/sdk"
)

// TestNamespacePrefixesMayNotStartEachOther: with namespacePrefix "user-" and
// groupNamespacePrefix "user-g-", the group g-x and the user g-x would share the namespace
// user-g-x.
func TestNamespacePrefixesMayNotStartEachOther(t *testing.T) {
	for _, cfg := range []string{
		`{"namespaces": {"namespacePrefix": "user-", "groupNamespacePrefix": "user-g-"}}`,
		`{"namespaces": {"namespacePrefix": "project-a-", "groupNamespacePrefix": "project-"}}`,
		`{"namespaces": {"namespacePrefix": "x-", "groupNamespacePrefix": "x-"}}`,
		`{"namespaces": {"groupNamespacePrefix": "user-"}}`,
	} {
		_, err := parseConfig([]byte(cfg))
		found := false
		for _, f := range sdk.FieldsOf(err) {
			found = found || f.Field == "namespaces.groupNamespacePrefix"
		}
		if !errors.Is(err, sdk.ErrInvalidArgument) || !found {
			t.Errorf("%s: %v, want a violation of namespaces.groupNamespacePrefix", cfg, err)
		}
	}
	if _, err := parseConfig([]byte(`{"namespaces": {"namespacePrefix": "user-", "groupNamespacePrefix": "users-"}}`)); err != nil {
		t.Errorf("prefixes apart: %v", err)
	}
}
