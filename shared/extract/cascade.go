package extract

import "golang.org/x/net/html/atom"

// Method names say which pass of the cascade produced a document's text
// (Document.ExtractionMethod).
const (
	// MethodMainContent: the precision-first pass, the best-scoring
	// container trimmed of furniture.
	MethodMainContent = "main_content"
	// MethodRelaxed: the same pass with comment, related and newsletter
	// sections allowed back, taken when the first pass found almost no
	// prose: forum threads and Q&A pages, where the comments are the
	// content, and pages whose text such a class names.
	MethodRelaxed = "relaxed"
	// MethodPageRegion: the recall pass, the page's main region (<main>,
	// role=main, else <body>) without furniture, taken when the first pass
	// found only a small part of it (landing, product, listing pages).
	MethodPageRegion = "page_region"
	// MethodReadability: the second opinion, Readability's candidate,
	// taken when it holds much more text than the first pass.
	MethodReadability = "readability"
	// MethodVisibleText: the last resort when both passes come back empty,
	// all visible text of the page.
	MethodVisibleText = "visible_text"
	// MethodNone: the page has no visible text at all.
	MethodNone = "none"
	// MethodNotHTML: not set by this package; callers that return a text
	// body (plain text, JSON) as it is use it.
	MethodNotHTML = "not_html"
)

// Cascade tuning, chosen on both development sets (docs/benchmarks.md).
const (
	// regionShare: the first pass loses to the page region when its plain
	// (non-link) text is less than this share of the region's,
	regionShare = 0.3
	// regionMaxProse: and it holds less prose than this (runes): an
	// article with this much prose is the content whatever surrounds it.
	regionMaxProse = 1500
)

// readableShare: Readability's candidate replaces the first pass when it
// holds this many times its text.
const readableShare = 2.0

// selection is the cascade's verdict: the subtree to render and which
// nodes under it go to the output.
type selection struct {
	root   *node
	keep   func(*node) bool
	method string
}

// choose runs the cascade. The precision-first pass (selectContent and
// trimEdges) decides for article pages; the recall pass (the page region)
// replaces it when the first pass holds only a sliver of the region's
// text and little prose, the signature of pages that are not one article.
// The output is never empty while the page has visible text.
func (t *tree) choose() selection {
	main := mergeSiblings(t.selectContent())
	skipLaterArticles(main)
	trimEdges(main)
	main, relaxed := t.retryIfPoor(main)
	sel := selection{root: main, keep: keep, method: MethodMainContent}
	if relaxed {
		sel.method = MethodRelaxed
	}
	selAll, selPlain, selWords := keptText(main, keep)

	region := t.mainRegion()
	_, regPlain, regWords := keptText(region, keepInRegion)
	switch {
	case selWords && inside(main, region) && float64(selPlain) < regionShare*float64(regPlain) && keptProse(main) < regionMaxProse:
		return selection{root: region, keep: keepInRegion, method: MethodPageRegion}
	case selWords:
		// Readability's choice cannot hold more than the page's visible
		// text: when that is not twice the first pass's, it cannot win
		// and is not computed.
		if float64(t.root.textLen) > readableShare*float64(selAll) {
			if r := t.readabilityCandidate(); r != nil {
				if rAll, _, _ := keptText(r, keepReadable); float64(rAll) > readableShare*float64(selAll) {
					return selection{root: r, keep: keepReadable, method: MethodReadability}
				}
			}
		}
		return sel
	case regWords:
		return selection{root: region, keep: keepInRegion, method: MethodPageRegion}
	}
	root := t.body
	if root == nil {
		root = t.root
	}
	if _, _, words := keptText(root, keepVisible); words {
		return selection{root: root, keep: keepVisible, method: MethodVisibleText}
	}
	sel.method = MethodNone
	return sel
}

// mainRegion is the element that holds the page's content by the page's
// own markup: the first <main> or role=main with text, else <body>.
func (t *tree) mainRegion() *node {
	for _, n := range t.nodes {
		if n.drop || n.textLen == 0 {
			continue
		}
		if n.tag == atom.Main || n.attr("role") == "main" {
			return n
		}
	}
	if t.body != nil {
		return t.body
	}
	return t.root
}

// keepInRegion keeps everything in the region but dropped elements and
// furniture.
func keepInRegion(n *node) bool { return !n.drop && !n.boiler }

// keepVisible keeps everything a reader sees.
func keepVisible(n *node) bool { return !n.drop }

// keptText measures what a selection would output: all text and plain
// (non-link) text in runes, and whether any of it is a word.
func keptText(root *node, keepFn func(*node) bool) (all, plain int, words bool) {
	var walk func(n *node)
	walk = func(n *node) {
		if !keepFn(n) {
			return
		}
		if n.isText() {
			all += n.textLen
			if !n.inLink {
				plain += n.textLen
			}
			if !words && n.textLen > 0 && hasWord(n.text) {
				words = true
			}
			return
		}
		for _, k := range n.kids {
			walk(k)
		}
	}
	walk(root)
	return all, plain, words
}

func hasWord(s string) bool {
	for _, r := range s {
		if isWordRune(r) || isSpacelessScript(r) {
			return true
		}
	}
	return false
}
