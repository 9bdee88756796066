package charticon_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/charticon"
)

var (
	png  = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	jpeg = []byte("\xff\xd8\xff\xe0\x00\x10JFIF")
	webp = []byte("RIFF\x10\x00\x00\x00WEBPVP8 ")
	svg  = []byte(`<?xml version="1.0"?>
<!-- a logo -->
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><a href="#x"><circle r="4"/></a></svg>`)
)

func TestCheckReadsTheTypeFromTheBytes(t *testing.T) {
	for _, c := range []struct {
		name     string
		data     []byte
		declared string
		want     string
	}{
		{"png", png, "image/png", charticon.PNG},
		{"png as bytes", png, "application/octet-stream", charticon.PNG},
		{"jpeg undeclared", jpeg, "", charticon.JPEG},
		{"webp", webp, "image/webp", charticon.WebP},
		{"svg", svg, "image/svg+xml; charset=utf-8", charticon.SVG},
		{"svg as text", svg, "text/plain; charset=utf-8", charticon.SVG},
		{"svg with a byte-order mark", append([]byte("\xef\xbb\xbf"), svg...), "", charticon.SVG},
	} {
		got, err := charticon.Check(c.data, c.declared)
		if err != nil || got != c.want {
			t.Errorf("%s: %q, %v; want %q", c.name, got, err, c.want)
		}
	}
}

func TestCheckRefuses(t *testing.T) {
	for _, c := range []struct {
		name     string
		data     []byte
		declared string
		says     string
	}{
		{"too big", append(bytes.Clone(png), make([]byte, charticon.MaxSize)...), "image/png", "more than 256 KiB"},
		{"empty", nil, "image/png", "empty"},
		{"html", []byte("<!doctype html><html><body>hi</body></html>"), "text/html", "not a PNG, JPEG, WebP or SVG"},
		{"png announced as html", png, "text/html", "announced as text/html but is image/png"},
		{"svg announced as png", svg, "image/png", "announced as image/png but is image/svg+xml"},
		{"gif", []byte("GIF89a\x01\x00"), "image/gif", "not a PNG"},
		{"xml that is not svg", []byte(`<?xml version="1.0"?><html/>`), "", "not a PNG"},
		{"script", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "", "holds a <script> element"},
		{"script in another case", []byte(`<svg><SCRIPT>alert(1)</SCRIPT></svg>`), "", "holds a <SCRIPT> element"},
		{"event handler", []byte(`<svg onload="alert(1)"/>`), "", "event handler (onload)"},
		{"javascript link", []byte(`<svg xmlns:xlink="http://www.w3.org/1999/xlink"><a xlink:href=" java&#x09;script:alert(1)"><circle r="1"/></a></svg>`), "", "javascript: address"},
		{"animation to javascript", []byte(`<svg><a><set attributeName="href" to="javascript:alert(1)"/></a></svg>`), "", "javascript: address"},
		{"foreign object", []byte(`<svg><foreignObject><div/></foreignObject></svg>`), "", "<foreignObject>"},
		{"malformed", []byte(`<svg><g></svg>`), "", "not well-formed"},
	} {
		got, err := charticon.Check(c.data, c.declared)
		if !errors.Is(err, sdk.ErrInvalidArgument) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %q, %v; want a refusal saying %q", c.name, got, err, c.says)
		}
	}
}

func TestDecodeDataURL(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString(png)
	for _, c := range []struct {
		url, kind string
		want      []byte
	}{
		{"data:image/png;base64," + b64, "image/png", png},
		{"DATA:image/png;BASE64," + strings.TrimRight(b64, "="), "image/png", png},
		{"data:image/svg+xml;charset=utf-8,%3Csvg%2F%3E", "image/svg+xml", []byte("<svg/>")},
		{"data:,%3Csvg%2F%3E", "", []byte("<svg/>")},
	} {
		data, kind, err := charticon.DecodeDataURL(c.url)
		if err != nil || kind != c.kind || !bytes.Equal(data, c.want) {
			t.Errorf("%.40s: %q %q %v; want %q %q", c.url, data, kind, err, c.want, c.kind)
		}
	}
	for _, bad := range []string{"https://example.org/a.png", "data:image/png;base64", "data:image/png;base64,@@@", "data:," + strings.Repeat("a", 3*charticon.MaxSize+1)} {
		if _, _, err := charticon.DecodeDataURL(bad); !errors.Is(err, sdk.ErrInvalidArgument) {
			t.Errorf("%.40s: %v, want a refusal", bad, err)
		}
	}
}

func TestDigest(t *testing.T) {
	if got := charticon.Digest([]byte("abc")); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("Digest: %s", got)
	}
}
