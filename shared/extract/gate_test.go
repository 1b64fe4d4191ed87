package extract

import (
	"context"
	"strings"
	"testing"
)

func gateFixture(t *testing.T, html []byte) GateResult {
	t.Helper()
	p, err := Parse(context.Background(), html, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	return p.Gate()
}

func TestGate(t *testing.T) {
	cases := []struct {
		name    string
		html    []byte
		want    Decision
		reasons []string
	}{
		{"spa shell", loadFixture(t, "spa-shell.html"), DecisionHeadless,
			[]string{"empty_app_mount_point", "noscript_asks_for_javascript", "client_state_script_with_little_text"}},
		{"server-rendered next.js page", loadFixture(t, "next-ssr.html"), DecisionRaw, []string{"paragraphs_present"}},
		{"article", loadFixture(t, "article.html"), DecisionRaw, []string{"paragraphs_present"}},
		{"markup-heavy page with little text", []byte(`<html><body><div id="app">` +
			strings.Repeat(`<div class="x"><span class="y"></span></div>`, 300) +
			`</div><script>` + strings.Repeat("var a=1;", 5000) + `</script></body></html>`), DecisionHeadless,
			[]string{"almost_no_visible_text", "scripts_dominate_html"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := gateFixture(t, c.html)
			if g.Decision != c.want {
				t.Errorf("decision = %s (score %.2f, reasons %v), want %s", g.Decision, g.Score, g.Reasons, c.want)
			}
			if (g.Decision == DecisionRaw) != (g.Score >= 0.5) {
				t.Errorf("score %.2f disagrees with decision %s", g.Score, g.Decision)
			}
			have := strings.Join(g.Reasons, " ")
			for _, r := range c.reasons {
				if !strings.Contains(have, r) {
					t.Errorf("reasons %v lack %s", g.Reasons, r)
				}
			}
		})
	}
}

// Visible text counts text nodes only: a page whose bytes are mostly
// markup and script must not look text-rich (the flaw of the original
// gate, which counted markup as text).
func TestGateCountsTextNodesNotMarkup(t *testing.T) {
	html := `<html><head><style>` + strings.Repeat("p{margin:0}", 200) + `</style></head><body>` +
		`<div class="a" data-x="` + strings.Repeat("y", 3000) + `">Hello world</div>` +
		`<script>var s = "` + strings.Repeat("text ", 500) + `";</script><div hidden>secret words here</div></body></html>`
	g := gateFixture(t, []byte(html))
	if g.Signals.VisibleTextChars != len("Hello world") {
		t.Errorf("visible_text_chars = %d, want %d", g.Signals.VisibleTextChars, len("Hello world"))
	}
}
