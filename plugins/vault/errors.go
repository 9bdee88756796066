package vault

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	vaultapi "github.com/hashicorp/vault/api"

	"github.com/basalt-dev/basalt/sdk"
)

// mapError gives a Vault error its sdk kind. A refusal (403) is not found: the plugin already
// refused paths outside the caller's homes, so Vault refusing one means the caller may not
// even know it exists.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	var kind error
	var re *vaultapi.ResponseError
	switch {
	case errors.As(err, &re):
		switch {
		case re.StatusCode == http.StatusNotFound, re.StatusCode == http.StatusForbidden:
			kind = sdk.ErrNotFound
		case re.StatusCode == http.StatusBadRequest:
			kind = sdk.ErrInvalidArgument
		case re.StatusCode == http.StatusUnauthorized:
			kind = sdk.ErrUnauthenticated
		case re.StatusCode == http.StatusPreconditionFailed:
			kind = sdk.ErrConflict
		default:
			kind = sdk.ErrUnavailable
		}
	case sdk.KindOf(err) != nil:
		return err
	default:
		kind = sdk.ErrUnavailable
	}
	return &sdk.Error{Kind: kind, Message: vaultMessage(err)}
}

// describe maps err and says what was being done.
func describe(err error, format string, args ...any) error {
	mapped := mapError(err)
	if mapped == nil {
		return nil
	}
	what := fmt.Sprintf(format, args...)
	var e *sdk.Error
	if errors.As(mapped, &e) {
		return &sdk.Error{Kind: e.Kind, Message: what + ": " + e.Error(), Fields: e.Fields}
	}
	return fmt.Errorf("%s: %w", what, mapped)
}

// vaultMessage is what Vault said, without the request's URL. Vault's messages name paths
// and rules, never a token or a value.
func vaultMessage(err error) string {
	var re *vaultapi.ResponseError
	if errors.As(err, &re) {
		if re.RawError || len(re.Errors) == 0 {
			return fmt.Sprintf("Vault answered %d", re.StatusCode)
		}
		return fmt.Sprintf("Vault answered %d: %s", re.StatusCode, strings.Join(re.Errors, "; "))
	}
	return err.Error()
}

func isForbidden(err error) bool {
	var re *vaultapi.ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusForbidden
}

// isBadRequest reports a 400, which is how Vault refuses a check-and-set that does not match.
func isBadRequest(err error) bool {
	var re *vaultapi.ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusBadRequest
}
