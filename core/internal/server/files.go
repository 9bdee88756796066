package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/core/internal/filepolicy"
	"github.com/basalt-dev/basalt/core/internal/identity"
	"github.com/basalt-dev/basalt/core/internal/shell"
	"github.com/basalt-dev/basalt/sdk"
)

// ObjectView is a file as the API shows it.
type ObjectView struct {
	Path         string     `json:"path"` // bucket/key
	Name         string     `json:"name"`
	Size         int64      `json:"size"`
	LastModified *time.Time `json:"lastModified,omitempty"`
	ContentType  string     `json:"contentType,omitempty"`
}

func objectView(o sdk.ObjectInfo) ObjectView {
	v := ObjectView{Path: o.Ref.Bucket + "/" + o.Ref.Key, Name: filepolicy.BaseName(o.Ref.Key), Size: o.Size, ContentType: o.ContentType}
	if !o.LastModified.IsZero() {
		t := o.LastModified
		v.LastModified = &t
	}
	return v
}

// FolderView is a sub-folder in a listing.
type FolderView struct {
	Path string `json:"path"`
	Name string `json:"name"`
}

// FileList is one page of a folder.
type FileList struct {
	Path          string       `json:"path"`
	Home          string       `json:"home"`
	Folders       []FolderView `json:"folders"`
	Files         []ObjectView `json:"files"`
	NextPageToken string       `json:"nextPageToken,omitempty"`
	Commands      []string     `json:"commands"`
}

func (s *Server) listFiles(c echo.Context) error {
	f := inFiles(c)
	ref, err := f.ref(c.QueryParam("path"))
	if err != nil {
		return err
	}
	if ref.Key != "" && !strings.HasSuffix(ref.Key, "/") {
		ref.Key += "/"
	}
	pageSize, _ := strconv.Atoi(c.QueryParam("pageSize"))
	resp, err := f.store.List(c.Request().Context(), sdk.ListObjectsRequest{
		Caller: f.user.Caller(), Prefix: ref, PageSize: pageSize, PageToken: c.QueryParam("pageToken"),
	})
	if err != nil {
		return err
	}
	out := FileList{
		Path: ref.Bucket + "/" + ref.Key, Home: f.home.Bucket + "/" + f.home.Key,
		Folders: []FolderView{}, Files: []ObjectView{}, NextPageToken: resp.NextPageToken,
		Commands: []string{shell.Command("mc", "ls", mcPath(ref))},
	}
	for _, d := range resp.Folders {
		out.Folders = append(out.Folders, FolderView{Path: d.Bucket + "/" + d.Key, Name: filepolicy.BaseName(d.Key)})
	}
	for _, o := range resp.Objects {
		if o.Ref.Key == ref.Key || filepolicy.BaseName(o.Ref.Key) == folderMarker {
			continue
		}
		out.Files = append(out.Files, objectView(o))
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) downloadFile(c echo.Context) error {
	f := inFiles(c)
	ref, err := f.ref(c.QueryParam("path"))
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	offset, length, ranged, err := filepolicy.ParseRange(c.Request().Header.Get("Range"))
	if err != nil {
		return err
	}
	viaPlugin := false // until the store says it signs no links
	if c.QueryParam("redirect") == "true" {
		url, err := filepolicy.RedirectURL(ctx, f.store, f.user.Caller(), ref)
		if err != nil {
			return err
		}
		if url != "" {
			c.Response().Header().Set("Cache-Control", "no-store")
			return c.Redirect(http.StatusTemporaryRedirect, url)
		}
		viaPlugin = true
	}
	resp, err := filepolicy.Read(ctx, f.store, sdk.ReadObjectRequest{Caller: f.user.Caller(), Object: ref, Offset: offset, Length: length}, viaPlugin)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	h := c.Response().Header()
	filepolicy.SetUserContentHeaders(h, ref.Key, resp.Object.ContentType, c.QueryParam("download") != "")
	h.Set("Accept-Ranges", "bytes")
	status, size := http.StatusOK, resp.Object.Size
	if ranged {
		end := resp.Object.Size - 1
		if length > 0 && offset+length-1 < end {
			end = offset + length - 1
		}
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", offset, end, resp.Object.Size))
		status, size = http.StatusPartialContent, end-offset+1
	}
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	c.Response().WriteHeader(status)
	return filepolicy.CopyBody(c.Response(), resp.Body)
}

// UploadedFile is the file an upload stored.
type UploadedFile struct {
	File     ObjectView `json:"file"`
	Commands []string   `json:"commands"`
}

// DeletedFiles counts the objects a delete removed.
type DeletedFiles struct {
	Deleted  int64    `json:"deleted"`
	Commands []string `json:"commands"`
}

// CreatedFolder is the folder a create made.
type CreatedFolder struct {
	Folder   FolderView `json:"folder"`
	Commands []string   `json:"commands"`
}

// ShareLink is a download link to one file, valid until ExpiresAt.
type ShareLink struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expiresAt"`
	Commands  []string  `json:"commands"`
}

// FolderPolicy is whether anyone may download a folder's files.
type FolderPolicy struct {
	Path     string   `json:"path"`
	Public   bool     `json:"public"`
	Commands []string `json:"commands"`
}

// PublicFolderList is the public folders under the caller's home.
type PublicFolderList struct {
	Folders []FolderView `json:"folders"`
}

func (s *Server) uploadFile(c echo.Context) error {
	f := inFiles(c)
	ref, err := f.ref(c.QueryParam("path"))
	if err != nil {
		return err
	}
	if ref.Key == "" || strings.HasSuffix(ref.Key, "/") || ref.Key == f.home.Key {
		return sdk.InvalidFields("cannot upload", sdk.FieldViolation{Field: "path", Rule: "must name a file, not a folder"})
	}
	r := c.Request()
	resp, err := f.store.Write(r.Context(), sdk.WriteObjectRequest{
		Caller: f.user.Caller(), Object: ref, Size: r.ContentLength,
		ContentType: filepolicy.StoredType(r.Header.Get("Content-Type")), Body: r.Body,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, UploadedFile{
		File:     objectView(resp.Object),
		Commands: []string{shell.Command("mc", "cp", "./"+filepolicy.BaseName(ref.Key), mcPath(ref))},
	})
}

func (s *Server) deleteFile(c echo.Context) error {
	f := inFiles(c)
	ref, err := f.ref(c.QueryParam("path"))
	if err != nil {
		return err
	}
	if ref == f.home {
		return sdk.InvalidFields("cannot delete", sdk.FieldViolation{Field: "path", Rule: "the project's home cannot be deleted"})
	}
	recursive := c.QueryParam("recursive") == "true"
	resp, err := f.store.Delete(c.Request().Context(), sdk.DeleteObjectRequest{Caller: f.user.Caller(), Object: ref, Recursive: recursive})
	if err != nil {
		return err
	}
	cmd := shell.Command("mc", "rm", mcPath(ref))
	if recursive {
		cmd = shell.Command("mc", "rm", "--recursive", "--force", mcPath(ref))
	}
	return c.JSON(http.StatusOK, DeletedFiles{Deleted: resp.Deleted, Commands: []string{cmd}})
}

// FolderRequest creates a folder.
type FolderRequest struct {
	Path string `json:"path"`
}

func (s *Server) createFolder(c echo.Context) error {
	f := inFiles(c)
	var req FolderRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	if req.Path == "" {
		return sdk.InvalidFields("cannot create the folder", sdk.FieldViolation{Field: "path", Rule: "is required: bucket/prefix/name"})
	}
	ref, err := f.ref(req.Path)
	if err != nil {
		return err
	}
	folder := strings.TrimSuffix(ref.Key, "/") + "/"
	if folder == "/" || folder == f.home.Key {
		return sdk.InvalidFields("cannot create the folder", sdk.FieldViolation{Field: "path", Rule: "must name a new folder inside the home"})
	}
	// Object stores have no folders, only key prefixes: an empty placeholder object makes
	// the prefix exist, as Onyxia does. Listings hide it.
	marker := sdk.ObjectRef{Bucket: ref.Bucket, Key: folder + folderMarker}
	if _, err := f.store.Write(c.Request().Context(), sdk.WriteObjectRequest{
		Caller: f.user.Caller(), Object: marker, Size: 0, Body: strings.NewReader(""),
	}); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, CreatedFolder{
		Folder:   FolderView{Path: ref.Bucket + "/" + folder, Name: filepolicy.BaseName(folder)},
		Commands: []string{shell.Command("mc", "cp", "/dev/null", mcPath(marker))},
	})
}

// ShareRequest asks for a link to one file, valid for a while.
type ShareRequest struct {
	Path   string `json:"path"`
	Expiry string `json:"expiry"` // a Go duration, e.g. "1h", "168h"
}

func (s *Server) shareFile(c echo.Context) error {
	f := inFiles(c)
	var req ShareRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	expiry, err := time.ParseDuration(req.Expiry)
	if err != nil || expiry <= 0 {
		return sdk.InvalidFields("cannot share", sdk.FieldViolation{Field: "expiry", Rule: "must be a positive duration such as 1h or 168h"})
	}
	ref, err := f.ref(req.Path)
	if err != nil {
		return err
	}
	resp, err := f.store.Presign(c.Request().Context(), filepolicy.DownloadLink(f.user.Caller(), ref, expiry))
	if errors.Is(err, sdk.ErrUnimplemented) {
		// The store cannot presign (local files): Basalt signs the link and serves it.
		resp, err = s.signLink(c, f, ref, expiry)
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ShareLink{
		URL: resp.URL, ExpiresAt: resp.ExpiresAt,
		Commands: []string{shell.Command("mc", "share", "download", "--expire", expiry.String(), mcPath(ref))},
	})
}

// PolicyRequest makes a folder public or private.
type PolicyRequest struct {
	Path   string `json:"path"`
	Public bool   `json:"public"`
}

func (s *Server) setFilePolicy(c echo.Context) error {
	f := inFiles(c)
	var req PolicyRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	ref, err := f.ref(req.Path)
	if err != nil {
		return err
	}
	if _, err := f.store.SetPrefixPolicy(c.Request().Context(), sdk.SetPrefixPolicyRequest{Caller: f.user.Caller(), Prefix: ref, Public: req.Public}); err != nil {
		return err
	}
	policy := "private"
	if req.Public {
		policy = "download"
	}
	return c.JSON(http.StatusOK, FolderPolicy{
		Path: ref.Bucket + "/" + ref.Key, Public: req.Public,
		Commands: []string{shell.Command("mc", "anonymous", "set", policy, mcPath(ref))},
	})
}

func (s *Server) listPublicFolders(c echo.Context) error {
	f := inFiles(c)
	resp, err := f.store.ListPublicPrefixes(c.Request().Context(), sdk.ListPublicPrefixesRequest{Caller: f.user.Caller(), Bucket: f.home.Bucket})
	if err != nil {
		return err
	}
	out := []FolderView{}
	for _, p := range resp.Prefixes {
		if strings.HasPrefix(p.Key, f.home.Key) {
			out = append(out, FolderView{Path: p.Bucket + "/" + p.Key, Name: filepolicy.BaseName(p.Key)})
		}
	}
	return c.JSON(http.StatusOK, PublicFolderList{Folders: out})
}

// fileScope is what every files request resolves first: who, in which project, with which
// store, and where that project's files live.
type fileScope struct {
	user    *identity.User
	project identity.Project
	store   sdk.Storage
	home    sdk.ObjectRef
}

// inFiles is the request's file scope, from the scope the files routes resolved.
func inFiles(c echo.Context) fileScope {
	sc := scopeOf(c)
	store, _ := sc.Storage() // withStorageHome has checked it
	return fileScope{user: sc.User, project: sc.Project, store: store, home: sc.StorageHome}
}

// ref reads a path the request names, confined to the project's files.
func (f fileScope) ref(path string) (sdk.ObjectRef, error) { return filepolicy.Confine(f.home, path) }

// mcPath names an object or a prefix for mc, whose alias for the store is s3.
func mcPath(ref sdk.ObjectRef) string { return "s3/" + ref.Bucket + "/" + ref.Key }

// folderMarker is the empty object that makes an empty folder exist.
const folderMarker = ".keep"
