package routes

import (
	"encoding/json"
	"reflect"
	"strings"
	"time"
)

// SchemaOf is the JSON Schema of a Go type as encoding/json writes it, for
// groups contributing request and response schemas. enums names the string
// types whose values are a fixed set; strict objects (request bodies,
// decoded strictly) refuse unknown properties. Embedded structs are
// flattened as encoding/json does.
func SchemaOf(t reflect.Type, enums map[reflect.Type][]string, strict bool) map[string]any {
	if vals, ok := enums[t]; ok {
		return map[string]any{"type": "string", "enum": vals}
	}
	switch t {
	case reflect.TypeFor[time.Time]():
		return map[string]any{"type": "string", "format": "date-time"}
	case reflect.TypeFor[json.RawMessage]():
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return SchemaOf(t.Elem(), enums, strict)
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
		return map[string]any{"type": "array", "items": SchemaOf(t.Elem(), enums, strict)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": SchemaOf(t.Elem(), enums, strict)}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		props := map[string]any{}
		addFields(t, enums, strict, props)
		out := map[string]any{"type": "object", "properties": props}
		if strict {
			out["additionalProperties"] = false
		}
		return out
	}
	return map[string]any{}
}

func addFields(t reflect.Type, enums map[reflect.Type][]string, strict bool, props map[string]any) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			addFields(ft, enums, strict, props)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = SchemaOf(f.Type, enums, strict)
	}
}
