// Package contract holds recorded HTTP traffic to the OpenAPI document
// (shared/routes/openapi.json): every request the test suite sends and
// every answer it gets, through kin-openapi's openapi3filter (OpenAPI 3.1,
// JSON Schema 2020-12). NDJSON lines and SSE events, which openapi3filter
// does not read, are checked line by line against the schemas the document
// gives them. The traffic comes from httpx's recorder
// (RIPTIDE_CONTRACT_RECORD, `make contract`).
package contract

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/routes"
)

func init() {
	// Text answers (a table as Markdown) are strings to the validator.
	openapi3filter.RegisterBodyDecoder(routes.Markdown, func(r io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
		b, err := io.ReadAll(r)
		return string(b), err
	})
}

// Checker checks exchanges against one document.
type Checker struct {
	doc *openapi3.T
	// mux finds an exchange's operation with the server's own routing
	// rules (net/http patterns, so /health/detailed beats
	// /health/{component} exactly as it does in httpx).
	mux *http.ServeMux
	ops map[string]*routers.Route // "METHOD path" -> operation
}

// New loads and validates the document.
func New(docJSON []byte) (*Checker, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(docJSON)
	if err != nil {
		return nil, fmt.Errorf("load the OpenAPI document: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("the OpenAPI document is invalid: %w", err)
	}
	permitNullInAnySchema(doc)
	c := &Checker{doc: doc, mux: http.NewServeMux(), ops: map[string]*routers.Route{}}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			key := method + " " + path
			c.ops[key] = &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op}
			c.mux.Handle(key, http.NotFoundHandler())
		}
	}
	return c, nil
}

// permitNullInAnySchema: an empty schema ({}) allows any value, null
// included (JSON Schema 2020-12). kin-openapi v0.153 validates schemas
// that only use references through its OpenAPI 3.0 validator, where an
// untyped schema refuses null (and, in 3.1 mode, ignores nullable);
// listing every type, null included, keeps the schema's meaning under
// that validator.
func permitNullInAnySchema(doc *openapi3.T) {
	mark := func(_ string, ref *openapi3.SchemaRef) error {
		if v := ref.Value; v != nil && ref.Ref == "" && (v.Type == nil || len(*v.Type) == 0) &&
			len(v.OneOf)+len(v.AnyOf)+len(v.AllOf) == 0 && v.Not == nil && len(v.Enum) == 0 && v.Const == nil {
			v.Type = &openapi3.Types{"null", "boolean", "object", "array", "number", "string", "integer"}
		}
		return nil
	}
	_ = doc.WalkSchemas(mark)
}

// Problem is one way an exchange breaks the contract.
type Problem struct {
	Op     string // operation id, or "unrouted"
	Status int
	What   string
}

func (p Problem) String() string { return fmt.Sprintf("%s %d: %s", p.Op, p.Status, p.What) }

// Check returns the ways ex departs from the document: an answer (status,
// headers, body, each stream line) the document does not allow, or a
// request the document forbids that the server nevertheless accepted.
// A request the document forbids and the server refused (4xx) is a test
// of the server's validation, and fine.
func (c *Checker) Check(ctx context.Context, ex httpx.Exchange) (op string, problems []Problem) {
	req, err := http.NewRequestWithContext(ctx, ex.Method, "http://127.0.0.1:8080"+ex.URL, bytes.NewReader(ex.Body))
	if err != nil {
		return "unparsable", []Problem{{Op: "unparsable", Status: ex.Status, What: "request: " + err.Error()}}
	}
	req.Header = ex.Header.Clone()
	if ex.Method == http.MethodOptions && ex.Header.Get("Access-Control-Request-Method") != "" {
		// A CORS preflight (a browser on another origin, e.g. the hosted
		// playground) is answered by the CORS middleware for every path:
		// not an operation of the document, but it must grant the request.
		if ex.Status != http.StatusNoContent || ex.RespHeader.Get("Access-Control-Allow-Methods") == "" {
			return "cors-preflight", []Problem{{Op: "cors-preflight", Status: ex.Status, What: fmt.Sprintf("OPTIONS %s: want 204 with Access-Control-Allow-Methods", ex.URL)}}
		}
		return "cors-preflight", nil
	}
	route, params := c.find(req)
	if route == nil {
		// No operation takes it (an unknown path, a method the path does
		// not serve): the middleware's 404/405 in the unified shape.
		return "unrouted", c.checkUnrouted(ex)
	}
	op = route.Operation.OperationID
	problem := func(format string, a ...any) {
		problems = append(problems, Problem{Op: op, Status: ex.Status, What: fmt.Sprintf(format, a...)})
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true,
		MultiError: false, SkipSettingDefaults: true}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	if ex.BodyCut {
		opts.ExcludeRequestBody = true
	}
	reqErr := openapi3filter.ValidateRequest(ctx, in)
	if reqErr != nil && ex.Status < 400 {
		problem("the server accepted a request the document forbids: %s", firstLine(reqErr.Error()))
	}

	media, _, _ := mime.ParseMediaType(ex.RespHeader.Get("Content-Type"))
	stream := media == routes.NDJSON || media == routes.SSE
	respOpts := *opts
	respOpts.ExcludeResponseBody = ex.RespCut || stream || ex.Hijacked
	in.Options = &respOpts
	rin := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: ex.Status, Header: ex.RespHeader,
		Body: io.NopCloser(bytes.NewReader(ex.RespBody)), Options: &respOpts}
	if err := openapi3filter.ValidateResponse(ctx, rin); err != nil {
		problem("answer: %s", firstLine(err.Error()))
	}
	if stream && !ex.RespCut {
		for _, p := range c.checkLines(route, ex, media) {
			problem("%s", p)
		}
	}
	return op, problems
}

// find resolves req's operation and path parameters.
func (c *Checker) find(req *http.Request) (*routers.Route, map[string]string) {
	_, pattern := c.mux.Handler(req)
	route := c.ops[pattern]
	if route == nil {
		return nil, nil
	}
	// ServeMux fills PathValue only while serving: serve a copy to a
	// handler that reads them.
	params := map[string]string{}
	names := routes.PathParams(route.Path)
	probe := http.NewServeMux()
	probe.HandleFunc(pattern, func(_ http.ResponseWriter, r *http.Request) {
		for _, n := range names {
			params[n] = r.PathValue(strings.TrimSuffix(n, "..."))
		}
	})
	probe.ServeHTTP(discard{}, req.Clone(req.Context()))
	return route, params
}

// checkUnrouted: an answer no operation describes must still be an error
// in the unified shape, with the headers every answer carries.
func (c *Checker) checkUnrouted(ex httpx.Exchange) []Problem {
	var out []Problem
	bad := func(format string, a ...any) {
		out = append(out, Problem{Op: "unrouted", Status: ex.Status, What: fmt.Sprintf(format, a...)})
	}
	if ex.Status == http.StatusMovedPermanently || ex.Status == http.StatusTemporaryRedirect || ex.Status == http.StatusPermanentRedirect {
		// net/http's ServeMux redirects an unclean path ("/a/../b") to its
		// clean form before any handler runs: the documented exception
		// (docs/errors.md), as long as it says where.
		if ex.RespHeader.Get("Location") == "" {
			bad("%s %s: redirect without Location", ex.Method, ex.URL)
		}
		return out
	}
	if ex.Status < 400 {
		bad("%s %s answered %d, but no operation of the document takes it", ex.Method, ex.URL, ex.Status)
		return out
	}
	for _, h := range []string{"X-Request-ID", "API-Version"} {
		if ex.RespHeader.Get(h) == "" {
			bad("%s %s: no %s header", ex.Method, ex.URL, h)
		}
	}
	if ex.Method == http.MethodHead || ex.RespCut {
		return out
	}
	if err := c.validate(c.doc.Components.Schemas["Error"].Value, ex.RespBody); err != nil {
		bad("%s %s: not the unified error: %s", ex.Method, ex.URL, firstLine(err.Error()))
	}
	return out
}

// checkLines validates each NDJSON line, or each SSE event's data,
// against the schemas of the stream's lines.
func (c *Checker) checkLines(route *routers.Route, ex httpx.Exchange, media string) []string {
	resp := route.Operation.Responses.Status(ex.Status)
	if resp == nil || resp.Value == nil || resp.Value.Content.Get(media) == nil {
		return nil // the status check already said so
	}
	mt := resp.Value.Content.Get(media)
	var schemas []*openapi3.Schema
	if media == routes.NDJSON {
		schemas = alternatives(mt.Schema)
	} else {
		raw, _ := json.Marshal(mt.Extensions[routes.ExtEventData])
		var ref openapi3.SchemaRef
		if err := json.Unmarshal(raw, &ref); err != nil {
			return []string{"x-event-data is not a schema: " + err.Error()}
		}
		schemas = c.resolve(&ref)
	}
	if len(schemas) == 0 {
		return []string{media + " answer without line schemas"}
	}
	var out []string
	lines := streamPayloads(ex.RespBody, media)
	for i, line := range lines {
		var err error
		for _, s := range schemas {
			if err = c.validate(s, line); err == nil {
				break
			}
		}
		if err != nil {
			out = append(out, fmt.Sprintf("line %d %.200s: %s", i+1, line, firstLine(err.Error())))
		}
	}
	return out
}

// alternatives are the schemas a line may match: the members of a
// oneOf, or the one schema.
func alternatives(ref *openapi3.SchemaRef) []*openapi3.Schema {
	if ref == nil || ref.Value == nil {
		return nil
	}
	if len(ref.Value.OneOf) > 0 {
		var out []*openapi3.Schema
		for _, m := range ref.Value.OneOf {
			out = append(out, m.Value)
		}
		return out
	}
	return []*openapi3.Schema{ref.Value}
}

// resolve turns a schema from an extension (unresolved references to
// components) into the components' schemas.
func (c *Checker) resolve(ref *openapi3.SchemaRef) []*openapi3.Schema {
	byName := func(r string) *openapi3.Schema {
		if s := c.doc.Components.Schemas[strings.TrimPrefix(r, "#/components/schemas/")]; s != nil {
			return s.Value
		}
		return nil
	}
	if ref.Ref != "" {
		return []*openapi3.Schema{byName(ref.Ref)}
	}
	if ref.Value == nil {
		return nil
	}
	var out []*openapi3.Schema
	for _, m := range ref.Value.OneOf {
		if s := byName(m.Ref); s != nil {
			out = append(out, s)
		}
	}
	return out
}

func (c *Checker) validate(s *openapi3.Schema, body []byte) error {
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	v = plainNumbers(v)
	return s.VisitJSON(v, openapi3.EnableJSONSchema2020())
}

// plainNumbers turns json.Number into float64 (what VisitJSON expects)
// after decoding without losing integers' form.
func plainNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, _ := strconv.ParseFloat(string(x), 64)
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = plainNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = plainNumbers(e)
		}
	}
	return v
}

// streamPayloads splits an NDJSON body into lines, or an SSE body into
// its events' data (comments and the id/event fields dropped).
func streamPayloads(body []byte, media string) [][]byte {
	var out [][]byte
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	var data []byte
	for sc.Scan() {
		line := sc.Bytes()
		if media == routes.NDJSON {
			if len(bytes.TrimSpace(line)) > 0 {
				out = append(out, bytes.Clone(line))
			}
			continue
		}
		switch {
		case len(line) == 0:
			if data != nil {
				out = append(out, data)
				data = nil
			}
		case bytes.HasPrefix(line, []byte("data:")):
			d := bytes.TrimPrefix(bytes.TrimPrefix(line, []byte("data:")), []byte(" "))
			if data != nil {
				data = append(data, '\n')
			}
			data = append(data, d...)
		}
	}
	if data != nil {
		out = append(out, data)
	}
	return out
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 400 {
		s = s[:400] + "..."
	}
	return s
}

// discard is a ResponseWriter that drops everything.
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) WriteHeader(int)             {}
