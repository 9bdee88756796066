package server

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/core/internal/filepolicy"
	"github.com/basalt-dev/basalt/core/internal/httpapi"
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
// who made it. An invalid and an expired link get the same answer. Someone who opened the
// link in a browser gets a page in Basalt's words when it cannot be served; a program, the
// API's JSON.
func (s *Server) presigned(c echo.Context) error {
	err := s.servePresigned(c)
	if err == nil || c.Response().Committed || c.Request().Method != http.MethodGet || !acceptsHTML(c.Request()) {
		return err
	}
	return s.linkPage(c, err)
}

// errLinkInvalid: the token is not one Basalt signed, or its time is over.
var errLinkInvalid = sdk.Errorf(sdk.ErrNotFound, "this link does not exist or has expired")

func (s *Server) servePresigned(c echo.Context) error {
	link, err := s.links.Verify(c.Param("token"))
	if err != nil {
		return errLinkInvalid
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
	// No project of the author's holds the link's bucket any more.
	return sdk.Errorf(sdk.ErrNotFound, "the file of this link is no longer available")
}

// acceptsHTML says whether the request comes from a browser opening a page.
func acceptsHTML(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}

// linkText is what the page of a link that cannot be served says, in one language.
type linkText struct{ expired, expiredHelp, gone, goneHelp, failed, failedHelp string }

var linkTexts = map[string]linkText{
	"en": {
		expired:     "This link has expired",
		expiredHelp: "It is not valid, or its time is over: a link lasts at most a week. Ask whoever sent it for a new one.",
		gone:        "This file is no longer available",
		goneHelp:    "The file this link points to was deleted or moved, or its owner can no longer reach it. Ask whoever sent you the link.",
		failed:      "This file cannot be sent right now",
		failedHelp:  "Try again in a moment.",
	},
	"fr": {
		expired:     "Ce lien a expiré",
		expiredHelp: "Il n’est pas valide, ou sa durée est passée : un lien vaut au plus une semaine. Demandez-en un nouveau à qui vous l’a envoyé.",
		gone:        "Ce fichier n’est plus disponible",
		goneHelp:    "Le fichier de ce lien a été supprimé ou déplacé, ou son propriétaire n’y a plus accès. Demandez-le à qui vous a envoyé le lien.",
		failed:      "Ce fichier ne peut pas être envoyé pour le moment",
		failedHelp:  "Réessayez dans un instant.",
	},
}

// pageLanguage is the first language of Accept-Language that the link pages speak, else English.
func pageLanguage(r *http.Request) string {
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		primary, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if _, ok := linkTexts[primary]; ok {
			return primary
		}
	}
	return "en"
}

var linkPageTemplate = template.Must(template.New("link").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · {{.Site}}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.5">
<main><h1>{{.Title}}</h1><p>{{.Text}}</p></main>
<footer><p>{{.Site}}</p></footer>
</body></html>
`))

// linkPage answers a browser whose link cannot be served with a page saying why.
func (s *Server) linkPage(c echo.Context, err error) error {
	status, _ := httpapi.Describe(err)
	lang := pageLanguage(c.Request())
	words := linkTexts[lang]
	title, text := words.failed, words.failedHelp
	switch {
	case errors.Is(err, errLinkInvalid):
		title, text = words.expired, words.expiredHelp
	case errors.Is(err, sdk.ErrNotFound), errors.Is(err, sdk.ErrPermissionDenied):
		status, title, text = http.StatusNotFound, words.gone, words.goneHelp
	case status >= 500 && status != http.StatusServiceUnavailable:
		s.opts.Log.Error("serving a share link", "error", err, "request_id", c.Response().Header().Get(echo.HeaderXRequestID))
	}
	var page bytes.Buffer
	site := cmp.Or(s.opts.Config.UI.Name, "Basalt")
	if err := linkPageTemplate.Execute(&page, map[string]string{"Lang": lang, "Title": title, "Text": text, "Site": site}); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", lang)
	h.Add("Vary", "Accept, Accept-Language")
	return c.HTMLBlob(status, page.Bytes())
}
