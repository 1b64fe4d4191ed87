package routes

import (
	"encoding/json"
	"reflect"
	"strings"
	"time"
)

var (
	timeType = reflect.TypeFor[time.Time]()
	rawType  = reflect.TypeFor[json.RawMessage]()
)

// SchemaOf is the JSON Schema of a Go type as encoding/json writes it.
// enums name the values of string types; strict schemas (request bodies,
// decoded strictly) forbid unknown properties.
func SchemaOf(t reflect.Type, enums map[reflect.Type][]string, strict bool) map[string]any {
	return schemaOf(t, enums, strict, map[reflect.Type]bool{})
}

// schemaOf tracks the struct types being expanded: a recursive type (a
// tree of outline items) refers back to itself as a plain object.
func schemaOf(t reflect.Type, enums map[reflect.Type][]string, strict bool, open map[reflect.Type]bool) map[string]any {
	if vals, ok := enums[t]; ok {
		return map[string]any{"type": "string", "enum": vals}
	}
	switch t {
	case timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case rawType:
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return schemaOf(t.Elem(), enums, strict, open)
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
		return map[string]any{"type": "array", "items": schemaOf(t.Elem(), enums, strict, open)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem(), enums, strict, open)}
	case reflect.Struct:
		if open[t] {
			return map[string]any{"type": "object"}
		}
		open[t] = true
		defer delete(open, t)
		props := map[string]any{}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if f.Anonymous && name == "" {
				// encoding/json flattens an untagged embedded struct.
				inner := schemaOf(f.Type, enums, strict, open)
				if p, ok := inner["properties"].(map[string]any); ok {
					for k, v := range p {
						props[k] = v
					}
					continue
				}
			}
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			props[name] = schemaOf(f.Type, enums, strict, open)
		}
		out := map[string]any{"type": "object", "properties": props}
		if strict {
			out["additionalProperties"] = false
		}
		return out
	}
	return map[string]any{}
}
