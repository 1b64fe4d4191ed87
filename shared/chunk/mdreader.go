package chunk

import "strings"

// The markdown block scanner (mdblocks.go) is a port of goldmark v1.8.7's
// block parser, so that chunk finds exactly the headings goldmark finds
// without linking goldmark (its package init costs every Lambda that
// links chunk ~3 ms of a 30 ms cold-start budget). This file ports the
// line readers of goldmark's text package and the byte tests of its util
// package. goldmark is MIT-licensed, Copyright (c) 2019 Yusuke Inuzuka;
// see third_party/yuin/goldmark/LICENSE.

// mdSeg is a span of the source: [start, stop), preceded by padding
// virtual spaces (the rest of a tab that a container marker consumed
// partly).
type mdSeg struct{ start, stop, padding int }

func (s mdSeg) value(src string) string {
	if s.padding == 0 {
		return src[s.start:s.stop]
	}
	return strings.Repeat(" ", s.padding) + src[s.start:s.stop]
}

// trimLeftSpace drops leading space characters and the padding.
func (s mdSeg) trimLeftSpace(src string) mdSeg {
	return mdSeg{start: s.start + mdTrimLeftSpaceLength(src[s.start:s.stop]), stop: s.stop}
}

// trimRightSpace drops trailing space characters (all of a blank segment,
// padding included).
func (s mdSeg) trimRightSpace(src string) mdSeg {
	v := src[s.start:s.stop]
	l := mdTrimRightSpaceLength(v)
	if l == len(v) {
		return mdSeg{start: s.start, stop: s.start}
	}
	return mdSeg{start: s.start, stop: s.stop - l, padding: s.padding}
}

// mdIsSpace is goldmark's util.IsSpace: tab, newline, carriage return and
// space (not form feed or vertical tab).
func mdIsSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// mdIsPunct is goldmark's util.IsPunct: ASCII punctuation.
func mdIsPunct(c byte) bool {
	return c >= '!' && c <= '/' || c >= ':' && c <= '@' || c >= '[' && c <= '`' || c >= '{' && c <= '~'
}

func mdIsBlank(s string) bool {
	for i := 0; i < len(s); i++ {
		if !mdIsSpace(s[i]) {
			return false
		}
	}
	return true
}

func mdTrimLeftSpaceLength(s string) int {
	i := 0
	for i < len(s) && mdIsSpace(s[i]) {
		i++
	}
	return i
}

func mdTrimRightSpaceLength(s string) int {
	i := len(s) - 1
	for i >= 0 && mdIsSpace(s[i]) {
		i--
	}
	return len(s) - 1 - i
}

func mdTabWidth(pos int) int { return 4 - pos%4 }

// mdIndentWidth is the width of s's leading spaces and tabs (tab stops
// every 4 columns from column currentPos) and how many bytes they are.
func mdIndentWidth(s string, currentPos int) (width, pos int) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ':
			width++
			pos++
		case '\t':
			width += mdTabWidth(currentPos + width)
			pos++
		default:
			return width, pos
		}
	}
	return width, pos
}

// mdIndentPosition finds where width columns of indent end in s (which
// starts with padding virtual spaces): the byte position and the columns
// of a tab left over, or -1, -1 when s is indented less.
func mdIndentPosition(s string, currentPos, padding, width int) (pos, rest int) {
	if width == 0 {
		return 0, padding
	}
	w, i, p := 0, 0, padding
	for ; i < len(s); i++ {
		if p > 0 {
			p--
			w++
			continue
		}
		if s[i] == '\t' && w < width {
			w += mdTabWidth(currentPos + w)
		} else if s[i] == ' ' && w < width {
			w++
		} else {
			break
		}
	}
	if w >= width {
		return i - padding, w - width
	}
	return -1, -1
}

// mdReader reads the source line by line (goldmark's text.reader): pos is
// the unread rest of the current line, head the line's first byte.
type mdReader struct {
	src        string
	line       int
	pos        mdSeg
	head       int
	lineOffset int
	peeked     string // the peeked line, "" until peekLine (a line is never empty)
	colPos     int    // offset's last count: byte colPos of the line is at column col
	col        int
}

func newMDReader(src string) *mdReader {
	r := &mdReader{src: src, line: -1, lineOffset: -1}
	r.advanceLine()
	return r
}

// peekLine returns the rest of the current line (with its padding as
// spaces); ok is false at the end of the source.
func (r *mdReader) peekLine() (line string, seg mdSeg, ok bool) {
	if r.pos.start >= 0 && r.pos.start < len(r.src) {
		if r.peeked == "" {
			r.peeked = r.pos.value(r.src)
		}
		return r.peeked, r.pos, true
	}
	return "", r.pos, false
}

// offset is the column where the rest of the line starts. goldmark counts
// it from the line's start at every call, which makes a line of many
// container markers (">>>>...") quadratic; the count here resumes from the
// last one on the same line.
func (r *mdReader) offset() int {
	if r.lineOffset < 0 {
		if r.colPos < r.head || r.colPos > r.pos.start {
			r.colPos, r.col = r.head, 0
		}
		for ; r.colPos < r.pos.start; r.colPos++ {
			if r.src[r.colPos] == '\t' {
				r.col += mdTabWidth(r.col)
			} else {
				r.col++
			}
		}
		r.lineOffset = r.col - r.pos.padding
	}
	return r.lineOffset
}

func (r *mdReader) advance(n int) {
	r.lineOffset = -1
	// As in goldmark, a negative n moves back when the line was peeked.
	if n < len(r.peeked) && r.pos.padding == 0 {
		r.pos.start += n
		r.peeked = ""
		return
	}
	r.peeked = ""
	for ; n > 0 && r.pos.start < len(r.src); n-- {
		if r.pos.padding != 0 {
			r.pos.padding--
			continue
		}
		if r.src[r.pos.start] == '\n' {
			r.advanceLine()
			continue
		}
		r.pos.start++
	}
}

func (r *mdReader) advanceAndSetPadding(n, padding int) {
	r.advance(n)
	if padding > r.pos.padding {
		r.pos.padding = padding
	}
}

// advanceToEOL moves to the line's newline (or the end of the source).
func (r *mdReader) advanceToEOL() {
	if r.pos.start >= len(r.src) {
		return
	}
	r.lineOffset = -1
	i := -1
	if r.peeked != "" {
		r.pos.start += len(r.peeked) - r.pos.padding - 1
		if r.src[r.pos.start] == '\n' {
			i = 0
		}
	}
	if i == -1 {
		i = strings.IndexByte(r.src[r.pos.start:], '\n')
	}
	r.peeked = ""
	if i != -1 {
		r.pos.start += i
	} else {
		r.pos.start = len(r.src)
	}
	r.pos.padding = 0
}

func (r *mdReader) advanceLine() {
	r.lineOffset = -1
	r.peeked = ""
	r.pos.start = r.pos.stop
	r.head = r.pos.start
	if r.pos.start < 0 || r.pos.start >= len(r.src) {
		return
	}
	r.pos.stop = len(r.src)
	i := 0
	if r.src[r.pos.start] != '\n' {
		i = strings.IndexByte(r.src[r.pos.start:], '\n')
	}
	if i != -1 {
		r.pos.stop = r.pos.start + i + 1
	}
	r.line++
	r.pos.padding = 0
}

// skipBlankLines moves to the next non-blank line; false at the end.
func (r *mdReader) skipBlankLines() bool {
	for {
		line, _, ok := r.peekLine()
		if !ok {
			return false
		}
		if !mdIsBlank(line) {
			return true
		}
		r.advanceLine()
	}
}

// mdLinesReader reads a paragraph's lines (goldmark's text.blockReader),
// for finding the link reference definitions at its start.
type mdLinesReader struct {
	src   string
	lines []mdSeg
	line  int
	pos   mdSeg
	last  int
}

func newMDLinesReader(src string, lines []mdSeg) *mdLinesReader {
	r := &mdLinesReader{src: src, lines: lines, line: -1, pos: mdSeg{start: -1, stop: -1}}
	if len(lines) > 0 {
		r.last = lines[len(lines)-1].stop
	}
	r.advanceLine()
	return r
}

func (r *mdLinesReader) peekLine() (string, mdSeg, bool) {
	if r.line < len(r.lines) && r.pos.start >= 0 && r.pos.start < r.last {
		return r.pos.value(r.src), r.pos, true
	}
	return "", r.pos, false
}

// mdEOF is what peek returns past the end (goldmark's text.EOF).
const mdEOF = 0xff

func (r *mdLinesReader) peek() byte {
	if r.line < len(r.lines) && r.pos.start >= 0 && r.pos.start < r.last {
		if r.pos.padding != 0 {
			return ' '
		}
		return r.src[r.pos.start]
	}
	return mdEOF
}

func (r *mdLinesReader) advance(n int) {
	if n < r.pos.stop-r.pos.start && r.pos.padding == 0 {
		r.pos.start += n
		return
	}
	for ; n > 0; n-- {
		if r.pos.padding != 0 {
			r.pos.padding--
			continue
		}
		if r.pos.start >= r.pos.stop-1 && r.pos.stop < r.last {
			r.advanceLine()
			continue
		}
		r.pos.start++
	}
}

func (r *mdLinesReader) advanceLine() {
	r.line++
	if r.line < len(r.lines) {
		r.pos = r.lines[r.line]
	}
}

// skipSpaces skips space characters across lines and says how many.
func (r *mdLinesReader) skipSpaces() int {
	chars := 0
	for {
		line, _, ok := r.peekLine()
		if !ok {
			return chars
		}
		for i := 0; i < len(line); i++ {
			if !mdIsSpace(line[i]) {
				return chars
			}
			chars++
			r.advance(1)
		}
	}
}

// findClosure finds closer, across lines, with backslash escapes and
// without nesting (goldmark's link options), and moves past it. It
// returns the spans before the closer.
func (r *mdLinesReader) findClosure(opener, closer byte) ([]mdSeg, bool) {
	var ret []mdSeg
	for {
		bs, seg, ok := r.peekLine()
		if !ok {
			return nil, false
		}
		for i := 0; i < len(bs); {
			c := bs[i]
			switch {
			case c == '\\' && i < len(bs)-1 && mdIsPunct(bs[i+1]):
				i += 2
				continue
			case c == closer:
				ret = append(ret, mdSeg{start: seg.start, stop: seg.start + i - seg.padding, padding: seg.padding})
				r.advance(i + 1)
				return ret, true
			case c == opener:
				return nil, false
			}
			i++
		}
		r.advanceLine()
		ret = append(ret, seg)
	}
}
