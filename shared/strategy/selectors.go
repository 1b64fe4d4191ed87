package strategy

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"

	"github.com/andybalholm/cascadia"
	"github.com/antchfx/htmlquery"
	"github.com/antchfx/xpath"
	"golang.org/x/net/html"
)

// CSS builds the css strategy: CSS selectors (cascadia) on the parsed page.
func CSS() Definition {
	return Definition{
		Name:        "css",
		Description: "Fields from CSS selectors: text, HTML or an attribute of the first match or of every match (list), nested objects, typed values (number, integer, boolean, date, url) with per-field parse errors",
		Params:      selectorParamDocs("CSS selector"),
		New: func(params json.RawMessage) (Strategy, error) {
			s, err := newSelectorStrategy(params, compileCSS)
			if err != nil {
				return nil, err
			}
			return selectorRunner{s}, nil
		},
	}
}

// XPath builds the xpath strategy: XPath 1.0 (antchfx/htmlquery) on the
// parsed page. An expression may select elements, attributes (//a/@href)
// or compute a value (count(//li), string(//h1)).
func XPath() Definition {
	return Definition{
		Name:        "xpath",
		Description: "Fields from XPath 1.0 expressions (elements, attributes such as //a/@href, or values such as count(//li)); same field options as css",
		Params:      selectorParamDocs("XPath expression"),
		New: func(params json.RawMessage) (Strategy, error) {
			s, err := newSelectorStrategy(params, compileXPath)
			if err != nil {
				return nil, err
			}
			return selectorRunner{s}, nil
		},
	}
}

func selectorParamDocs(kind string) []Param {
	return []Param{
		{Name: "fields", Type: "object", Required: true, Description: "field name -> " + kind + " (string) or {selector, value: text|html|inner_html|attr:NAME, type: string|number|integer|boolean|date|url, list, fields (nested), required, date_order: dmy|mdy}"},
		{Name: "root", Type: "string", Description: "scope every field to the first match of this " + kind},
	}
}

type selectorRunner struct{ s *selectorStrategy }

func (r selectorRunner) Extract(ctx context.Context, in *Input) (*Output, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return r.s.extract(in), nil
}

type cssMatcher struct{ sel cascadia.Selector }

func compileCSS(expr string) (m matcher, err error) {
	defer recoverCompile(&err)
	sel, err := cascadia.Compile(expr)
	if err != nil {
		return nil, err
	}
	return cssMatcher{sel}, nil
}

func (m cssMatcher) all(n *html.Node) []*html.Node { return cascadia.QueryAll(n, m.sel) }

// xpathMatcher keeps compiled expressions in a pool: an xpath.Expr keeps
// evaluation state, so one must not serve two pages at once.
type xpathMatcher struct {
	expr string
	pool *sync.Pool
}

func compileXPath(expr string) (_ matcher, err error) {
	defer recoverCompile(&err)
	first, err := xpath.Compile(expr)
	if err != nil {
		return nil, err
	}
	m := xpathMatcher{expr: expr, pool: &sync.Pool{}}
	m.pool.Put(first)
	return m, nil
}

func (m xpathMatcher) all(n *html.Node) []*html.Node {
	e, _ := m.pool.Get().(*xpath.Expr)
	if e == nil {
		var err error
		if e, err = xpath.Compile(m.expr); err != nil {
			return nil // compiled once already: cannot fail now
		}
	}
	defer m.pool.Put(e)
	switch v := e.Evaluate(htmlquery.CreateXPathNavigator(n)).(type) {
	case *xpath.NodeIterator:
		var out []*html.Node
		for v.MoveNext() && len(out) <= maxListItems {
			nav, ok := v.Current().(*htmlquery.NodeNavigator)
			if !ok {
				continue
			}
			if nav.NodeType() == xpath.AttributeNode {
				// An attribute becomes an element holding its value as
				// text, so value "text" reads it (as htmlquery does).
				out = append(out, textElement(nav.LocalName(), nav.Value()))
				continue
			}
			out = append(out, nav.Current())
		}
		return out
	case string:
		return []*html.Node{textElement("value", v)}
	case float64:
		return []*html.Node{textElement("value", strconv.FormatFloat(v, 'f', -1, 64))}
	case bool:
		return []*html.Node{textElement("value", strconv.FormatBool(v))}
	case nil:
		return nil
	default:
		return []*html.Node{textElement("value", fmt.Sprint(v))}
	}
}

// recoverCompile turns a selector parser's panic on a hostile expression
// into a validation error.
func recoverCompile(err *error) {
	if v := recover(); v != nil {
		*err = fmt.Errorf("invalid expression (%v)", v)
	}
}

func textElement(name, text string) *html.Node {
	t := &html.Node{Type: html.TextNode, Data: text}
	return &html.Node{Type: html.ElementNode, Data: name, FirstChild: t, LastChild: t}
}
