package filepolicy

import (
	"mime"
	"net/http"
	"strings"
)

// Files are user content: a member of a group could upload a page and its script, then send
// another member a link to it. Nothing Basalt serves from a store may run in Basalt's origin,
// so a file is shown inline only when its type is one a browser shows without running
// anything; everything else is an opaque download. Every answer is sandboxed too (a unique
// origin, no script, no form), in case a browser finds something active in an inert type.

// inlineTypes are shown inline: raster images (never SVG, which runs scripts), PDF and plain
// text.
var inlineTypes = map[string]bool{
	"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true, "image/avif": true,
	"application/pdf": true, "text/plain": true,
}

// dataTypes are kept as uploaded, for the tools that read the store, and served as downloads:
// data no browser runs.
var dataTypes = map[string]bool{
	"application/octet-stream": true, "text/csv": true, "text/tab-separated-values": true, "application/json": true,
	"application/vnd.apache.parquet": true, "application/x-parquet": true, "application/zip": true, "application/gzip": true,
}

const (
	OpaqueType = "application/octet-stream"
	// textType is how plain text is shown: in UTF-8, so that no browser guesses an encoding.
	textType = "text/plain; charset=utf-8"
	// contentSandbox is the Content-Security-Policy of every file Basalt serves.
	contentSandbox = "sandbox"
)

// mediaType is a Content-Type's type and subtype in lower case, "" when it does not parse.
func mediaType(contentType string) string {
	kind, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return kind
}

// StoredType is the Content-Type an upload is stored with: the uploader's when it is inert,
// else application/octet-stream, so that a store serving the object itself (a public folder,
// a link it signs) never answers with a page or a script either.
func StoredType(uploaded string) string {
	if kind := mediaType(uploaded); inlineTypes[kind] || dataTypes[kind] {
		return uploaded
	}
	return OpaqueType
}

// SetUserContentHeaders makes h the headers of the object at key, stored with the type
// stored: inline with its type when that is inert and the caller did not ask for a download,
// else an attachment of opaque bytes; sandboxed and never sniffed, either way.
func SetUserContentHeaders(h http.Header, key, stored string, download bool) {
	kind := mediaType(stored)
	switch {
	case download || !inlineTypes[kind]:
		h.Set("Content-Type", OpaqueType)
		h.Set("Content-Disposition", Attachment(key))
	case kind == "text/plain":
		h.Set("Content-Type", textType)
	default:
		h.Set("Content-Type", kind)
	}
	h.Set("Content-Security-Policy", contentSandbox)
	h.Set("X-Content-Type-Options", "nosniff")
}

// BaseName is the last element of a key, without its trailing slash.
func BaseName(key string) string {
	key = strings.TrimSuffix(key, "/")
	return key[strings.LastIndexByte(key, '/')+1:]
}

// Attachment is the Content-Disposition that downloads an object under its own name; a name
// beyond ASCII is encoded as RFC 2231 says, which browsers read.
func Attachment(key string) string {
	if d := mime.FormatMediaType("attachment", map[string]string{"filename": BaseName(key)}); d != "" {
		return d
	}
	return "attachment" // a name FormatMediaType cannot encode: the browser picks one
}
