package routes

import (
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Schemas are the JSON Schemas of request and response bodies, contributed
// by the endpoint groups (each group's Schemas func, registered in
// cmd/riptide/openapi.go) and derived from their Go types, so the document
// follows the code. Build them with NewSchemas and its methods; the maps
// may also be filled directly.
type Schemas struct {
	Components map[string]any    // component name -> JSON Schema
	Bodies     map[string]string // operation id -> request body component
	// Responses names the component of each operation's successful answer
	// (the route's SuccessStatus, JSON media type).
	Responses map[string]string
	// Statuses names the bodies of other answers that are not the unified
	// error: the 202 of an async form, the 503 of a health report.
	Statuses map[string]map[int]string
	// Lines are the components of a stream's NDJSON lines or SSE events,
	// each an object whose "type" names it (metadata, result, progress,
	// error, summary); for a data export, the one row schema.
	Lines map[string][]string

	gen   *schemaGen
	names map[reflect.Type]string
	// owners is the type behind each generated component name.
	owners map[string]reflect.Type
	defs   map[reflect.Type]map[string]any
	err    error
}

// NewSchemas starts a group's schemas.
func NewSchemas() *Schemas {
	s := &Schemas{Components: map[string]any{}, Bodies: map[string]string{}, Responses: map[string]string{},
		Statuses: map[string]map[int]string{}, Lines: map[string][]string{},
		names: map[reflect.Type]string{}, defs: map[reflect.Type]map[string]any{}}
	s.gen = &schemaGen{enums: map[reflect.Type][]string{}}
	s.gen.ref = s.ref
	return s
}

// Enum lists the values of a string type that does not implement Enum.
func (s *Schemas) Enum(t reflect.Type, values ...string) *Schemas {
	s.gen.enums[t] = values
	return s
}

// Name gives the component of v's type a name of the group's choosing
// (the default is derived from the package and type: "PipelineResult").
func (s *Schemas) Name(v any, name string) *Schemas {
	s.names[reflect.TypeOf(v)] = name
	return s
}

// Define sets the schema of v's type, for a type with its own JSON
// encoding (a MarshalJSON the reflection cannot see through).
func (s *Schemas) Define(v any, schema map[string]any) *Schemas {
	s.defs[reflect.TypeOf(v)] = schema
	return s
}

// Body declares the request body of op: v's type, decoded strictly, with
// the fields the handler requires.
func (s *Schemas) Body(op string, v any, required ...string) *Schemas {
	t := deref(reflect.TypeOf(v))
	g := *s.gen
	g.input = true
	sc := g.object(t, map[reflect.Type]bool{})
	if len(required) > 0 {
		sc["required"] = required
	}
	s.Bodies[op] = s.unique(s.baseName(t), s.baseName(t)+"Input", sc)
	return s
}

// Response declares the successful answer of op.
func (s *Schemas) Response(op string, v any) *Schemas {
	s.Responses[op] = s.component(reflect.TypeOf(v), false)
	return s
}

// ResponseSchema declares the successful answer of op with an explicit
// schema, stored as component name (a body no Go type describes).
func (s *Schemas) ResponseSchema(op, name string, schema map[string]any) *Schemas {
	s.Responses[op] = s.unique(name, name+"Response", schema)
	return s
}

// Status declares another answer of op whose body is v's type.
func (s *Schemas) Status(op string, status int, v any) *Schemas {
	if s.Statuses[op] == nil {
		s.Statuses[op] = map[int]string{}
	}
	s.Statuses[op][status] = s.component(reflect.TypeOf(v), false)
	return s
}

// Component returns the name of v's type's output component, generating
// it: for schemas a group composes itself.
func (s *Schemas) Component(v any) string { return s.component(reflect.TypeOf(v), false) }

// Line declares one kind of line (or SSE event) of a stream operation:
// v's type, whose "type" field is always kind.
func (s *Schemas) Line(op, kind string, v any) *Schemas {
	t := deref(reflect.TypeOf(v))
	return s.LineSchema(op, kind, s.baseName(t), s.Object(v))
}

// LineSchema declares a line kind with an explicit schema (an object
// whose "type" property is set to kind), stored as component name.
func (s *Schemas) LineSchema(op, kind, name string, sc map[string]any) *Schemas {
	props := maps.Clone(sc["properties"].(map[string]any))
	props["type"] = map[string]any{"type": "string", "const": kind}
	sc = maps.Clone(sc)
	sc["properties"] = props
	req, _ := sc["required"].([]string)
	if !slices.Contains(req, "type") {
		sc["required"] = append(slices.Clone(req), "type")
	}
	s.Lines[op] = append(s.Lines[op], s.unique(name, name+strings.ToUpper(kind[:1])+kind[1:], sc))
	return s
}

// Rows declares the lines of a data export (NDJSON whose lines are
// records, not typed events): every line is schema, stored as name.
func (s *Schemas) Rows(op, name string, schema map[string]any) *Schemas {
	s.Lines[op] = []string{s.unique(name, name+"Row", schema)}
	return s
}

// Object is the output schema of v's struct type, its named field types
// referred to as components: a base for a schema the group adjusts.
func (s *Schemas) Object(v any) map[string]any {
	g := *s.gen
	g.input = false
	return g.object(deref(reflect.TypeOf(v)), map[reflect.Type]bool{})
}

// Err reports a conflict met while building (two types under one name).
func (s *Schemas) Err() error { return s.err }

// Build returns the finished schemas.
func (s *Schemas) Build() Schemas { return *s }

// component returns the name of t's component, generating it (and the
// components it refers to) on first use.
func (s *Schemas) component(t reflect.Type, input bool) string {
	ref := s.ref(t, input)["$ref"].(string)
	return ref[len("#/components/schemas/"):]
}

// ref is the reference to t's component in the given mode. A type whose
// input schema differs from its output schema (it has fields the output
// always carries) gets a second component for requests, suffixed Input.
func (s *Schemas) ref(t reflect.Type, input bool) map[string]any {
	t = deref(t)
	name := s.ownName(t)
	if input && s.differs(t, map[reflect.Type]bool{}) {
		name += "Input"
	}
	if _, done := s.Components[name]; !done {
		if def, ok := s.defs[t]; ok {
			s.Components[name] = def
		} else {
			s.Components[name] = map[string]any{} // placeholder: a recursive type refers to itself
			g := *s.gen
			g.input = input
			s.Components[name] = g.object(t, map[reflect.Type]bool{})
		}
	}
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

// ownName is the component name of t, distinct from every other type's:
// two types with one derived name (renderapi.Artifacts, the answer's, and
// render.Artifacts, the request's) must not share a component, so the
// second one met gets a name qualified by its package.
func (s *Schemas) ownName(t reflect.Type) string {
	if s.owners == nil {
		s.owners = map[string]reflect.Type{}
	}
	name := s.baseName(t)
	for i := 1; ; i++ {
		owner, taken := s.owners[name]
		if !taken || owner == t {
			s.owners[name] = t
			return name
		}
		switch pkg := path.Base(t.PkgPath()); {
		case i == 1 && strings.HasSuffix(pkg, "api"):
			name = strings.ToUpper(pkg[:1]) + strings.TrimSuffix(pkg[1:], "api") + "API" + t.Name()
		default:
			name = fmt.Sprintf("%s%d", s.baseName(t), i+1)
		}
	}
}

func (s *Schemas) baseName(t reflect.Type) string {
	if name, ok := s.names[t]; ok {
		return name
	}
	return componentName(t)
}

// differs reports whether t's input schema differs from its output one.
func (s *Schemas) differs(t reflect.Type, seen map[reflect.Type]bool) bool {
	t = deref(t)
	if seen[t] || t.Kind() != reflect.Struct || t == timeType {
		return false
	}
	if _, ok := s.defs[t]; ok {
		return false
	}
	seen[t] = true
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			if f.Type.Kind() != reflect.Pointer && s.differs(f.Type, seen) {
				return true
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if !hasOpt(opts, "omitempty") && !hasOpt(opts, "omitzero") {
			return true
		}
		if s.differs(elemStruct(f.Type), seen) {
			return true
		}
	}
	return false
}

// elemStruct is the struct type inside pointers, slices and maps.
func elemStruct(t reflect.Type) reflect.Type {
	for {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
			t = t.Elem()
		default:
			return t
		}
	}
}

// unique stores sc under name, or under alt, alt2, alt3... when another
// schema holds name.
func (s *Schemas) unique(name, alt string, sc map[string]any) string {
	for i := 0; ; i++ {
		n := name
		switch {
		case i == 1:
			n = alt
		case i > 1:
			n = fmt.Sprintf("%s%d", alt, i)
		}
		old, taken := s.Components[n]
		if !taken || sameJSON(old, sc) {
			s.Components[n] = sc
			return n
		}
	}
}

// Merge adds o's entries to s. Two groups may generate the same component
// (both use pipeline.Result); a name holding two different schemas is a
// conflict, reported by MergeErr.
func (s *Schemas) Merge(o Schemas) {
	if s.Components == nil {
		s.Components, s.Bodies, s.Responses = map[string]any{}, map[string]string{}, map[string]string{}
	}
	if s.Statuses == nil {
		s.Statuses, s.Lines = map[string]map[int]string{}, map[string][]string{}
	}
	for k, v := range o.Components {
		if old, ok := s.Components[k]; ok && !sameJSON(old, v) && s.err == nil {
			s.err = fmt.Errorf("component %s is defined twice with different schemas", k)
		}
		s.Components[k] = v
	}
	maps.Copy(s.Bodies, o.Bodies)
	maps.Copy(s.Responses, o.Responses)
	for op, m := range o.Statuses {
		if s.Statuses[op] == nil {
			s.Statuses[op] = map[int]string{}
		}
		maps.Copy(s.Statuses[op], m)
	}
	for op, l := range o.Lines {
		s.Lines[op] = slices.Clone(l)
	}
	if o.err != nil && s.err == nil {
		s.err = o.err
	}
}

func sameJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

// Missing lists, one line per gap, the ready operations whose request or
// answer bodies s does not describe: a body without a Body schema, a JSON
// answer without a Response, a stream without Lines, an async form without
// its 202 body. A group added to the route table shows up here until its
// Schemas func is registered (cmd/riptide/openapi.go).
func (s Schemas) Missing() []string {
	var out []string
	for _, r := range routes {
		if r.Status != Ready {
			continue
		}
		if r.Body != NoBody {
			if _, ok := s.Bodies[r.Op]; !ok {
				out = append(out, r.Op+": request body (Schemas.Body)")
			}
		}
		if st := r.SuccessStatus(); st == 101 || st == 204 {
			continue
		}
		for _, mt := range r.Media() {
			switch mt {
			case JSON:
				if _, ok := s.Responses[r.Op]; !ok {
					out = append(out, r.Op+": "+strconv.Itoa(r.SuccessStatus())+" application/json answer (Schemas.Response)")
				}
			case NDJSON, SSE:
				if len(s.Lines[r.Op]) == 0 {
					out = append(out, r.Op+": "+mt+" lines (Schemas.Line or Rows)")
				}
			}
		}
		if _, ok := s.Statuses[r.Op][202]; r.Async && !ok {
			out = append(out, r.Op+": 202 answer (Schemas.Status)")
		}
	}
	return out
}
