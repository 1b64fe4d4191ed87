package firecrawlapi

import (
	"fmt"
	"strings"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// filterTags applies Firecrawl's includeTags and excludeTags (CSS
// selectors) to a page: excluded elements are removed, then, with any
// include selector, the body keeps only the matching elements, in
// document order. The head stays, so metadata is still read.
func filterTags(page string, include, exclude []string) (string, error) {
	incl, err := compileSelectors("includeTags", include)
	if err != nil {
		return "", err
	}
	excl, err := compileSelectors("excludeTags", exclude)
	if err != nil {
		return "", err
	}
	root, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return "", fmt.Errorf("parse the page for includeTags/excludeTags: %w", err)
	}
	for _, sel := range excl {
		for _, n := range cascadia.QueryAll(root, sel) {
			if n.Parent != nil {
				n.Parent.RemoveChild(n)
			}
		}
	}
	if len(incl) > 0 {
		body := cascadia.Query(root, cascadia.MustCompile("body"))
		if body != nil {
			var keep []*html.Node
			for _, n := range cascadia.QueryAll(body, union(incl)) {
				if !hasAncestorIn(n, keep) {
					keep = append(keep, n)
				}
			}
			for _, n := range keep {
				n.Parent.RemoveChild(n)
			}
			for c := body.FirstChild; c != nil; c = body.FirstChild {
				body.RemoveChild(c)
			}
			// What the caller included is the content: one article, so
			// the main-content pass keeps all of it (an included aside or
			// nav would otherwise be dropped as boilerplate).
			article := &html.Node{Type: html.ElementNode, Data: "article", DataAtom: atom.Article}
			for _, n := range keep {
				neutralise(n)
				article.AppendChild(n)
			}
			body.AppendChild(article)
		}
	}
	var b strings.Builder
	if err := html.Render(&b, root); err != nil {
		return "", fmt.Errorf("render the filtered page: %w", err)
	}
	return b.String(), nil
}

func compileSelectors(field string, sels []string) ([]cascadia.Sel, error) {
	out := make([]cascadia.Sel, 0, len(sels))
	for i, s := range sels {
		sel, err := cascadia.Parse(s)
		if err != nil {
			return nil, refuse(fmt.Sprintf("%s[%d]", field, i), "invalid CSS selector %q: %v", s, err)
		}
		out = append(out, sel)
	}
	return out, nil
}

// union matches a node any of sels matches.
type union []cascadia.Sel

func (u union) Match(n *html.Node) bool {
	for _, s := range u {
		if s.Match(n) {
			return true
		}
	}
	return false
}

// neutralise renames sectioning elements the extractor treats as
// boilerplate or as separate content regions to div, and drops the
// class and id hints that would mark them as such.
func neutralise(n *html.Node) {
	if n.Type == html.ElementNode {
		switch n.DataAtom {
		case atom.Article, atom.Main, atom.Aside, atom.Nav, atom.Header, atom.Footer, atom.Section:
			n.Data, n.DataAtom = "div", atom.Div
		}
		attrs := n.Attr[:0]
		for _, a := range n.Attr {
			if a.Key != "class" && a.Key != "id" && a.Key != "role" {
				attrs = append(attrs, a)
			}
		}
		n.Attr = attrs
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		neutralise(c)
	}
}

func hasAncestorIn(n *html.Node, set []*html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		for _, s := range set {
			if s == p {
				return true
			}
		}
	}
	return false
}
