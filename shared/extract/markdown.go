package extract

import (
	"bytes"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/atom"
)

// mdWriter renders kept nodes as CommonMark with GFM tables. Blocks are
// rendered to strings and composed (list items indent their content, block
// quotes prefix it), so nesting of any depth comes out right.
type mdWriter struct {
	base *url.URL
	keep func(*node) bool
	para []byte // paragraphs being built (appendBlocks)
}

func renderMarkdown(root *node, base *url.URL, keepFn func(*node) bool) string {
	w := &mdWriter{base: base, keep: keepFn}
	return strings.TrimSpace(w.blocks(root.kids, 0))
}

// blocks renders a sequence of sibling nodes: runs of inline content become
// paragraphs, block elements render themselves.
func (w *mdWriter) blocks(kids []*node, depth int) string {
	var out []string
	w.appendBlocks(&out, kids, depth)
	return strings.Join(out, "\n\n")
}

// appendBlocks renders kids as paragraphs appended to out. Containers that
// add no markup of their own (div, section, p, ...) are rendered into the
// same list rather than joined on their own, so a paragraph is copied once
// however deep the wrappers nest.
func (w *mdWriter) appendBlocks(out *[]string, kids []*node, depth int) {
	// A paragraph is built in w.para from start on, shared by the nested
	// calls (they begin after a flush, or, from inline, append after this
	// paragraph and truncate back): one buffer per page instead of a
	// growing builder per paragraph. A paragraph of one piece (a <p> with
	// one text node, the common case) is that piece, trimmed, not a copy.
	start := len(w.para)
	defer func() { w.para = w.para[:start] }()
	var only string
	pieces := 0
	flush := func() {
		var s string
		if pieces == 1 {
			s = strings.TrimSpace(only)
		} else if pieces > 1 {
			s = strings.TrimSpace(string(w.para[start:]))
		}
		w.para, only, pieces = w.para[:start], "", 0
		if s != "" {
			*out = append(*out, s)
		}
	}
	add := func(s string) {
		if s == "" {
			return
		}
		if pieces == 1 {
			w.para = append(w.para, only...)
		}
		if pieces++; pieces == 1 {
			only = s
			return
		}
		w.para = append(w.para, s...)
	}
	for _, k := range kids {
		if !w.keep(k) {
			continue
		}
		if k.isText() || !k.block || k.tag == atom.Br {
			if k.tag == atom.Br {
				if pieces == 1 && strings.TrimSpace(only) != "" || pieces > 1 && len(bytes.TrimSpace(w.para[start:])) > 0 {
					add("  \n")
				}
				continue
			}
			add(w.inline(k))
			continue
		}
		flush()
		if depth <= mdMaxDepth && transparentBlock(k) {
			w.appendBlocks(out, k.kids, depth+1)
			continue
		}
		if s := w.block(k, depth); strings.TrimSpace(s) != "" {
			// A nested list follows its item's text on the next line, so
			// the outer list stays tight.
			if (k.tag == atom.Ul || k.tag == atom.Ol) && k.parent != nil && k.parent.tag == atom.Li && len(*out) > 0 {
				(*out)[len(*out)-1] += "\n" + s
				continue
			}
			*out = append(*out, s)
		}
	}
	flush()
}

// mdMaxDepth bounds the nesting the markdown writer follows; deeper
// content is rendered as inline text.
const mdMaxDepth = 64

// transparentBlock reports the block elements that render as their
// children's paragraphs, with no markup of their own.
func transparentBlock(n *node) bool {
	switch n.tag {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Ul, atom.Ol, atom.Menu, atom.Pre,
		atom.Blockquote, atom.Table, atom.Hr, atom.Dt, atom.Li, atom.Tr, atom.Td, atom.Th, atom.Thead,
		atom.Tbody, atom.Tfoot, atom.Caption:
		return false
	}
	return true
}

func (w *mdWriter) block(n *node, depth int) string {
	if depth > mdMaxDepth {
		return w.inlineKids(n)
	}
	switch n.tag {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		level := int(n.name[1] - '0')
		t := strings.TrimSpace(collapseSpace(w.inlineKids(n)))
		if t == "" {
			return ""
		}
		return strings.Repeat("#", level) + " " + t
	case atom.P:
		return strings.TrimSpace(w.blocks(n.kids, depth+1))
	case atom.Ul, atom.Ol, atom.Menu:
		return w.list(n, depth)
	case atom.Pre:
		return w.codeBlock(n)
	case atom.Blockquote:
		inner := w.blocks(n.kids, depth+1)
		if strings.TrimSpace(inner) == "" {
			return ""
		}
		return prefixLines(inner, "> ", "> ")
	case atom.Table:
		return w.table(n)
	case atom.Hr:
		return "---"
	case atom.Dl:
		return w.blocks(n.kids, depth+1)
	case atom.Dt:
		t := strings.TrimSpace(collapseSpace(w.inlineKids(n)))
		if t == "" {
			return ""
		}
		return "**" + t + "**"
	}
	return w.blocks(n.kids, depth+1)
}

func (w *mdWriter) list(n *node, depth int) string {
	var items []string
	i := 1
	if s, err := strconv.Atoi(n.attr("start")); err == nil && s >= 0 && s < 1e6 {
		i = s
	}
	for _, k := range n.kids {
		if !w.keep(k) {
			continue
		}
		var content string
		if k.tag == atom.Li {
			content = strings.TrimSpace(w.blocks(k.kids, depth+1))
		} else if k.tag == atom.Ul || k.tag == atom.Ol {
			// A list directly inside a list (invalid but common) nests under
			// the previous item.
			if len(items) > 0 {
				items[len(items)-1] += "\n" + prefixLines(w.list(k, depth+1), "  ", "  ")
			}
			continue
		} else {
			content = strings.TrimSpace(w.blocks([]*node{k}, depth+1))
		}
		if content == "" {
			continue
		}
		marker := "- "
		if n.tag == atom.Ol {
			marker = strconv.Itoa(i) + ". "
			i++
		}
		items = append(items, prefixLines(content, marker, strings.Repeat(" ", len(marker))))
	}
	return strings.Join(items, "\n")
}

// prefixLines puts first before the first line and rest before every other
// non-empty line.
func prefixLines(s, first, rest string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		switch {
		case i == 0:
			lines[i] = first + l
		case l == "":
			lines[i] = strings.TrimRight(rest, " ")
		default:
			lines[i] = rest + l
		}
	}
	return strings.Join(lines, "\n")
}

func (w *mdWriter) codeBlock(n *node) string {
	code := strings.Trim(rawTextOf(n.h), "\n")
	if strings.TrimSpace(code) == "" {
		return ""
	}
	lang := codeLanguage(n)
	fence := "```"
	for strings.Contains(code, fence) {
		fence += "`"
	}
	return fence + lang + "\n" + code + "\n" + fence
}

// codeLanguage reads the language from the class conventions of
// highlighters: language-go, lang-go, highlight-go, brush: go.
func codeLanguage(n *node) string {
	check := func(class string) string {
		for _, c := range strings.Fields(strings.ToLower(class)) {
			for _, p := range []string{"language-", "lang-", "highlight-source-", "highlight-"} {
				if strings.HasPrefix(c, p) && len(c) > len(p) {
					return sanitizeLang(c[len(p):])
				}
			}
		}
		if i := strings.Index(class, "brush:"); i >= 0 {
			rest := strings.TrimSpace(class[i+6:])
			if f := strings.FieldsFunc(rest, func(r rune) bool { return r == ';' || r == ' ' }); len(f) > 0 {
				return sanitizeLang(f[0])
			}
		}
		return ""
	}
	if l := check(n.attr("class")); l != "" {
		return l
	}
	if l := n.attr("data-lang"); l != "" {
		return sanitizeLang(l)
	}
	for _, k := range n.kids {
		if k.tag == atom.Code {
			if l := check(k.attr("class")); l != "" {
				return l
			}
		}
	}
	if p := n.parent; p != nil {
		return check(p.attr("class"))
	}
	return ""
}

func sanitizeLang(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '+' || r == '#' || r == '-' || r == '_' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (w *mdWriter) inlineKids(n *node) string {
	var b strings.Builder
	for _, k := range n.kids {
		if w.keep(k) {
			b.WriteString(w.inline(k))
		}
	}
	return b.String()
}

// inline renders phrasing content. Block elements met here (a <div> inside
// a <td>, say) become spaces.
func (w *mdWriter) inline(n *node) string {
	if n.isText() {
		if plainMarkdownText(n.text) {
			return n.text // the common case: nothing to collapse or escape
		}
		return escapeMarkdown(collapseSpace(n.text))
	}
	switch n.tag {
	case atom.Br:
		return "  \n"
	case atom.Img:
		return w.image(n)
	case atom.Code, atom.Kbd, atom.Samp, atom.Tt:
		t := collapseSpace(textOf(n))
		if strings.TrimSpace(t) == "" {
			return t
		}
		fence := "`"
		for strings.Contains(t, fence) {
			fence += "`"
		}
		pad := ""
		if strings.HasPrefix(t, "`") || strings.HasSuffix(t, "`") {
			pad = " "
		}
		return fence + pad + t + pad + fence
	}
	inner := w.inlineKids(n)
	switch n.tag {
	case atom.Strong, atom.B:
		return wrapEmphasis(inner, "**")
	case atom.Em, atom.I, atom.Cite, atom.Dfn:
		return wrapEmphasis(inner, "*")
	case atom.Del, atom.S, atom.Strike:
		return wrapEmphasis(inner, "~~")
	case atom.A:
		href := resolveURL(w.base, n.attr("href"))
		t := strings.TrimSpace(collapseSpace(inner))
		if href == "" || strings.HasPrefix(href, "javascript:") {
			return inner
		}
		if t == "" {
			return inner
		}
		lead, trail := edgeSpace(inner)
		title := ""
		if tt := strings.TrimSpace(n.attr("title")); tt != "" {
			title = ` "` + strings.ReplaceAll(tt, `"`, `\"`) + `"`
		}
		return lead + "[" + t + "](" + escapeURL(href) + title + ")" + trail
	}
	if n.block {
		return " " + inner + " "
	}
	return inner
}

func (w *mdWriter) image(n *node) string {
	src := resolveURL(w.base, imageSource(n))
	if src == "" || strings.HasPrefix(src, "data:") {
		return ""
	}
	alt := strings.TrimSpace(collapseSpace(n.attr("alt")))
	alt = altEscaper.Replace(alt)
	return "![" + alt + "](" + escapeURL(src) + ")"
}

var altEscaper = strings.NewReplacer("[", `\[`, "]", `\]`)

// wrapEmphasis puts markers around the text but outside its edge spaces,
// since "** bold**" is not emphasis in CommonMark.
func wrapEmphasis(s, marker string) string {
	t := strings.TrimSpace(s)
	if t == "" {
		return s
	}
	lead, trail := edgeSpace(s)
	return lead + marker + t + marker + trail
}

func edgeSpace(s string) (lead, trail string) {
	if strings.HasPrefix(s, " ") || strings.HasPrefix(s, "\n") {
		lead = " "
	}
	if strings.HasSuffix(s, " ") || strings.HasSuffix(s, "\n") {
		trail = " "
	}
	return lead, trail
}

var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`, "<", `\<`, ">", `\>`, "#", `\#`, "|", `\|`,
)

// mdSpecial marks the ASCII bytes that make plainMarkdownText look
// closer: markdown syntax and whitespace other than a single space.
var mdSpecial = func() (t [256]bool) {
	for _, c := range "\\*_`[]<>#|\n\t\r\f" {
		t[c] = true
	}
	for i := 0x80; i < 256; i++ {
		t[i] = true
	}
	return t
}()

// plainMarkdownText reports text that escapeMarkdown(collapseSpace(s))
// would return unchanged, in one pass that only stops at rare bytes.
func plainMarkdownText(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !mdSpecial[c] {
			if c == ' ' && i+1 < len(s) && s[i+1] == ' ' {
				return false
			}
			continue
		}
		if c < utf8.RuneSelf {
			return false
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\u00a0' || r == '\u200b' || r == '\u00ad' || r == '\ufeff' || r == '\u2060':
			return false
		case r == utf8.RuneError && size == 1:
			return false
		}
		i += size - 1
	}
	return true
}

// escapeMarkdown escapes characters that would otherwise start markup.
// '#' is escaped everywhere (not only at line start) because text runs are
// joined after escaping and the line start is not known here.
func escapeMarkdown(s string) string {
	if !strings.ContainsAny(s, "\\*_`[]<>#|") {
		return s
	}
	return mdEscaper.Replace(s)
}

// urlEscaper keeps a URL inside markdown's (...) link syntax.
var urlEscaper = strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29")

func escapeURL(u string) string {
	if !strings.ContainsAny(u, " ()") {
		return u
	}
	return urlEscaper.Replace(u)
}
