package chunk

import (
	"bytes"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
)

// heading is one markdown heading: where its line starts, its level and
// its text.
type heading struct {
	start int
	level int
	text  string
}

type headingList []heading

// headings finds the ATX and setext headings of a markdown text with
// goldmark (so "#" inside code blocks is not a heading). Plain text simply
// has none.
func headings(src string) headingList {
	if !strings.ContainsAny(src, "#=-") {
		return nil
	}
	b := []byte(src)
	doc := goldmark.New().Parser().Parse(text.NewReader(b))
	var out headingList
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		h, ok := n.(*ast.Heading)
		if !entering || !ok {
			return ast.WalkContinue, nil
		}
		lines := h.Lines()
		start := -1
		var t bytes.Buffer
		for i := 0; i < lines.Len(); i++ {
			seg := lines.At(i)
			if start < 0 {
				start = seg.Start
			}
			t.Write(seg.Value(b))
			t.WriteByte(' ')
		}
		if start < 0 {
			return ast.WalkSkipChildren, nil
		}
		// The heading's line starts at the newline before its text.
		if i := bytes.LastIndexByte(b[:start], '\n'); i >= 0 {
			start = i + 1
		} else {
			start = 0
		}
		out = append(out, heading{start: start, level: h.Level, text: strings.Join(strings.Fields(t.String()), " ")})
		return ast.WalkSkipChildren, nil
	})
	return out
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
