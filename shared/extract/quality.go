package extract

import "fmt"

// assessQuality scores how likely the extracted text is the page's main
// content. The reasons name each signal that moved the score, so a client
// (or the crawl pipeline deciding to render) can see why.
func assessQuality(d *Document, sel selection, t *tree, gate GateResult) Quality {
	main := sel.root
	score := 0.5
	var reasons []string
	add := func(delta float64, reason string) {
		score += delta
		reasons = append(reasons, reason)
	}
	switch {
	case d.WordCount >= 300:
		add(0.25, fmt.Sprintf("substantial_text:%d_words", d.WordCount))
	case d.WordCount >= 100:
		add(0.1, fmt.Sprintf("moderate_text:%d_words", d.WordCount))
	case d.WordCount < 30:
		add(-0.35, fmt.Sprintf("little_text:%d_words", d.WordCount))
	default:
		add(-0.1, fmt.Sprintf("short_text:%d_words", d.WordCount))
	}
	if main.textLen > 0 {
		switch ld := main.linkDensity(); {
		case ld > 0.35:
			add(-0.2, "link_heavy_content")
		case ld < 0.1:
			add(0.05, "few_links_in_content")
		}
	}
	prose := 0
	for _, n := range t.nodes {
		if n.block && !n.drop && n.ownLen >= longBlock && inside(n, main) {
			prose++
		}
	}
	if prose >= 3 {
		add(0.1, fmt.Sprintf("paragraphs:%d", prose))
	} else {
		add(-0.05, fmt.Sprintf("few_paragraphs:%d", prose))
	}
	if main.strong {
		add(0.05, "container_named_as_content")
	}
	if d.Title != "" {
		add(0.05, "has_title")
	}
	switch sel.method {
	case MethodPageRegion:
		add(-0.05, "fallback:page_region")
	case MethodReadability:
		add(-0.05, "fallback:readability")
	case MethodVisibleText:
		add(-0.2, "fallback:visible_text")
	case MethodRelaxed:
		reasons = append(reasons, "relaxed:comment_sections_allowed")
	}
	if gate.Decision == DecisionHeadless {
		add(-0.3, "page_needs_javascript")
	}
	return Quality{Score: round2(clamp01(score)), Reasons: reasons}
}
