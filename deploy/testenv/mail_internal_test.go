package testenv

import (
	"slices"
	"testing"
)

func TestLinksOfHTMLAndText(t *testing.T) {
	html := `<a href="https://portal.example/a?x=1&amp;y=2">A</a> <A HREF='http://portal.example/b'>B</A>
		<a href="mailto:someone@example.org">mail</a> <a href="https://portal.example/b">again</a>`
	text := "See https://portal.example/c. Or (https://portal.example/d), or https://portal.example/a?x=1&y=2"
	got := links(html, text)
	want := []string{"https://portal.example/a?x=1&y=2", "http://portal.example/b", "https://portal.example/b",
		"https://portal.example/c", "https://portal.example/d"}
	if !slices.Equal(got, want) {
		t.Errorf("links:\n got %q\nwant %q", got, want)
	}
}

func TestParseQuantity(t *testing.T) {
	for in, want := range map[string]float64{"250m": 0.25, "1500000n": 0.0015, "32Mi": 32 << 20, "2": 2, "1k": 1000, "3Gi": 3 << 30} {
		if got, err := parseQuantity(in); err != nil || got != want {
			t.Errorf("parseQuantity(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := parseQuantity("12x"); err == nil {
		t.Error(`parseQuantity("12x") gave no error`)
	}
}
