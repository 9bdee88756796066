package server

import (
	"crypto/rand"
	"crypto/sha256"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/core/internal/filepolicy"
	"github.com/basalt-dev/basalt/core/internal/identity"
	"github.com/basalt-dev/basalt/core/internal/sharelink"
	"github.com/basalt-dev/basalt/sdk"
)

// maxLinkValidity bounds Basalt's own links, as S3 bounds presigned URLs.
const maxLinkValidity = 7 * 24 * time.Hour

// newLinkSigner derives the link key from the session key, so that every replica verifies
// every replica's links; without one (local mode) links last as long as the process.
func newLinkSigner(sessionKey string) *sharelink.Signer {
	if sessionKey != "" {
		sum := sha256.Sum256([]byte("basalt share links\x00" + sessionKey))
		return sharelink.New(sum[:])
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return sharelink.New(key)
}

// publicBase is the address users reach Basalt at.
func (s *Server) publicBase(c echo.Context) string {
	if u := s.opts.Config.Server.PublicURL; u != "" {
		return u
	}
	return c.Scheme() + "://" + c.Request().Host
}

func (s *Server) signLink(c echo.Context, f fileScope, ref sdk.ObjectRef, expiry time.Duration) (sdk.PresignResponse, error) {
	if expiry > maxLinkValidity {
		return sdk.PresignResponse{}, sdk.InvalidFields("cannot share", sdk.FieldViolation{Field: "expiry", Rule: "must be at most 168h"})
	}
	// The link must name an existing object the user can read.
	if _, err := f.store.Stat(c.Request().Context(), sdk.StatObjectRequest{Object: ref}); err != nil {
		return sdk.PresignResponse{}, err
	}
	r := scopeOf(c).Region
	expires := time.Now().Add(expiry).Truncate(time.Second)
	token, err := s.links.Sign(sharelink.Link{Region: r.ID, Bucket: ref.Bucket, Key: ref.Key,
		User: f.user.Username, Groups: f.user.Groups, Expires: expires})
	if err != nil {
		return sdk.PresignResponse{}, err
	}
	return sdk.PresignResponse{URL: s.publicBase(c) + "/api/v1/presigned/" + token, ExpiresAt: expires}, nil
}

// presigned serves a link Basalt signed, to anyone holding it, with the rights of the user
// who made it. An invalid and an expired link get the same answer.
func (s *Server) presigned(c echo.Context) error {
	link, err := s.links.Verify(c.Param("token"))
	if err != nil {
		return sdk.Errorf(sdk.ErrNotFound, "this link does not exist or has expired")
	}
	// Act as the link's author, in the project whose home holds the object.
	u := &identity.User{Username: link.User, Groups: link.Groups}
	ctx := c.Request().Context()
	for _, p := range s.scopes.Projects(u) {
		sc, err := s.scopes.Resolve(u, p.ID, link.Region)
		if err != nil {
			return err
		}
		store, err := sc.Storage()
		if err != nil {
			return err
		}
		scoped := sc.Context(ctx)
		home, err := store.Home(scoped, sdk.HomeRequest{})
		if err != nil || home.Home.Bucket != link.Bucket {
			continue
		}
		resp, err := store.Read(scoped, sdk.ReadObjectRequest{Object: sdk.ObjectRef{Bucket: link.Bucket, Key: link.Key}})
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		h := c.Response().Header()
		filepolicy.SetUserContentHeaders(h, link.Key, resp.Object.ContentType, true)
		h.Set("Content-Length", strconv.FormatInt(resp.Object.Size, 10))
		h.Set("Cache-Control", "private, no-store")
		c.Response().WriteHeader(http.StatusOK)
		_, err = io.Copy(c.Response(), resp.Body)
		return err
	}
	return sdk.Errorf(sdk.ErrNotFound, "this link does not exist or has expired")
}
