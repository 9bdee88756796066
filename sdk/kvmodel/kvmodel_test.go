package kvmodel_test

import (
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/kvmodel"
)

func write(t *testing.T, s *kvmodel.Store, path string, data map[string]string) int {
	t.Helper()
	resp, err := s.Write(path, sdk.WriteSecretRequest{Path: path, Data: data})
	if err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
	return resp.Version
}

func read(s *kvmodel.Store, path string, version int) (map[string]string, error) {
	resp, err := s.Read(path, sdk.ReadSecretRequest{Path: path, Version: version})
	return resp.Data, err
}

func TestVersions(t *testing.T) {
	s := kvmodel.NewStore(nil, kvmodel.Options{})
	for i, v := range []string{"one", "two", "three"} {
		if n := write(t, s, "a/b", map[string]string{"v": v}); n != i+1 {
			t.Fatalf("write %d gave version %d", i+1, n)
		}
	}
	for n, want := range map[int]string{0: "three", 1: "one", 2: "two", 3: "three"} {
		if got, err := read(s, "a/b", n); err != nil || got["v"] != want {
			t.Errorf("read version %d: %v, %v; want %q", n, got, err, want)
		}
	}
	if _, err := read(s, "a/b", 4); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("read version 4: %v, want not found", err)
	}
	if _, err := read(s, "a/b", -1); !errors.Is(err, sdk.ErrInvalidArgument) {
		t.Errorf("read version -1: %v, want invalid argument", err)
	}
	if _, err := read(s, "a/c", 0); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("read a missing secret: %v, want not found", err)
	}
}

func TestCheckAndSet(t *testing.T) {
	s := kvmodel.NewStore(nil, kvmodel.Options{})
	zero, one := 0, 1
	if _, err := s.Write("a/b", sdk.WriteSecretRequest{Path: "a/b", CheckVersion: &one}); !errors.Is(err, sdk.ErrConflict) {
		t.Errorf("cas 1 on a new secret: %v, want conflict", err)
	}
	if _, err := s.Write("a/b", sdk.WriteSecretRequest{Path: "a/b", CheckVersion: &zero}); err != nil {
		t.Errorf("cas 0 on a new secret: %v", err)
	}
	if _, err := s.Write("a/b", sdk.WriteSecretRequest{Path: "a/b", CheckVersion: &zero, Data: map[string]string{"k": "secret-value"}}); !errors.Is(err, sdk.ErrConflict) {
		t.Errorf("cas 0 on version 1: %v, want conflict", err)
	}
	if got, err := read(s, "a/b", 0); err != nil || len(got) != 0 || got == nil {
		t.Errorf("after a refused write: %v, %v; want the empty version 1", got, err)
	}
}

func TestDeleteUndeleteDestroy(t *testing.T) {
	s := kvmodel.NewStore(nil, kvmodel.Options{})
	write(t, s, "a/b", map[string]string{"v": "1"})
	write(t, s, "a/b", map[string]string{"v": "2"})
	if _, err := s.Delete("a/b", sdk.DeleteSecretRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := read(s, "a/b", 0); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("read the deleted current version: %v, want not found", err)
	}
	if got, err := read(s, "a/b", 1); err != nil || got["v"] != "1" {
		t.Errorf("version 1 after deleting 2: %v, %v", got, err)
	}
	if _, err := s.Undelete("a/b", sdk.UndeleteSecretRequest{Versions: []int{2}}); err != nil {
		t.Fatal(err)
	}
	if got, err := read(s, "a/b", 0); err != nil || got["v"] != "2" {
		t.Errorf("undeleted version 2: %v, %v", got, err)
	}
	if _, err := s.Delete("a/b", sdk.DeleteSecretRequest{Versions: []int{1}, Destroy: true}); err != nil {
		t.Fatal(err)
	}
	s.Undelete("a/b", sdk.UndeleteSecretRequest{Versions: []int{1}})
	if _, err := read(s, "a/b", 1); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("destroyed version 1 after undelete: %v, want not found", err)
	}
	md, err := s.Metadata("a/b", sdk.SecretMetadataRequest{})
	if err != nil || md.CurrentVersion != 2 || len(md.Versions) != 2 || !md.Versions[0].Destroyed || md.Versions[1].Destroyed || md.Updated.Before(md.Created) {
		t.Errorf("metadata: %+v, %v", md, err)
	}
	if _, err := s.Delete("a/b", sdk.DeleteSecretRequest{All: true}); err != nil || s.Len() != 0 {
		t.Errorf("delete all: %v, %d secrets left", err, s.Len())
	}
	if _, err := s.Delete("a/b", sdk.DeleteSecretRequest{All: true}); err != nil {
		t.Errorf("deleting a missing secret: %v", err)
	}
	if _, err := s.Undelete("a/b", sdk.UndeleteSecretRequest{}); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("undelete a missing secret: %v, want not found", err)
	}
}

func TestMaxVersions(t *testing.T) {
	s := kvmodel.NewStore(nil, kvmodel.Options{MaxVersions: 2})
	for range 5 {
		write(t, s, "a/b", nil)
	}
	md, _ := s.Metadata("a/b", sdk.SecretMetadataRequest{})
	var kept []int
	for _, v := range md.Versions {
		kept = append(kept, v.Version)
	}
	if md.CurrentVersion != 5 || !slices.Equal(kept, []int{4, 5}) {
		t.Errorf("after 5 writes keeping 2: current %d, kept %v", md.CurrentVersion, kept)
	}
}

// TestSaveFailureUndoes: a change whose save fails leaves the store as it was.
func TestSaveFailureUndoes(t *testing.T) {
	fail := false
	var saved map[string]*kvmodel.Secret
	s := kvmodel.NewStore(nil, kvmodel.Options{Save: func(m map[string]*kvmodel.Secret) error {
		if fail {
			return errors.New("disk full")
		}
		saved = maps.Clone(m)
		return nil
	}})
	write(t, s, "a/b", map[string]string{"v": "1"})
	if saved["a/b"] == nil {
		t.Fatal("a write was not saved")
	}
	fail = true
	if _, err := s.Write("a/b", sdk.WriteSecretRequest{Path: "a/b", Data: map[string]string{"v": "2"}}); err == nil {
		t.Error("a write whose save fails succeeded")
	}
	if _, err := s.Write("a/new", sdk.WriteSecretRequest{Path: "a/new"}); err == nil || s.Len() != 1 {
		t.Errorf("a new secret whose save fails: %v, %d secrets", err, s.Len())
	}
	s.Delete("a/b", sdk.DeleteSecretRequest{Destroy: true})
	if got, err := read(s, "a/b", 0); err != nil || got["v"] != "1" {
		t.Errorf("after failed saves: %v, %v; want version 1 intact", got, err)
	}
}

func TestList(t *testing.T) {
	s := kvmodel.NewStore(nil, kvmodel.Options{})
	for _, p := range []string{"a/x", "a/d/y", "a/d/z", "ab/w", "b/v"} {
		write(t, s, p, nil)
	}
	got := s.List("a")
	want := []sdk.SecretEntry{{Name: "d/", Folder: true}, {Name: "x"}}
	if !slices.Equal(got, want) {
		t.Errorf("List(a) = %v, want %v", got, want)
	}
}
