package extract

import (
	"bytes"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/text/unicode/norm"
)

// node mirrors one element or text node of the parsed page with the
// measurements every later stage needs. The parsed tree is walked once to
// build these; content selection, the gate and every renderer then read the
// same nodes, so the page is never parsed or measured twice.
type node struct {
	h      *html.Node
	tag    atom.Atom // 0 for text nodes and unknown elements
	name   string    // lower-case tag name; "" for text
	parent *node
	kids   []*node

	text string // text nodes only: the raw text

	// Subtree measurements in runes of whitespace-collapsed text, not
	// counting dropped subtrees.
	textLen int
	linkLen int // part of textLen inside <a href>
	// ownLen/ownLinkLen count only text that is not inside a nested block
	// element: the text of the "block" this element forms.
	ownLen     int
	ownLinkLen int
	punct      int // sentence punctuation in own text
	commas     int // commas in own text (Readability's score)

	drop   bool // never content: scripts, navigation, hidden, form controls
	boiler bool // class/id/role says boilerplate (and nothing says content)
	// boilerInit is boiler as classified at parse time; Extract starts from
	// it, since a retry may relax boiler for one extraction.
	boilerInit bool
	strong     bool // class/id/itemprop says "this is the article" (or its region)
	// articleBody: class/id/itemprop names the element that holds the
	// article text itself (entry-content, articleBody, ...)
	articleBody bool
	block       bool // block-level: separates text into paragraphs
	inLink      bool // inside <a href>
	cut         bool // own text trimmed from the main content (see trimEdges); nested blocks stay
	skip        bool // left out of the main content with its subtree (a sibling not merged, see mergeSiblings)
	out         bool // reaches the output (see markOutput)

	// value is the content score of the subtree (see selectContent).
	value float64
	// rscore, rinit, rskip: Readability's candidate score, whether it was
	// initialised, and a sibling its choice leaves out (readability.go).
	rscore  float64
	rinit   bool
	rskip   bool
	rboiler bool // furniture that Readability's retry reads anyway
	plain   int  // runes of blocks in the subtree that are mostly not links
}

// isText reports whether n is a text node.
func (n *node) isText() bool { return n.h.Type == html.TextNode }

func (n *node) attr(key string) string {
	for _, a := range n.h.Attr {
		if a.Key == key && a.Namespace == "" {
			return a.Val
		}
	}
	return ""
}

func (n *node) hasAttr(key string) bool {
	for _, a := range n.h.Attr {
		if a.Key == key && a.Namespace == "" {
			return true
		}
	}
	return false
}

func (n *node) linkDensity() float64 {
	if n.textLen == 0 {
		return 0
	}
	return float64(n.linkLen) / float64(n.textLen)
}

// tree is the page as the extractor sees it.
type tree struct {
	root  *node // the document node
	html  *node
	head  *node
	body  *node
	base  *node   // the first <base href>
	nodes []*node // every node in document order
	// all node structs live in one backing slice to keep allocation flat,
	// and all children slices in another
	arena   []node
	kidPool []*node
}

// maxDepth bounds recursion on adversarial input; x/net/html already caps
// nesting at 512 for most elements, this keeps the walker safe regardless.
const maxDepth = 1024

func buildTree(doc *html.Node) *tree {
	t := &tree{}
	count := 0
	var countNodes func(h *html.Node, depth int)
	countNodes = func(h *html.Node, depth int) {
		count++
		if depth >= maxDepth {
			return
		}
		for c := h.FirstChild; c != nil; c = c.NextSibling {
			countNodes(c, depth+1)
		}
	}
	countNodes(doc, 0)
	// One allocation each for the nodes, the document-order index and
	// every node's children: count bounds all three, so none of them
	// grows (and no pointer into them moves). A released page's slices
	// are reused when they are large enough.
	if b, _ := treeBuffers.Get().(*treeSlices); b != nil && cap(b.arena) >= count {
		t.arena, t.nodes, t.kidPool = b.arena[:0], b.nodes[:0], b.kidPool[:0]
	} else {
		t.arena = make([]node, 0, count)
		t.nodes = make([]*node, 0, count)
		t.kidPool = make([]*node, 0, count)
	}
	t.root = t.add(doc, nil, 0)
	return t
}

// treeSlices are the backing slices of a released page's tree.
type treeSlices struct {
	arena   []node
	nodes   []*node
	kidPool []*node
}

// treeBuffers holds the slices of released pages (Page.Release): the
// node arena is the largest allocation of an extraction (about 90 KB for
// a 50 KB article), and a crawler extracts one page after another.
var treeBuffers sync.Pool

// maxPooledNodes: the slices of a rare giant page go to the collector.
const maxPooledNodes = 1 << 16

// release clears the tree's slices (they point into the parse) and pools
// them.
func (t *tree) release() {
	if cap(t.arena) > maxPooledNodes {
		return
	}
	clear(t.arena)
	clear(t.nodes)
	clear(t.kidPool[:cap(t.kidPool)])
	treeBuffers.Put(&treeSlices{arena: t.arena[:0], nodes: t.nodes[:0], kidPool: t.kidPool[:0]})
}

func (t *tree) add(h *html.Node, parent *node, depth int) *node {
	t.arena = append(t.arena, node{h: h, parent: parent})
	n := &t.arena[len(t.arena)-1]
	t.nodes = append(t.nodes, n)
	switch h.Type {
	case html.ElementNode:
		n.tag = h.DataAtom
		n.name = h.Data
		switch n.tag {
		case atom.Html:
			t.html = n
		case atom.Head:
			if t.head == nil {
				t.head = n
			}
		case atom.Body:
			if t.body == nil {
				t.body = n
			}
		case atom.Base:
			if t.base == nil && n.hasAttr("href") {
				t.base = n
			}
		}
	case html.TextNode:
		n.text = h.Data
		if parent == nil || parent.tag != atom.Script && parent.tag != atom.Style {
			n.text = nfc(h.Data)
		}
	}
	if depth >= maxDepth {
		return n
	}
	k := 0
	for c := h.FirstChild; c != nil; c = c.NextSibling {
		if keptType(c) {
			k++
		}
	}
	if k == 0 {
		return n
	}
	start := len(t.kidPool)
	t.kidPool = t.kidPool[:start+k]
	n.kids = t.kidPool[start : start+k : start+k]
	i := 0
	for c := h.FirstChild; c != nil; c = c.NextSibling {
		if keptType(c) {
			n.kids[i] = t.add(c, n, depth+1)
			i++
		}
	}
	return n
}

// keptType: comments and doctypes are not mirrored.
func keptType(h *html.Node) bool {
	return h.Type == html.ElementNode || h.Type == html.TextNode || h.Type == html.DocumentNode
}

// measure computes subtree text lengths bottom-up and the flags that depend
// on ancestors (inLink) top-down, in one recursive pass.
func (t *tree) measure() {
	var walk func(n *node, inLink bool, depth int)
	walk = func(n *node, inLink bool, depth int) {
		n.inLink = inLink
		if n.isText() {
			n.textLen, n.punct, n.commas = measureText(n.text)
			if inLink {
				n.linkLen = n.textLen
			}
			return
		}
		if n.tag == atom.A && n.hasAttr("href") {
			inLink = true
		}
		for _, k := range n.kids {
			walk(k, inLink, depth+1)
			if k.drop {
				continue
			}
			n.textLen += k.textLen
			n.linkLen += k.linkLen
			if k.isText() || !k.block {
				n.ownLen += k.textLen
				n.ownLinkLen += k.linkLen
				n.punct += k.punct
				n.commas += k.commas
			}
		}
	}
	walk(t.root, false, 0)
}

// measureText reads a text node once: its rune length with whitespace runs
// collapsed to one space (leading and trailing whitespace kept as one
// space; invisible characters not counted), its sentence punctuation and
// its commas. ASCII is decided byte by byte: this runs over every text
// node of every page.
func measureText(s string) (runes, punct, commas int) {
	space := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch measureClass[c] {
			case measurePlain:
			case measureSpace:
				if !space {
					runes++
					space = true
				}
				continue
			case measureComma:
				commas++
				punct++
			case measurePunct:
				punct++
			}
			space = false
			runes++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch r {
		case '\u00ad', '\ufeff', '\u2060':
			continue
		case '\u00a0', '\u200b':
			if !space {
				runes++
				space = true
			}
			continue
		case '，', '、':
			commas++
			punct++
		case '。', '！', '？', '؛', '،':
			punct++
		}
		space = false
		runes++
	}
	if runes == 1 && space {
		return 0, 0, 0
	}
	return runes, punct, commas
}

const (
	measurePlain = iota
	measureSpace
	measureComma
	measurePunct
)

// measureClass sorts ASCII bytes for measureText.
var measureClass = func() (t [utf8.RuneSelf]uint8) {
	for _, c := range " \n\t\r\f" {
		t[c] = measureSpace
	}
	t[','] = measureComma
	for _, c := range ".;!?" {
		t[c] = measurePunct
	}
	return t
}()

// collapseSpace collapses whitespace runs (including no-break spaces) to one
// space.
func collapseSpace(s string) string {
	if !needsCollapse(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	appendCollapsed(&b, s, false)
	return b.String()
}

// needsCollapse reports whether collapseSpace would change s: most text
// nodes are single-spaced already and are returned without a copy.
func needsCollapse(s string) bool {
	for i := 0; i < len(s); i++ {
		switch byteClass[s[i]] {
		case bytePlain:
		case byteSpace:
			if s[i] != ' ' || i+1 < len(s) && s[i+1] == ' ' {
				return true
			}
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			switch {
			case r == '\u00a0' || r == '\u200b' || r == '\u00ad' || r == '\ufeff' || r == '\u2060':
				return true
			case r == utf8.RuneError && size == 1:
				return true
			}
			i += size - 1
		}
	}
	return false
}

// appendCollapsed writes s to b with whitespace runs (no-break and
// zero-width spaces included) as one space and invisible characters (soft
// hyphen, BOM, word joiner: they break search) dropped. spaced says whether
// b already ends in a space; the result says whether it does now. ASCII
// is handled byte by byte: this runs over every text node of every page.
func appendCollapsed[W textSink](b W, s string, spaced bool) bool {
	start := 0 // first byte not written yet: runs of plain text are copied at once
	for i := 0; i < len(s); {
		// Skip plain ASCII in a tight loop; only spaces and non-ASCII
		// bytes need a decision.
		if byteClass[s[i]] == bytePlain {
			spaced = false
			i++
			for i < len(s) && byteClass[s[i]] == bytePlain {
				i++
			}
			continue
		}
		c := s[i]
		if c < utf8.RuneSelf { // whitespace
			b.WriteString(s[start:i])
			if !spaced || start < i {
				b.WriteByte(' ')
			}
			spaced = true
			i++
			for i < len(s) && byteClass[s[i]] == byteSpace {
				i++
			}
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\u00a0' || r == '\u200b':
			b.WriteString(s[start:i])
			if !spaced || start < i {
				b.WriteByte(' ')
			}
			spaced = true
			start = i + size
		case r == '\u00ad' || r == '\ufeff' || r == '\u2060':
			b.WriteString(s[start:i])
			start = i + size
		case r == utf8.RuneError && size == 1:
			b.WriteString(s[start:i])
			b.WriteString("\uFFFD") // outputs stay valid UTF-8
			spaced = false
			start = i + size
		default:
			spaced = false
		}
		i += size
	}
	b.WriteString(s[start:])
	return spaced
}

// textSink is where collapsed text is written: a builder for strings that
// are kept, a buffer for lines that are reused.
type textSink interface {
	*strings.Builder | *bytes.Buffer | *wordSink
	WriteString(s string) (int, error)
	WriteByte(c byte) error
}

// Byte classes for the text loops: plain ASCII (letters, digits, most
// punctuation), ASCII whitespace, and the first byte of anything else.
const (
	bytePlain = iota
	byteSpace
	byteOther
)

var byteClass = func() (t [256]uint8) {
	for i := 0x80; i < 256; i++ {
		t[i] = byteOther
	}
	for _, c := range " \n\t\r\f" {
		t[c] = byteSpace
	}
	return t
}()

// textOf returns the collapsed text of a subtree, ignoring dropped nodes.
func textOf(n *node) string {
	if n.textLen == 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(n.textLen + 8)
	spaced := true // no leading space
	var walk func(n *node)
	walk = func(n *node) {
		if n.drop {
			return
		}
		if n.isText() {
			spaced = appendCollapsed(&b, n.text, spaced)
			return
		}
		for _, k := range n.kids {
			if k.block && !spaced {
				b.WriteByte(' ')
				spaced = true
			}
			walk(k)
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

// rawTextOf returns the text of a subtree including dropped nodes (for
// <title>, <script type=application/ld+json> and similar).
func rawTextOf(h *html.Node) string {
	if h.Type == html.TextNode {
		return h.Data
	}
	if c := h.FirstChild; c != nil && c == h.LastChild && c.Type == html.TextNode {
		return c.Data // scripts and titles: one text child, no copy
	}
	var b strings.Builder
	for c := h.FirstChild; c != nil; c = c.NextSibling {
		b.WriteString(rawTextOf(c))
	}
	return b.String()
}

// resetSelection undoes what a previous extraction on the same tree set, so
// that every Extract on a Page starts from the parse-time state.
func (t *tree) resetSelection() {
	for _, n := range t.nodes {
		n.boiler = n.boilerInit
		n.cut = false
		n.skip = false
		n.out = false
	}
}

// nfc returns s in Unicode normalization form C. Pages mix precomposed and
// decomposed forms of the same letters (a combining diaeresis after "u",
// Bengali's precomposed "য়"); the text we return is in the canonical form
// that search indexes and string comparison expect. The ASCII prefix, all
// of most text nodes, is skipped once; scripts and styles are not text.
func nfc(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			if i > 0 {
				i-- // an ASCII letter before a combining mark composes with it
			}
			if norm.NFC.QuickSpanString(s[i:]) == len(s)-i {
				return s
			}
			return norm.NFC.String(s)
		}
	}
	return s
}
