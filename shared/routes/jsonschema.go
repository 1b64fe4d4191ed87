package routes

import (
	"encoding"
	"encoding/json"
	"path"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode"
)

var (
	timeType      = reflect.TypeFor[time.Time]()
	rawType       = reflect.TypeFor[json.RawMessage]()
	marshalerType = reflect.TypeFor[json.Marshaler]()
	textType      = reflect.TypeFor[encoding.TextMarshaler]()
	enumType      = reflect.TypeFor[Enum]()
)

// Enum is implemented by string types with a closed set of values (enums
// are lowercase snake_case strings, api.md): the schema of such a type
// lists them, wherever the type appears.
type Enum interface {
	EnumValues() []string
}

// SchemaOf is the JSON Schema of a Go type as encoding/json writes it,
// every type inlined. enums name the values of string types (besides
// those implementing Enum); strict schemas (request bodies, decoded
// strictly) forbid unknown properties. Groups normally use a Schemas
// builder instead, which refers to named types as components.
func SchemaOf(t reflect.Type, enums map[reflect.Type][]string, strict bool) map[string]any {
	g := &schemaGen{enums: enums, input: strict, inline: true}
	return g.schema(t, map[reflect.Type]bool{})
}

// schemaGen turns Go types into JSON Schema. In input mode (request
// bodies) nothing is required by the type alone (a handler says which
// fields it needs); in output mode every field encoding/json always
// writes (no omitempty) is required, and a pointer written as null is
// nullable. Named struct types become components through ref, unless
// inline is set. A field tagged jsonschema:"-" is stored with its value
// but cleared before any response (a job's owner): it is left out.
type schemaGen struct {
	enums  map[reflect.Type][]string
	input  bool
	inline bool
	ref    func(t reflect.Type, input bool) map[string]any
}

func (g *schemaGen) schema(t reflect.Type, open map[reflect.Type]bool) map[string]any {
	if vals, ok := g.enums[t]; ok {
		return map[string]any{"type": "string", "enum": vals}
	}
	if t.Implements(enumType) && t.Kind() == reflect.String {
		return map[string]any{"type": "string", "enum": reflect.Zero(t).Interface().(Enum).EnumValues()}
	}
	switch t {
	case timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case rawType:
		return map[string]any{}
	}
	if t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface {
		if t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType) {
			// A custom encoding the type system cannot see: the group
			// describes it with Schemas.Define.
			return map[string]any{}
		}
		if t.Implements(textType) {
			return map[string]any{"type": "string"}
		}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.schema(t.Elem(), open)
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && t.Kind() == reflect.Slice {
			return map[string]any{"type": "string", "contentEncoding": "base64"}
		}
		return map[string]any{"type": "array", "items": g.schema(t.Elem(), open)}
	case reflect.Map:
		m := map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem(), open)}
		if k := t.Key(); k.Implements(enumType) && k.Kind() == reflect.String {
			m["propertyNames"] = map[string]any{"enum": reflect.Zero(k).Interface().(Enum).EnumValues()}
		}
		return m
	case reflect.Struct:
		if t.Name() != "" && !g.inline && g.ref != nil {
			return g.ref(t, g.input)
		}
		return g.object(t, open)
	}
	return map[string]any{}
}

// object is the schema of a struct type's fields, as encoding/json
// writes them: fields of embedded structs are promoted unless the outer
// struct has a field of the same name.
func (g *schemaGen) object(t reflect.Type, open map[reflect.Type]bool) map[string]any {
	if open[t] {
		return map[string]any{"type": "object"}
	}
	open[t] = true
	defer delete(open, t)
	props := map[string]any{}
	var required []string
	var embedded []reflect.StructField
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if tag == "-" || f.Tag.Get("jsonschema") == "-" {
			continue // jsonschema:"-": stored with the value, never in a response
		}
		if f.Anonymous && name == "" && derefKind(f.Type) == reflect.Struct {
			embedded = append(embedded, f)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		omit := hasOpt(opts, "omitempty") || hasOpt(opts, "omitzero")
		fs := g.schema(f.Type, open)
		if hasOpt(opts, "string") {
			fs = map[string]any{"type": "string"}
		}
		if !g.input && !omit && nullable(f) {
			fs = orNull(fs)
		}
		props[name] = fs
		if !g.input && !omit {
			required = append(required, name)
		}
	}
	for _, f := range embedded {
		inner := g.object(deref(f.Type), open)
		innerProps, _ := inner["properties"].(map[string]any)
		for k, v := range innerProps {
			if _, shadowed := props[k]; !shadowed {
				props[k] = v
			}
		}
		// A nil embedded pointer writes none of its fields.
		if f.Type.Kind() != reflect.Pointer {
			if req, ok := inner["required"].([]string); ok {
				required = append(required, req...)
			}
		}
	}
	out := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		out["required"] = sortedUnique(required)
	}
	return out
}

// nullable reports whether encoding/json can write the field as null: a
// pointer, or a field tagged jsonschema:"nullable" (a slice or map the
// code may leave nil on purpose).
func nullable(f reflect.StructField) bool {
	if f.Tag.Get("jsonschema") == "nullable" {
		return true
	}
	if f.Type.Kind() != reflect.Pointer {
		return false
	}
	// A pointer to a type with its own encoding decides for itself.
	return !f.Type.Implements(marshalerType)
}

// orNull allows null besides the schema (OpenAPI 3.1: a type list, or
// anyOf around a reference).
func orNull(s map[string]any) map[string]any {
	if typ, ok := s["type"].(string); ok {
		out := map[string]any{}
		for k, v := range s {
			out[k] = v
		}
		out["type"] = []string{typ, "null"}
		if enum, ok := s["enum"].([]string); ok {
			out["enum"] = append(append([]any{}, toAny(enum)...), nil)
		}
		return out
	}
	if len(s) == 0 {
		return s // anything, null included
	}
	return map[string]any{"anyOf": []any{s, map[string]any{"type": "null"}}}
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func hasOpt(opts, want string) bool {
	for o := range strings.SplitSeq(opts, ",") {
		if o == want {
			return true
		}
	}
	return false
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

func derefKind(t reflect.Type) reflect.Kind { return deref(t).Kind() }

func sortedUnique(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// componentName derives a component name from a Go type: its package
// (without an "api" suffix; none for core) and its name, "PipelineResult".
func componentName(t reflect.Type) string {
	name, _, _ := strings.Cut(t.Name(), "[")
	pkg := strings.TrimSuffix(path.Base(t.PkgPath()), "api")
	if pkg == "core" || pkg == "httpx" || pkg == "" {
		return name
	}
	prefix := string(unicode.ToUpper(rune(pkg[0]))) + pkg[1:]
	if strings.HasPrefix(name, prefix) {
		return name
	}
	return prefix + name
}
