package server

import (
	"encoding/json"
	"errors"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/core/internal/identity"
	"github.com/basalt-dev/basalt/sdk"
)

// A personal document is one JSON value in a secret of the caller's reserved folder (their
// bookmarks, their S3 profiles): read whole and written whole with check-and-set, so that two
// tabs saving at once do not lose each other's change.
const (
	documentKey      = "document.json"
	documentAttempts = 3
)

// readPersonal returns the caller's document and its version; none saved yet is the zero
// value at version 0.
func readPersonal[T any](s *Server, c echo.Context, u *identity.User, name string) (T, int, error) {
	p, err := s.personalSecrets(c, u)
	if err != nil {
		var zero T
		return zero, 0, err
	}
	return readDocument[T](p, name)
}

// readDocument is readPersonal in a home already found.
func readDocument[T any](p personalHome, name string) (T, int, error) {
	var doc T
	resp, err := p.store.Read(p.ctx, sdk.ReadSecretRequest{Path: p.home + "/" + name})
	if errors.Is(err, sdk.ErrNotFound) {
		return doc, 0, nil
	}
	if err != nil {
		return doc, 0, err
	}
	if err := json.Unmarshal([]byte(resp.Data[documentKey]), &doc); err != nil {
		return doc, 0, sdk.Errorf(sdk.ErrConflict, "the saved %s are not readable", name)
	}
	return doc, resp.Version, nil
}

// changePersonal applies change to the caller's document and saves it, starting again from
// a fresh read when another request saved meanwhile. With forget, the version replaced is
// destroyed, so that secrets taken out of the document do not live on in its history.
func changePersonal[T any](s *Server, c echo.Context, u *identity.User, name string, forget bool, change func(*T) error) error {
	p, err := s.personalSecrets(c, u)
	if err != nil {
		return err
	}
	ctx, store := p.ctx, p.store
	path := p.home + "/" + name
	for attempt := 1; ; attempt++ {
		doc, version, err := readDocument[T](p, name)
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
		_, err = store.Write(ctx, sdk.WriteSecretRequest{Path: path, Data: map[string]string{documentKey: string(raw)}, CheckVersion: &version})
		if errors.Is(err, sdk.ErrConflict) && attempt < documentAttempts {
			continue
		}
		if err != nil {
			return err
		}
		if forget && version > 0 {
			if _, err := store.Delete(ctx, sdk.DeleteSecretRequest{Path: path, Versions: []int{version}, Destroy: true}); err != nil {
				s.opts.Log.Warn("the previous version of a personal document stays readable", "user", u.Username, "document", name, "error", err)
			}
		}
		return nil
	}
}
