package structured

import (
	"encoding/json"
	"regexp"
	"strings"
	"sync"

	"github.com/riptidecrawler/riptide/shared/core"
)

// fieldRE and the length check in validField say the same as
// ^[A-Za-z_][A-Za-z0-9_]{0,63}$; a bounded repeat compiles to 63 copies
// of the class, about 700 allocations at every cold start.
// It is compiled on first use, not at every cold start.
var fieldRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`) })

func validField(name string) bool { return len(name) <= 64 && fieldRE().MatchString(name) }

// SchemaFromFields builds a schema from a field list, for callers who do
// not write JSON Schema: "title", "price:number", "tags:string[]". Types are
// string (default), number, integer, boolean, each optionally with []. Every
// field may be null: a page need not give all of them.
func SchemaFromFields(fields []string) (json.RawMessage, error) {
	if len(fields) == 0 {
		return nil, core.Errorf(core.ErrValidation, "fields: at least one field is required")
	}
	props := map[string]any{}
	for i, f := range fields {
		name, typ, _ := strings.Cut(strings.TrimSpace(f), ":")
		typ = strings.TrimSpace(typ)
		if !validField(name) {
			return nil, core.Errorf(core.ErrValidation, "fields[%d]: %q is not a field name (letters, digits, _)", i, name)
		}
		if _, dup := props[name]; dup {
			return nil, core.Errorf(core.ErrValidation, "fields[%d]: %q is listed twice", i, name)
		}
		array := strings.HasSuffix(typ, "[]")
		typ = strings.TrimSuffix(typ, "[]")
		if typ == "" {
			typ = "string"
		}
		switch typ {
		case "string", "number", "integer", "boolean":
		default:
			return nil, core.Errorf(core.ErrValidation, "fields[%d]: type %q is not one of string, number, integer, boolean (optionally with [])", i, typ)
		}
		if array {
			props[name] = map[string]any{"type": []string{"array", "null"}, "items": map[string]any{"type": typ}}
		} else {
			props[name] = map[string]any{"type": []string{typ, "null"}}
		}
	}
	b, _ := json.Marshal(map[string]any{"type": "object", "properties": props, "additionalProperties": false})
	return b, nil
}
