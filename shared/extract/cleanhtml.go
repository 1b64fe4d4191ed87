package extract

import (
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// cleanTags are the elements kept in clean HTML; everything else is
// unwrapped (its content kept, the tag dropped).
var cleanTags = map[atom.Atom]bool{
	atom.P: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Ul: true, atom.Ol: true, atom.Li: true, atom.Dl: true, atom.Dt: true, atom.Dd: true,
	atom.Blockquote: true, atom.Pre: true, atom.Code: true, atom.Em: true, atom.Strong: true,
	atom.B: true, atom.I: true, atom.U: true, atom.S: true, atom.Del: true, atom.Ins: true, atom.Sub: true,
	atom.Sup: true, atom.Mark: true, atom.Small: true, atom.Abbr: true, atom.Cite: true, atom.Q: true,
	atom.Kbd: true, atom.Samp: true, atom.Var: true, atom.Time: true,
	atom.A: true, atom.Img: true, atom.Br: true, atom.Hr: true,
	atom.Table: true, atom.Thead: true, atom.Tbody: true, atom.Tfoot: true, atom.Tr: true, atom.Td: true,
	atom.Th: true, atom.Caption: true, atom.Figure: true, atom.Figcaption: true,
	atom.Video: true, atom.Audio: true, atom.Source: true,
}

var voidTags = map[atom.Atom]bool{atom.Img: true, atom.Br: true, atom.Hr: true, atom.Source: true}

// renderCleanHTML serialises kept nodes with a small set of tags and only
// the attributes that carry meaning (href, src, alt, title, spans, datetime,
// code language), with URLs made absolute.
func renderCleanHTML(root *node, base *url.URL, keepFn func(*node) bool) string {
	var b strings.Builder
	b.WriteString("<article>")
	var walk func(n *node, depth int)
	walk = func(n *node, depth int) {
		if !keepFn(n) {
			return
		}
		if n.isText() {
			b.WriteString(html.EscapeString(n.text))
			return
		}
		if n.tag == atom.Pre {
			b.WriteString("<pre><code")
			if lang := codeLanguage(n); lang != "" {
				b.WriteString(` class="language-` + html.EscapeString(lang) + `"`)
			}
			b.WriteString(">")
			b.WriteString(html.EscapeString(rawTextOf(n.h)))
			b.WriteString("</code></pre>")
			return
		}
		emit := cleanTags[n.tag] && depth < 256
		if emit {
			b.WriteString("<" + n.name)
			writeCleanAttrs(&b, n, base)
			b.WriteString(">")
			if voidTags[n.tag] {
				return
			}
		} else if n.block {
			b.WriteString("\n")
		}
		for _, k := range n.kids {
			walk(k, depth+1)
		}
		if emit {
			b.WriteString("</" + n.name + ">")
		}
	}
	for _, k := range root.kids {
		walk(k, 0)
	}
	b.WriteString("</article>")
	return b.String()
}

func writeCleanAttrs(b *strings.Builder, n *node, base *url.URL) {
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
