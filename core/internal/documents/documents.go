// Package documents keeps what Basalt remembers for its users in their secrets store, so that
// the core needs no database: a user's settings, bookmarks and S3 profiles in their personal
// home, a project's saved launch configurations in the project's home, each under Basalt's
// reserved folder.
package documents

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/basalt-dev/basalt/core/internal/scope"
	"github.com/basalt-dev/basalt/sdk"
)

// Folder is Basalt's reserved folder at the top of each home: the secrets browser hides it
// and a launch may not inject a secret from it.
const Folder = ".basalt"

// The documents a personal home holds.
const (
	Bookmarks  = Folder + "/bookmarks"
	S3Profiles = Folder + "/s3-profiles"
	settings   = Folder + "/settings"
)

// A document is one JSON value in a secret, read whole and written whole with check-and-set,
// so that two tabs saving at once do not lose each other's change.
const (
	documentKey = "document.json"
	attempts    = 3
)

// Home is a secrets home where documents live, with the scope its calls are authorised in.
type Home struct {
	scope *scope.Scope
	store sdk.Secrets
	path  string
}

// Personal finds the scope's user's personal home (one call to the secrets plugin), whatever
// project the scope is about.
func Personal(ctx context.Context, sc *scope.Scope) (*Home, error) {
	return find(ctx, sc.Personal())
}

// Project finds the scope's project's home.
func Project(ctx context.Context, sc *scope.Scope) (*Home, error) {
	if sc.SecretsHome != "" {
		store, err := sc.Secrets()
		if err != nil {
			return nil, err
		}
		return &Home{scope: sc, store: store, path: sc.SecretsHome}, nil
	}
	return find(ctx, sc)
}

func find(ctx context.Context, sc *scope.Scope) (*Home, error) {
	store, err := sc.Secrets()
	if err != nil {
		return nil, err
	}
	home, err := store.Home(sc.Context(ctx), sdk.SecretsHomeRequest{Caller: sc.User.Caller(), Project: sc.Project.SDK()})
	if err != nil {
		return nil, err
	}
	return &Home{scope: sc, store: store, path: strings.Trim(home.Path, "/")}, nil
}

// Path is the home's path in the secrets store, without slashes around it.
func (h *Home) Path() string { return h.path }

// Read returns a document and its version; none saved yet is the zero value at version 0.
func Read[T any](ctx context.Context, h *Home, name string) (T, int, error) {
	var doc T
	resp, err := h.store.Read(h.scope.Context(ctx), sdk.ReadSecretRequest{Path: h.path + "/" + name})
	if errors.Is(err, sdk.ErrNotFound) {
		return doc, 0, nil
	}
	if err != nil {
		return doc, 0, err
	}
	if err := json.Unmarshal([]byte(resp.Data[documentKey]), &doc); err != nil {
		return doc, 0, sdk.Errorf(sdk.ErrConflict, "the saved %s are not readable", strings.TrimPrefix(name, Folder+"/"))
	}
	return doc, resp.Version, nil
}

// ErrHistoryKept is joined to a change's outcome when the version it replaced could not be
// destroyed: the change is saved, the old version stays readable in the history.
var ErrHistoryKept = errors.New("the previous version stays readable")

// Change applies change to a document and saves it, starting again from a fresh read when
// another request saved meanwhile. With forget, the version replaced is destroyed, so that
// secrets taken out of the document do not live on in its history; failing that, the
// change is saved and the error wraps ErrHistoryKept.
func Change[T any](ctx context.Context, h *Home, name string, forget bool, change func(*T) error) error {
	ctx = h.scope.Context(ctx)
	path := h.path + "/" + name
	for attempt := 1; ; attempt++ {
		doc, version, err := Read[T](ctx, h, name)
		if err != nil {
			return err
		}
		if err := change(&doc); err != nil {
			return err
		}
		raw, err := json.Marshal(doc)
		if err != nil {
			return err
		}
		_, err = h.store.Write(ctx, sdk.WriteSecretRequest{Path: path, Data: map[string]string{documentKey: string(raw)}, CheckVersion: &version})
		if errors.Is(err, sdk.ErrConflict) && attempt < attempts {
			continue
		}
		if err != nil {
			return err
		}
		if forget && version > 0 {
			if _, err := h.store.Delete(ctx, sdk.DeleteSecretRequest{Path: path, Versions: []int{version}, Destroy: true}); err != nil {
				return fmt.Errorf("%w: %w", ErrHistoryKept, err)
			}
		}
		return nil
	}
}
