// Package api is RipTide's route table: every HTTP operation, the endpoint
// group (and so the Lambda function) that serves it, its canonical
// /api/v1 path, the unprefixed legacy paths the original service answered,
// and the facts the homes need (auth, body, streaming, readiness).
//
// It is the one source every home reads: the local server mounts it, each
// function mounts its group, the SAM template and the CDK stack are derived
// from it and the OpenAPI document is generated from it. It therefore imports
// nothing heavier than the standard library.
package routes

import (
	"slices"
	"strings"
)

// Status says whether an operation is implemented. Planned operations answer
// 501 not_implemented and are marked `x-status: planned` in OpenAPI.
type Status string

const (
	Ready   Status = "ready"
	Planned Status = "planned"
)

// Body describes what a request body may be.
type Body int

const (
	// NoBody: the operation reads no body; one sent anyway is ignored.
	NoBody Body = iota
	// JSONBody: a JSON object is required.
	JSONBody
	// OptionalJSONBody: a JSON object may be sent; an empty body means defaults.
	OptionalJSONBody
)

// Size limits, enforced on bytes read (not on Content-Length).
const (
	KiB = 1 << 10
	MiB = 1 << 20

	DefaultMaxBody = 1 * MiB
	// LargeMaxBody fits raw HTML and base64 PDFs within Lambda's 6 MB
	// synchronous payload limit (base64 of 4.4 MB is just under 6 MB).
	LargeMaxBody = 6 * MiB
)

// Route is one HTTP operation.
type Route struct {
	Op      string // unique operation id, e.g. "crawl.batch"
	Group   string // endpoint group = Lambda function name
	Method  string
	Path    string   // canonical path, net/http pattern syntax ("/api/v1/sessions/{id}")
	Aliases []string // other current paths answering identically, not deprecated ("/healthz")
	Legacy  []string // deprecated unprefixed paths of the original service
	// LegacyMethods are other methods the original used on the legacy paths
	// (it read spider status with POST and a JSON body). Such a request is
	// answered like a Method request, the top-level fields of its JSON body
	// becoming query parameters.
	LegacyMethods []string
	// LegacyFields moves top-level fields of the original's request body,
	// on the legacy paths only, to where the current body has them
	// ("max_depth" -> "options.max_depth").
	LegacyFields map[string]string
	Summary      string
	Public       bool // no API key needed
	Body         Body
	MaxBody      int64 // request body limit in bytes; 0 means DefaultMaxBody
	// Stream marks responses written as a stream (NDJSON, SSE). In AWS these
	// routes use Lambda response streaming.
	Stream bool
	// WebSocket marks an upgrade route; in AWS it is served by the WebSocket API.
	WebSocket bool
	Status    Status
	// Example is a sample JSON request body (sample events, OpenAPI).
	Example string
	// RawContentTypes are media types accepted besides JSON; the handler
	// reads such bodies itself (a WASM module upload).
	RawContentTypes []string

	// The facts below describe the answers, for the OpenAPI document and
	// the contract test that holds the code to it (internal/contract).

	// Success is the status of a successful answer: 200 when zero, 101 on
	// a WebSocket route.
	Success int
	// Async marks operations that may also answer 202 Accepted, with a
	// Location header naming where the accepted work is followed.
	Async bool
	// Produces are the media types of a successful answer; empty means
	// application/json. A stream route lists NDJSON or SSE here.
	Produces []string
	// Errors are the error statuses the handler itself can answer. Those
	// the middleware answers are derived from the other facts (see
	// ErrorStatuses) and need not be listed.
	Errors []int
	// Query are the query parameters the operation reads.
	Query []Param
	// ErrorShape is the shape of the route's error bodies, middleware
	// errors (auth, rate limit, body limit) included: RipTide's own unless
	// a compatibility facade speaks another API's.
	ErrorShape ErrorShape
}

// Param is a query parameter.
type Param struct {
	Name string
	// Type is "string" (when empty), "integer" or "boolean".
	Type string
	Enum []string
	// Min and Max bound an integer; both zero: unbounded.
	Min, Max    int
	Required    bool
	Description string
}

// Media types of answers.
const (
	JSON       = "application/json"
	NDJSON     = "application/x-ndjson"
	SSE        = "text/event-stream"
	PlainText  = "text/plain"
	CSV        = "text/csv"
	Markdown   = "text/markdown"
	WASMModule = "application/wasm"
)

// SuccessStatus is the status of r's successful answer.
func (r Route) SuccessStatus() int {
	switch {
	case r.Success != 0:
		return r.Success
	case r.WebSocket:
		return 101
	}
	return 200
}

// Media returns the media types of r's successful answer.
func (r Route) Media() []string {
	if len(r.Produces) == 0 {
		return []string{JSON}
	}
	return r.Produces
}

// ErrorStatuses are the error statuses r can answer, sorted: those of its
// handler (Errors) and those the middleware answers on every route with
// r's facts: 406 (version negotiation) and 500 everywhere; 401, 403, 429
// and 503 (the key store) behind authentication; 400 where a body, query
// or path parameter is read; 413 and 415 where a body is; 404 for a path
// parameter naming nothing; 501 on a planned route.
func (r Route) ErrorStatuses() []int {
	set := map[int]bool{406: true, 500: true}
	if !r.Public || r.Path == "/metrics" { // /metrics can be configured private
		set[401] = true
		if !r.Public {
			set[403], set[429], set[503] = true, true, true
		}
	}
	if r.Body != NoBody || len(r.LegacyMethods) > 0 {
		set[413], set[415] = true, true
	}
	if r.Status == Planned {
		set[501] = true
		return sortedStatuses(set)
	}
	if r.Body != NoBody || len(r.Query) > 0 || len(PathParams(r.Path)) > 0 || len(r.LegacyMethods) > 0 {
		set[400] = true
	}
	if len(PathParams(r.Path)) > 0 {
		set[404] = true
	}
	for _, s := range r.Errors {
		set[s] = true
	}
	return sortedStatuses(set)
}

func sortedStatuses(set map[int]bool) []int {
	out := make([]int, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// ErrorShape names an error body shape.
type ErrorShape string

const (
	// RipTideErrors is {"error": {type, message, retryable, status, ...}} (api.md).
	RipTideErrors ErrorShape = ""
	// FirecrawlErrors is Firecrawl's {"success": false, "error": message},
	// spoken by the Firecrawl-compatible facade (docs/firecrawl-compat.md).
	FirecrawlErrors ErrorShape = "firecrawl"
)

// Paths returns the canonical path, aliases and legacy paths of r.
func (r Route) Paths() []string {
	out := append([]string{r.Path}, r.Aliases...)
	return append(out, r.Legacy...)
}

// BodyLimit returns the effective request body limit.
func (r Route) BodyLimit() int64 {
	if r.MaxBody > 0 {
		return r.MaxBody
	}
	return DefaultMaxBody
}

// Routes returns the whole route table, in a stable order.
func Routes() []Route { return slices.Clone(routes) }

// Group returns the routes of one endpoint group.
func Group(name string) []Route {
	var out []Route
	for _, r := range routes {
		if r.Group == name {
			out = append(out, r)
		}
	}
	return out
}

// Lookup returns the route with operation id op (a handler stating its own
// route's limits, e.g. pdf health's largest inline body).
func Lookup(op string) (Route, bool) {
	for _, r := range routes {
		if r.Op == op {
			return r, true
		}
	}
	return Route{}, false
}

// legacy derives the deprecated unprefixed twin of a canonical /api/v1 path.
func legacy(path string) []string {
	return []string{strings.TrimPrefix(path, "/api/v1")}
}

const v1 = "/api/v1"

// Error statuses of handlers, by what the operation does.
var (
	// oneURL: an operation that fetches (and may render) one URL answers
	// that URL's failure: robots_disallowed 403, not_found 404 (a
	// cache_only miss), extraction_error 422, fetch_error,
	// blocked_by_target and render_error 502, dependency_error 503,
	// timeout_error 504.
	oneURL = []int{403, 404, 422, 502, 503, 504}
	// stored: an operation reading or writing state in Redis or a blob
	// store answers dependency_error 503 when it is down.
	stored = []int{503}
	// vendor: an operation calling a search or LLM vendor answers its
	// failures (fetch_error 502, dependency_error 503 when unconfigured,
	// timeout_error 504).
	vendor = []int{502, 503, 504}
)

// Query parameters shared by several operations.
func intParam(name string, lo, hi int, desc string) Param {
	return Param{Name: name, Type: "integer", Min: lo, Max: hi, Description: desc}
}

// firecrawl is the prefix of the Firecrawl-compatible facade: Firecrawl's
// SDKs build their URLs as apiUrl + "/v1/...".
const firecrawl = "/v1"

// firecrawlV2 is the prefix of Firecrawl's v2 API, the default client of
// firecrawl-js 3 and firecrawl-py 3.
const firecrawlV2 = "/v2"

var routes = []Route{
	// health
	{Op: "health.check", Group: "health", Method: "GET", Path: v1 + "/health", Aliases: []string{"/healthz"},
		Summary: "Health of the service and each dependency (503 when a required one is down)", Public: true, Status: Ready,
		Errors: []int{503}},
	{Op: "health.detailed", Group: "health", Method: "GET", Path: v1 + "/health/detailed", Legacy: []string{"/api/health/detailed"},
		Summary: "Health of every dependency with build information and process figures (503 when a required one is down)", Public: true, Status: Ready,
		Errors: []int{503}},
	{Op: "health.component", Group: "health", Method: "GET", Path: v1 + "/health/{component}", Legacy: legacy(v1 + "/health/{component}"),
		Summary: "Health of one dependency: redis, extractor, http_client, headless (alias chromium), spider or queue", Public: true, Status: Ready,
		Errors: []int{503}},
	{Op: "health.metrics", Group: "health", Method: "GET", Path: "/metrics", Aliases: []string{v1 + "/metrics"},
		Summary: "Prometheus metrics of this instance", Public: true, Status: Ready, Produces: []string{PlainText}},
	{Op: "health.openapi", Group: "health", Method: "GET", Path: v1 + "/openapi.json",
		Summary: "This API's OpenAPI 3.1 document", Public: true, Status: Ready},

	// crawl
	{Op: "crawl.batch", Group: "crawl", Method: "POST", Path: v1 + "/crawl", Legacy: legacy(v1 + "/crawl"),
		Summary: "Crawl 1..100 URLs and return one result per URL (202 with a spider run for options.use_spider)", Body: JSONBody, Status: Ready,
		Async: true, Errors: []int{404, 501, 503}, // 404: an unknown options.session_id
		Example: `{"urls":["http://127.0.0.1:8000/"],"options":{"concurrency":4}}`},
	{Op: "crawl.stream", Group: "crawl", Method: "POST", Path: v1 + "/crawl/stream", Legacy: legacy(v1 + "/crawl/stream"),
		Summary: "Crawl URLs, streaming results as NDJSON in completion order", Body: JSONBody, Stream: true, Status: Ready,
		Produces: []string{NDJSON}, Errors: []int{404, 501, 503}},
	{Op: "crawl.sse", Group: "crawl", Method: "POST", Path: v1 + "/crawl/sse", Legacy: legacy(v1 + "/crawl/sse"),
		Summary: "Crawl URLs, streaming results as server-sent events", Body: JSONBody, Stream: true, Status: Ready,
		Produces: []string{SSE}, Errors: []int{404, 501, 503}},
	{Op: "crawl.ws", Group: "crawl", Method: "GET", Path: v1 + "/crawl/ws", Legacy: legacy(v1 + "/crawl/ws"),
		Summary: "Crawl over a WebSocket (locally; in AWS through the WebSocket API)", WebSocket: true, Status: Ready,
		Errors: []int{400}, Query: []Param{{Name: "token", Description: "A token from POST /api/v1/crawl/ws/token, for clients that cannot send headers"}}},
	{Op: "crawl.ws_token", Group: "crawl", Method: "POST", Path: v1 + "/crawl/ws/token",
		Summary: "Issue a short-lived token for /crawl/ws (browsers cannot send headers on a WebSocket)", Body: OptionalJSONBody, Status: Ready},
	{Op: "crawl.extract", Group: "crawl", Method: "POST", Path: v1 + "/extract", Legacy: legacy(v1 + "/extract"),
		Summary: "Extract one URL, or raw HTML", Body: JSONBody, MaxBody: LargeMaxBody, Status: Ready, Errors: oneURL},
	{Op: "crawl.chunk", Group: "crawl", Method: "POST", Path: v1 + "/content/chunk",
		Summary: "Split text or markdown into chunks for retrieval", Body: JSONBody, MaxBody: LargeMaxBody, Status: Ready,
		Example: `{"text":"# Title\n\nFirst paragraph.\n\n## Part\n\nSecond paragraph.","mode":"markdown","max_tokens":256}`},

	// render
	{Op: "render.render", Group: "render", Method: "POST", Path: v1 + "/render", Legacy: legacy(v1 + "/render"),
		Summary: "Render one URL in headless Chromium, with waits, actions and artifacts", Body: JSONBody, Status: Ready, Errors: oneURL,
		Example: `{"url":"http://127.0.0.1:8000/","mode":"dynamic","artifacts":{"screenshot":{}}}`},

	// deepsearch
	{Op: "deepsearch.search", Group: "deepsearch", Method: "POST", Path: v1 + "/deepsearch", Legacy: legacy(v1 + "/deepsearch"),
		Summary: "Web search, then crawl the hits (and optionally answer with citations)", Body: JSONBody, Status: Ready, Errors: append([]int{501}, vendor...), // 501: an option not built yet
		Example: `{"query":"rust web crawler","limit":5,"provider":"serper"}`},
	{Op: "deepsearch.stream", Group: "deepsearch", Method: "POST", Path: v1 + "/deepsearch/stream", Legacy: legacy(v1 + "/deepsearch/stream"),
		Summary: "Web search and crawl, streamed as NDJSON (metadata, search, one result per hit, summary)", Body: JSONBody, Stream: true, Status: Ready,
		Produces: []string{NDJSON}, Errors: []int{503},
		Example: `{"query":"rust web crawler","limit":5}`},
	{Op: "deepsearch.query", Group: "deepsearch", Method: "GET", Path: v1 + "/search", Legacy: legacy(v1 + "/search"),
		Summary: "Web search only", Status: Ready, Errors: vendor,
		Query: []Param{{Name: "q", Required: true, Description: "The search query"}, intParam("limit", 0, 0, "Number of hits (default 10, at most 100)"),
			{Name: "country", Description: "ISO 3166-1 alpha-2 country code"}, {Name: "language", Description: "ISO 639-1 language code"},
			{Name: "freshness", Enum: []string{"day", "week", "month", "year"}, Description: "Only hits published within this period"},
			{Name: "safe_search", Enum: []string{"off", "moderate", "strict"}, Description: "Safe-search level"},
			{Name: "provider", Description: "Search provider (default: the configured one)"}}},

	// spider
	{Op: "spider.crawl", Group: "spider", Method: "POST", Path: v1 + "/spider/crawl", Legacy: legacy(v1 + "/spider/crawl"),
		Summary: "Start a deep crawl (202 with a spider id, or 200 with results for small synchronous runs)", Body: JSONBody, Status: Ready,
		Async: true, Errors: []int{503},
		// The original took these options at the top level of the body.
		LegacyFields: map[string]string{"max_depth": "options.max_depth", "max_pages": "options.max_pages", "strategy": "options.strategy",
			"concurrency": "options.concurrency", "delay_ms": "options.delay_ms", "respect_robots": "options.respect_robots"},
		Example: `{"seed_urls":["http://127.0.0.1:8000/"],"options":{"max_pages":50,"max_depth":2}}`},
	{Op: "spider.status", Group: "spider", Method: "GET", Path: v1 + "/spider/status", Legacy: legacy(v1 + "/spider/status"),
		LegacyMethods: []string{"POST"}, Summary: "Status of a deep crawl", Status: Ready, Errors: []int{404, 503},
		Query: []Param{{Name: "spider_id", Required: true, Description: "The run's id (from POST /api/v1/spider/crawl)"},
			{Name: "include_metrics", Type: "boolean", Description: "Accepted for the original's clients; the status always carries its figures"}}},
	{Op: "spider.get", Group: "spider", Method: "GET", Path: v1 + "/spider/{id}",
		Summary: "Status of a deep crawl", Status: Ready, Errors: stored},
	{Op: "spider.control", Group: "spider", Method: "POST", Path: v1 + "/spider/control", Legacy: legacy(v1 + "/spider/control"),
		Summary: "Stop, pause, resume or reset a deep crawl", Body: JSONBody, Status: Ready, Errors: []int{404, 409, 503},
		Example: `{"spider_id":"0123456789abcdef0123456789abcdef","action":"pause"}`},
	{Op: "spider.results", Group: "spider", Method: "GET", Path: v1 + "/spider/{id}/results",
		Summary: "Results of a deep crawl, paged (or NDJSON with Accept: application/x-ndjson)", Stream: true, Status: Ready,
		Produces: []string{JSON, NDJSON}, Errors: stored,
		Query: []Param{{Name: "cursor", Description: "Where to continue: next_cursor of the previous page (default: the first result)"},
			intParam("limit", 1, 1000, "Results per page (default 100); with NDJSON, at most this many results (default: all)"),
			{Name: "follow", Type: "boolean", Description: "NDJSON only: keep streaming new results until the run ends or pauses"},
			{Name: "format", Enum: []string{"json", "ndjson"}, Description: "ndjson: the same as Accept: application/x-ndjson, for clients that cannot set headers"}}},
	{Op: "spider.map", Group: "spider", Method: "POST", Path: v1 + "/spider/map",
		Summary: "List a site's URLs from sitemaps and links without extracting content", Body: JSONBody, Status: Ready, Errors: oneURL,
		Example: `{"url":"http://127.0.0.1:8000/","options":{"limit":100}}`},

	// strategies
	{Op: "strategies.crawl", Group: "strategies", Method: "POST", Path: v1 + "/strategies/crawl", Legacy: legacy(v1 + "/strategies/crawl"),
		Summary: "Crawl one URL (or take HTML) and extract structured fields with a strategy or a chain (CSS, XPath, regex, JSON-LD, microdata, OpenGraph, WASM, LLM)",
		Body:    JSONBody, MaxBody: LargeMaxBody, Status: Ready, Errors: append([]int{501}, oneURL...), // 501: llm or wasm without a provider or runtime
		Example: `{"url":"http://127.0.0.1:8000/","extraction":{"strategy":"css","params":{"fields":{"title":"h1"}}}}`},
	{Op: "strategies.info", Group: "strategies", Method: "GET", Path: v1 + "/strategies/info", Legacy: legacy(v1 + "/strategies/info"),
		Summary: "Catalogue of extraction strategies and chunking modes", Status: Ready},
	{Op: "strategies.modules.register", Group: "strategies", Method: "POST", Path: v1 + "/strategies/modules",
		Summary: "Register a WASM extractor module (raw application/wasm body, or JSON {\"wasm_base64\"}); stored by sha256",
		Body:    JSONBody, MaxBody: LargeMaxBody, RawContentTypes: []string{WASMModule}, Status: Ready, Errors: []int{422, 503}},
	{Op: "strategies.modules.list", Group: "strategies", Method: "GET", Path: v1 + "/strategies/modules",
		Summary: "Registered WASM modules", Status: Ready, Errors: stored},
	{Op: "strategies.modules.get", Group: "strategies", Method: "GET", Path: v1 + "/strategies/modules/{sha256}",
		Summary: "One registered WASM module", Status: Ready, Errors: stored},
	{Op: "strategies.modules.delete", Group: "strategies", Method: "DELETE", Path: v1 + "/strategies/modules/{sha256}",
		Summary: "Delete a registered WASM module", Status: Ready, Success: 204, Errors: stored},

	// pdf
	{Op: "pdf.process", Group: "pdf", Method: "POST", Path: v1 + "/pdf/process", Legacy: legacy(v1 + "/pdf/process"),
		Summary: "Extract text per page, metadata and outline from a PDF (base64 data, url or upload_key)", Body: JSONBody, MaxBody: LargeMaxBody, Status: Ready,
		Errors:  append([]int{501}, oneURL...), // 501: upload_key without a blob store
		Example: `{"url":"http://127.0.0.1:8000/report.pdf","options":{"markdown":true}}`},
	{Op: "pdf.stream", Group: "pdf", Method: "POST", Path: v1 + "/pdf/process-stream", Legacy: legacy(v1 + "/pdf/process-stream"),
		Summary: "Extract a PDF as an NDJSON stream: metadata, one line per page, progress, summary", Body: JSONBody, MaxBody: LargeMaxBody, Stream: true, Status: Ready,
		Produces: []string{NDJSON}, Errors: oneURL,
		Example: `{"url":"http://127.0.0.1:8000/report.pdf"}`},
	{Op: "pdf.health", Group: "pdf", Method: "GET", Path: v1 + "/pdf/health", Legacy: legacy(v1 + "/pdf/health"),
		Summary: "PDF engine capabilities and the sources this server accepts", Status: Ready},
	{Op: "pdf.uploads", Group: "pdf", Method: "POST", Path: v1 + "/pdf/uploads",
		Summary: "Get a presigned URL to upload a PDF of up to 100 MB, then process it by its key", Body: OptionalJSONBody, Status: Ready,
		Errors:  []int{501, 503},
		Example: `{"filename":"report.pdf"}`},

	// stealth
	{Op: "stealth.configure", Group: "stealth", Method: "POST", Path: v1 + "/stealth/configure", Legacy: legacy(v1 + "/stealth/configure"),
		Summary: "Resolve a stealth preset and overrides into the effective configuration", Body: JSONBody, Status: Ready,
		Example: `{"preset":"high","platform":"macos","locale":"de-DE"}`},
	{Op: "stealth.test", Group: "stealth", Method: "POST", Path: v1 + "/stealth/test", Legacy: legacy(v1 + "/stealth/test"),
		Summary: "Run the headless-detection checks against a stealth configuration", Body: OptionalJSONBody, Status: Ready,
		Errors: []int{502, 503, 504}},
	{Op: "stealth.capabilities", Group: "stealth", Method: "GET", Path: v1 + "/stealth/capabilities", Legacy: legacy(v1 + "/stealth/capabilities"),
		Summary: "Supported stealth features and presets", Status: Ready},
	{Op: "stealth.health", Group: "stealth", Method: "GET", Path: v1 + "/stealth/health", Legacy: legacy(v1 + "/stealth/health"),
		Summary: "State of the browser used for stealth rendering", Status: Ready, Errors: []int{503}},

	// tables
	{Op: "tables.extract", Group: "tables", Method: "POST", Path: v1 + "/tables/extract",
		Summary: "Extract the data tables of a page (url or html): headers, spans expanded, nested tables, typed columns", Body: JSONBody, MaxBody: LargeMaxBody, Status: Ready,
		Errors:  oneURL,
		Example: `{"url":"http://127.0.0.1:8000/"}`},
	{Op: "tables.export", Group: "tables", Method: "GET", Path: v1 + "/tables/{id}/export",
		Summary: "Export an extracted table as CSV, Markdown, JSON (paged) or NDJSON", Status: Ready,
		Produces: []string{CSV, Markdown, JSON, NDJSON}, Errors: stored,
		Query: []Param{{Name: "format", Enum: []string{"csv", "markdown", "json", "ndjson"}, Description: "Export format (default csv)"},
			{Name: "include_headers", Type: "boolean", Description: "CSV: write the header row (default true)"},
			intParam("offset", 0, 1<<30, "First row (default 0)"),
			intParam("limit", 0, 1<<30, "Rows (default: all; json: 100, at most 1000)")}},

	// llm
	{Op: "llm.providers", Group: "llm", Method: "GET", Path: v1 + "/llm/providers",
		Summary: "LLM providers with models, context windows, prices and health", Status: Ready,
		Query: []Param{{Name: "provider_type", Description: "Only providers whose name or type contains this"},
			{Name: "available_only", Type: "boolean", Description: "Only providers ready to serve"},
			{Name: "include_cost", Type: "boolean", Description: "Include prices per token"},
			{Name: "include_models", Type: "boolean", Description: "Include each provider's models"}}},
	{Op: "llm.switch", Group: "llm", Method: "POST", Path: v1 + "/llm/providers/switch",
		Summary: "Switch the active LLM provider", Body: JSONBody, Status: Ready, Errors: []int{404, 409, 503},
		Example: `{"provider_name":"anthropic"}`},
	{Op: "llm.config.get", Group: "llm", Method: "GET", Path: v1 + "/llm/config",
		Summary: "LLM configuration (keys are never returned) and the caller's usage totals", Status: Ready, Errors: stored},
	{Op: "llm.config.set", Group: "llm", Method: "POST", Path: v1 + "/llm/config",
		Summary: "Configure LLM providers (keys are write-only)", Body: JSONBody, Status: Ready, Errors: stored,
		Example: `{"provider_configs":{"ollama":{"base_url":"http://127.0.0.1:11434/v1","model":"llama3.2"}}}`},

	// sessions
	{Op: "sessions.create", Group: "sessions", Method: "POST", Path: v1 + "/sessions", Legacy: legacy(v1 + "/sessions"),
		Summary: "Create a session: a cookie jar that crawls and renders naming it send and keep", Body: OptionalJSONBody, Status: Ready,
		Success: 201, Errors: []int{409, 503}, Example: `{"ttl_ms":86400000}`},
	{Op: "sessions.list", Group: "sessions", Method: "GET", Path: v1 + "/sessions", Legacy: legacy(v1 + "/sessions"),
		Summary: "List the caller's live sessions, oldest first", Status: Ready, Errors: []int{400, 503},
		Query: []Param{{Name: "cursor", Description: "next_cursor of the previous page"}, intParam("limit", 1, 100, "Sessions per page (default 50)")}},
	{Op: "sessions.stats", Group: "sessions", Method: "GET", Path: v1 + "/sessions/stats", Legacy: legacy(v1 + "/sessions/stats"),
		Summary: "Statistics of the caller's sessions", Status: Ready, Errors: stored},
	{Op: "sessions.cleanup", Group: "sessions", Method: "POST", Path: v1 + "/sessions/cleanup", Legacy: legacy(v1 + "/sessions/cleanup"),
		Summary: "Forget the caller's expired sessions", Status: Ready, Errors: stored},
	{Op: "sessions.get", Group: "sessions", Method: "GET", Path: v1 + "/sessions/{id}", Legacy: legacy(v1 + "/sessions/{id}"),
		Summary: "One session", Status: Ready, Errors: []int{404, 503}},
	{Op: "sessions.delete", Group: "sessions", Method: "DELETE", Path: v1 + "/sessions/{id}", Legacy: legacy(v1 + "/sessions/{id}"),
		Summary: "Delete a session and its cookies", Status: Ready, Success: 204, Errors: stored},
	{Op: "sessions.extend", Group: "sessions", Method: "POST", Path: v1 + "/sessions/{id}/extend", Legacy: legacy(v1 + "/sessions/{id}/extend"),
		Summary: "Push a session's expiry back", Body: JSONBody, Status: Ready, Errors: []int{404, 503}, Example: `{"additional_ms":3600000}`},
	{Op: "sessions.cookies.set", Group: "sessions", Method: "POST", Path: v1 + "/sessions/{id}/cookies", Legacy: legacy(v1 + "/sessions/{id}/cookies"),
		Summary: "Set a cookie in a session", Body: JSONBody, Status: Ready, Success: 201, Errors: []int{404, 503},
		Example: `{"domain":"127.0.0.1","name":"sid","value":"abc123","path":"/","http_only":true}`},
	{Op: "sessions.cookies.list", Group: "sessions", Method: "GET", Path: v1 + "/sessions/{id}/cookies", Legacy: legacy(v1 + "/sessions/{id}/cookies"),
		Summary: "All cookies of a session", Status: Ready, Errors: []int{404, 503}},
	{Op: "sessions.cookies.clear", Group: "sessions", Method: "DELETE", Path: v1 + "/sessions/{id}/cookies", Legacy: legacy(v1 + "/sessions/{id}/cookies"),
		Summary: "Clear a session's cookies", Status: Ready, Success: 204, Errors: []int{404, 503}},
	{Op: "sessions.cookies.domain", Group: "sessions", Method: "GET", Path: v1 + "/sessions/{id}/cookies/{domain}", Legacy: legacy(v1 + "/sessions/{id}/cookies/{domain}"),
		Summary: "The cookies that apply to a host (its own and its parent domains')", Status: Ready, Errors: []int{404, 503}},
	{Op: "sessions.cookies.get", Group: "sessions", Method: "GET", Path: v1 + "/sessions/{id}/cookies/{domain}/{name}", Legacy: legacy(v1 + "/sessions/{id}/cookies/{domain}/{name}"),
		Summary: "One cookie that applies to a host", Status: Ready, Errors: []int{400, 404, 503},
		Query: []Param{{Name: "path", Description: "The cookie's path, when several cookies of that name apply"}}},
	{Op: "sessions.cookies.delete", Group: "sessions", Method: "DELETE", Path: v1 + "/sessions/{id}/cookies/{domain}/{name}", Legacy: legacy(v1 + "/sessions/{id}/cookies/{domain}/{name}"),
		Summary: "Delete the cookies of that name that apply to a host", Status: Ready, Success: 204, Errors: []int{400, 404, 503},
		Query: []Param{{Name: "path", Description: "Only the cookie on this path"}}},

	// workers
	{Op: "workers.submit", Group: "workers", Method: "POST", Path: v1 + "/workers/jobs", Legacy: legacy(v1 + "/workers/jobs"),
		Summary: "Submit an async job (202 with a job id)", Body: JSONBody, Status: Ready, Success: 202, Errors: []int{409, 501},
		Example: `{"type":"batch_crawl","urls":["http://127.0.0.1:8000/","http://127.0.0.1:8000/a"],"priority":"high","idempotency_key":"nightly-42"}`},
	{Op: "workers.list", Group: "workers", Method: "GET", Path: v1 + "/workers/jobs", Legacy: legacy(v1 + "/workers/jobs"),
		Summary: "List jobs", Status: Ready, Errors: []int{400}},
	{Op: "workers.get", Group: "workers", Method: "GET", Path: v1 + "/workers/jobs/{id}", Legacy: legacy(v1 + "/workers/jobs/{id}"),
		Summary: "One job's status", Status: Ready},
	{Op: "workers.result", Group: "workers", Method: "GET", Path: v1 + "/workers/jobs/{id}/result", Legacy: legacy(v1 + "/workers/jobs/{id}/result"),
		Summary: "One job's result", Status: Ready},
	{Op: "workers.cancel", Group: "workers", Method: "DELETE", Path: v1 + "/workers/jobs/{id}",
		Summary: "Cancel a job (a running one stops within a heartbeat)", Status: Ready, Errors: []int{409}},
	{Op: "workers.cancel_post", Group: "workers", Method: "POST", Path: v1 + "/workers/jobs/{id}/cancel",
		Summary: "Cancel a job (for clients that cannot send DELETE)", Status: Ready, Errors: []int{409}},
	{Op: "workers.queue", Group: "workers", Method: "GET", Path: v1 + "/workers/stats/queue", Legacy: legacy(v1 + "/workers/stats/queue"),
		Summary: "Queue statistics", Status: Ready},
	{Op: "workers.workers", Group: "workers", Method: "GET", Path: v1 + "/workers/stats/workers", Legacy: legacy(v1 + "/workers/stats/workers"),
		Summary: "Worker statistics", Status: Ready},
	{Op: "workers.metrics", Group: "workers", Method: "GET", Path: v1 + "/workers/metrics", Legacy: legacy(v1 + "/workers/metrics"),
		Summary: "Job metrics", Status: Ready},
	{Op: "workers.schedule.create", Group: "workers", Method: "POST", Path: v1 + "/workers/schedule", Legacy: legacy(v1 + "/workers/schedule"),
		Summary: "Create a scheduled crawl", Body: JSONBody, Status: Ready, Success: 201, Errors: []int{409},
		Example: `{"name":"hourly","expression":"rate(1 hour)","job_template":{"type":"single_crawl","url":"http://127.0.0.1:8000/"}}`},
	{Op: "workers.schedule.list", Group: "workers", Method: "GET", Path: v1 + "/workers/schedule", Legacy: legacy(v1 + "/workers/schedule"),
		Summary: "List schedules", Status: Ready},
	{Op: "workers.schedule.get", Group: "workers", Method: "GET", Path: v1 + "/workers/schedule/{id}",
		Summary: "One schedule with its next five firings", Status: Ready},
	{Op: "workers.schedule.update", Group: "workers", Method: "PATCH", Path: v1 + "/workers/schedule/{id}",
		Summary: "Change, pause or resume a schedule", Body: JSONBody, Status: Ready, Example: `{"paused":true}`},
	{Op: "workers.schedule.delete", Group: "workers", Method: "DELETE", Path: v1 + "/workers/schedule/{id}", Legacy: legacy(v1 + "/workers/schedule/{id}"),
		Summary: "Delete a schedule", Status: Ready, Success: 204},

	// monitoring
	{Op: "monitoring.health_score", Group: "monitoring", Method: "GET", Path: v1 + "/monitoring/health-score", Legacy: legacy(v1 + "/monitoring/health-score"),
		Summary: "Health score 0..100 from service-wide records (window_minutes, default 5)", Status: Ready, Errors: []int{400}},
	{Op: "monitoring.performance_report", Group: "monitoring", Method: "GET", Path: v1 + "/monitoring/performance-report", Legacy: legacy(v1 + "/monitoring/performance-report"),
		Summary: "Performance report with recommendations", Status: Ready, Errors: []int{400}},
	{Op: "monitoring.metrics_current", Group: "monitoring", Method: "GET", Path: v1 + "/monitoring/metrics/current", Legacy: legacy(v1 + "/monitoring/metrics/current"),
		Summary: "Current service-wide performance metrics", Status: Ready, Errors: []int{400}},
	{Op: "monitoring.alert_rules", Group: "monitoring", Method: "GET", Path: v1 + "/monitoring/alerts/rules", Legacy: legacy(v1 + "/monitoring/alerts/rules"),
		Summary: "Alert rules", Status: Ready},
	{Op: "monitoring.alert_rules.create", Group: "monitoring", Method: "POST", Path: v1 + "/monitoring/alerts/rules",
		Summary: "Create an alert rule", Body: JSONBody, Status: Ready, Success: 201, Errors: []int{409}, Example: `{"name":"slow_pages","metric_name":"p95_extraction_time_ms","threshold":3000,"condition":"greater_than","severity":"warning"}`},
	{Op: "monitoring.alert_rules.update", Group: "monitoring", Method: "PUT", Path: v1 + "/monitoring/alerts/rules/{name}",
		Summary: "Replace an alert rule", Body: JSONBody, Status: Ready, Example: `{"name":"slow_pages","metric_name":"p95_extraction_time_ms","threshold":3000,"condition":"greater_than","severity":"warning"}`},
	{Op: "monitoring.alert_rules.delete", Group: "monitoring", Method: "DELETE", Path: v1 + "/monitoring/alerts/rules/{name}",
		Summary: "Delete an alert rule (built-in ones too)", Status: Ready, Success: 204},
	{Op: "monitoring.alerts_active", Group: "monitoring", Method: "GET", Path: v1 + "/monitoring/alerts/active", Legacy: legacy(v1 + "/monitoring/alerts/active"),
		Summary: "Alerts firing now", Status: Ready},
	{Op: "monitoring.pipeline_phases", Group: "monitoring", Method: "GET", Path: v1 + "/pipeline/phases", Legacy: legacy(v1 + "/pipeline/phases"),
		Summary: "Time spent per pipeline phase", Status: Ready, Errors: []int{400}},

	// admin: API keys as data (docs/security.md); every route needs the admin scope.
	{Op: "admin.keys.create", Group: "admin", Method: "POST", Path: v1 + "/admin/keys",
		Summary: "Create an API key (its secret is shown once)", Body: JSONBody, Status: Ready, Success: 201,
		Example: `{"name":"ci","tenant":"acme","scopes":["crawl","read"],"expires_in_seconds":2592000,"rate_limit_per_minute":120}`},
	{Op: "admin.keys.list", Group: "admin", Method: "GET", Path: v1 + "/admin/keys",
		Summary: "List API keys (never their secrets), optionally of one tenant", Status: Ready},
	{Op: "admin.keys.get", Group: "admin", Method: "GET", Path: v1 + "/admin/keys/{id}",
		Summary: "One API key with its usage counters and last use", Status: Ready},
	{Op: "admin.keys.rotate", Group: "admin", Method: "POST", Path: v1 + "/admin/keys/{id}/rotate",
		Summary: "Replace a key by a new one; the old one works for a grace period", Body: OptionalJSONBody, Status: Ready, Success: 201,
		Example: `{"grace_seconds":3600}`},
	{Op: "admin.keys.revoke", Group: "admin", Method: "DELETE", Path: v1 + "/admin/keys/{id}",
		Summary: "Revoke a key (every instance refuses it within 60 s)", Status: Ready},
	{Op: "admin.tenants.export", Group: "admin", Method: "GET", Path: v1 + "/admin/tenants/{tenant}/export",
		Summary: "Everything held about one tenant: keys, usage, LLM usage, audit entries (docs/privacy.md)", Status: Ready},
	{Op: "admin.tenants.delete", Group: "admin", Method: "DELETE", Path: v1 + "/admin/tenants/{tenant}",
		Summary: "Revoke and delete one tenant's keys and the data held under them (docs/privacy.md)", Status: Ready},
	// firecrawl: Firecrawl's v1 API over the pipeline and the spider
	// (docs/firecrawl-compat.md); its errors are Firecrawl's shape.
	{Op: "firecrawl.scrape", Group: "firecrawl", Method: "POST", Path: firecrawl + "/scrape", ErrorShape: FirecrawlErrors,
		Summary: "Firecrawl-compatible scrape of one URL (markdown, html, rawHtml, links, screenshot, json)", Body: JSONBody, Status: Ready,
		Example: `{"url":"http://127.0.0.1:8000/","formats":["markdown","links"]}`},
	{Op: "firecrawl.map", Group: "firecrawl", Method: "POST", Path: firecrawl + "/map", ErrorShape: FirecrawlErrors,
		Summary: "Firecrawl-compatible map: a site's URLs from sitemaps and links", Body: JSONBody, Status: Ready,
		Example: `{"url":"http://127.0.0.1:8000/","limit":100}`},
	{Op: "firecrawl.crawl", Group: "firecrawl", Method: "POST", Path: firecrawl + "/crawl", ErrorShape: FirecrawlErrors,
		Summary: "Firecrawl-compatible crawl: starts a spider run, answers {success, id, url}", Body: JSONBody, Status: Ready,
		Example: `{"url":"http://127.0.0.1:8000/","limit":10,"scrapeOptions":{"formats":["markdown"]}}`},
	{Op: "firecrawl.crawl_status", Group: "firecrawl", Method: "GET", Path: firecrawl + "/crawl/{id}", ErrorShape: FirecrawlErrors,
		Summary: "Firecrawl-compatible crawl status with documents, paged by next (?skip=&limit=)", Status: Ready},
	{Op: "firecrawl.crawl_cancel", Group: "firecrawl", Method: "DELETE", Path: firecrawl + "/crawl/{id}", ErrorShape: FirecrawlErrors,
		Summary: "Firecrawl-compatible crawl cancel", Status: Ready},
	{Op: "firecrawl.batch_scrape", Group: "firecrawl", Method: "POST", Path: firecrawl + "/batch/scrape", ErrorShape: FirecrawlErrors,
		Summary: "Firecrawl-compatible batch scrape of 1..100 URLs (async: {success, id, url})", Body: JSONBody, Status: Ready,
		Example: `{"urls":["http://127.0.0.1:8000/","http://127.0.0.1:8000/about"],"formats":["markdown"]}`},
	{Op: "firecrawl.batch_status", Group: "firecrawl", Method: "GET", Path: firecrawl + "/batch/scrape/{id}", ErrorShape: FirecrawlErrors,
		Summary: "Firecrawl-compatible batch scrape status with documents, paged by next (?skip=&limit=)", Status: Ready},
	{Op: "firecrawl.v2.scrape", Group: "firecrawl", Method: "POST", Path: firecrawlV2 + "/scrape", ErrorShape: FirecrawlErrors,
		Summary: "Firecrawl v2-compatible scrape (formats as names or objects)", Body: JSONBody, Status: Ready,
		Example: `{"url":"http://127.0.0.1:8000/","formats":["markdown",{"type":"screenshot","fullPage":true}]}`},
	{Op: "firecrawl.v2.map", Group: "firecrawl", Method: "POST", Path: firecrawlV2 + "/map", ErrorShape: FirecrawlErrors,
		Summary: "Firecrawl v2-compatible map", Body: JSONBody, Status: Ready,
		Example: `{"url":"http://127.0.0.1:8000/","sitemap":"include","limit":100}`},
	{Op: "firecrawl.v2.crawl", Group: "firecrawl", Method: "POST", Path: firecrawlV2 + "/crawl", ErrorShape: FirecrawlErrors,
		Summary: "Firecrawl v2-compatible crawl", Body: JSONBody, Status: Ready,
		Example: `{"url":"http://127.0.0.1:8000/","limit":10,"sitemap":"skip"}`},
	{Op: "firecrawl.v2.crawl_status", Group: "firecrawl", Method: "GET", Path: firecrawlV2 + "/crawl/{id}", ErrorShape: FirecrawlErrors,
		Summary: "Firecrawl v2-compatible crawl status", Status: Ready},
	{Op: "firecrawl.v2.crawl_cancel", Group: "firecrawl", Method: "DELETE", Path: firecrawlV2 + "/crawl/{id}", ErrorShape: FirecrawlErrors,
		Summary: "Firecrawl v2-compatible crawl cancel", Status: Ready},
	{Op: "firecrawl.v2.batch_scrape", Group: "firecrawl", Method: "POST", Path: firecrawlV2 + "/batch/scrape", ErrorShape: FirecrawlErrors,
		Summary: "Firecrawl v2-compatible batch scrape", Body: JSONBody, Status: Ready,
		Example: `{"urls":["http://127.0.0.1:8000/"],"formats":["markdown"]}`},
	{Op: "firecrawl.v2.batch_status", Group: "firecrawl", Method: "GET", Path: firecrawlV2 + "/batch/scrape/{id}", ErrorShape: FirecrawlErrors,
		Summary: "Firecrawl v2-compatible batch scrape status", Status: Ready},
	{Op: "firecrawl.v2.batch_cancel", Group: "firecrawl", Method: "DELETE", Path: firecrawlV2 + "/batch/scrape/{id}", ErrorShape: FirecrawlErrors,
		Summary: "Firecrawl v2-compatible batch scrape cancel", Status: Ready},
}
