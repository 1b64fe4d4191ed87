package extract

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Decision says how a page should be processed.
type Decision string

const (
	// DecisionRaw: the fetched HTML holds the content; extract it as is.
	DecisionRaw Decision = "raw"
	// DecisionHeadless: the content is built by JavaScript; render first.
	DecisionHeadless Decision = "headless"
)

// GateResult is the gate's verdict on a page.
type GateResult struct {
	Decision Decision `json:"decision"`
	// Score is the confidence that the raw HTML is enough, 0..1; the
	// decision is raw at 0.5 and above.
	Score   float64     `json:"score"`
	Reasons []string    `json:"reasons"`
	Signals GateSignals `json:"signals"`
}

// GateSignals are the measurements behind a gate decision.
type GateSignals struct {
	HTMLBytes        int  `json:"html_bytes"`
	VisibleTextChars int  `json:"visible_text_chars"` // text nodes outside script/style/template/hidden, not markup
	ScriptBytes      int  `json:"script_bytes"`
	Paragraphs       int  `json:"paragraphs"`
	NextData         bool `json:"next_data"`          // __NEXT_DATA__ / __NUXT__ state script
	EmptyMountPoint  bool `json:"empty_mount_point"`  // empty #root, #app, #__next, #__nuxt, ...
	NoscriptJSNotice bool `json:"noscript_js_notice"` // <noscript> asking to enable JavaScript
	FrameworkMarkers int  `json:"framework_markers"`  // data-reactroot, ng-version, data-v-app, ...
}

// stateScriptHead is how much of each script the gate reads for client
// state assignments.
const stateScriptHead = 4 << 10

func mountIDs(k string) bool {
	switch k {
	case
		"root", "app", "__next", "__nuxt", "___gatsby", "svelte",
		"react-root", "app-root", "main-app", "application":
		return true
	}
	return false
}

// Gate decides whether the page needs a headless browser, from the same
// parsed tree the extractor uses. The verdict is computed once per Page
// (Extract reuses it for the quality score).
func (p *Page) Gate() GateResult {
	if p.gate == nil {
		g := p.computeGate()
		p.gate = &g
	}
	return *p.gate
}

func (p *Page) computeGate() GateResult {
	t := p.tree
	s := GateSignals{HTMLBytes: p.size}
	for _, n := range t.nodes {
		if n.isText() {
			if !hiddenAncestor(n) {
				s.VisibleTextChars += n.textLen
			}
			continue
		}
		switch n.tag {
		case atom.Script:
			body := rawTextOf(n.h)
			s.ScriptBytes += len(body)
			id := n.attr("id")
			// State assignments open their script; scanning the first
			// kilobytes spares reading megabytes of bundled code.
			head := body[:min(len(body), stateScriptHead)]
			if id == "__NEXT_DATA__" || id == "__NUXT_DATA__" || strings.Contains(head, "window.__NUXT__") ||
				strings.Contains(head, "window.__INITIAL_STATE__") || strings.Contains(head, "window.__APOLLO_STATE__") {
				s.NextData = true
			}
		case atom.Noscript:
			txt := strings.ToLower(rawTextOf(n.h))
			if strings.Contains(txt, "javascript") && (strings.Contains(txt, "enable") || strings.Contains(txt, "requires") ||
				strings.Contains(txt, "required") || strings.Contains(txt, "need") || strings.Contains(txt, "aktivieren") ||
				strings.Contains(txt, "activer") || strings.Contains(txt, "habilit")) {
				s.NoscriptJSNotice = true
			}
		case atom.P:
			if !n.drop && n.textLen >= 40 && !hiddenAncestor(n) {
				s.Paragraphs++
			}
		}
		if n.h.Type == html.ElementNode {
			if mountIDs(strings.ToLower(n.attr("id"))) && n.textLen < 50 && len(n.kids) <= 3 {
				s.EmptyMountPoint = true
			}
			if n.hasAttr("data-reactroot") || n.hasAttr("ng-version") || n.hasAttr("data-v-app") ||
				n.hasAttr("data-server-rendered") || n.hasAttr("ng-app") {
				s.FrameworkMarkers++
			}
		}
	}
	return decide(s)
}

// hiddenAncestor reports text a reader never sees. A <noscript> holding
// real content is visible: the extractor reads it from the raw HTML, so
// such a page needs no browser.
func hiddenAncestor(n *node) bool {
	for p := n.parent; p != nil; p = p.parent {
		switch p.tag {
		case atom.Script, atom.Style, atom.Template, atom.Head, atom.Title:
			return true
		case atom.Noscript:
			if p.drop {
				return true
			}
		}
		if p.drop && isHidden(p) {
			return true
		}
	}
	return false
}

// decide turns the signals into a score. Text is what matters: a page with
// a few thousand characters of visible text is served raw whatever
// framework built it (server-side rendering), and a page with almost none
// is a shell when anything says a script will fill it.
func decide(s GateSignals) GateResult {
	score := 0.5
	var reasons []string
	switch {
	case s.VisibleTextChars >= 2000:
		score += 0.4
		reasons = append(reasons, "plenty_of_visible_text")
	case s.VisibleTextChars >= 500:
		score += 0.2
		reasons = append(reasons, "some_visible_text")
	case s.VisibleTextChars < 150:
		score -= 0.25
		reasons = append(reasons, "almost_no_visible_text")
	default:
		score -= 0.05
		reasons = append(reasons, "little_visible_text")
	}
	if s.Paragraphs >= 3 {
		score += 0.1
		reasons = append(reasons, "paragraphs_present")
	}
	little := s.VisibleTextChars < 500
	if s.EmptyMountPoint && little {
		score -= 0.3
		reasons = append(reasons, "empty_app_mount_point")
	}
	if s.NextData && little {
		score -= 0.2
		reasons = append(reasons, "client_state_script_with_little_text")
	}
	if s.NoscriptJSNotice && s.VisibleTextChars < 1000 {
		score -= 0.25
		reasons = append(reasons, "noscript_asks_for_javascript")
	}
	if s.FrameworkMarkers > 0 && little {
		score -= 0.1
		reasons = append(reasons, "framework_markers")
	}
	if s.HTMLBytes > 0 && float64(s.ScriptBytes)/float64(s.HTMLBytes) > 0.5 && s.VisibleTextChars < 1000 {
		score -= 0.2
		reasons = append(reasons, "scripts_dominate_html")
	}
	score = clamp01(score)
	d := DecisionRaw
	if score < 0.5 {
		d = DecisionHeadless
	}
	return GateResult{Decision: d, Score: round2(score), Reasons: reasons, Signals: s}
}

func clamp01(f float64) float64 {
	return max(0, min(1, f))
}

func round2(f float64) float64 {
	return float64(int(f*100+0.5)) / 100
}
