package chunk

import "strings"

// heading is one markdown heading: where its line starts, its level and
// its text.
type heading struct {
	start int
	level int
	text  string
}

type headingList []heading

// headings finds the ATX and setext headings of a markdown text, as
// goldmark finds them (so "#" inside code blocks is not a heading), with a
// block scanner ported from goldmark's (mdblocks.go). Plain text simply has
// none.
func headings(src string) headingList {
	if !strings.ContainsAny(src, "#=-") {
		return nil
	}
	return mdHeadings(src)
}

// headingWalker returns heading paths for non-decreasing offsets in one
// pass over the headings.
type headingWalker struct {
	hs    headingList
	next  int
	stack []heading
}

// pathAt returns the heading path in force at byte offset off; offsets
// must not decrease between calls.
func (w *headingWalker) pathAt(off int) []string {
	for w.next < len(w.hs) && w.hs[w.next].start <= off {
		h := w.hs[w.next]
		w.next++
		for len(w.stack) > 0 && w.stack[len(w.stack)-1].level >= h.level {
			w.stack = w.stack[:len(w.stack)-1]
		}
		w.stack = append(w.stack, h)
	}
	stack := w.stack
	out := make([]string, len(stack))
	for i, h := range stack {
		out[i] = h.text
	}
	return out
}
