package extract

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Content selection works on text blocks: the text an element holds
// directly, outside nested block elements. Each block gets a goodness
// (long, punctuated, few links: positive; link lists: negative; short
// lines: slightly negative), and the chosen container is the subtree whose
// blocks add up to the most. Furniture regions (class/id/role) count
// against any container that includes them. This is the maximum-subtree
// idea behind boilerpipe-style block classification, with readability's
// class weighting folded in as a bonus for containers that name themselves
// the article body.

// Tuning constants, chosen on the extraction dev set (see
// docs/benchmarks.md); each moved F1 by a few tenths at most, so none is
// critical on its own.
const (
	linkListDensity = 0.5  // a block with more link text than this is navigation
	longBlock       = 80   // runes: long enough to be prose on its own
	mediumBlock     = 30   // runes: prose if it has sentence punctuation
	shortPenalty    = 0.25 // per rune of a short, unpunctuated line
	boilerPenalty   = 0.5  // per rune of a furniture region inside a candidate
	strongBonus     = 1.25 // for containers whose class/id says "content"
	// bodyAwayShare: an element naming itself the article body wins over a
	// disjoint best-scoring subtree worth less than 1/bodyAwayShare of it.
	bodyAwayShare = 0.3
	// plainKeep: a link-dense element still holding this many runes of
	// non-link blocks is a wrapper, not a link list, and is kept.
	plainKeep = 200
	// ctaMax: longest block (runes) that may be a call to action.
	ctaMax = 220
	// stopShare: share of the container's prose that must come before a
	// "related"/"comments" heading for it to end the article.
	stopShare = 0.5
	// commentStopProse: prose (runes) that must come before a comment
	// section's heading for it to end the article.
	commentStopProse = 200
	// leadLinkDensity and leadShort: leading non-prose blocks above this
	// link density or below this length are breadcrumbs, dates, labels.
	leadLinkDensity = 0.3
	leadShort       = 30
	// teaserPenalty: extra cost of a heading that is a link (a teaser for
	// another page), so listings of teasers lose to the article.
	teaserPenalty = 50
	// retryBelowProse and retryMinGain: a result with less prose than this
	// (runes) is retried with comment sections allowed, and the retry is
	// taken when it holds twice the prose plus this much.
	retryBelowProse = 300
	retryMinGain    = 200
	// siblingShare and siblingMin: a sibling of the chosen container joins
	// it when it scores this share of the container's value, and at least
	// siblingMin (one prose block's worth).
	siblingShare = 0.2
	siblingMin   = 80
	// creditMax: longest block (runes) that may be a photo credit or a
	// caption carrying one.
	creditMax = 150
	// feedbackMax: longest block (runes) that may be a question to the
	// reader about the page ("Was this article helpful?").
	feedbackMax = 100
	// postMetaMax: longest block (runes) that may be a blog's post
	// metadata line (categories, tags, permalink).
	postMetaMax = 400
	// disclosureMax: longest block (runes) before the body that may be an
	// advertising disclosure ("Anzeige, enthält Affiliate Links").
	disclosureMax = 120
)

// blockGoodness scores the text an element holds directly.
func blockGoodness(n *node) float64 {
	l := float64(n.ownLen)
	if l == 0 || !n.block {
		return 0 // inline text belongs to the enclosing block
	}
	ld := float64(n.ownLinkLen) / l
	if ld > linkListDensity {
		switch n.tag {
		case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
			// A linked heading is a teaser for another page; the blurb
			// under it scores as prose, so the heading carries the cost.
			return -l*ld - teaserPenalty
		}
		return -l * ld
	}
	switch n.tag {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		return 0
	}
	if isProseBlock(n) {
		return l * (1 - ld)
	}
	switch n.tag {
	case atom.Td, atom.Th, atom.Caption, atom.Pre:
		// Short data cells and code are short by nature; they neither make
		// nor break a container (a link-heavy cell was handled above).
		return 0
	}
	return -shortPenalty * l
}

// isProseBlock reports whether the text an element holds directly would
// count as content on its own: long enough (or punctuated) and not links.
func isProseBlock(n *node) bool {
	if !n.block || n.ownLen == 0 {
		return false
	}
	ld := float64(n.ownLinkLen) / float64(n.ownLen)
	return ld <= 0.3 && (n.ownLen >= longBlock || (n.ownLen >= mediumBlock && n.punct > 0))
}

// selectContent scores every element bottom-up and returns the container
// of the main content.
func (t *tree) selectContent() *node {
	start := t.body
	if start == nil {
		start = t.root
	}
	var best *node
	bestScore := 0.0
	var walk func(n *node) float64
	walk = func(n *node) float64 {
		if n.isText() || n.drop {
			return 0
		}
		if n.boiler {
			n.value = -boilerPenalty * float64(n.textLen)
			return n.value
		}
		v := blockGoodness(n)
		for _, k := range n.kids {
			v += walk(k)
		}
		n.value = v
		s := v
		if n.strong && s > 0 {
			s *= strongBonus
		}
		// A container scoring the same as its best descendant holds nothing
		// worse than it: headings, tables and code around the text. Taking
		// the container keeps them.
		if s > bestScore || (best != nil && s == bestScore && inside(best, n)) {
			best, bestScore = n, s
		}
		return v
	}
	walk(start)
	if best == nil {
		best = start
	}
	if cand := t.articleBodyCandidate(); cand != nil && cand != best {
		switch {
		case inside(best, cand):
			// The best-scoring part sits inside the element that names
			// itself the article text: take all of it (a lead paragraph
			// split from the rest by an embed would otherwise be lost).
			best = cand
		case !inside(cand, best) && cand.value > bodyAwayShare*best.value:
			best = cand
		}
	}
	return best
}

// mergeSiblings widens the chosen container to its parent when siblings of
// it hold content too: an article split into blocks by an ad, an embed or
// a newsletter box, a product page whose description and details are
// separate sections. A sibling joins when it scores at least siblingShare
// of the container (and at least one prose block's worth) or is itself a
// prose paragraph; the parent becomes the root and the other siblings are
// skipped. This is readability's sibling pass on the same scores.
func mergeSiblings(best *node) *node {
	p := best.parent
	if p == nil || best.value <= 0 || p.tag == atom.Html || p.h.Type == html.DocumentNode {
		return best
	}
	min := max(siblingMin, siblingShare*best.value)
	joined := false
	for _, s := range p.kids {
		if s == best || s.isText() || s.drop || s.boiler {
			continue
		}
		if siblingJoins(s, best, min) {
			joined = true
		}
	}
	if !joined {
		return best
	}
	for _, s := range p.kids {
		if s == best || s.isText() || s.drop || s.boiler {
			continue
		}
		if !siblingJoins(s, best, min) {
			s.skip = true
		}
	}
	return p
}

func siblingJoins(s, best *node, min float64) bool {
	if isProseBlock(s) && s.textLen == s.ownLen {
		return true
	}
	return s.value >= min
}

// articleBodyCandidate returns the first element that names itself the
// article text and holds some text, outside furniture.
func (t *tree) articleBodyCandidate() *node {
	for _, n := range t.nodes {
		if !n.articleBody || n.textLen < 100 {
			continue
		}
		ok := true
		for a := n; a != nil; a = a.parent {
			if a.drop || a.boiler {
				ok = false
				break
			}
		}
		if ok {
			return n
		}
	}
	return nil
}

// keep reports whether a node inside the chosen container goes to the
// output.
func keep(n *node) bool {
	if n.drop || n.boiler || n.skip {
		return false
	}
	if n.isText() || !n.block {
		// Text and phrasing content go with their block: a cut block loses
		// its own text but keeps its nested blocks.
		for p := n.parent; p != nil; p = p.parent {
			if p.block {
				return !p.cut
			}
		}
		return true
	}
	if n.textLen > 0 && n.linkDensity() > linkListDensity && n.plain < plainKeep {
		switch n.tag {
		case atom.Td, atom.Th, atom.Tr:
			return true // a table cell of links is still part of its table
		}
		return false
	}
	return true
}

// trimEdges removes the furniture that sits inside article containers
// without any class saying so, by cutting the own text of blocks (nested
// blocks are judged on their own):
//   - everything from a "Related articles"/"Comments" style heading on, once
//     most of the prose has been seen;
//   - short calls to action (subscribe, donate, download the app) after the
//     article has started;
//   - every non-prose block after the last prose block ("share", "tags",
//     "0 comments"), except the author's short closing paragraphs (a
//     paragraph without links that ends like a sentence);
//   - leading link lines and short labels before the first prose block
//     (breadcrumbs, dates, categories), headings excepted.
func trimEdges(main *node) {
	var blocks []*node
	var walk func(n *node)
	walk = func(n *node) {
		if !keep(n) || n.isText() {
			return
		}
		if n.block && n.ownLen > 0 && n != main {
			blocks = append(blocks, n)
		}
		for _, k := range n.kids {
			walk(k)
		}
	}
	walk(main)
	if len(blocks) == 0 {
		return
	}

	total := 0
	for _, b := range blocks {
		if isProseBlock(b) {
			total += b.ownLen
		}
	}
	if total == 0 {
		return
	}
	// A comment heading ends the article early only when it is the one
	// comment heading of the container: Q&A pages and forum threads have
	// one per post, and the posts are the content.
	commentHeadings := 0
	for _, b := range blocks {
		if b.ownLen <= 80 && !isProseBlock(b) {
			if _, comments := isSectionStop(ownText(b)); comments {
				commentHeadings++
			}
		}
	}
	before := 0
	for i, b := range blocks {
		if isProseBlock(b) {
			before += b.ownLen
			continue
		}
		if b.ownLen > 80 || before == 0 {
			continue
		}
		stop, comments := isSectionStop(ownText(b))
		if stop && (comments && commentHeadings == 1 && before >= commentStopProse || !comments && float64(before) >= stopShare*float64(total)) {
			for _, c := range blocks[i:] {
				c.cut = true
			}
			blocks = blocks[:i]
			break
		}
	}

	// A labelled publication date is the page's own metadata anywhere,
	// unless the container lists several (a listing's "Updated ..." per
	// item is content).
	// The own text of every block short enough for a line rule, built once.
	texts := make([]string, len(blocks))
	pubDate := make([]bool, len(blocks))
	pubDates := 0
	for i, b := range blocks {
		if b.ownLen > postMetaMax {
			continue
		}
		texts[i] = ownText(b)
		if b.ownLen <= 80 && isPublicationDateLine(texts[i]) {
			pubDate[i] = true
			pubDates++
		}
	}
	textOf := func(i int) string {
		if blocks[i].ownLen > postMetaMax {
			return ownText(blocks[i]) // not built above
		}
		return texts[i]
	}
	started := false
	last := -1
	for i, b := range blocks {
		prose := isProseBlock(b)
		if prose {
			last = i
			if b.ownLen > ctaMax {
				started = true
			}
		}
		if b.ownLen > postMetaMax {
			continue
		}
		text := texts[i]
		if !inCode(b, main) && isPostMetaLine(text) {
			// Checked first: the line can be as long as a paragraph
			// ("Der Beitrag wurde am ... veröffentlicht und unter ...
			// abgelegt").
			b.cut = true
			continue
		}
		if b.ownLen > ctaMax {
			continue
		}
		switch {
		case b.ownLinkLen > 0 && endsWithReadMore(text):
			// A teaser's excerpt with its "Read more" link (prose by
			// its length and punctuation).
			b.cut = true
		case b.ownLen <= creditMax && !inDataStructure(b, main) && isCreditLine(text):
			// Checked before the prose case: a caption that ends in its
			// photo credit is punctuated like prose.
			b.cut = true
		case b.ownLen <= feedbackMax && isFeedbackQuestion(text):
			// Before the prose case too: the question is punctuated.
			b.cut = true
		case started && isCallToAction(text):
			b.cut = true
		case !inDataStructure(b, main) && (pubDates <= 2 && pubDate[i] || !started && isDateLine(text)):
			// A date or "Updated:" line before the body proper (it may
			// follow the standfirst); in the body a date is content,
			// unless a label says it is the page's own. Before the
			// prose case: "Published: 2. February 2022" has the
			// punctuation of a sentence.
			b.cut = true
		case !started && b.ownLen <= disclosureMax && isAdDisclosure(text):
			// Before the prose case: "*Werbung. Dieser Beitrag enthält
			// Werbung für X." is punctuated.
			b.cut = true
		case !started && !inDataStructure(b, main) && isBreadcrumbLine(text):
			b.cut = true
		case prose || b.ownLen > 80 || inDataStructure(b, main):
		case isFurnitureLine(text) || isBoxHeading(text):
			b.cut = true
		}
	}
	if last < 0 {
		return
	}
	for i, b := range blocks[last+1:] {
		if b.tag == atom.Li && b.ownLinkLen*10 < b.ownLen*3 && b.ownLen >= 8 {
			continue
		}
		if inDataStructure(b, main) {
			continue // a trailing table or code block is content, not furniture
		}
		if b.tag == atom.P && b.ownLinkLen == 0 && endsSentence(textOf(last+1+i)) {
			continue // a short closing paragraph of the author, not a label
		}
		b.cut = true
	}
	for _, b := range blocks {
		if isProseBlock(b) {
			break
		}
		switch b.tag {
		case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
			continue
		}
		if float64(b.ownLinkLen) > leadLinkDensity*float64(b.ownLen) || b.ownLen < leadShort {
			b.cut = true
		}
	}
}

// endsSentence reports text that ends like a finished sentence, a smiley or
// an emoji: the closing words of a post ("Viel Spaß beim Nachbacken!",
// "das gefällt mir 😉"). Labels and names ("Kontakt", "Mehr Themen:",
// "Jane Doe") do not.
func endsSentence(s string) bool {
	s = strings.TrimSpace(s)
	for _, e := range []string{".", "!", "…", ":)", ";)", ":-)", ";-)", "=)", "<3"} {
		if strings.HasSuffix(s, e) {
			return true
		}
	}
	r, _ := utf8.DecodeLastRuneInString(s)
	return r >= 0x1F300 && r <= 0x1FAFF || r >= 0x2600 && r <= 0x27BF
}

// inDataStructure reports whether b is (inside) a table cell, a caption or
// preformatted text within main: short, non-prose blocks that are content.
func inDataStructure(b, main *node) bool {
	for n := b; n != nil && n != main; n = n.parent {
		switch n.tag {
		case atom.Td, atom.Th, atom.Caption, atom.Pre:
			return true
		}
	}
	return false
}

// inCode reports whether b is (inside) preformatted text or code within
// main: "tags:" there is a line of YAML, not a blog's tag list.
func inCode(b, main *node) bool {
	for n := b; n != nil && n != main; n = n.parent {
		switch n.tag {
		case atom.Pre, atom.Code:
			return true
		}
	}
	return false
}

// ownText is the text an element holds directly (outside nested blocks).
func ownText(n *node) string {
	var b strings.Builder
	var walk func(n *node)
	walk = func(n *node) {
		if n.drop {
			return
		}
		if n.isText() {
			b.WriteString(n.text)
			return
		}
		for _, k := range n.kids {
			if !k.isText() && k.block {
				b.WriteByte(' ')
				continue
			}
			walk(k)
		}
	}
	walk(n)
	return strings.TrimSpace(collapseSpace(b.String()))
}

// retryIfPoor handles pages whose content the furniture rules hid: forum
// threads and Q&A pages (the "comments" are the content), pages built from
// "widget" blocks. When the first pass yields almost nothing, selection runs
// again with furniture flags relaxed, and the second result is taken when
// it holds much more prose.
func (t *tree) retryIfPoor(main *node) (*node, bool) {
	first := keptProse(main)
	if first >= retryBelowProse {
		return main, false
	}
	var relaxed []*node
	for _, n := range t.nodes {
		if n.boiler && commentish(n) {
			n.boiler = false
			relaxed = append(relaxed, n)
		}
	}
	if len(relaxed) == 0 {
		return main, false
	}
	cuts := map[*node]bool{}
	for _, n := range t.nodes {
		if n.cut {
			cuts[n] = true
			n.cut = false
		}
	}
	alt := t.selectContent()
	trimEdges(alt)
	if keptProse(alt) >= 2*first+retryMinGain {
		return alt, true
	}
	for _, n := range relaxed {
		n.boiler = true
	}
	for _, n := range t.nodes {
		n.cut = cuts[n]
	}
	return main, false
}

// keptProse counts the runes of prose blocks that the output will hold.
func keptProse(main *node) int {
	sum := 0
	var walk func(n *node)
	walk = func(n *node) {
		if n.isText() || !keep(n) {
			return
		}
		if isProseBlock(n) && !n.cut {
			sum += n.ownLen
		}
		for _, k := range n.kids {
			walk(k)
		}
	}
	walk(main)
	return sum
}
