package structured

import (
	"encoding/json"
	"reflect"
)

// Merge combines the answers for two parts of one page: objects merge key
// by key, arrays are concatenated without duplicates, and for other values
// the first non-empty one wins (a page states a title once; later parts
// that miss it must not erase it).
func Merge(a, b any) any {
	if empty(a) {
		return b
	}
	if empty(b) {
		return a
	}
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			return a
		}
		out := make(map[string]any, len(av)+len(bv))
		for k, v := range av {
			out[k] = v
		}
		for k, v := range bv {
			out[k] = Merge(out[k], v)
		}
		return out
	case []any:
		bv, ok := b.([]any)
		if !ok {
			return a
		}
		out := append([]any(nil), av...)
		for _, item := range bv {
			dup := false
			for _, have := range out {
				if reflect.DeepEqual(normal(have), normal(item)) {
					dup = true
					break
				}
			}
			if !dup {
				out = append(out, item)
			}
		}
		return out
	}
	return a
}

func empty(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case string:
		return t == ""
	case []any:
		return len(t) == 0
	case map[string]any:
		return len(t) == 0
	}
	return false
}

// normal makes numbers comparable whatever their decoded type.
func normal(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}
