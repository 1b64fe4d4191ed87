package strategy

import (
	"github.com/riptidecrawler/riptide/shared/extract"

	"context"
	"net/url"
	"sort"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Microdata follows the WHATWG algorithm ("HTML microdata", §5.2): the
// top-level items are the itemscope elements without itemprop; an item's
// properties are found below it (not inside nested items) and through
// itemref; each value depends on the element (meta content, img src, a
// href, time datetime, data/meter value, else text). The output is the
// spec's JSON form: {type, id, properties: {name: [values]}}.

type microdataStrategy struct{ p structuredParams }

func (s microdataStrategy) Extract(_ context.Context, in *Input) (*Output, error) {
	root := in.Page.Node()
	byID := map[string]*html.Node{}
	for _, n := range findAll(root, func(n *html.Node) bool { _, ok := attr(n, "id"); return ok }) {
		id, _ := attr(n, "id")
		if _, dup := byID[id]; !dup {
			byID[id] = n
		}
	}
	r := microdataReader{base: in.Page.Base, byID: byID, pos: treeOrder(root)}
	var items []any
	for _, n := range findAll(root, func(n *html.Node) bool {
		_, scope := attr(n, "itemscope")
		_, prop := attr(n, "itemprop")
		return scope && !prop
	}) {
		items = append(items, r.item(n, map[*html.Node]bool{}))
	}
	items = filterTypes(items, s.p.Types, func(it any) []string {
		m, _ := it.(map[string]any)
		return extract.JSONLDTypes(m["type"])
	})
	out := &Output{Fields: map[string]any{}}
	if len(s.p.Fields) == 0 {
		if items == nil {
			items = []any{}
		}
		out.Fields["microdata"] = items
		return out, nil
	}
	flat := make([]any, len(items))
	for i, it := range items {
		flat[i] = flatten(it)
	}
	pick(out, flat, s.p.Fields)
	for name, v := range out.Fields {
		if a, ok := v.([]any); ok && len(a) == 1 {
			out.Fields[name] = a[0]
		}
	}
	return out, nil
}

// flatten turns an item into its properties, nested items included, so
// paths read "offers.price" instead of "properties.offers.properties.price".
func flatten(v any) any {
	switch x := v.(type) {
	case map[string]any:
		props, ok := x["properties"].(map[string]any)
		if !ok {
			return x
		}
		out := make(map[string]any, len(props)+1)
		for k, vals := range props {
			list, _ := vals.([]any)
			fl := make([]any, len(list))
			for i, e := range list {
				fl[i] = flatten(e)
			}
			out[k] = fl
		}
		if t, ok := x["type"]; ok {
			out["@type"] = t
		}
		return out
	}
	return v
}

type microdataReader struct {
	base *url.URL
	byID map[string]*html.Node
	pos  map[*html.Node]int // document order of every node
}

// maxItemDepth bounds nested items (and itemref cycles).
const maxItemDepth = 32

func (r microdataReader) item(n *html.Node, active map[*html.Node]bool) map[string]any {
	it := map[string]any{}
	if t, ok := attr(n, "itemtype"); ok && strings.TrimSpace(t) != "" {
		types := []any{}
		for _, f := range strings.Fields(t) {
			types = append(types, f)
		}
		it["type"] = types
	}
	if id, ok := attr(n, "itemid"); ok && strings.TrimSpace(id) != "" {
		if v, err := parseURL(id, r.base); err == nil {
			it["id"] = v
		} else {
			it["id"] = strings.TrimSpace(id)
		}
	}
	props := map[string]any{}
	it["properties"] = props
	if active[n] || len(active) >= maxItemDepth {
		return it
	}
	active[n] = true
	defer delete(active, n)
	for _, p := range r.properties(n) {
		names, _ := attr(p, "itemprop")
		var v any
		if _, scope := attr(p, "itemscope"); scope {
			if active[p] {
				v = "ERROR" // the spec's value for an item that contains itself
			} else {
				v = r.item(p, active)
			}
		} else {
			v = r.value(p)
		}
		for _, name := range strings.Fields(names) {
			list, _ := props[name].([]any)
			props[name] = append(list, v)
		}
	}
	return it
}

// properties returns the property elements of an item in tree order.
func (r microdataReader) properties(root *html.Node) []*html.Node {
	var pending []*html.Node
	for c := root.FirstChild; c != nil; c = c.NextSibling {
		pending = append(pending, c)
	}
	if refs, ok := attr(root, "itemref"); ok {
		for _, id := range strings.Fields(refs) {
			if n, ok := r.byID[id]; ok {
				pending = append(pending, n)
			}
		}
	}
	seen := map[*html.Node]bool{}
	var found []*html.Node
	for len(pending) > 0 && len(seen) < 100_000 {
		n := pending[len(pending)-1]
		pending = pending[:len(pending)-1]
		if seen[n] || n == root {
			continue
		}
		seen[n] = true
		if n.Type != html.ElementNode {
			continue
		}
		if _, scope := attr(n, "itemscope"); !scope {
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				pending = append(pending, c)
			}
		}
		if _, prop := attr(n, "itemprop"); prop {
			found = append(found, n)
		}
	}
	sort.Slice(found, func(a, b int) bool { return r.pos[found[a]] < r.pos[found[b]] })
	return found
}

// treeOrder numbers the nodes of the document in order.
func treeOrder(top *html.Node) map[*html.Node]int {
	pos := map[*html.Node]int{}
	var walk func(n *html.Node, depth int)
	walk = func(n *html.Node, depth int) {
		if depth > maxWalkDepth {
			return
		}
		pos[n] = len(pos)
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, depth+1)
		}
	}
	walk(top, 0)
	return pos
}

// value is a property element's value (WHATWG "property value").
func (r microdataReader) value(n *html.Node) any {
	url := func(key string) any {
		v, _ := attr(n, key)
		if u, err := parseURL(v, r.base); err == nil {
			return u
		}
		return strings.TrimSpace(v)
	}
	switch n.DataAtom {
	case atom.Meta:
		v, _ := attr(n, "content")
		return v
	case atom.Audio, atom.Embed, atom.Iframe, atom.Img, atom.Source, atom.Track, atom.Video:
		return url("src")
	case atom.A, atom.Area, atom.Link:
		return url("href")
	case atom.Object:
		return url("data")
	case atom.Data, atom.Meter:
		v, _ := attr(n, "value")
		return v
	case atom.Time:
		if v, ok := attr(n, "datetime"); ok {
			return v
		}
	}
	return nodeText(n)
}
