package strategy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"golang.org/x/net/html"

	"github.com/riptidecrawler/riptide/shared/core"
)

// FieldSpec is one field of the css and xpath strategies. In JSON it is
// either a selector string (the text of the first match) or an object.
type FieldSpec struct {
	Selector string `json:"selector"`
	// Value says what to take from a match: "text" (default: visible text,
	// whitespace collapsed), "html" (outer HTML), "inner_html", or
	// "attr:NAME".
	Value string `json:"value,omitempty"`
	// Type converts the value: string (default), number, integer, boolean,
	// date, url. A value that does not convert is null in the data and a
	// parse_error problem with the raw text.
	Type string `json:"type,omitempty"`
	// List takes every match (an array) instead of the first.
	List bool `json:"list,omitempty"`
	// Fields makes the field an object (or, with List, an array of
	// objects) whose fields are selected inside each match.
	Fields map[string]*FieldSpec `json:"fields,omitempty"`
	// Required reports a missing problem when nothing is found.
	Required bool `json:"required,omitempty"`
	// DateOrder reads ambiguous numeric dates (03/04/2024): "dmy"
	// (default) or "mdy".
	DateOrder string `json:"date_order,omitempty"`
}

// UnmarshalJSON accepts a selector string or an object (strictly).
func (f *FieldSpec) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &f.Selector)
	}
	type plain FieldSpec
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var p plain
	if err := dec.Decode(&p); err != nil {
		return err
	}
	*f = FieldSpec(p)
	return nil
}

// selectorParams are the params of css and xpath.
type selectorParams struct {
	Fields map[string]*FieldSpec `json:"fields"`
	// Root scopes every field to the first match of this selector.
	Root string `json:"root,omitempty"`
}

// matcher finds the matches of one compiled selector below a node.
type matcher interface {
	all(n *html.Node) []*html.Node
}

// compileMatcher compiles a selector expression of one language.
type compileMatcher func(expr string) (matcher, error)

type valueKind int

const (
	valueText valueKind = iota
	valueHTML
	valueInnerHTML
	valueAttr
)

type field struct {
	name     string
	m        matcher
	kind     valueKind
	attr     string
	typ      string
	list     bool
	required bool
	dmy      bool
	kids     []*field
}

// maxFields and maxListItems bound what one request can make the server
// build for one page.
const (
	maxFields    = 500
	maxListItems = 10_000
	maxDepth     = 8
)

var fieldTypes = []string{"string", "number", "integer", "boolean", "date", "url"}

// compileFields validates and compiles a field map (sorted by name, so
// output and problems come in a stable order).
func compileFields(specs map[string]*FieldSpec, compile compileMatcher, path string, depth int, count *int) ([]*field, error) {
	if depth > maxDepth {
		return nil, core.Errorf(core.ErrValidation, "%s: fields nest more than %d deep", path, maxDepth)
	}
	names := make([]string, 0, len(specs))
	for n := range specs {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []*field
	for _, name := range names {
		spec := specs[name]
		p := path + "." + name
		if name == "" {
			return nil, core.Errorf(core.ErrValidation, "%s: a field name must not be empty", path)
		}
		if *count++; *count > maxFields {
			return nil, core.Errorf(core.ErrValidation, "%s: more than %d fields", path, maxFields)
		}
		if spec == nil || strings.TrimSpace(spec.Selector) == "" {
			return nil, core.Errorf(core.ErrValidation, "%s.selector: required", p)
		}
		m, err := compile(spec.Selector)
		if err != nil {
			return nil, core.Errorf(core.ErrValidation, "%s.selector: %q: %v", p, spec.Selector, err)
		}
		f := &field{name: name, m: m, list: spec.List, required: spec.Required, typ: spec.Type}
		switch v := spec.Value; {
		case v == "" || v == "text":
			f.kind = valueText
		case v == "html":
			f.kind = valueHTML
		case v == "inner_html":
			f.kind = valueInnerHTML
		case strings.HasPrefix(v, "attr:") && len(v) > len("attr:"):
			f.kind, f.attr = valueAttr, strings.ToLower(strings.TrimPrefix(v, "attr:"))
		default:
			return nil, core.Errorf(core.ErrValidation, "%s.value: %q is not text, html, inner_html or attr:NAME", p, v)
		}
		if f.typ == "" {
			f.typ = "string"
		}
		if !contains(fieldTypes, f.typ) {
			return nil, core.Errorf(core.ErrValidation, "%s.type: %q is not one of %s", p, f.typ, strings.Join(fieldTypes, ", "))
		}
		switch spec.DateOrder {
		case "", "dmy":
			f.dmy = true
		case "mdy":
		default:
			return nil, core.Errorf(core.ErrValidation, "%s.date_order: must be dmy or mdy", p)
		}
		if len(spec.Fields) > 0 {
			if spec.Value != "" || spec.Type != "" {
				return nil, core.Errorf(core.ErrValidation, "%s: a field with fields is an object; value and type belong to its fields", p)
			}
			if f.kids, err = compileFields(spec.Fields, compile, p+".fields", depth+1, count); err != nil {
				return nil, err
			}
		}
		out = append(out, f)
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// selectorStrategy is css or xpath: the same field language over a
// different selector engine.
type selectorStrategy struct {
	root   matcher
	fields []*field
}

func newSelectorStrategy(params json.RawMessage, compile compileMatcher) (*selectorStrategy, error) {
	var p selectorParams
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	if len(p.Fields) == 0 {
		return nil, core.Errorf(core.ErrValidation, "fields: at least one field is required")
	}
	s := &selectorStrategy{}
	if p.Root != "" {
		m, err := compile(p.Root)
		if err != nil {
			return nil, core.Errorf(core.ErrValidation, "root: %q: %v", p.Root, err)
		}
		s.root = m
	}
	count := 0
	fields, err := compileFields(p.Fields, compile, "fields", 0, &count)
	if err != nil {
		return nil, err
	}
	s.fields = fields
	return s, nil
}

// decodeParams decodes a step's params strictly (an unknown parameter is
// a validation error naming it).
func decodeParams(raw json.RawMessage, dst any) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return core.Errorf(core.ErrValidation, "%s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

func (s *selectorStrategy) extract(in *Input) *Output {
	root := in.Page.Node()
	out := &Output{Fields: map[string]any{}}
	if s.root != nil {
		ms := s.root.all(root)
		if len(ms) == 0 {
			out.Problems = append(out.Problems, Problem{Kind: ProblemMissing, Message: "root selector matched nothing"})
			for _, f := range s.fields {
				out.Fields[f.name] = nil
			}
			return out
		}
		root = ms[0]
	}
	x := &fieldReader{base: in.Page.Base, out: out}
	for _, f := range s.fields {
		out.Fields[f.name] = x.read(f, root, f.name)
	}
	return out
}

type fieldReader struct {
	base *url.URL
	out  *Output
}

func (x *fieldReader) problem(kind, path, msg, value string) {
	x.out.Problems = append(x.out.Problems, Problem{Field: path, Kind: kind, Message: msg, Value: truncate(value, 200)})
}

// read evaluates one field below n; path names it in problems.
func (x *fieldReader) read(f *field, n *html.Node, path string) any {
	matches := f.m.all(n)
	if !f.list {
		if len(matches) == 0 {
			if f.required {
				x.problem(ProblemMissing, path, "selector matched nothing", "")
			}
			return nil
		}
		v := x.one(f, matches[0], path)
		if f.required && IsEmpty(v) {
			x.problem(ProblemMissing, path, "the match is empty", "")
		}
		return v
	}
	if len(matches) > maxListItems {
		x.problem(ProblemParse, path, fmt.Sprintf("%d matches; the first %d are kept", len(matches), maxListItems), "")
		matches = matches[:maxListItems]
	}
	list := make([]any, 0, len(matches))
	for i, m := range matches {
		list = append(list, x.one(f, m, fmt.Sprintf("%s[%d]", path, i)))
	}
	if f.required && len(list) == 0 {
		x.problem(ProblemMissing, path, "selector matched nothing", "")
	}
	return list
}

// one reads a single match: a nested object or a typed value.
func (x *fieldReader) one(f *field, n *html.Node, path string) any {
	if len(f.kids) > 0 {
		obj := make(map[string]any, len(f.kids))
		for _, k := range f.kids {
			obj[k.name] = x.read(k, n, path+"."+k.name)
		}
		return obj
	}
	var raw string
	switch f.kind {
	case valueText:
		raw = nodeText(n)
		// <time datetime> is the machine-readable form of its text.
		if f.typ == "date" && n.Type == html.ElementNode && n.Data == "time" {
			if dt, ok := attr(n, "datetime"); ok && strings.TrimSpace(dt) != "" {
				raw = dt
			}
		}
	case valueHTML:
		raw = renderHTML(n, false)
	case valueInnerHTML:
		raw = renderHTML(n, true)
	case valueAttr:
		var ok bool
		if raw, ok = attr(n, f.attr); !ok {
			return nil
		}
		raw = strings.TrimSpace(raw)
	}
	if raw == "" {
		return nil
	}
	v, err := convert(raw, f.typ, x.base, f.dmy)
	if err != nil {
		x.problem(ProblemParse, path, err.Error(), raw)
		return nil
	}
	return v
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && (s[n]&0xC0) == 0x80 {
		n--
	}
	return s[:n] + "…"
}
