package routes

import (
	_ "embed"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/riptidecrawler/riptide/shared/core"
)

// openAPIJSON is the generated document (`make openapi`), embedded so the
// health function serves it without linking every group's types. A test in
// cmd/riptide fails when it is stale.
//
//go:embed openapi.json
var openAPIJSON []byte

// OpenAPIJSON returns the generated OpenAPI document.
func OpenAPIJSON() []byte { return openAPIJSON }

// DocVersion is the info.version of the OpenAPI document.
const DocVersion = "1.0.0"

// Extensions the document carries for tools (and the contract test).
const (
	// ExtEventData, on a text/event-stream media type, is the schema of
	// each event's data (the same objects as the NDJSON lines).
	ExtEventData = "x-event-data"
	// ExtStatus is "ready" or "planned" on every operation.
	ExtStatus = "x-status"
)

// BuildOpenAPI builds the OpenAPI 3.1 document of the route table: every
// operation with its request body, parameters, successful answer (JSON,
// NDJSON lines, SSE events, 101 for the WebSocket, 202 for async forms),
// every error status it can answer in the unified shape, and the headers
// of each answer. Planned operations carry `x-status: planned` and answer
// only errors (501); legacy paths are `deprecated: true` with their
// Deprecation, Sunset and Link headers.
func BuildOpenAPI(schemas Schemas) map[string]any {
	b := &docBuilder{schemas: schemas, responses: map[string]any{}}
	paths := map[string]any{}
	for _, r := range routes {
		for _, p := range r.Paths() {
			item := pathItem(paths, p)
			item[strings.ToLower(r.Method)] = b.operation(r, p, r.Method)
		}
		for _, m := range r.LegacyMethods {
			for _, p := range r.Legacy {
				pathItem(paths, p)[strings.ToLower(m)] = b.operation(r, p, m)
			}
		}
	}
	components := map[string]any{
		"securitySchemes": map[string]any{
			"ApiKeyHeader": map[string]any{"type": "apiKey", "in": "header", "name": "X-API-Key",
				"description": "An API key (RIPTIDE_API_KEYS)."},
			"BearerAuth": map[string]any{"type": "http", "scheme": "bearer",
				"description": "An API key, or a JWT, as a bearer token."},
		},
		"schemas":   mergeSchemas(map[string]any{"Error": errorSchema(), "FirecrawlError": firecrawlErrorSchema()}, schemas.Components),
		"headers":   headerComponents(),
		"responses": b.responses,
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "RipTide API",
			"version": DocVersion,
			"description": "Web crawling and content extraction. Canonical paths are under /api/v1; unprefixed legacy paths " +
				"answer identically and are deprecated (docs/api-versioning.md). Every error has one shape (docs/errors.md).",
			"license": map[string]any{"name": "Apache-2.0", "identifier": "Apache-2.0"},
		},
		"servers": []any{
			map[string]any{"url": "http://127.0.0.1:8080", "description": "The local server (`riptide serve`, `make run`; RIPTIDE_ADDR moves it)"},
			map[string]any{"url": "https://{api_id}.execute-api.{region}.amazonaws.com/{stage}", "description": "The AWS deployment (API Gateway REST API)",
				"variables": map[string]any{
					"api_id": map[string]any{"default": "riptide", "description": "The REST API's id (stack output ApiUrl)"},
					"region": map[string]any{"default": "us-east-1", "description": "The AWS region of the stack"},
					"stage":  map[string]any{"default": "prod", "description": "The API stage"},
				}},
		},
		"security":   []any{map[string]any{"ApiKeyHeader": []string{}}, map[string]any{"BearerAuth": []string{}}},
		"paths":      paths,
		"components": components,
		"tags":       tags(),
	}
}

func pathItem(paths map[string]any, p string) map[string]any {
	item, _ := paths[p].(map[string]any)
	if item == nil {
		item = map[string]any{}
		paths[p] = item
	}
	return item
}

// firecrawlErrorSchema is Firecrawl's error body, spoken by the
// Firecrawl-compatible routes (docs/firecrawl-compat.md); code carries
// RipTide's error type.
func firecrawlErrorSchema() map[string]any {
	return map[string]any{
		"type":     "object",
		"required": []string{"success", "error"},
		"properties": map[string]any{
			"success": map[string]any{"type": "boolean", "enum": []any{false}},
			"error":   map[string]any{"type": "string"},
			"code":    map[string]any{"type": "string"},
			"details": map[string]any{},
		},
	}
}

func errorSchema() map[string]any {
	var errorTypes []string
	for _, t := range core.AllErrorTypes {
		errorTypes = append(errorTypes, string(t))
	}
	return map[string]any{
		"type":                 "object",
		"description":          "The unified error shape of every error answer (docs/errors.md).",
		"required":             []string{"error"},
		"additionalProperties": false,
		"properties": map[string]any{
			"error": map[string]any{
				"type":                 "object",
				"required":             []string{"type", "message", "retryable", "status"},
				"additionalProperties": false,
				"properties": map[string]any{
					"type":       map[string]any{"type": "string", "enum": errorTypes},
					"message":    map[string]any{"type": "string"},
					"retryable":  map[string]any{"type": "boolean"},
					"status":     map[string]any{"type": "integer"},
					"request_id": map[string]any{"type": "string"},
					"details": map[string]any{"type": "array", "items": map[string]any{
						"type": "object", "additionalProperties": false,
						"properties": map[string]any{"field": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"}},
					}},
				},
			},
		},
	}
}

// Header components, referenced by the answers that carry them.
func headerComponents() map[string]any {
	str := map[string]any{"type": "string"}
	integer := map[string]any{"type": "integer"}
	h := func(desc string, required bool, schema map[string]any) map[string]any {
		return map[string]any{"description": desc, "required": required, "schema": schema}
	}
	return map[string]any{
		"X-Request-ID":           h("The request's id (a valid incoming one is echoed); also in error bodies and logs.", true, str),
		"API-Version":            h("The API version that answered.", true, map[string]any{"type": "string", "enum": []string{"1"}}),
		"X-RateLimit-Limit":      h("Units per minute of the binding quota of the caller's plan (the one that refused, else the one with the least left; requests, URLs, render seconds or LLM tokens; docs/security.md). Absent when no quota applies.", false, integer),
		"X-RateLimit-Remaining":  h("Units of the binding quota that can be spent at once now (0 in debt).", false, integer),
		"X-RateLimit-Reset":      h("When the binding quota is full again, in unix seconds.", false, integer),
		"RateLimit-Policy":       h(`Every quota of the decision (IETF httpapi draft): "<group or all>.<dimension>";q=<units per minute>;w=60, comma-separated.`, false, str),
		"RateLimit":              h(`Every quota's state (IETF httpapi draft): "<group or all>.<dimension>";r=<remaining>;t=<seconds until full>.`, false, str),
		"Retry-After":            h("Seconds to wait before retrying.", true, integer),
		"Deprecation":            h("This legacy path is deprecated since this date (RFC 9745: @unix-seconds).", true, str),
		"Sunset":                 h("This legacy path may stop answering after this HTTP date (RFC 8594).", true, str),
		"Link":                   h(`The canonical successor: </api/v1/...>; rel="successor-version".`, true, str),
		"Location":               h("Where the accepted work is followed (its status URL).", true, str),
		"WWW-Authenticate":       h("The authentication scheme to use.", true, str),
		"Sec-WebSocket-Accept":   h("The WebSocket handshake's answer (RFC 6455).", true, str),
		"Sec-WebSocket-Protocol": h("The subprotocol chosen: riptide.crawl.v1.", false, str),
	}
}

func headerRef(name string) map[string]any {
	return map[string]any{"$ref": "#/components/headers/" + name}
}

// docBuilder builds operations and collects the shared error answers.
type docBuilder struct {
	schemas   Schemas
	responses map[string]any // components.responses, generated as used
}

func ref(name string) map[string]any {
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

func mergeSchemas(a, b map[string]any) map[string]any {
	for k, v := range b {
		a[k] = v
	}
	return a
}

// answerHeaders are the headers of every answer of an operation on path.
func answerHeaders(r Route, legacyPath bool) map[string]any {
	hs := map[string]any{"X-Request-ID": headerRef("X-Request-ID"), "API-Version": headerRef("API-Version")}
	if !r.Public {
		for _, n := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "RateLimit-Policy", "RateLimit"} {
			hs[n] = headerRef(n)
		}
	}
	if legacyPath {
		for _, n := range []string{"Deprecation", "Sunset", "Link"} {
			hs[n] = headerRef(n)
		}
	}
	return hs
}

func (b *docBuilder) operation(r Route, path, method string) map[string]any {
	legacyPath := slices.Contains(r.Legacy, path)
	op := map[string]any{
		"operationId": operationID(r, path, method),
		"summary":     r.Summary,
		"tags":        []string{r.Group},
		ExtStatus:     string(r.Status),
	}
	if r.Status == Planned {
		op["description"] = "Planned: answers 501 not_implemented until it is built."
	}
	if r.Public {
		op["security"] = []any{}
		if r.Path == "/metrics" {
			// Public unless RIPTIDE_METRICS_PUBLIC=false.
			op["security"] = []any{map[string]any{}, map[string]any{"ApiKeyHeader": []string{}}, map[string]any{"BearerAuth": []string{}}}
		}
	}
	if legacyPath {
		op["deprecated"] = true
		op["description"] = strings.TrimSpace("Deprecated unprefixed path of the original service; use " + r.Path + ". " + asString(op["description"]))
	}
	if r.Stream {
		op["x-streaming"] = true
	}
	var params []any
	for _, p := range PathParams(path) {
		params = append(params, map[string]any{"name": p, "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
	}
	legacyMethod := method != r.Method
	if !legacyMethod {
		for _, q := range r.Query {
			params = append(params, queryParam(q))
		}
	}
	if len(params) > 0 {
		op["parameters"] = params
	}
	switch {
	case legacyMethod:
		op["description"] = asString(op["description"]) + " The original read this with " + method +
			" and a JSON body: its top-level fields are taken as the query parameters of GET " + r.Path + "."
		op["requestBody"] = legacyMethodBody(r)
	case r.Body != NoBody:
		op["requestBody"] = b.requestBody(r, legacyPath)
	}
	op["responses"] = b.answers(r, legacyPath)
	return op
}

func asString(v any) string { s, _ := v.(string); return s }

func queryParam(q Param) map[string]any {
	typ := q.Type
	if typ == "" {
		typ = "string"
	}
	schema := map[string]any{"type": typ}
	if len(q.Enum) > 0 {
		schema["enum"] = q.Enum
	}
	if q.Min != 0 || q.Max != 0 {
		schema["minimum"], schema["maximum"] = q.Min, q.Max
	}
	p := map[string]any{"name": q.Name, "in": "query", "schema": schema}
	if q.Required {
		p["required"] = true
	}
	if q.Description != "" {
		p["description"] = q.Description
	}
	return p
}

// legacyMethodBody describes the original's body on a legacy method: the
// operation's query parameters as top-level JSON fields.
func legacyMethodBody(r Route) map[string]any {
	props := map[string]any{}
	for _, q := range r.Query {
		s := queryParam(q)["schema"]
		props[q.Name] = s
	}
	return map[string]any{
		"required":    false,
		"description": "JSON, at most " + sizeText(r.BodyLimit()) + ": the query parameters as top-level fields.",
		"content": map[string]any{JSON: map[string]any{"schema": map[string]any{
			"type": "object", "properties": props,
			"additionalProperties": map[string]any{"type": []string{"string", "number", "boolean", "null"}},
		}}},
	}
}

func (b *docBuilder) requestBody(r Route, legacyPath bool) map[string]any {
	schema := map[string]any{"type": "object"}
	if name, ok := b.schemas.Bodies[r.Op]; ok {
		schema = ref(name)
		if legacyPath && len(r.LegacyFields) > 0 {
			schema = ref(b.legacyBody(r, name))
		}
	}
	content := map[string]any{JSON: map[string]any{"schema": schema}}
	for _, ct := range r.RawContentTypes {
		content[ct] = map[string]any{"schema": map[string]any{"type": "string", "contentMediaType": ct}}
	}
	desc := "JSON, at most " + sizeText(r.BodyLimit()) + ". Unknown fields are rejected."
	if r.Body == OptionalJSONBody {
		desc += " An empty body means the defaults."
	}
	return map[string]any{"required": r.Body == JSONBody, "description": desc, "content": content}
}

// answers are the responses of an operation: its success, its 202 and
// other declared bodies, and every error status in the unified shape.
func (b *docBuilder) answers(r Route, legacyPath bool) map[string]any {
	out := map[string]any{}
	headers := answerHeaders(r, legacyPath)
	if r.Status == Ready {
		out[strconv.Itoa(r.SuccessStatus())] = b.success(r, headers)
	}
	if r.Async {
		h := cloneMap(headers)
		h["Location"] = headerRef("Location")
		resp := map[string]any{"description": "Accepted: the work runs on; Location (and the body) say where to follow it.", "headers": h}
		if name, ok := b.schemas.Statuses[r.Op][202]; ok {
			resp["content"] = map[string]any{JSON: map[string]any{"schema": ref(name)}}
		}
		out["202"] = resp
	}
	for _, st := range r.ErrorStatuses() {
		if name, ok := b.schemas.Statuses[r.Op][st]; ok {
			out[strconv.Itoa(st)] = map[string]any{
				"description": http.StatusText(st) + ": the same report, with the failing parts",
				"headers":     headers,
				"content":     map[string]any{JSON: map[string]any{"schema": ref(name)}},
			}
			continue
		}
		out[strconv.Itoa(st)] = b.errorAnswer(st, !r.Public, legacyPath, r.ErrorShape)
	}
	// Other successful answers with their own bodies (201 Created when a
	// register call creates, 200 when it already existed).
	for st, name := range b.schemas.Statuses[r.Op] {
		if _, done := out[strconv.Itoa(st)]; !done && st < 300 {
			out[strconv.Itoa(st)] = map[string]any{"description": http.StatusText(st), "headers": headers,
				"content": map[string]any{JSON: map[string]any{"schema": ref(name)}}}
		}
	}
	return out
}

func (b *docBuilder) success(r Route, headers map[string]any) map[string]any {
	st := r.SuccessStatus()
	switch st {
	case http.StatusSwitchingProtocols:
		h := cloneMap(headers)
		h["Sec-WebSocket-Accept"] = headerRef("Sec-WebSocket-Accept")
		h["Sec-WebSocket-Protocol"] = headerRef("Sec-WebSocket-Protocol")
		return map[string]any{"description": "Switching Protocols: the connection speaks the riptide.crawl.v1 WebSocket protocol " +
			"(JSON messages {type, data}; docs/crawl.md).", "headers": h}
	case http.StatusNoContent:
		return map[string]any{"description": "No Content", "headers": headers}
	}
	content := map[string]any{}
	for _, mt := range r.Media() {
		content[mt] = b.media(r, mt)
	}
	return map[string]any{"description": http.StatusText(st), "headers": headers, "content": content}
}

// media describes one media type of a successful answer.
func (b *docBuilder) media(r Route, mt string) map[string]any {
	switch mt {
	case JSON:
		if name, ok := b.schemas.Responses[r.Op]; ok {
			return map[string]any{"schema": ref(name)}
		}
		return map[string]any{"schema": map[string]any{"type": "object"}}
	case NDJSON:
		return map[string]any{"schema": b.lineSchema(r)}
	case SSE:
		return map[string]any{
			"schema": map[string]any{"type": "string", "description": "Server-sent events: `event: <type>`, `id`, and one `data:` line " +
				"holding the event's JSON object (described by x-event-data); comments keep the stream alive."},
			ExtEventData: b.lineSchema(r),
		}
	}
	return map[string]any{"schema": map[string]any{"type": "string"}}
}

// lineSchema is the schema of one NDJSON line (or SSE event's data) of a
// stream: one of the stream's line types, told apart by "type".
func (b *docBuilder) lineSchema(r Route) map[string]any {
	names := b.schemas.Lines[r.Op]
	if len(names) == 0 {
		return map[string]any{"type": "object"}
	}
	if len(names) == 1 {
		return ref(names[0])
	}
	var one []any
	for _, n := range names {
		one = append(one, ref(n))
	}
	return map[string]any{"oneOf": one}
}

// errorAnswer refers to the shared error answer of status, in the variant
// that carries the headers this operation sends.
func (b *docBuilder) errorAnswer(status int, rateLimited, legacyPath bool, shape ErrorShape) map[string]any {
	name := strings.ReplaceAll(http.StatusText(status), " ", "")
	name = strings.ReplaceAll(strings.ReplaceAll(name, "-", ""), "'", "")
	schema := "Error"
	if shape == FirecrawlErrors {
		name, schema = "Firecrawl"+name, "FirecrawlError"
	}
	if !rateLimited {
		name += "Public"
	}
	if legacyPath {
		name += "Legacy"
	}
	if _, done := b.responses[name]; !done {
		h := map[string]any{"X-Request-ID": headerRef("X-Request-ID"), "API-Version": headerRef("API-Version")}
		if rateLimited {
			for _, n := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "RateLimit-Policy", "RateLimit"} {
				h[n] = headerRef(n)
			}
		}
		if legacyPath {
			for _, n := range []string{"Deprecation", "Sunset", "Link"} {
				h[n] = headerRef(n)
			}
		}
		switch status {
		case http.StatusTooManyRequests:
			h["Retry-After"] = headerRef("Retry-After")
		case http.StatusUnauthorized:
			h["WWW-Authenticate"] = headerRef("WWW-Authenticate")
		}
		b.responses[name] = map[string]any{
			"description": fmt.Sprintf("%s (%s)", http.StatusText(status), errorTypesOf(status)),
			"headers":     h,
			"content":     map[string]any{JSON: map[string]any{"schema": ref(schema)}},
		}
	}
	return map[string]any{"$ref": "#/components/responses/" + name}
}

// errorTypesOf names the error types answered with status (docs/errors.md).
func errorTypesOf(status int) string {
	types := map[int]string{
		400: "validation_error, invalid_url, blocked_url", 401: "authentication_error", 403: "permission_denied, robots_disallowed",
		404: "not_found", 405: "method_not_allowed", 406: "unsupported_version", 409: "conflict", 413: "payload_too_large",
		415: "unsupported_media_type", 422: "extraction_error", 429: "rate_limited", 500: "internal_error",
		501: "not_implemented", 502: "fetch_error, blocked_by_target, render_error", 503: "dependency_error", 504: "timeout_error",
	}
	if t, ok := types[status]; ok {
		return t
	}
	return "see docs/errors.md"
}

func operationID(r Route, path, method string) string {
	if method != r.Method {
		return r.Op + ".legacy_" + strings.ToLower(method)
	}
	if path == r.Path {
		return r.Op
	}
	for i, a := range r.Aliases {
		if a == path {
			return r.Op + ".alias" + strconv.Itoa(i+1)
		}
	}
	return r.Op + ".legacy"
}

// PathParams returns the wildcards of a path pattern, in order, as
// written between braces ("id", "rest..."): the OpenAPI document declares
// them and the versioning middleware fills them into successor links.
func PathParams(p string) []string {
	var out []string
	for {
		i := strings.Index(p, "{")
		if i < 0 {
			return out
		}
		j := strings.Index(p[i:], "}")
		if j < 0 {
			return out
		}
		out = append(out, p[i+1:i+j])
		p = p[i+j+1:]
	}
}

func sizeText(n int64) string {
	if n%MiB == 0 {
		return strconv.FormatInt(n/MiB, 10) + " MiB"
	}
	return strconv.FormatInt(n/KiB, 10) + " KiB"
}

func tags() []any {
	seen := map[string]bool{}
	var names []string
	for _, r := range routes {
		if !seen[r.Group] {
			seen[r.Group] = true
			names = append(names, r.Group)
		}
	}
	sort.Strings(names)
	var out []any
	for _, n := range names {
		t := map[string]any{"name": n}
		if f, ok := LookupFunction(n); ok {
			t["description"] = f.Description + "."
		}
		out = append(out, t)
	}
	return out
}

func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// legacyBody is the component of the original's request body on a legacy
// path: the body plus the top-level fields the original took (moved into
// place by the middleware, Route.LegacyFields), each with the schema of
// the field it moves to.
func (b *docBuilder) legacyBody(r Route, name string) string {
	legacyName := name + "Legacy"
	if _, done := b.schemas.Components[legacyName]; done {
		return legacyName
	}
	base, _ := b.schemas.Components[name].(map[string]any)
	sc := cloneMap(base)
	props, _ := base["properties"].(map[string]any)
	props = cloneMap(props)
	for field, target := range r.LegacyFields {
		props[field] = b.fieldSchema(base, strings.Split(target, "."))
	}
	sc["properties"] = props
	sc["description"] = "The original's form of the body, accepted on the legacy path: top-level " +
		"fields are moved to their place under the canonical body's objects."
	b.schemas.Components[legacyName] = sc
	return legacyName
}

// fieldSchema follows a dotted field path through object schemas and
// component references; {} (anything) when it cannot.
func (b *docBuilder) fieldSchema(s map[string]any, path []string) map[string]any {
	for len(path) > 0 {
		s = b.deref(s)
		props, _ := s["properties"].(map[string]any)
		next, ok := props[path[0]].(map[string]any)
		if !ok {
			return map[string]any{}
		}
		s, path = next, path[1:]
	}
	return s
}

// deref resolves a component reference, or a nullable reference (anyOf
// with null), to the component's schema.
func (b *docBuilder) deref(s map[string]any) map[string]any {
	if alts, ok := s["anyOf"].([]any); ok && len(alts) > 0 {
		if first, ok := alts[0].(map[string]any); ok {
			s = first
		}
	}
	if r, ok := s["$ref"].(string); ok {
		if c, ok := b.schemas.Components[strings.TrimPrefix(r, "#/components/schemas/")].(map[string]any); ok {
			return c
		}
	}
	return s
}
