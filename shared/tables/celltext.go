package tables

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// readCell reads a td/th: its text without nested tables (they are tables
// of their own), the nested tables, and whether the text is one link.
func readCell(td *html.Node) *cell {
	c := &cell{n: td, header: td.DataAtom == atom.Th}
	c.text, c.nested = cellText(td)
	if c.text != "" {
		var linkText strings.Builder
		links := 0
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			for k := n.FirstChild; k != nil; k = k.NextSibling {
				if k.Type == html.ElementNode && k.DataAtom == atom.A && attr(k, "href") != "" {
					links++
					t, _ := cellText(k)
					linkText.WriteString(t)
					continue
				}
				if k.Type == html.ElementNode && k.DataAtom != atom.Table {
					walk(k)
				}
			}
		}
		walk(td)
		c.link = links == 1 && strings.Join(strings.Fields(linkText.String()), "") == strings.Join(strings.Fields(c.text), "")
	}
	return c
}

// bold reports whether all of the cell's text is inside b or strong (or
// the cell is a th, which browsers set in bold).
func (c *cell) bold() bool {
	if c.header {
		return true
	}
	var boldText strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for k := n.FirstChild; k != nil; k = k.NextSibling {
			if k.Type == html.ElementNode && (k.DataAtom == atom.B || k.DataAtom == atom.Strong) {
				t, _ := cellText(k)
				boldText.WriteString(t)
				continue
			}
			if k.Type == html.ElementNode {
				walk(k)
			}
		}
	}
	walk(c.n)
	return strings.Join(strings.Fields(boldText.String()), "") == strings.Join(strings.Fields(c.text), "")
}

// blockTags break lines inside a cell.
var blockTags = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Li: true, atom.Ul: true, atom.Ol: true, atom.H1: true, atom.H2: true,
	atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true, atom.Blockquote: true, atom.Pre: true,
	atom.Dd: true, atom.Dt: true, atom.Section: true, atom.Article: true, atom.Header: true, atom.Footer: true,
}

// cellText is the visible text of a cell: whitespace collapsed, <br> and
// block boundaries as line breaks, scripts, styles and hidden elements
// left out, and nested tables left out (and returned).
func cellText(n *html.Node) (string, []*html.Node) {
	var b strings.Builder
	var nested []*html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for k := n.FirstChild; k != nil; k = k.NextSibling {
			switch k.Type {
			case html.TextNode:
				// Source line breaks are spaces; only <br> and blocks break.
				b.WriteString(strings.ReplaceAll(k.Data, "\n", " "))
			case html.ElementNode:
				switch {
				case k.DataAtom == atom.Table:
					nested = append(nested, k)
				case k.DataAtom == atom.Script || k.DataAtom == atom.Style || k.DataAtom == atom.Template || hidden(k):
				case k.DataAtom == atom.Br:
					b.WriteString("\n")
				case blockTags[k.DataAtom]:
					b.WriteString("\n")
					walk(k)
					b.WriteString("\n")
				default:
					walk(k)
				}
			}
		}
	}
	walk(n)
	lines := strings.Split(b.String(), "\n")
	out := lines[:0]
	for _, l := range lines {
		if l = strings.Join(strings.Fields(strings.ReplaceAll(l, "\u00a0", " ")), " "); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n"), nested
}

// hidden: the hidden attribute, aria-hidden, or an inline display:none.
func hidden(n *html.Node) bool {
	for _, a := range n.Attr {
		switch a.Key {
		case "hidden":
			return true
		case "aria-hidden":
			if strings.EqualFold(strings.TrimSpace(a.Val), "true") {
				return true
			}
		case "style":
			s := strings.ReplaceAll(strings.ToLower(a.Val), " ", "")
			if strings.Contains(s, "display:none") || strings.Contains(s, "visibility:hidden") {
				return true
			}
		}
	}
	return false
}
