package chunk

// Link reference definitions for the markdown block scanner: goldmark
// v1.8.7's parseLinkReferenceDefinition and parseLinkDestination (MIT,
// Copyright (c) 2019 Yusuke Inuzuka; see mdblocks.go). They matter to
// headings because a paragraph of definitions alone is no text for a
// setext heading, and definitions above its text are not part of it.

// mdLinkReferenceDefinition parses the definition at the reader's
// position and returns the paragraph lines it takes, [start, end) (end ==
// start when the definition ends in the middle of line start, where
// goldmark leaves the reader for the next one), or -1, -1.
func mdLinkReferenceDefinition(r *mdLinesReader) (start, end int) {
	r.skipSpaces()
	line, _, ok := r.peekLine()
	if !ok {
		return -1, -1
	}
	startLine := r.line
	width, pos := mdIndentWidth(line, 0)
	if width > 3 {
		return -1, -1
	}
	if width != 0 {
		pos++
	}
	if pos >= len(line) || line[pos] != '[' {
		return -1, -1
	}
	r.advance(pos + 1)
	label, found := r.findClosure('[', ']')
	if !found || r.blank(label) {
		return -1, -1
	}
	if r.peek() != ':' {
		return -1, -1
	}
	r.advance(1)
	r.skipSpaces()
	if !mdLinkDestination(r) {
		return -1, -1
	}
	line, _, ok = r.peekLine()
	isNewLine := !ok || mdIsBlank(line)
	endLine := r.line
	spaces := r.skipSpaces()
	opener := r.peek()
	if opener != '"' && opener != '\'' && opener != '(' {
		if !isNewLine {
			return -1, -1
		}
		return startLine, endLine + 1
	}
	if spaces == 0 {
		return -1, -1
	}
	r.advance(1)
	closer := opener
	if opener == '(' {
		closer = ')'
	}
	if _, found := r.findClosure(opener, closer); !found {
		if !isNewLine {
			return -1, -1
		}
		r.advanceLine()
		return startLine, endLine + 1
	}
	if line, _, ok := r.peekLine(); ok && !mdIsBlank(line) {
		// Text after the title: the title line is not part of the
		// definition, which ends with its destination's line.
		if !isNewLine {
			return -1, -1
		}
		return startLine, endLine
	}
	return startLine, r.line + 1
}

// blank reports whether the spans hold only spaces.
func (r *mdLinesReader) blank(spans []mdSeg) bool {
	for _, s := range spans {
		if s.stop > s.start && !mdIsBlank(r.src[s.start:s.stop]) {
			return false
		}
	}
	return true
}

// mdLinkDestination moves past a link destination: <...>, or a run of
// non-space characters with balanced parentheses. It reports whether
// there was one.
func mdLinkDestination(r *mdLinesReader) bool {
	r.skipSpaces()
	line, _, _ := r.peekLine()
	if r.peek() == '<' {
		for i := 1; i < len(line); i++ {
			c := line[i]
			if c == '\\' && i < len(line)-1 && mdIsPunct(line[i+1]) {
				i++
				continue
			}
			if c == '>' {
				r.advance(i + 1)
				return true
			}
		}
		return false
	}
	opened, i := 0, 0
	for i < len(line) {
		c := line[i]
		if c == '\\' && i < len(line)-1 && mdIsPunct(line[i+1]) {
			i += 2
			continue
		}
		if c == '(' {
			opened++
		} else if c == ')' {
			opened--
			if opened < 0 {
				break
			}
		} else if mdIsSpace(c) {
			break
		}
		i++
	}
	r.advance(i)
	return i != 0
}
