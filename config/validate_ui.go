package config

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// uiLanguages are the languages the portal has strings for.
var uiLanguages = []string{"en", "fr"}

// alertSeverities are the banner's kinds the portal draws.
var alertSeverities = []string{"info", "success", "warning", "error"}

var (
	hexColor  = regexp.MustCompile(`^#([0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$`)
	funcColor = regexp.MustCompile(`^(rgb|rgba|hsl|hsla|oklch|oklab|lab|lch)\([0-9a-zA-Z .,%/+-]*\)$`)
	namedWord = regexp.MustCompile(`^[a-zA-Z]+$`)
	// A font-family list: names, quotes, commas and spaces; nothing that could end the declaration.
	fontFamily = regexp.MustCompile(`^[\p{L}\p{N} ,'"_-]+$`)
	langCode   = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$`)
)

// validate checks the portal's branding: everything it puts into CSS, links and the
// document must be what its key says, so that a typo cannot break or inject into the page.
func (u *UI) validate(bad func(key, format string, args ...any)) {
	if strings.TrimSpace(u.Name) == "" {
		bad("ui.name", "must not be empty: it names the instance in the header")
	}
	if len(u.Languages) == 0 {
		bad("ui.languages", "must list at least one of %s", strings.Join(uiLanguages, ", "))
	}
	for i, l := range u.Languages {
		if !slices.Contains(uiLanguages, l) {
			bad(fmt.Sprintf("ui.languages[%d]", i), "must be one of %s (the portal's languages); got %q", strings.Join(uiLanguages, ", "), l)
		}
	}
	checkText(bad, "ui.header_text", u.HeaderText, false)
	checkURL(bad, "ui.logo_url", u.LogoURL)
	checkURL(bad, "ui.favicon_url", u.FaviconURL)
	checkColors(bad, "ui.palette", u.Palette)
	checkColors(bad, "ui.dark_palette", u.DarkPalette)
	if u.Font.Family != "" && !fontFamily.MatchString(u.Font.Family) {
		bad("ui.font.family", "must be a font-family list (names, quotes, commas); got %q", u.Font.Family)
	}
	checkURL(bad, "ui.font.css_url", u.Font.CSSURL)

	for group, links := range map[string][]Link{"header": u.Links.Header, "footer": u.Links.Footer, "side_bar": u.Links.SideBar} {
		for i, l := range links {
			checkLink(bad, fmt.Sprintf("ui.links.%s[%d]", group, i), l, true)
		}
	}

	checkText(bad, "ui.home.title", u.Home.Title, false)
	checkText(bad, "ui.home.subtitle", u.Home.Subtitle, false)
	checkLink(bad, "ui.home.call_to_action", u.Home.CallToAction, u.Home.CallToAction.URL != "")
	for i, c := range u.Home.Cards {
		key := fmt.Sprintf("ui.home.cards[%d]", i)
		checkText(bad, key+".title", c.Title, true)
		checkText(bad, key+".description", c.Description, false)
		if c.URL == "" {
			bad(key+".url", "is required: where the card leads")
		}
		checkURL(bad, key+".url", c.URL)
		if strings.Contains(c.Icon, "/") {
			checkURL(bad, key+".icon", c.Icon)
		}
	}

	if len(u.Alert.Text) > 0 && !slices.Contains(alertSeverities, u.Alert.Severity) {
		bad("ui.alert.severity", "must be one of %s; got %q", strings.Join(alertSeverities, ", "), u.Alert.Severity)
	}
	checkText(bad, "ui.alert.text", u.Alert.Text, false)

	checkURL(bad, "ui.terms.url", u.Terms.URL)
	checkText(bad, "ui.terms.markdown", u.Terms.Markdown, false)
	if (u.Terms.URL != "" || len(u.Terms.Markdown) > 0) && strings.TrimSpace(u.Terms.Version) == "" {
		bad("ui.terms.version", "is required with terms: users accept one version, and a new version asks them again")
	}

	for i, b := range u.Bookmarks {
		key := fmt.Sprintf("ui.bookmarks[%d]", i)
		checkText(bad, key+".label", b.Label, true)
		if strings.Trim(b.Path, "/") == "" || strings.Contains(b.Path, "..") {
			bad(key+".path", "must be a storage path, bucket first (e.g. shared-data/census/); got %q", b.Path)
		}
	}
}

// checkColors accepts hex, functional and named CSS colours; empty keeps the portal's.
func checkColors(bad func(key, format string, args ...any), key string, c Colors) {
	for name, v := range map[string]string{"primary": c.Primary, "secondary": c.Secondary, "background": c.Background, "surface": c.Surface, "text": c.Text} {
		if v != "" && !hexColor.MatchString(v) && !funcColor.MatchString(v) && !namedWord.MatchString(v) {
			bad(key+"."+name, "must be a CSS colour such as #1f6feb or rgb(31 111 235); got %q", v)
		}
	}
}

// checkURL accepts http(s) URLs and absolute paths of this server; empty is allowed.
func checkURL(bad func(key, format string, args ...any), key, v string) {
	if v == "" {
		return
	}
	if strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "//") {
		return
	}
	if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad(key, "must be an http(s) URL or a path starting with /; got %q", v)
	}
}

func checkLink(bad func(key, format string, args ...any), key string, l Link, required bool) {
	if required && l.URL == "" {
		bad(key+".url", "is required")
	}
	checkURL(bad, key+".url", l.URL)
	checkText(bad, key+".label", l.Label, required)
}

// checkText checks a text given per language code.
func checkText(bad func(key, format string, args ...any), key string, t map[string]string, required bool) {
	if required && len(t) == 0 {
		bad(key, "is required: a text per language code, e.g. {en: ..., fr: ...}")
	}
	for lang := range t {
		if !langCode.MatchString(lang) {
			bad(key+"."+lang, "must be keyed by a language code such as en or fr")
		}
	}
}
