package firecrawlapi

import (
	"fmt"
	"strings"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
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
			for _, n := range keep {
				body.AppendChild(n)
			}
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
