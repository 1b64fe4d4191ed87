package extract

import (
	"bytes"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// cleanTags are the elements kept in clean HTML; everything else is
// unwrapped (its content kept, the tag dropped).
func cleanTags(k atom.Atom) bool {
	switch k {
	case
		atom.P, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Ul, atom.Ol, atom.Li, atom.Dl, atom.Dt, atom.Dd,
		atom.Blockquote, atom.Pre, atom.Code, atom.Em, atom.Strong,
		atom.B, atom.I, atom.U, atom.S, atom.Del, atom.Ins, atom.Sub,
		atom.Sup, atom.Mark, atom.Small, atom.Abbr, atom.Cite, atom.Q,
		atom.Kbd, atom.Samp, atom.Var, atom.Time,
		atom.A, atom.Img, atom.Br, atom.Hr,
		atom.Table, atom.Thead, atom.Tbody, atom.Tfoot, atom.Tr, atom.Td,
		atom.Th, atom.Caption, atom.Figure, atom.Figcaption,
		atom.Video, atom.Audio, atom.Source:
		return true
	}
	return false
}

func voidTags(k atom.Atom) bool {
	switch k {
	case
		atom.Img, atom.Br, atom.Hr, atom.Source:
		return true
	}
	return false
}

// renderCleanHTML serialises kept nodes with a small set of tags and only
// the attributes that carry meaning (href, src, alt, title, spans, datetime,
// code language), with URLs made absolute.
func renderCleanHTML(root *node, base *url.URL, keepFn func(*node) bool) string {
	var b bytes.Buffer
	b.Grow(root.textLen + root.textLen/4 + 32)
	b.WriteString("<article>")
	// walk reports whether it wrote anything visible (text or an embedded
	// medium), so that an element left empty is taken back without
	// scanning what its children wrote.
	var walk func(n *node, depth int) bool
	walk = func(n *node, depth int) bool {
		if !keepFn(n) {
			return false
		}
		if n.isText() {
			b.WriteString(html.EscapeString(n.text))
			return hasNonSpace(n.text)
		}
		if n.tag == atom.Pre {
			b.WriteString("<pre><code")
			if lang := codeLanguage(n); lang != "" {
				b.WriteString(` class="language-` + html.EscapeString(lang) + `"`)
			}
			b.WriteString(">")
			code := rawTextOf(n.h)
			b.WriteString(html.EscapeString(code))
			b.WriteString("</code></pre>")
			return hasNonSpace(code)
		}
		emit := cleanTags(n.tag) && depth < 256
		if emit && voidTags(n.tag) {
			b.WriteString("<" + n.name)
			writeCleanAttrs(&b, n, base)
			b.WriteString(">")
			return n.tag == atom.Img || n.tag == atom.Hr
		}
		// Render the element, then take it back if nothing visible came
		// out (a block whose own text was trimmed, an empty wrapper).
		mark := b.Len()
		if emit {
			b.WriteString("<" + n.name)
			writeCleanAttrs(&b, n, base)
			b.WriteString(">")
		} else if n.block {
			b.WriteString("\n")
		}
		visible := false
		for _, k := range n.kids {
			if walk(k, depth+1) {
				visible = true
			}
		}
		if !visible {
			b.Truncate(mark)
			return false
		}
		if emit {
			b.WriteString("</" + n.name + ">")
		}
		return true
	}
	for _, k := range root.kids {
		walk(k, 0)
	}
	b.WriteString("</article>")
	return b.String()
}

// hasNonSpace reports text that shows something: any byte besides the
// spaces and line breaks that HTML collapses.
func hasNonSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\n', '\t', '\r':
		default:
			return true
		}
	}
	return false
}

func writeCleanAttrs(b *bytes.Buffer, n *node, base *url.URL) {
	attr := func(k, v string) {
		if v == "" {
			return
		}
		b.WriteString(" " + k + `="` + html.EscapeString(v) + `"`)
	}
	switch n.tag {
	case atom.A:
		href := resolveURL(base, n.attr("href"))
		if strings.HasPrefix(strings.ToLower(href), "javascript:") {
			href = ""
		}
		attr("href", href)
		attr("title", n.attr("title"))
	case atom.Img:
		attr("src", resolveURL(base, imageSource(n)))
		attr("alt", n.attr("alt"))
		attr("title", n.attr("title"))
	case atom.Video, atom.Audio, atom.Source:
		attr("src", resolveURL(base, n.attr("src")))
		attr("type", n.attr("type"))
	case atom.Td, atom.Th:
		if s := span(n.attr("colspan")); s > 1 {
			attr("colspan", strconv.Itoa(s))
		}
		if s := span(n.attr("rowspan")); s > 1 {
			attr("rowspan", strconv.Itoa(s))
		}
	case atom.Time:
		attr("datetime", n.attr("datetime"))
	case atom.Ol:
		attr("start", n.attr("start"))
	case atom.Abbr:
		attr("title", n.attr("title"))
	}
}
