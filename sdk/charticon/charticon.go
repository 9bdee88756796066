// Package charticon says what a chart's icon may be when Basalt serves it in place of the
// address a chart names: a small image of a few types, and for SVG, one in which nothing
// runs. Catalog plugins check the icons they fetch with it (and read data: URLs with it); the
// conformance kit checks what they return.
package charticon

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/url"
	"strings"

	"github.com/basalt-dev/basalt/sdk"
)

// MaxSize bounds an icon; a catalog's icons are a few kilobytes.
const MaxSize = 256 << 10

// The types an icon may have.
const (
	PNG  = "image/png"
	JPEG = "image/jpeg"
	WebP = "image/webp"
	SVG  = "image/svg+xml"
)

// Types are the types an icon may have.
var Types = []string{PNG, JPEG, WebP, SVG}

// Digest is how an icon is named: the hex sha256 of its bytes.
func Digest(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// Check returns the type of an icon, read from its bytes: PNG, JPEG, WebP or an SVG without
// scripts. declared is the type its source announced (a Content-Type, a data: URL's media
// type); a generic one (empty, application/octet-stream, text/plain, XML) says nothing, any
// other must be the type the bytes have. Refusals are ErrInvalidArgument.
func Check(data []byte, declared string) (string, error) {
	if len(data) > MaxSize {
		return "", sdk.Errorf(sdk.ErrInvalidArgument, "the icon is %d KiB, more than %d KiB", (len(data)+1023)>>10, MaxSize>>10)
	}
	if len(data) == 0 {
		return "", sdk.Errorf(sdk.ErrInvalidArgument, "the icon is empty")
	}
	kind := sniff(data)
	if kind == "" {
		return "", sdk.Errorf(sdk.ErrInvalidArgument, "the icon is not a PNG, JPEG, WebP or SVG image")
	}
	if said := mediaType(declared); !generic(said) && said != kind {
		return "", sdk.Errorf(sdk.ErrInvalidArgument, "the icon is announced as %s but is %s", said, kind)
	}
	if kind == SVG {
		if err := inertSVG(data); err != nil {
			return "", sdk.Errorf(sdk.ErrInvalidArgument, "the SVG icon %v", err)
		}
	}
	return kind, nil
}

func mediaType(contentType string) string {
	if strings.TrimSpace(contentType) == "" {
		return ""
	}
	kind, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(contentType))
	}
	return kind
}

// generic reports whether a declared type says nothing of an image's type: static hosts
// often serve SVG as XML or text, and anything as bytes.
func generic(kind string) bool {
	switch kind {
	case "", "application/octet-stream", "binary/octet-stream", "text/plain", "text/xml", "application/xml":
		return true
	}
	return false
}

// sniff says which of the icon types data is, "" for none.
func sniff(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return PNG
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		return JPEG
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return WebP
	case rootIsSVG(data):
		return SVG
	}
	return ""
}

// rootIsSVG reports whether data is XML whose root element is svg.
func rootIsSVG(data []byte) bool {
	d := xml.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	for {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			return tok.Name.Local == "svg"
		case xml.CharData:
			if len(bytes.TrimSpace(tok)) > 0 {
				return false
			}
		}
	}
}

// unsafeElements run code or embed documents that may.
var unsafeElements = map[string]bool{
	"script": true, "foreignobject": true, "iframe": true, "embed": true, "object": true,
	"handler": true, "listener": true,
}

// inertSVG refuses an SVG in which anything could run: script elements and their kin, event
// handler attributes, and javascript: addresses (in a link, or set by an animation).
// Browsers run none of these in an <img>; the check keeps an icon opened by its address inert
// too, besides the Content-Security-Policy it is served with.
func inertSVG(data []byte) error {
	d := xml.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("is not well-formed XML: %v", err)
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if name := strings.ToLower(el.Name.Local); unsafeElements[name] {
			return fmt.Errorf("holds a <%s> element", el.Name.Local)
		}
		for _, a := range el.Attr {
			if strings.HasPrefix(strings.ToLower(a.Name.Local), "on") {
				return fmt.Errorf("holds an event handler (%s)", a.Name.Local)
			}
			if strings.Contains(strings.ToLower(strings.Join(strings.Fields(a.Value), "")), "javascript:") {
				return fmt.Errorf("holds a javascript: address (%s)", a.Name.Local)
			}
		}
	}
}

// DecodeDataURL reads an icon given inline as a data: URL ("data:image/png;base64,...").
// It returns the bytes and the media type the URL declares.
func DecodeDataURL(u string) ([]byte, string, error) {
	rest, ok := cutPrefixFold(u, "data:")
	if !ok {
		return nil, "", sdk.Errorf(sdk.ErrInvalidArgument, "not a data: URL")
	}
	meta, payload, ok := strings.Cut(rest, ",")
	if !ok {
		return nil, "", sdk.Errorf(sdk.ErrInvalidArgument, "the data: URL has no comma before its content")
	}
	// Percent-encoding takes at most 3 characters a byte: a longer payload is too big.
	if len(payload) > 3*MaxSize {
		return nil, "", sdk.Errorf(sdk.ErrInvalidArgument, "the icon is more than %d KiB", MaxSize>>10)
	}
	var data []byte
	var err error
	if m, ok := cutSuffixFold(meta, ";base64"); ok {
		meta = m
		clean := strings.Join(strings.Fields(payload), "")
		data, err = base64.StdEncoding.DecodeString(clean)
		if err != nil {
			data, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(clean, "="))
		}
	} else {
		var s string
		s, err = url.PathUnescape(payload)
		data = []byte(s)
	}
	if err != nil {
		return nil, "", sdk.Errorf(sdk.ErrInvalidArgument, "the data: URL's content does not decode: %v", err)
	}
	kind, _, _ := strings.Cut(meta, ";")
	return data, strings.TrimSpace(kind), nil
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

func cutSuffixFold(s, suffix string) (string, bool) {
	if len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix) {
		return s[:len(s)-len(suffix)], true
	}
	return s, false
}
