package strategy

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// nodeText is the visible text of a subtree with whitespace collapsed;
// block elements and <br> separate words, scripts and styles are skipped.
func nodeText(n *html.Node) string {
	var b strings.Builder
	writeText(&b, n, 0)
	return collapse(b.String())
}

// maxWalkDepth bounds recursion on adversarial trees (x/net/html caps
// nesting at 512 for most elements already).
const maxWalkDepth = 1024

func writeText(b *strings.Builder, n *html.Node, depth int) {
	if depth > maxWalkDepth {
		return
	}
	switch n.Type {
	case html.TextNode:
		b.WriteString(n.Data)
		return
	case html.CommentNode, html.DoctypeNode:
		return
	case html.ElementNode:
		switch n.DataAtom {
		case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Head:
			return
		case atom.Br:
			b.WriteByte('\n')
			return
		}
	}
	block := n.Type == html.ElementNode && isBlock(n.DataAtom)
	if block {
		b.WriteByte('\n')
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		writeText(b, c, depth+1)
	}
	if block {
		b.WriteByte('\n')
	}
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Dd, atom.Div, atom.Dl, atom.Dt,
		atom.Fieldset, atom.Figcaption, atom.Figure, atom.Footer, atom.Form, atom.H1, atom.H2, atom.H3,
		atom.H4, atom.H5, atom.H6, atom.Header, atom.Hr, atom.Li, atom.Main, atom.Nav, atom.Ol, atom.P,
		atom.Pre, atom.Section, atom.Table, atom.Tr, atom.Td, atom.Th, atom.Ul, atom.Body, atom.Option:
		return true
	}
	return false
}

// pageText is the visible text of the page with one line per block, the
// input of the regex strategy: a pattern sees "Call +1 650 253 0000" even
// when markup splits it, and never matches across paragraphs by accident.
func pageText(root *html.Node) string {
	var b strings.Builder
	writeText(&b, root, 0)
	lines := strings.Split(b.String(), "\n")
	out := lines[:0]
	for _, l := range lines {
		if l = collapse(l); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// collapse trims s and turns whitespace runs (no-break spaces included)
// into one space.
func collapse(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\n' || r == '\t' || r == '\r' || r == '\f' || r == '\u00a0' || r == '\u200b'
	}), " ")
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// renderHTML serialises a node (outer) or its children (inner).
func renderHTML(n *html.Node, inner bool) string {
	var b strings.Builder
	if !inner {
		_ = html.Render(&b, n)
		return b.String()
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		_ = html.Render(&b, c)
	}
	return b.String()
}

// findAll returns the elements of the subtree for which keep is true, in
// document order.
func findAll(n *html.Node, keep func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(n *html.Node, depth int)
	walk = func(n *html.Node, depth int) {
		if depth > maxWalkDepth {
			return
		}
		if n.Type == html.ElementNode && keep(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
	return out
}
