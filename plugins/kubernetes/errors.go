package kubernetes

import (
	"context"
	"errors"
	"net"

	"helm.sh/helm/v3/pkg/storage/driver"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/basalt-dev/basalt/sdk"
)

// kubeError gives an error from the API server or Helm its sdk kind, so that the core answers
// with the right status; what says what the plugin was doing. nil stays nil.
func kubeError(what string, err error) error {
	if err == nil {
		return nil
	}
	if sdk.KindOf(err) != nil {
		return err
	}
	kind := sdk.ErrUnavailable
	switch {
	case errors.Is(err, driver.ErrReleaseNotFound), apierrors.IsNotFound(err):
		kind = sdk.ErrNotFound
	case errors.Is(err, driver.ErrReleaseExists), apierrors.IsAlreadyExists(err):
		kind = sdk.ErrAlreadyExists
	case apierrors.IsConflict(err):
		kind = sdk.ErrConflict
	case apierrors.IsForbidden(err):
		kind = sdk.ErrPermissionDenied
	case apierrors.IsUnauthorized(err):
		kind = sdk.ErrUnauthenticated
	case apierrors.IsInvalid(err), apierrors.IsBadRequest(err):
		kind = sdk.ErrInvalidArgument
	case errors.Is(err, context.Canceled):
		return err
	}
	return &sdk.Error{Kind: kind, Message: what + ": " + err.Error()}
}

// unavailable reports that the cluster could not be reached or did not answer in time.
func unavailable(what string, err error) error {
	if err == nil {
		err = errors.New("timed out")
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, context.DeadlineExceeded) {
		return &sdk.Error{Kind: sdk.ErrUnavailable, Message: what + ": " + err.Error()}
	}
	return kubeError(what, err)
}
