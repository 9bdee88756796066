package helmrepo_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"helm.sh/helm/v3/pkg/repo"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/charticon"
	"github.com/basalt-dev/basalt/sdk/plugintest"
)

// pngIcon is a real PNG image of n×n pixels.
func pngIcon(t testing.TB, n int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, n, n))
	img.Set(0, 0, color.RGBA{R: 200, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const svgIcon = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><circle cx="4" cy="4" r="4" fill="#36c"/></svg>`

// iconHost is another site serving icons, each with its Content-Type; it counts requests.
type iconHost struct {
	*httptest.Server
	mu       sync.Mutex
	requests map[string]int
}

func serveIcons(t testing.TB, icons map[string][2]string) *iconHost {
	t.Helper()
	h := &iconHost{requests: map[string]int{}}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.requests[r.URL.Path]++
		h.mu.Unlock()
		icon, ok := icons[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", icon[0])
		_, _ = w.Write([]byte(icon[1]))
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *iconHost) count(path string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.requests[path]
}

// iconRepo is the shared catalog whose charts name the icons of the test: one beside the
// index (a relative address), one on another site, one inline, and three the plugin must
// refuse (too big, not an image, an SVG with a script).
type iconRepo struct {
	dir     string
	host    *iconHost
	jupyter []byte // icons/jupyter.png beside the index
	vscode  []byte // the data: URL's
	fetched map[string][]byte
	refused []string
}

func newIconRepo(t testing.TB) *iconRepo {
	t.Helper()
	r := &iconRepo{jupyter: pngIcon(t, 16), vscode: pngIcon(t, 8)}
	big := append(pngIcon(t, 4), make([]byte, charticon.MaxSize)...)
	r.host = serveIcons(t, map[string][2]string{
		"/rstudio.svg":  {"image/svg+xml", svgIcon},
		"/big.png":      {"image/png", string(big)},
		"/page.png":     {"text/html; charset=utf-8", "<!doctype html><title>not an icon</title>"},
		"/scripted.svg": {"image/svg+xml", `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>`},
	})
	icons := map[string]string{
		"jupyter-python":     "icons/jupyter.png",
		"rstudio":            r.host.URL + "/rstudio.svg",
		"vscode-python":      "data:image/png;base64," + base64.StdEncoding.EncodeToString(r.vscode),
		"jupyter-pyspark":    r.host.URL + "/big.png",
		"jupyter-python-gpu": r.host.URL + "/page.png",
		"marimo-python":      r.host.URL + "/scripted.svg",
	}
	r.dir = copyRepo(t, func(idx *repo.IndexFile) {
		for name, cvs := range idx.Entries {
			for _, cv := range cvs {
				cv.Icon = icons[name]
			}
		}
	})
	if err := os.MkdirAll(filepath.Join(r.dir, "icons"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(r.dir, "icons", "jupyter.png"), r.jupyter)
	r.fetched = map[string][]byte{"jupyter-python": r.jupyter, "rstudio": []byte(svgIcon), "vscode-python": r.vscode}
	r.refused = []string{"jupyter-pyspark", "jupyter-python-gpu", "marimo-python"}
	return r
}

// TestIconsFetchedWithTheCharts: the plugin fetches each chart's icon when it reads the
// catalog, wherever the index says it is, and serves it by its digest; an icon too big, not
// an image, or an SVG with a script is refused, and the chart is listed without one.
func TestIconsFetchedWithTheCharts(t *testing.T) {
	r := newIconRepo(t)
	for _, location := range []struct{ name, at string }{
		{"http", serveRepo(t, r.dir).URL},
		{"directory", r.dir},
	} {
		t.Run(location.name, func(t *testing.T) {
			c := plugintest.ConnectCatalog(t, newPlugin(t, "", config{"id": "ide", "location": location.at}))
			charts := listCharts(t, c, "ide")
			for name, want := range r.fetched {
				ch := findChart(t, charts, name)
				if ch.IconDigest != charticon.Digest(want) {
					t.Errorf("%s: icon digest %q, want the sha256 of its icon", name, ch.IconDigest)
				}
				got, err := c.GetIcon(ctx(t), sdk.GetIconRequest{CatalogID: "ide", Chart: name})
				if err != nil || !bytes.Equal(got.Data, want) || got.Digest != ch.IconDigest {
					t.Errorf("GetIcon %s: %v, %d bytes, digest %s", name, err, len(got.Data), got.Digest)
				}
				if wantType := map[bool]string{true: charticon.SVG, false: charticon.PNG}[name == "rstudio"]; got.ContentType != wantType {
					t.Errorf("GetIcon %s: type %q, want %q", name, got.ContentType, wantType)
				}
			}
			for _, name := range r.refused {
				if ch := findChart(t, charts, name); ch.IconDigest != "" || ch.Error != "" {
					t.Errorf("%s: icon digest %q, error %q; want no icon and the chart fine", name, ch.IconDigest, ch.Error)
				}
				if _, err := c.GetIcon(ctx(t), sdk.GetIconRequest{CatalogID: "ide", Chart: name}); !errors.Is(err, sdk.ErrNotFound) {
					t.Errorf("GetIcon %s, whose icon was refused: %v, want not found", name, err)
				}
			}
		})
	}
}

// TestIconsConformance runs the conformance kit on a catalog with icons, some refused.
func TestIconsConformance(t *testing.T) {
	r := newIconRepo(t)
	plugintest.TestCatalog(t, func(t *testing.T) plugintest.CatalogSetup {
		p := newPlugin(t, "", config{"id": "ide", "location": r.dir, "multipleServicesMode": "all"})
		var charts []plugintest.ExpectedChart
		for _, name := range sharedCharts {
			_, fetched := r.fetched[name]
			charts = append(charts, plugintest.ExpectedChart{Name: name, Icon: fetched})
		}
		return plugintest.CatalogSetup{Catalog: p, CatalogID: "ide", Charts: charts}
	})
}

// TestIconsKeptAcrossRestarts: a restarted plugin serves the icons it fetched before without
// asking for them again, even when their site is gone; an icon that failed is not asked for
// at every refresh.
func TestIconsKeptAcrossRestarts(t *testing.T) {
	r := newIconRepo(t)
	cache := t.TempDir()
	first := newPlugin(t, cache, config{"id": "ide", "location": r.dir})
	before := findChart(t, listCharts(t, first, "ide"), "rstudio").IconDigest
	if before == "" {
		t.Fatal("rstudio's icon was not fetched")
	}
	if _, err := first.Refresh(ctx(t), sdk.RefreshCatalogsRequest{}); err != nil {
		t.Fatal(err)
	}
	if n, m := r.host.count("/rstudio.svg"), r.host.count("/page.png"); n != 1 || m != 1 {
		t.Errorf("after a refresh the icon host served rstudio.svg %d times and the refused page.png %d times, want once each", n, m)
	}
	first.Close()

	r.host.Close()
	again := plugintest.ConnectCatalog(t, newPlugin(t, cache, config{"id": "ide", "location": r.dir}))
	if got := findChart(t, listCharts(t, again, "ide"), "rstudio").IconDigest; got != before {
		t.Errorf("after a restart with the icon's site gone: digest %q, want %q", got, before)
	}
	if icon, err := again.GetIcon(ctx(t), sdk.GetIconRequest{CatalogID: "ide", Chart: "rstudio"}); err != nil || string(icon.Data) != svgIcon {
		t.Errorf("GetIcon after a restart: %v %q", err, icon.Data)
	}
}

// TestOCIIcons: a chart in an OCI registry gets its icon from the address its Chart.yaml
// names, like a chart of a Helm repository.
func TestOCIIcons(t *testing.T) {
	env := testenv.Require(t)
	if env.Registry == "" || env.Helm == "" {
		t.Skip("the test environment runs no OCI registry or has no helm")
	}
	logo := pngIcon(t, 12)
	host := serveIcons(t, map[string][2]string{"/logo.png": {"image/png", string(logo)}})
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	repository := env.Registry + "/basalt-icons-" + hex.EncodeToString(suffix)
	home := t.TempDir()
	archive := filepath.Join(home, "iconic-1.0.0.tgz")
	writeFile(t, archive, chartArchive(t, chartFiles{name: "iconic", version: "1.0.0", icon: host.URL + "/logo.png"}))
	cmd := exec.CommandContext(ctx(t), env.Helm, "push", archive, "oci://"+repository, "--plain-http")
	cmd.Env = append(os.Environ(), "HELM_CONFIG_HOME="+home+"/config", "HELM_CACHE_HOME="+home+"/cache",
		"HELM_DATA_HOME="+home+"/data", "HELM_REGISTRY_CONFIG="+home+"/registry.json")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("helm push: %v\n%s", err, out)
	}

	c := plugintest.ConnectCatalog(t, newPlugin(t, "", config{"id": "oci", "location": "oci://" + repository,
		"charts": []string{"iconic"}, "plainHttp": true}))
	if got := findChart(t, listCharts(t, c, "oci"), "iconic").IconDigest; got != charticon.Digest(logo) {
		t.Errorf("icon digest %q, want the logo's", got)
	}
	icon, err := c.GetIcon(ctx(t), sdk.GetIconRequest{CatalogID: "oci", Chart: "iconic"})
	if err != nil || !bytes.Equal(icon.Data, logo) || icon.ContentType != charticon.PNG {
		t.Errorf("GetIcon: %v, %d bytes of %s", err, len(icon.Data), icon.ContentType)
	}
}
