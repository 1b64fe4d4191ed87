package extract

import (
	"bytes"
	"strings"

	"golang.org/x/net/html/atom"
)

// textWriter renders kept nodes as plain text: paragraphs separated by a
// blank line, list items and table rows on lines of their own, table cells
// separated by a tab, <pre> kept verbatim.
type textWriter struct {
	out    strings.Builder
	line   bytes.Buffer // reused line to line: Reset keeps its capacity
	pend   int          // pending separator before the next text: 0 none, 1 newline, 2 blank line
	cell   int          // depth of table cells: blocks inside a cell are spaces
	pre    int
	spaced bool // the line ends in a space (or is empty)
	// words, when set, receives what would be written to the text
	// instead: only the words are counted (countTextWords). Line breaks
	// and separators reach it as the whitespace bytes they are.
	words *wordSink
}

func (w *textWriter) breakBlock(sep int) {
	w.flushLine()
	if sep > w.pend {
		w.pend = sep
	}
}

func (w *textWriter) flushLine() {
	if w.words != nil {
		_ = w.words.WriteByte('\n') // lines are joined by line breaks
		w.spaced = true
		return
	}
	s := bytes.TrimSpace(w.line.Bytes())
	w.spaced = true
	if len(s) == 0 {
		w.line.Reset()
		return
	}
	if w.out.Len() > 0 {
		switch w.pend {
		case 2:
			w.out.WriteString("\n\n")
		default:
			w.out.WriteString("\n")
		}
	}
	w.pend = 0
	w.out.Write(s)
	w.line.Reset()
}

func (w *textWriter) writeText(s string) {
	if w.words != nil {
		if w.pre > 0 {
			_, _ = w.words.WriteString(s)
			w.spaced = strings.HasSuffix(s, " ")
		} else {
			w.spaced = w.words.addCollapsed(s, w.spaced)
		}
		return
	}
	if w.pre > 0 {
		w.line.WriteString(s)
		w.spaced = strings.HasSuffix(s, " ")
		return
	}
	w.spaced = appendCollapsed(&w.line, s, w.spaced)
}

func (w *textWriter) space() {
	if !w.spaced {
		w.writeByte(' ')
		w.spaced = true
	}
}

// writeByte adds a whitespace byte to the line (or the word count).
func (w *textWriter) writeByte(b byte) {
	if w.words != nil {
		_ = w.words.WriteByte(b)
		return
	}
	w.line.WriteByte(b)
}

func (w *textWriter) walk(n *node, keepFn func(*node) bool) {
	if !keepFn(n) {
		return
	}
	if n.isText() {
		w.writeText(n.text)
		return
	}
	switch n.tag {
	case atom.Br:
		if w.cell > 0 {
			w.space()
		} else if w.pre > 0 {
			w.writeByte('\n')
		} else {
			w.breakBlock(1)
		}
		return
	case atom.Img, atom.Picture, atom.Video, atom.Audio, atom.Source, atom.Track:
		return
	case atom.Td, atom.Th:
		if w.cell == 0 {
			// (Counting words, a tab ends the word before the cell the
			// same as no tab after an empty line.)
			if w.words != nil || len(bytes.TrimSpace(w.line.Bytes())) > 0 {
				w.writeByte('\t')
				w.spaced = true
			}
		} else {
			w.space()
		}
		w.cell++
		for _, k := range n.kids {
			w.walk(k, keepFn)
		}
		w.cell--
		return
	case atom.Pre:
		if w.cell == 0 {
			w.breakBlock(2)
		}
		w.pre++
		for _, k := range n.kids {
			w.walk(k, keepFn)
		}
		w.pre--
		if w.cell == 0 && w.words != nil {
			_ = w.words.WriteByte('\n') // a block of its own
			w.pend, w.spaced = 2, true
		} else if w.cell == 0 {
			s := strings.Trim(w.line.String(), "\n")
			w.line.Reset()
			if strings.TrimSpace(s) != "" {
				if w.out.Len() > 0 {
					w.out.WriteString("\n\n")
				}
				w.out.WriteString(s)
				w.pend = 2
			}
			w.spaced = true
		}
		return
	}
	if !n.block {
		for _, k := range n.kids {
			w.walk(k, keepFn)
		}
		return
	}
	if w.cell > 0 {
		w.space()
		for _, k := range n.kids {
			w.walk(k, keepFn)
		}
		w.space()
		return
	}
	sep := 2
	switch n.tag {
	case atom.Li, atom.Tr, atom.Dt, atom.Dd, atom.Thead, atom.Tbody, atom.Tfoot:
		sep = 1
	case atom.Ul, atom.Ol:
		if n.parent != nil && n.parent.tag == atom.Li {
			sep = 1 // a nested list stays with its item
		}
	}
	w.breakBlock(sep)
	for _, k := range n.kids {
		w.walk(k, keepFn)
	}
	w.breakBlock(sep)
}

func (w *textWriter) String() string {
	w.flushLine()
	return w.out.String()
}

// countTextWords is countWords(renderText(root, keepFn)) without
// rendering the text: the same walk, its output counted as it goes.
func countTextWords(root *node, keepFn func(*node) bool) int {
	w := &textWriter{spaced: true, words: &wordSink{}}
	w.walk(root, keepFn)
	return w.words.n
}

func renderText(root *node, keepFn func(*node) bool) string {
	w := &textWriter{spaced: true}
	w.out.Grow(root.textLen + root.textLen/8)
	w.walk(root, keepFn)
	return w.String()
}
