package chunk

// Lists and list items for the markdown block scanner: goldmark v1.8.7's
// list.go and list_item.go (MIT, Copyright (c) 2019 Yusuke Inuzuka; see
// mdblocks.go).

import "strconv"

type mdListType uint8

const (
	mdNotList mdListType = iota
	mdBulletList
	mdOrderedList
)

// mdParseListItem matches a list marker at the start of line, like
// `^(([ ]*)([\-\*\+]))(\s+.*)?\n?$` or `^(([ ]*)(\d{1,9}[\.\)]))(\s+.*)?\n?$`:
// m[1] is the marker's start, m[3] its end, m[4]:m[5] the content (-1
// when the line ends at the marker).
func mdParseListItem(line string) (m [6]int, typ mdListType) {
	i, l := 0, len(line)
	for i < l && line[i] == ' ' {
		i++
	}
	if i > 3 {
		return m, mdNotList
	}
	m[1], m[2] = i, i
	switch {
	case i < l && (line[i] == '-' || line[i] == '*' || line[i] == '+'):
		i++
		m[3] = i
		typ = mdBulletList
	case i < l:
		for i < l && line[i] >= '0' && line[i] <= '9' {
			i++
		}
		m[3] = i
		if m[3] == m[2] || m[3]-m[2] > 9 {
			return m, mdNotList
		}
		if i < l && (line[i] == '.' || line[i] == ')') {
			i++
			m[3] = i
		} else {
			return m, mdNotList
		}
		typ = mdOrderedList
	default:
		return m, mdNotList
	}
	if i < l && line[i] != '\n' {
		if w, _ := mdIndentWidth(line[i:], 0); w == 0 {
			return m, mdNotList
		}
	}
	if i >= l {
		m[4], m[5] = -1, -1
		return m, typ
	}
	m[4], m[5] = i, l
	if line[m[5]-1] == '\n' && line[i] != '\n' {
		m[5]--
	}
	return m, typ
}

// mdListOffset is the width from the marker's end to the item's content.
func mdListOffset(line string, m [6]int) int {
	if m[4] < 0 || mdIsBlank(line[m[4]:]) { // the item starts with a blank line
		return 1
	}
	offset, _ := mdIndentWidth(line[m[4]:], m[4])
	if offset > 4 { // indented code in the item
		return 1
	}
	return offset
}

func mdLastItemOffset(list *mdNode) int {
	if list.last != nil {
		return list.last.offset
	}
	return 0
}

func (s *mdBlockScanner) openList(parent *mdNode) (*mdNode, mdState) {
	last := s.lastOpened()
	if last != nil && last.kind == mdList || s.skipListParser {
		s.skipListParser = false
		return nil, mdNoChildren
	}
	if parent.depth >= mdMaxContainerDepth {
		return nil, mdNoChildren
	}
	line, _, _ := s.r.peekLine()
	m, typ := mdParseListItem(line)
	if typ == mdNotList {
		return nil, mdNoChildren
	}
	start := -1
	if typ == mdOrderedList {
		start, _ = strconv.Atoi(line[m[2] : m[3]-1])
	}
	if last != nil && last.kind == mdParagraph && last.parent == parent {
		// Only a list starting at 1, and not an empty item, interrupts a
		// paragraph.
		if typ == mdOrderedList && start != 1 {
			return nil, mdNoChildren
		}
		if m[4] < 0 || mdIsBlank(line[m[4]:m[5]]) {
			return nil, mdNoChildren
		}
	}
	s.emptyListItemWithBlankLines = false
	return s.node(mdNode{kind: mdList, marker: line[m[3]-1]}), mdHasChildren
}

func (s *mdBlockScanner) continueList(list *mdNode) mdState {
	line, seg, _ := s.r.peekLine()
	if mdIsBlank(line) {
		if list.last.children == 0 {
			s.emptyListItemWithBlankLines = true
		}
		return mdContinue | mdHasChildren
	}
	// A line indented less than the last item's content, or after an
	// empty item, may start the next item.
	offset := mdLastItemOffset(list)
	lastIsEmpty := list.last.children == 0
	indent, _ := mdIndentWidth(line, s.r.offset())
	if indent < offset || lastIsEmpty {
		if indent < 4 {
			m, typ := mdParseListItem(line)
			if typ != mdNotList && m[1]-offset < 4 {
				marker := line[m[3]-1]
				ordered := typ == mdOrderedList
				if marker != list.marker || ordered != (list.marker == '.' || list.marker == ')') {
					return mdClose
				}
				// A thematic break wins over a list item, unless it is
				// a setext underline ("-" after a paragraph). goldmark
				// tests each line once, for the outermost list.
				isBreak := false
				if seg.stop > s.thematicBreakCheckedUpTo {
					isBreak = mdIsThematicBreak(line[m[3]-1:], 0)
					s.thematicBreakCheckedUpTo = seg.stop
				}
				if isBreak {
					isHeading := false
					if last := s.lastOpened(); last != nil && last.kind == mdParagraph {
						if c, ok := mdSetextBar(line[m[3]-1:]); ok && c == '-' {
							isHeading = true
						}
					}
					if !isHeading {
						return mdClose
					}
				}
				return mdContinue | mdHasChildren
			}
		}
		if !lastIsEmpty {
			return mdClose
		}
	}
	if lastIsEmpty && indent < offset {
		return mdClose
	}
	// A non-empty item cannot follow an empty item and blank lines.
	if s.emptyListItemWithBlankLines {
		return mdClose
	}
	return mdContinue | mdHasChildren
}

func (s *mdBlockScanner) openListItem(parent *mdNode) (*mdNode, mdState) {
	if parent.kind != mdList {
		return nil, mdNoChildren
	}
	offset := mdLastItemOffset(parent)
	line, _, _ := s.r.peekLine()
	m, typ := mdParseListItem(line)
	if typ == mdNotList || m[1]-offset > 3 {
		return nil, mdNoChildren
	}
	s.emptyListItemWithBlankLines = false
	itemOffset := mdListOffset(line, m)
	node := s.node(mdNode{kind: mdListItem, offset: m[3] + itemOffset})
	if m[4] < 0 || mdIsBlank(line[m[4]:m[5]]) {
		return node, mdNoChildren
	}
	pos, padding := mdIndentPosition(line[m[4]:], m[4], 0, itemOffset)
	s.r.advanceAndSetPadding(m[3]+pos, padding)
	return node, mdHasChildren
}

func (s *mdBlockScanner) continueListItem(item *mdNode) mdState {
	line, _, _ := s.r.peekLine()
	if mdIsBlank(line) {
		s.r.advanceToEOL()
		return mdContinue | mdHasChildren
	}
	offset := mdLastItemOffset(item.parent)
	isEmpty := item.children == 0 && s.emptyListItemWithBlankLines
	indent, _ := mdIndentWidth(line, s.r.offset())
	if (isEmpty || indent < offset) && indent < 4 {
		if _, typ := mdParseListItem(line); typ != mdNotList { // the next item
			s.skipListParser = true
			return mdClose
		}
		if !isEmpty {
			return mdClose
		}
	}
	pos, padding := mdIndentPosition(line, s.r.offset(), 0, offset)
	s.r.advanceAndSetPadding(pos, padding)
	return mdContinue | mdHasChildren
}
