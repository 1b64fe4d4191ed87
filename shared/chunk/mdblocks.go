package chunk

// A markdown block scanner: the block phase of goldmark v1.8.7's parser
// (parser.go and the default block parsers), ported without the inline
// phase, the AST package and its regular expressions, to find the headings
// goldmark finds. It is a port rather than a fresh CommonMark
// implementation so that it agrees with goldmark, quirks included (the
// differential tests and FuzzHeadingsMatchGoldmark hold it to that), and
// its structure follows goldmark's so the two can be read side by side:
// open blocks are tried per line by parsers in goldmark's priority order,
// containers continue or close, paragraphs continue lazily, and link
// reference definitions are taken off a paragraph when it closes.
// goldmark is MIT-licensed, Copyright (c) 2019 Yusuke Inuzuka; see
// third_party/yuin/goldmark/LICENSE.

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

type mdKind uint8

// Block kinds, which are also the block parsers (each kind has one).
const (
	mdDocument mdKind = iota
	mdSetextHeading
	mdThematicBreak
	mdList
	mdListItem
	mdCodeBlock
	mdATXHeading
	mdFencedCode
	mdBlockquote
	mdHTMLBlock
	mdParagraph
	mdLinkReference // made from a paragraph's lines, never opened
)

// Parsers tried for a line, by the first byte after its indent, in
// goldmark's priority order; the code block and paragraph parsers (no
// trigger byte) come last for every byte.
var (
	mdParsersFree      = []mdKind{mdCodeBlock, mdParagraph}
	mdParsersDash      = []mdKind{mdSetextHeading, mdThematicBreak, mdList, mdListItem, mdCodeBlock, mdParagraph}
	mdParsersEquals    = []mdKind{mdSetextHeading, mdCodeBlock, mdParagraph}
	mdParsersStar      = []mdKind{mdThematicBreak, mdList, mdListItem, mdCodeBlock, mdParagraph}
	mdParsersUnderline = []mdKind{mdThematicBreak, mdCodeBlock, mdParagraph}
	mdParsersListMark  = []mdKind{mdList, mdListItem, mdCodeBlock, mdParagraph}
	mdParsersHash      = []mdKind{mdATXHeading, mdCodeBlock, mdParagraph}
	mdParsersFence     = []mdKind{mdFencedCode, mdCodeBlock, mdParagraph}
	mdParsersQuote     = []mdKind{mdBlockquote, mdCodeBlock, mdParagraph}
	mdParsersHTML      = []mdKind{mdHTMLBlock, mdCodeBlock, mdParagraph}
)

func mdParsersFor(c byte) []mdKind {
	switch c {
	case '-':
		return mdParsersDash
	case '=':
		return mdParsersEquals
	case '*':
		return mdParsersStar
	case '_':
		return mdParsersUnderline
	case '+', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return mdParsersListMark
	case '#':
		return mdParsersHash
	case '~', '`':
		return mdParsersFence
	case '>':
		return mdParsersQuote
	case '<':
		return mdParsersHTML
	}
	return mdParsersFree
}

// mdInterrupts: every block but an indented code block or another
// paragraph can interrupt a paragraph.
func mdInterrupts(k mdKind) bool { return k != mdCodeBlock && k != mdParagraph }

// mdMaxContainerDepth bounds how deep block quotes and lists nest: no
// block quote or list opens below that depth (the document's children are
// at depth 1, a list item is one deeper than its list), and its marker is
// text of whatever block the line makes instead. goldmark has no bound,
// and its cost per line grows with the depth: a 6 MiB line of '>' would
// take it hours. The bound is the one place where the scanner parts from
// goldmark on purpose; no real document comes near it.
const mdMaxContainerDepth = 64

// mdNode is a block of the document tree. The tree is kept (rather than
// a stack of open blocks alone) because goldmark's decisions look at it:
// whether a paragraph is its parent's last child, whether a list item has
// children, where a failed setext underline's line goes.
type mdNode struct {
	kind                     mdKind
	parent, first, last      *mdNode
	prev, next               *mdNode
	children                 int     // goldmark's child count, its miscounts included
	depth                    int     // below the document
	lines                    []mdSeg // paragraphs and headings
	level                    int     // headings
	offset                   int     // list items: the content's column
	marker                   byte    // lists: '-', '+', '*', '.' or ')'
	htmlType                 int     // HTML blocks: 1-7 (lines holds the first line)
	htmlLines                int     // HTML blocks: lines so far
	fenceChar                byte    // fenced code
	fenceIndent, fenceLength int
}

func (n *mdNode) removeChild(v *mdNode) {
	if v.parent != n {
		return
	}
	n.children--
	if v.prev != nil {
		v.prev.next = v.next
	} else {
		n.first = v.next
	}
	if v.next != nil {
		v.next.prev = v.prev
	} else {
		n.last = v.prev
	}
	v.parent, v.prev, v.next = nil, nil, nil
}

func (n *mdNode) appendChild(v *mdNode) {
	if v.parent != nil {
		v.parent.removeChild(v)
	}
	if n.first == nil {
		n.first = v
		v.prev, v.next = nil, nil
	} else {
		n.last.next = v
		v.prev = n.last
	}
	v.parent = n
	v.depth = n.depth + 1
	n.last = v
	n.children++
}

// insertBefore puts v before at (at the end when at is nil). Like
// goldmark's it counts a child twice when appending: that count is only
// ever compared with zero, after a child has been added.
func (n *mdNode) insertBefore(at, v *mdNode) {
	n.children++
	if at == nil {
		n.appendChild(v)
		return
	}
	if v.parent != nil {
		v.parent.removeChild(v)
	}
	if at.parent == n {
		if at.prev != nil {
			at.prev.next = v
			v.prev = at.prev
		} else {
			n.first = v
			v.prev = nil
		}
		v.next = at
		at.prev = v
		v.parent = n
		v.depth = n.depth + 1
	}
}

// Block parser results (goldmark's parser.State).
type mdState uint8

const (
	mdContinue mdState = 1 << iota
	mdClose
	mdHasChildren
	mdNoChildren
	mdRequireParagraph
)

// mdBlockScanner holds one parse: goldmark's parser context, reduced to
// what the block parsers keep in it.
type mdBlockScanner struct {
	src    string
	r      *mdReader
	root   *mdNode
	opened []*mdNode

	blockOffset int // where the line's content starts in the peeked line, -1 when blank
	blockIndent int

	skipListParser              bool    // a list item saw the next item start
	emptyListItemWithBlankLines bool    // the last list item is empty and blank lines followed
	thematicBreakCheckedUpTo    int     // lists test a line for a thematic break once
	fence                       *mdNode // the open fenced code block
	setextParagraph             *mdNode // the paragraph a setext underline turns into a heading

	slab []mdNode
}

// mdHeadings returns the headings of src in document order, as goldmark
// reports them.
func mdHeadings(src string) headingList {
	s := &mdBlockScanner{src: src, r: newMDReader(src), root: &mdNode{kind: mdDocument}}
	s.parseBlocks()
	var out headingList
	var walk func(n *mdNode)
	walk = func(n *mdNode) {
		for c := n.first; c != nil; c = c.next {
			if (c.kind == mdATXHeading || c.kind == mdSetextHeading) && len(c.lines) > 0 {
				out = append(out, s.heading(c))
				continue
			}
			walk(c)
		}
	}
	walk(s.root)
	return out
}

// heading: the text is the heading's lines joined and whitespace-collapsed
// (unrendered: emphasis marks and escapes stay), and its start is the
// start of the line its text begins on.
func (s *mdBlockScanner) heading(n *mdNode) heading {
	size := 0
	for _, l := range n.lines {
		size += l.stop - l.start + 1
	}
	t := fieldsJoiner{b: make([]byte, 0, size)}
	for _, l := range n.lines {
		t.add(s.src[l.start:l.stop]) // the padding is whitespace
		t.space = true
	}
	start := n.lines[0].start
	if i := strings.LastIndexByte(s.src[:start], '\n'); i >= 0 {
		start = i + 1
	} else {
		start = 0
	}
	return heading{start: start, level: n.level, text: string(t.b)}
}

// fieldsJoiner collapses whitespace as strings.Join(strings.Fields(text),
// " ") does, in one pass and one allocation.
type fieldsJoiner struct {
	b     []byte
	space bool // whitespace since the last field
}

func (j *fieldsJoiner) add(text string) {
	for i := 0; i < len(text); {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		if unicode.IsSpace(r) {
			j.space = true
		} else {
			if j.space && len(j.b) > 0 {
				j.b = append(j.b, ' ')
			}
			j.space = false
			j.b = append(j.b, text[i:i+size]...)
		}
		i += size
	}
}

func (s *mdBlockScanner) lastOpened() *mdNode {
	if len(s.opened) == 0 {
		return nil
	}
	return s.opened[len(s.opened)-1]
}

type mdOpenResult uint8

const (
	mdParagraphContinuation mdOpenResult = iota + 1
	mdNewBlocksOpened
	mdNoBlocksOpened
)

// parseBlocks is goldmark's parser.parseBlocks: for each line, continue
// the open blocks outermost first; where one cannot continue, try to open
// new blocks in its parent (or continue the last paragraph lazily) and
// close the blocks that did not continue.
func (s *mdBlockScanner) parseBlocks() {
	s.opened = nil
	for {
		if !s.r.skipBlankLines() {
			return
		}
		if s.openBlocks(s.root) != mdNewBlocksOpened {
			return
		}
		s.r.advanceLine()
		for {
			// opened shares its array with s.opened, as in goldmark: a
			// block opened in place of a setext underline's paragraph
			// shows up here, which the lastIndex check below relies on.
			opened := s.opened
			l := len(opened)
			if l == 0 {
				break
			}
			lastIndex := l - 1
			for i := 0; i < l; i++ {
				be := opened[i]
				if _, _, ok := s.r.peekLine(); !ok {
					s.closeBlocks(lastIndex, 0)
					s.r.advanceLine()
					return
				}
				if be.kind != mdParagraph {
					state := s.continueBlock(be)
					if state&mdContinue != 0 {
						if state&mdHasChildren != 0 && i == lastIndex {
							s.openBlocks(be)
							break
						}
						continue
					}
				}
				parent := s.root
				if i != 0 {
					parent = opened[i-1]
				}
				lastNode := opened[lastIndex]
				if s.openBlocks(parent) != mdParagraphContinuation {
					if opened[lastIndex] != lastNode {
						lastIndex--
					}
					s.closeBlocks(lastIndex, i)
				}
				break
			}
			s.r.advanceLine()
		}
	}
}

// openBlocks is goldmark's parser.openBlocks: open as many blocks as the
// rest of the line starts, children inside containers; failing that,
// continue the open paragraph.
func (s *mdBlockScanner) openBlocks(parent *mdNode) mdOpenResult {
	result := mdNoBlocksOpened
	lastBlock := s.lastOpened()
	continuable := lastBlock != nil && lastBlock.kind == mdParagraph
retry:
	for {
		line, _, ok := s.r.peekLine()
		w, pos := mdIndentWidth(line, s.r.offset())
		if w >= len(line) {
			s.blockOffset, s.blockIndent = -1, -1
		} else {
			s.blockOffset, s.blockIndent = pos, w
		}
		if !ok || line[0] == '\n' {
			break
		}
		kinds := mdParsersFree
		if pos < len(line) {
			kinds = mdParsersFor(line[pos])
		}
		for _, k := range kinds {
			if continuable && result == mdNoBlocksOpened && !mdInterrupts(k) {
				continue
			}
			if w > 3 && k != mdCodeBlock {
				continue
			}
			lastBlock = s.lastOpened()
			last := lastBlock
			node, state := s.openBlock(k, parent)
			if node == nil {
				continue
			}
			if state&mdRequireParagraph != 0 && last == parent.last {
				// A setext underline: the paragraph closes first, and if
				// it was only link reference definitions there is no
				// heading and the line is tried again.
				s.closeBlock(last)
				s.opened = s.opened[:len(s.opened)-1]
				if s.transformParagraph(last) {
					continuable = false
					continue retry
				}
			}
			if last != nil && last.parent == nil {
				lastPos := len(s.opened) - 1
				s.closeBlocks(lastPos, lastPos)
			}
			parent.appendChild(node)
			result = mdNewBlocksOpened
			s.opened = append(s.opened, node)
			if state&mdHasChildren != 0 {
				parent = node
				continue retry
			}
			break
		}
		break
	}
	if result == mdNoBlocksOpened && continuable {
		if s.continueBlock(lastBlock)&mdContinue != 0 {
			result = mdParagraphContinuation
		}
	}
	return result
}

// closeBlocks closes the open blocks from index from down to index to.
func (s *mdBlockScanner) closeBlocks(from, to int) {
	blocks := s.opened
	for i := from; i >= to; i-- {
		n := blocks[i]
		if n.kind == mdParagraph && n.parent != nil {
			s.transformParagraph(n)
		}
		if n.parent != nil { // not taken apart into link reference definitions
			s.closeBlock(n)
		}
	}
	if from == len(blocks)-1 {
		blocks = blocks[:to]
	} else {
		blocks = append(blocks[:to], blocks[from+1:]...)
	}
	s.opened = blocks
}

func (s *mdBlockScanner) openBlock(k mdKind, parent *mdNode) (*mdNode, mdState) {
	switch k {
	case mdSetextHeading:
		return s.openSetextHeading(parent)
	case mdThematicBreak:
		line, _, _ := s.r.peekLine()
		if mdIsThematicBreak(line, s.r.offset()) {
			s.r.advanceToEOL()
			return s.node(mdNode{kind: mdThematicBreak}), mdNoChildren
		}
	case mdList:
		return s.openList(parent)
	case mdListItem:
		return s.openListItem(parent)
	case mdCodeBlock:
		line, seg, _ := s.r.peekLine()
		pos, _ := mdIndentPosition(line, s.r.offset(), seg.padding, 4)
		if pos < 0 || mdIsBlank(line) {
			return nil, mdNoChildren
		}
		s.r.advanceToEOL()
		return s.node(mdNode{kind: mdCodeBlock}), mdNoChildren
	case mdATXHeading:
		return s.openATXHeading()
	case mdFencedCode:
		return s.openFence()
	case mdBlockquote:
		if parent.depth < mdMaxContainerDepth && s.blockquoteMarker() {
			return s.node(mdNode{kind: mdBlockquote}), mdHasChildren
		}
	case mdHTMLBlock:
		line, seg, _ := s.r.peekLine()
		last := s.lastOpened()
		if t := mdHTMLBlockStart(line, last != nil && last.kind == mdParagraph); t != 0 {
			s.r.advanceToEOL()
			return s.node(mdNode{kind: mdHTMLBlock, htmlType: t, lines: []mdSeg{seg}, htmlLines: 1}), mdNoChildren
		}
	case mdParagraph:
		line, seg, _ := s.r.peekLine()
		if mdIsBlank(line) {
			return nil, mdNoChildren
		}
		s.r.advanceToEOL()
		return s.node(mdNode{kind: mdParagraph, lines: []mdSeg{seg}}), mdNoChildren
	}
	return nil, mdNoChildren
}

func (s *mdBlockScanner) continueBlock(n *mdNode) mdState {
	switch n.kind {
	case mdSetextHeading, mdATXHeading, mdThematicBreak:
		return mdClose
	case mdList:
		return s.continueList(n)
	case mdListItem:
		return s.continueListItem(n)
	case mdCodeBlock:
		line, seg, _ := s.r.peekLine()
		pos, _ := mdIndentPosition(line, s.r.offset(), seg.padding, 4)
		if pos < 0 && !mdIsBlank(line) {
			return mdClose
		}
		s.r.advanceToEOL()
		return mdContinue | mdNoChildren
	case mdFencedCode:
		return s.continueFence(n)
	case mdBlockquote:
		if s.blockquoteMarker() {
			return mdContinue | mdHasChildren
		}
		return mdClose
	case mdHTMLBlock:
		return s.continueHTMLBlock(n)
	case mdParagraph:
		line, seg, _ := s.r.peekLine()
		if mdIsBlank(line) {
			return mdClose
		}
		n.lines = append(n.lines, seg)
		s.r.advanceToEOL()
		return mdContinue | mdNoChildren
	}
	return mdClose
}

func (s *mdBlockScanner) closeBlock(n *mdNode) {
	switch n.kind {
	case mdParagraph:
		if len(n.lines) != 0 {
			for i, l := range n.lines {
				n.lines[i] = l.trimLeftSpace(s.src)
			}
			last := len(n.lines) - 1
			n.lines[last] = n.lines[last].trimRightSpace(s.src)
		}
		if len(n.lines) == 0 {
			n.parent.removeChild(n)
		}
	case mdSetextHeading:
		s.closeSetextHeading(n)
	case mdFencedCode:
		if s.fence == n {
			s.fence = nil
		}
	}
}

// transformParagraph takes the link reference definitions off the start
// of a paragraph, and removes the paragraph when nothing else is left: it
// says whether it did.
func (s *mdBlockScanner) transformParagraph(n *mdNode) bool {
	lines := n.lines
	r := newMDLinesReader(s.src, lines)
	var removes [][2]int
	for {
		start, end := mdLinkReferenceDefinition(r)
		if start < 0 {
			break
		}
		n.parent.insertBefore(n, s.node(mdNode{kind: mdLinkReference}))
		if start == end {
			end++
		}
		removes = append(removes, [2]int{start, end})
	}
	offset := 0
	for _, rm := range removes {
		if len(lines) == 0 {
			break
		}
		rest := lines[rm[1]-offset:]
		lines = append(lines[:rm[0]-offset], rest...)
		offset = rm[1]
	}
	if len(lines) == 0 {
		n.parent.removeChild(n)
		return true
	}
	n.lines = lines
	return false
}

// openATXHeading: 1-6 '#', then a space or the end of the line; the
// closing sequence of '#' goes. An empty heading has no lines.
func (s *mdBlockScanner) openATXHeading() (*mdNode, mdState) {
	line, seg, _ := s.r.peekLine()
	pos := s.blockOffset
	if pos < 0 {
		return nil, mdNoChildren
	}
	i := pos
	for i < len(line) && line[i] == '#' {
		i++
	}
	level := i - pos
	if i == pos || level > 6 {
		return nil, mdNoChildren
	}
	node := s.node(mdNode{kind: mdATXHeading, level: level})
	if i == len(line) { // '#' alone at the end of the source
		return node, mdNoChildren
	}
	l := mdTrimLeftSpaceLength(line[i:])
	if l == 0 {
		return nil, mdNoChildren
	}
	start := min(i+l, len(line)-1)
	hl := mdSeg{start: seg.start + start - seg.padding, stop: seg.start + len(line) - seg.padding}.trimRightSpace(s.src)
	if hl.stop-hl.start+hl.padding == 0 {
		s.r.advanceToEOL()
		return node, mdNoChildren
	}
	text := hl.value(s.src)
	stop := len(text)
	if stop > 0 {
		i = stop - 1
		for text[i] == '#' && i > 0 {
			i--
		}
		if i == 0 && text[0] == '#' { // empty headings like '### ###'
			s.r.advanceToEOL()
			return node, mdNoChildren
		}
		if i != stop-1 && mdIsSpace(text[i]) {
			stop = i
			stop -= mdTrimRightSpaceLength(text[:stop])
		}
	}
	hl.stop = hl.start + stop
	node.lines = []mdSeg{hl}
	s.r.advanceToEOL()
	return node, mdNoChildren
}

// mdSetextBar reports whether line is a setext underline and of which
// character.
func mdSetextBar(line string) (byte, bool) {
	start, end := 0, len(line)
	for start < end && line[start] == ' ' {
		start++
	}
	if start > 3 {
		return 0, false
	}
	level1 := mdRunLength(line[start:end], '=')
	c := byte('=')
	level2 := 0
	if level1 == 0 {
		level2 = mdRunLength(line[start:end], '-')
		c = '-'
	}
	if mdIsSpace(line[end-1]) {
		end -= mdTrimRightSpaceLength(line[start:end])
	}
	if !(level1 > 0 && start+level1 == end || level2 > 0 && start+level2 == end) {
		return 0, false
	}
	return c, true
}

func mdRunLength(s string, c byte) int {
	i := 0
	for i < len(s) && s[i] == c {
		i++
	}
	return i
}

func (s *mdBlockScanner) openSetextHeading(parent *mdNode) (*mdNode, mdState) {
	last := s.lastOpened()
	if last == nil || last.kind != mdParagraph || last.parent != parent {
		return nil, mdNoChildren
	}
	line, seg, _ := s.r.peekLine()
	c, ok := mdSetextBar(line)
	if !ok {
		return nil, mdNoChildren
	}
	level := 1
	if c == '-' {
		level = 2
	}
	s.setextParagraph = last
	return s.node(mdNode{kind: mdSetextHeading, level: level, lines: []mdSeg{seg}}), mdNoChildren | mdRequireParagraph
}

// closeSetextHeading makes the paragraph above the underline the
// heading's text; with no paragraph left (all of it was link reference
// definitions) the underline is a paragraph line instead.
func (s *mdBlockScanner) closeSetextHeading(h *mdNode) {
	bar := h.lines[0]
	h.lines = nil
	tmp := s.setextParagraph
	s.setextParagraph = nil
	if len(tmp.lines) == 0 {
		bar = bar.trimLeftSpace(s.src)
		if next := h.next; next == nil || next.kind != mdParagraph {
			h.parent.insertBefore(h.next, s.node(mdNode{kind: mdParagraph, lines: []mdSeg{bar}}))
		} else {
			next.lines = append([]mdSeg{bar}, next.lines...)
		}
		h.parent.removeChild(h)
		return
	}
	h.lines = tmp.lines
	if tmp.parent != nil {
		tmp.parent.removeChild(tmp)
	}
}

// mdIsThematicBreak: three or more '*', '-' or '_' (the same one), spaces
// between, indented at most 3 columns.
func mdIsThematicBreak(line string, offset int) bool {
	w, pos := mdIndentWidth(line, offset)
	if w > 3 {
		return false
	}
	var mark byte
	count := 0
	for i := pos; i < len(line); i++ {
		c := line[i]
		if mdIsSpace(c) {
			continue
		}
		if mark == 0 {
			mark = c
			count = 1
			if mark == '*' || mark == '-' || mark == '_' {
				continue
			}
			return false
		}
		if c != mark {
			return false
		}
		count++
	}
	return count > 2
}

func (s *mdBlockScanner) blockquoteMarker() bool {
	line, _, _ := s.r.peekLine()
	w, pos := mdIndentWidth(line, s.r.offset())
	if w > 3 || pos >= len(line) || line[pos] != '>' {
		return false
	}
	pos++
	if pos >= len(line) || line[pos] == '\n' {
		s.r.advance(pos)
		return true
	}
	s.r.advance(pos)
	if line[pos] == ' ' || line[pos] == '\t' {
		padding := 0
		if line[pos] == '\t' {
			padding = mdTabWidth(s.r.offset()) - 1
		}
		s.r.advanceAndSetPadding(1, padding)
	}
	return true
}

func (s *mdBlockScanner) openFence() (*mdNode, mdState) {
	line, _, _ := s.r.peekLine()
	pos := s.blockOffset
	if pos < 0 || line[pos] != '`' && line[pos] != '~' {
		return nil, mdNoChildren
	}
	fenceChar := line[pos]
	i := pos
	for i < len(line) && line[i] == fenceChar {
		i++
	}
	if i-pos < 3 {
		return nil, mdNoChildren
	}
	if i < len(line)-1 {
		rest := line[i:]
		left := mdTrimLeftSpaceLength(rest)
		right := mdTrimRightSpaceLength(rest)
		if left < len(rest)-right && fenceChar == '`' && strings.IndexByte(rest[left:len(rest)-right], '`') >= 0 {
			return nil, mdNoChildren // a backtick in a backtick fence's info string: inline code instead
		}
	}
	node := s.node(mdNode{kind: mdFencedCode, fenceChar: fenceChar, fenceIndent: pos, fenceLength: i - pos})
	s.fence = node
	return node, mdNoChildren
}

func (s *mdBlockScanner) continueFence(n *mdNode) mdState {
	line, _, _ := s.r.peekLine()
	f := s.fence // goldmark reads the last opened fence's data, not n's
	if f == nil {
		f = n
	}
	w, pos := mdIndentWidth(line, s.r.offset())
	if w < 4 {
		i := pos
		for i < len(line) && line[i] == f.fenceChar {
			i++
		}
		if i-pos >= f.fenceLength && mdIsBlank(line[i:]) {
			s.r.advanceToEOL()
			return mdClose
		}
	}
	s.r.advanceToEOL()
	return mdContinue | mdNoChildren
}

// node allocates a block from a slab: a document has many blocks and
// they all live as long as the parse.
func (s *mdBlockScanner) node(n mdNode) *mdNode {
	if len(s.slab) == cap(s.slab) {
		s.slab = make([]mdNode, 0, min(2*cap(s.slab)+8, 256))
	}
	s.slab = append(s.slab, n)
	return &s.slab[len(s.slab)-1]
}
