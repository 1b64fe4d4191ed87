package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/routes"
)

// WriteJSON writes v as JSON with the given status. HTML escaping is off:
// extracted content is full of '<' and '&' and clients are not browsers
// rendering it as HTML.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	buf, err := MarshalJSON(v)
	if err != nil {
		status = http.StatusInternalServerError
		buf = []byte(`{"error":{"type":"internal_error","message":"response encoding failed","retryable":false,"status":500}}` + "\n")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(buf)
}

// MarshalJSON encodes v like WriteJSON does, with a trailing newline.
func MarshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// IsJSONContentType reports whether a Content-Type names JSON
// (application/json or any application/*+json).
func IsJSONContentType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}

// Decode reads the request body as one JSON object into dst, strictly: an
// unknown field is a validation_error naming its path, trailing data is an
// error, and a body over the route's limit is payload_too_large. An empty
// body is allowed (dst keeps its defaults) only when the matched route
// declares routes.OptionalJSONBody: the route table decides, so handlers
// cannot disagree with it or with the OpenAPI document generated from it.
func Decode(r *http.Request, dst any) error {
	allowEmpty := false
	if rt := Info(r.Context()).Route; rt != nil {
		allowEmpty = rt.Body == routes.OptionalJSONBody
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return core.Errorf(core.ErrPayloadTooLarge, "request body exceeds the limit of %d bytes for this route", mbe.Limit)
		}
		var bte *bodyTimeoutError
		if errors.As(err, &bte) {
			return core.Wrap(core.ErrTimeout, err, bte.Error()+": send the body at once, or check the connection")
		}
		return core.Wrap(core.ErrValidation, err, "could not read the request body")
	}
	return DecodeBytes(body, dst, allowEmpty)
}

// DecodeBytes is Decode for a body already in memory (WebSocket messages,
// queue payloads).
func DecodeBytes(body []byte, dst any, allowEmpty bool) error {
	if len(bytes.TrimSpace(body)) == 0 {
		if allowEmpty {
			return nil
		}
		return core.Errorf(core.ErrValidation, "request body is empty: a JSON object is required")
	}
	// encoding/json replaces invalid UTF-8 in strings with U+FFFD and goes
	// on; RFC 8259 (section 8.1) requires UTF-8, so such a body is refused
	// rather than silently altered.
	if i := invalidUTF8Offset(body); i >= 0 {
		return core.Errorf(core.ErrValidation, "request body is not valid UTF-8 (RFC 8259 requires it): invalid byte at offset %d", i).
			WithDetails(core.Detail{Field: "body", Message: fmt.Sprintf("invalid UTF-8 at byte %d", i)})
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(body, dst, err)
	}
	if dec.More() {
		return core.Errorf(core.ErrValidation, "request body has data after the JSON object")
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); err != io.EOF {
		return core.Errorf(core.ErrValidation, "request body has data after the JSON object")
	}
	return nil
}

// invalidUTF8Offset returns the offset of the first byte that is not part
// of valid UTF-8, or -1.
func invalidUTF8Offset(b []byte) int {
	if utf8.Valid(b) {
		return -1
	}
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return -1
}

func decodeError(body []byte, dst any, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return core.Errorf(core.ErrValidation, "malformed JSON at byte %d: %s", syn.Offset, syn.Error())
	case errors.As(err, &typ):
		field := jsonPath(reflect.TypeOf(dst), typ.Field)
		if field == "" {
			return core.Errorf(core.ErrValidation, "request body must be a JSON object, not %s", typ.Value)
		}
		return core.Errorf(core.ErrValidation, "%s: expected %s, got %s", field, jsonKind(typ.Type), typ.Value).
			WithDetails(core.Detail{Field: field, Message: fmt.Sprintf("expected %s", jsonKind(typ.Type))})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		path := unknownFieldPath(body, reflect.TypeOf(dst), name)
		if path == "" {
			path = name
		}
		msg := fmt.Sprintf("unknown field %q", path)
		if s := suggestField(body, reflect.TypeOf(dst), path); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		return core.Errorf(core.ErrValidation, "%s", msg).WithDetails(core.Detail{Field: path, Message: "unknown field"})
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return core.Errorf(core.ErrValidation, "malformed JSON: the body ends early")
	default:
		// Errors from custom UnmarshalJSON methods (enums, durations) carry
		// a client-facing message already.
		var ce *core.Error
		if errors.As(err, &ce) {
			return ce
		}
		return core.Wrap(core.ErrValidation, err, "invalid JSON body: "+err.Error())
	}
}

// jsonKind names a Go type the way a JSON client thinks of it.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a value"
}

// jsonFields returns the JSON names of a struct type's fields (following
// embedded structs) mapped to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	out := map[string]reflect.Type{}
	if t == nil || t.Kind() != reflect.Struct {
		return out
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			for k, v := range jsonFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

// unknownFieldPath walks the raw JSON alongside the Go type and returns the
// dotted path of the first key that the type does not know ("options.concurency",
// "urls[0]" style indexes for arrays of objects).
func unknownFieldPath(body []byte, t reflect.Type, name string) string {
	var raw any
	if json.Unmarshal(body, &raw) != nil {
		return ""
	}
	return walkUnknown(raw, t, "")
}

func walkUnknown(v any, t reflect.Type, prefix string) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return ""
	}
	switch val := v.(type) {
	case map[string]any:
		if t.Kind() == reflect.Map {
			for _, k := range sortedKeys(val) {
				if p := walkUnknown(val[k], t.Elem(), join(prefix, k)); p != "" {
					return p
				}
			}
			return ""
		}
		if t.Kind() != reflect.Struct {
			return ""
		}
		fields := jsonFields(t)
		for _, k := range sortedKeys(val) {
			ft, ok := fieldByJSONName(fields, k)
			if !ok {
				return join(prefix, k)
			}
			if p := walkUnknown(val[k], ft, join(prefix, k)); p != "" {
				return p
			}
		}
	case []any:
		if t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
			return ""
		}
		for i, item := range val {
			if p := walkUnknown(item, t.Elem(), fmt.Sprintf("%s[%d]", prefix, i)); p != "" {
				return p
			}
		}
	}
	return ""
}

// fieldByJSONName matches like encoding/json does: exact, then case-insensitive.
func fieldByJSONName(fields map[string]reflect.Type, k string) (reflect.Type, bool) {
	if ft, ok := fields[k]; ok {
		return ft, true
	}
	for name, ft := range fields {
		if strings.EqualFold(name, k) {
			return ft, true
		}
	}
	return nil, false
}

func join(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// suggestField proposes the known field closest to an unknown one, when it
// is only a typo away.
func suggestField(body []byte, t reflect.Type, path string) string {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		p, _, _ = strings.Cut(p, "[")
		for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			t = t.Elem()
		}
		ft, ok := fieldByJSONName(jsonFields(t), p)
		if !ok {
			return ""
		}
		t = ft
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			t = t.Elem()
		}
	}
	last := parts[len(parts)-1]
	best, bestDist := "", 3
	for name := range jsonFields(t) {
		if d := editDistance(strings.ToLower(last), strings.ToLower(name)); d < bestDist || (d == bestDist && name < best && best != "") {
			best, bestDist = name, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// jsonPath turns encoding/json's path of a mistyped field into the path
// the client wrote: encoding/json names an embedded struct by its Go type
// ("options.Options.concurrency" for an Options embedded in the request's
// options); those segments are dropped.
func jsonPath(t reflect.Type, goPath string) string {
	segs := strings.Split(goPath, ".")
	out := segs[:0:0]
	for _, seg := range segs {
		for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map) {
			t = t.Elem()
		}
		if t == nil || t.Kind() != reflect.Struct {
			out = append(out, seg)
			t = nil
			continue
		}
		next, embedded := pathSegment(t, seg)
		if !embedded {
			out = append(out, seg)
		}
		t = next
	}
	return strings.Join(out, ".")
}

// pathSegment finds the field a path segment names in struct t: a
// field with that JSON name (its type returned), or else an embedded
// struct of that Go type name (embedded true: the segment is not part of
// the client's path).
func pathSegment(t reflect.Type, seg string) (reflect.Type, bool) {
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		if !f.Anonymous && name == seg {
			return f.Type, false
		}
	}
	for f := range t.Fields() {
		if f.Anonymous && f.Type.Name() == seg || f.Anonymous && f.Type.Kind() == reflect.Pointer && f.Type.Elem().Name() == seg {
			return f.Type, true
		}
	}
	return nil, false
}
