package httpapi

import (
	"errors"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/sdk"
)

func TestDescribeMapsErrorKinds(t *testing.T) {
	cases := []struct {
		err    error
		status int
		code   string
	}{
		{sdk.Errorf(sdk.ErrNotFound, "no chart %q", "x"), 404, "not_found"},
		{sdk.InvalidFields("invalid values", sdk.FieldViolation{Field: "a.b", Rule: "must be a number"}), 400, "invalid_argument"},
		{sdk.Errorf(sdk.ErrUnavailable, "plugin restarting"), 503, "unavailable"},
		{sdk.Errorf(sdk.ErrConflict, "version moved"), 409, "conflict"},
		{sdk.Errorf(sdk.ErrPermissionDenied, "admins only"), 403, "permission_denied"},
		{errors.New("secret token abc leaked in text"), 500, "internal"},
	}
	for _, c := range cases {
		status, body := Describe(c.err)
		if status != c.status || body.Error.Code != c.code {
			t.Errorf("%v: got %d %s, want %d %s", c.err, status, body.Error.Code, c.status, c.code)
		}
		if c.status == 500 && strings.Contains(body.Error.Message, "abc") {
			t.Errorf("an internal error's text must not reach the client: %q", body.Error.Message)
		}
	}
	_, body := Describe(cases[1].err)
	fields, _ := body.Error.Details.(ErrorFields)
	if len(fields.Fields) != 1 || fields.Fields[0].Field != "a.b" || body.Error.Message != "invalid values" {
		t.Errorf("invalid fields must be listed as details: %+v", body.Error)
	}
}
