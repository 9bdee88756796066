package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/core/internal/documents"
	"github.com/basalt-dev/basalt/core/internal/httpapi"
	"github.com/basalt-dev/basalt/core/internal/s3profile"
	"github.com/basalt-dev/basalt/core/internal/snippets"
	"github.com/basalt-dev/basalt/sdk"
)

// The user's own S3 profiles are a personal document of their reserved folder: their keys
// are secrets, kept only in the secrets store, and a replaced version is destroyed.

func (s *Server) readS3Profiles(c echo.Context) (s3profile.Set, error) {
	set, _, err := readPersonal[s3profile.Set](c, documents.S3Profiles)
	return set, err
}

func (s *Server) changeS3Profiles(c echo.Context, change func(*s3profile.Set) error) error {
	return changePersonal(s, c, documents.S3Profiles, true, change)
}

// S3ProfileList is the caller's S3 profiles.
type S3ProfileList struct {
	Profiles []s3profile.View `json:"profiles"`
}

func (s *Server) listS3Profiles(c echo.Context) error {
	set, err := s.readS3Profiles(c)
	if err != nil {
		return err
	}
	httpapi.NoStore(c)
	return c.JSON(http.StatusOK, S3ProfileList{Profiles: set.Views()})
}

func (s *Server) createS3Profile(c echo.Context) error {
	return s.saveS3Profile(c, http.StatusCreated, func(set *s3profile.Set, in s3profile.Input) (s3profile.Profile, error) {
		c.Set(auditTarget, in.Name)
		return set.Create(in)
	})
}

func (s *Server) updateS3Profile(c echo.Context) error {
	return s.saveS3Profile(c, http.StatusOK, func(set *s3profile.Set, in s3profile.Input) (s3profile.Profile, error) {
		return set.Update(c.Param("name"), in)
	})
}

// saveS3Profile reads a profile from the body, applies it to the caller's set with save and
// answers the profile without its secrets.
func (s *Server) saveS3Profile(c echo.Context, status int, save func(*s3profile.Set, s3profile.Input) (s3profile.Profile, error)) error {
	var in s3profile.Input
	if err := httpapi.DecodeStrict(c, &in, "an S3 profile"); err != nil {
		return err
	}
	var saved s3profile.Profile
	if err := s.changeS3Profiles(c, func(set *s3profile.Set) (err error) {
		saved, err = save(set, in)
		return err
	}); err != nil {
		return err
	}
	httpapi.NoStore(c)
	return c.JSON(status, saved.View())
}

func (s *Server) deleteS3Profile(c echo.Context) error {
	if err := s.changeS3Profiles(c, func(set *s3profile.Set) error { return set.Delete(c.Param("name")) }); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// s3ProfileCredentials reveals a profile's keys, with the snippets that use them: the one
// place its secret key leaves the server.
func (s *Server) s3ProfileCredentials(c echo.Context) error {
	set, err := s.readS3Profiles(c)
	if err != nil {
		return err
	}
	p, ok := set.Find(c.Param("name"))
	if !ok {
		return sdk.Errorf(sdk.ErrNotFound, "no S3 profile %q", c.Param("name"))
	}
	out := StorageCredentials{AccessKeyID: p.AccessKeyID, SecretAccessKey: p.SecretAccessKey, SessionToken: p.SessionToken,
		Endpoint: p.URL, Region: p.Region, PathStyle: p.PathStyleAccess,
		Snippets: snippets.S3Snippets(snippets.S3{AccessKeyID: p.AccessKeyID, SecretAccessKey: p.SecretAccessKey,
			SessionToken: p.SessionToken, Endpoint: p.URL, Region: p.Region, PathStyle: p.PathStyleAccess})}
	httpapi.NoStore(c)
	return c.JSON(http.StatusOK, out)
}
