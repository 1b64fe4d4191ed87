package strategy

import (
	"github.com/riptidecrawler/riptide/shared/extract"

	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/riptidecrawler/riptide/shared/core"
)

// Structured data already on the page: JSON-LD, microdata and OpenGraph.
// Each strategy returns everything it found under one field (json_ld,
// microdata, opengraph) or, with params.fields, picks values by path so
// they merge with other strategies' fields in a chain.

// structuredParams are the params of jsonld, microdata and opengraph.
type structuredParams struct {
	// Types keeps only items of these types (schema.org names, with or
	// without the https://schema.org/ prefix). jsonld and microdata only.
	Types []string `json:"types,omitempty"`
	// Fields maps an output field to a dotted path into the first item
	// that has it ("offers.price", "author.name", "image[0]"; for
	// opengraph, the property: "og:title").
	Fields map[string]string `json:"fields,omitempty"`
}

func structuredParamDocs(pathHelp string) []Param {
	return []Param{
		{Name: "types", Type: "array", Description: "keep only items of these schema.org types (\"Product\", \"Article\")"},
		{Name: "fields", Type: "object", Description: "output field -> " + pathHelp + "; without it everything found is returned under one field"},
	}
}

// JSONLD builds the jsonld strategy.
func JSONLD() Definition {
	return Definition{
		Name:        "jsonld",
		Description: "JSON-LD blocks (<script type=application/ld+json>), @graph flattened; all items under json_ld, or fields picked by path",
		Params:      structuredParamDocs("dotted path into the first item that has it (\"offers.price\", \"author.name\")"),
		New: func(params json.RawMessage) (Strategy, error) {
			p, err := decodeStructured(params, true)
			return jsonldStrategy{p}, err
		},
	}
}

// Microdata builds the microdata strategy.
func Microdata() Definition {
	return Definition{
		Name:        "microdata",
		Description: "HTML microdata items (itemscope/itemprop, WHATWG algorithm): {type, id, properties} under microdata, or fields picked by path (\"offers.price\")",
		Params:      structuredParamDocs("dotted path into the first item's properties that has it (\"offers.price\")"),
		New: func(params json.RawMessage) (Strategy, error) {
			p, err := decodeStructured(params, true)
			return microdataStrategy{p}, err
		},
	}
}

// OpenGraph builds the opengraph strategy.
func OpenGraph() Definition {
	return Definition{
		Name:        "opengraph",
		Description: "OpenGraph, Twitter card and article:* meta tags: all under opengraph (property -> content), or fields picked by property",
		Params:      structuredParamDocs("meta property (\"og:title\", \"twitter:card\")")[1:],
		New: func(params json.RawMessage) (Strategy, error) {
			p, err := decodeStructured(params, false)
			return opengraphStrategy{p}, err
		},
	}
}

func decodeStructured(params json.RawMessage, typed bool) (structuredParams, error) {
	var p structuredParams
	if err := decodeParams(params, &p); err != nil {
		return p, err
	}
	if !typed && len(p.Types) > 0 {
		return p, core.Errorf(core.ErrValidation, "types: opengraph has no item types")
	}
	for name, path := range p.Fields {
		if name == "" || strings.TrimSpace(path) == "" {
			return p, core.Errorf(core.ErrValidation, "fields: names and paths must not be empty")
		}
	}
	return p, nil
}

type jsonldStrategy struct{ p structuredParams }

func (s jsonldStrategy) Extract(_ context.Context, in *Input) (*Output, error) {
	out := &Output{Fields: map[string]any{}}
	var items []any
	scripts := findAll(in.Page.Node(), func(n *html.Node) bool {
		if n.DataAtom != atom.Script {
			return false
		}
		t, _ := attr(n, "type")
		t, _, _ = strings.Cut(t, ";")
		return strings.EqualFold(strings.TrimSpace(t), "application/ld+json")
	})
	for i, sc := range scripts {
		var text strings.Builder
		for c := sc.FirstChild; c != nil; c = c.NextSibling {
			text.WriteString(c.Data)
		}
		var v any
		if err := json.Unmarshal([]byte(strings.TrimSpace(text.String())), &v); err != nil {
			out.Problems = append(out.Problems, Problem{Field: "json_ld", Kind: ProblemSource,
				Message: fmt.Sprintf("JSON-LD block %d is not valid JSON: %v", i+1, err), Value: truncate(text.String(), 200)})
			continue
		}
		items = appendLD(items, v)
	}
	items = filterTypes(items, s.p.Types, func(it any) []string {
		m, _ := it.(map[string]any)
		return extract.JSONLDTypes(m["@type"])
	})
	if len(s.p.Fields) == 0 {
		if items == nil {
			items = []any{}
		}
		out.Fields["json_ld"] = items
		return out, nil
	}
	pick(out, items, s.p.Fields)
	return out, nil
}

// appendLD adds the items of one JSON-LD value: arrays and @graph are
// flattened.
func appendLD(items []any, v any) []any {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			items = appendLD(items, e)
		}
	case map[string]any:
		if g, ok := x["@graph"]; ok {
			return appendLD(items, g)
		}
		items = append(items, x)
	}
	return items
}

// shortType strips a vocabulary prefix: "https://schema.org/Product" is
// "Product".
func shortType(t string) string {
	if i := strings.LastIndexAny(t, "/#"); i >= 0 {
		return t[i+1:]
	}
	return t
}

func filterTypes(items []any, want []string, types func(any) []string) []any {
	if len(want) == 0 {
		return items
	}
	var out []any
	for _, it := range items {
		for _, t := range types(it) {
			if containsFold(want, shortType(t)) {
				out = append(out, it)
				break
			}
		}
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(shortType(x), s) {
			return true
		}
	}
	return false
}

// pick sets each field to the value at its path in the first item that
// has a non-empty one; not found is null.
func pick(out *Output, items []any, fields map[string]string) {
	for name, path := range fields {
		out.Fields[name] = nil
		for _, it := range items {
			if v := at(it, path); !IsEmpty(v) {
				out.Fields[name] = v
				break
			}
		}
	}
}

// at follows a dotted path ("offers.price", "image[0]", "author.name")
// into JSON values; through an array without an index it takes the first
// element.
func at(v any, path string) any {
	for _, seg := range strings.Split(path, ".") {
		name, idx := seg, -1
		if i := strings.IndexByte(seg, '['); i >= 0 && strings.HasSuffix(seg, "]") {
			n, err := strconv.Atoi(seg[i+1 : len(seg)-1])
			if err != nil || n < 0 {
				return nil
			}
			name, idx = seg[:i], n
		}
		if name != "" {
			if a, ok := v.([]any); ok && len(a) > 0 {
				v = a[0]
			}
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[name]
		}
		if idx >= 0 {
			a, ok := v.([]any)
			if !ok || idx >= len(a) {
				return nil
			}
			v = a[idx]
		}
	}
	return v
}

type opengraphStrategy struct{ p structuredParams }

func (s opengraphStrategy) Extract(_ context.Context, in *Input) (*Output, error) {
	props := map[string]any{}
	for _, m := range findAll(in.Page.Node(), func(n *html.Node) bool { return n.DataAtom == atom.Meta }) {
		key, _ := attr(m, "property")
		if key == "" {
			key, _ = attr(m, "name")
		}
		key = strings.ToLower(strings.TrimSpace(key))
		if !strings.HasPrefix(key, "og:") && !strings.HasPrefix(key, "twitter:") && !strings.HasPrefix(key, "article:") &&
			!strings.HasPrefix(key, "product:") && !strings.HasPrefix(key, "fb:") {
			continue
		}
		content, ok := attr(m, "content")
		if !ok {
			continue
		}
		content = strings.TrimSpace(content)
		// Repeated properties (og:image, article:tag) become lists.
		switch cur := props[key].(type) {
		case nil:
			props[key] = content
		case string:
			props[key] = []any{cur, content}
		case []any:
			props[key] = append(cur, content)
		}
	}
	out := &Output{Fields: map[string]any{}}
	if len(s.p.Fields) == 0 {
		out.Fields["opengraph"] = props
		return out, nil
	}
	for name, key := range s.p.Fields {
		out.Fields[name] = props[strings.ToLower(key)]
	}
	return out, nil
}
