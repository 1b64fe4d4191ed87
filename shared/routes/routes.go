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
	// Errors is the shape of the route's error bodies, middleware errors
	// (auth, rate limit, body limit) included: RipTide's own unless a
	// compatibility facade speaks another API's.
	Errors ErrorShape
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

// firecrawl is the prefix of the Firecrawl-compatible facade: Firecrawl's
// SDKs build their URLs as apiUrl + "/v1/...".
const firecrawl = "/v1"

// firecrawlV2 is the prefix of Firecrawl's v2 API, the default client of
// firecrawl-js 3 and firecrawl-py 3.
const firecrawlV2 = "/v2"

var routes = []Route{
	// health
	{Op: "health.check", Group: "health", Method: "GET", Path: v1 + "/health", Aliases: []string{"/healthz"},
		Summary: "Health of the service and each dependency (503 when a required one is down)", Public: true, Status: Ready},
	{Op: "health.component", Group: "health", Method: "GET", Path: v1 + "/health/{component}", Legacy: legacy(v1 + "/health/{component}"),
		Summary: "Health of one dependency", Public: true, Status: Ready},
	{Op: "health.metrics", Group: "health", Method: "GET", Path: "/metrics", Aliases: []string{v1 + "/metrics"},
		Summary: "Prometheus metrics of this instance", Public: true, Status: Ready},
	{Op: "health.openapi", Group: "health", Method: "GET", Path: v1 + "/openapi.json",
		Summary: "This API's OpenAPI 3.1 document", Public: true, Status: Ready},

	// crawl
	{Op: "crawl.batch", Group: "crawl", Method: "POST", Path: v1 + "/crawl", Legacy: legacy(v1 + "/crawl"),
		Summary: "Crawl 1..100 URLs and return one result per URL", Body: JSONBody, Status: Ready,
		Example: `{"urls":["http://127.0.0.1:8000/"],"options":{"concurrency":4}}`},
	{Op: "crawl.stream", Group: "crawl", Method: "POST", Path: v1 + "/crawl/stream", Legacy: legacy(v1 + "/crawl/stream"),
		Summary: "Crawl URLs, streaming results as NDJSON in completion order", Body: JSONBody, Stream: true, Status: Ready},
	{Op: "crawl.sse", Group: "crawl", Method: "POST", Path: v1 + "/crawl/sse", Legacy: legacy(v1 + "/crawl/sse"),
		Summary: "Crawl URLs, streaming results as server-sent events", Body: JSONBody, Stream: true, Status: Ready},
	{Op: "crawl.ws", Group: "crawl", Method: "GET", Path: v1 + "/crawl/ws", Legacy: legacy(v1 + "/crawl/ws"),
		Summary: "Crawl over a WebSocket (locally; in AWS through the WebSocket API)", WebSocket: true, Status: Ready},
	{Op: "crawl.ws_token", Group: "crawl", Method: "POST", Path: v1 + "/crawl/ws/token",
		Summary: "Issue a short-lived token for /crawl/ws (browsers cannot send headers on a WebSocket)", Body: OptionalJSONBody, Status: Ready},
	{Op: "crawl.extract", Group: "crawl", Method: "POST", Path: v1 + "/extract", Legacy: legacy(v1 + "/extract"),
		Summary: "Extract one URL, or raw HTML", Body: JSONBody, MaxBody: LargeMaxBody, Status: Ready},
	{Op: "crawl.chunk", Group: "crawl", Method: "POST", Path: v1 + "/content/chunk",
		Summary: "Split text or markdown into chunks for retrieval", Body: JSONBody, MaxBody: LargeMaxBody, Status: Ready,
		Example: `{"text":"# Title\n\nFirst paragraph.\n\n## Part\n\nSecond paragraph.","mode":"markdown","max_tokens":256}`},

	// render
	{Op: "render.render", Group: "render", Method: "POST", Path: v1 + "/render", Legacy: legacy(v1 + "/render"),
		Summary: "Render one URL in headless Chromium, with waits, actions and artifacts", Body: JSONBody, Status: Ready,
		Example: `{"url":"http://127.0.0.1:8000/","mode":"dynamic","artifacts":{"screenshot":{}}}`},

	// deepsearch
	{Op: "deepsearch.search", Group: "deepsearch", Method: "POST", Path: v1 + "/deepsearch", Legacy: legacy(v1 + "/deepsearch"),
		Summary: "Web search, then crawl the hits (and optionally answer with citations)", Body: JSONBody, Status: Ready,
		Example: `{"query":"rust web crawler","limit":5,"provider":"serper"}`},
	{Op: "deepsearch.stream", Group: "deepsearch", Method: "POST", Path: v1 + "/deepsearch/stream", Legacy: legacy(v1 + "/deepsearch/stream"),
		Summary: "Web search and crawl, streamed as NDJSON (metadata, search, one result per hit, summary)", Body: JSONBody, Stream: true, Status: Ready,
		Example: `{"query":"rust web crawler","limit":5}`},
	{Op: "deepsearch.query", Group: "deepsearch", Method: "GET", Path: v1 + "/search", Legacy: legacy(v1 + "/search"),
		Summary: "Web search only (?q=&limit=&country=&language=&freshness=&safe_search=&provider=)", Status: Ready},

	// spider
	{Op: "spider.crawl", Group: "spider", Method: "POST", Path: v1 + "/spider/crawl", Legacy: legacy(v1 + "/spider/crawl"),
		Summary: "Start a deep crawl (202 with a spider id, or 200 with results for small synchronous runs)", Body: JSONBody, Status: Ready,
		// The original took these options at the top level of the body.
		LegacyFields: map[string]string{"max_depth": "options.max_depth", "max_pages": "options.max_pages", "strategy": "options.strategy",
			"concurrency": "options.concurrency", "delay_ms": "options.delay_ms", "respect_robots": "options.respect_robots"},
		Example: `{"seed_urls":["http://127.0.0.1:8000/"],"options":{"max_pages":50,"max_depth":2}}`},
	{Op: "spider.status", Group: "spider", Method: "GET", Path: v1 + "/spider/status", Legacy: legacy(v1 + "/spider/status"),
		LegacyMethods: []string{"POST"}, Summary: "Status of a deep crawl (?spider_id=)", Status: Ready},
	{Op: "spider.get", Group: "spider", Method: "GET", Path: v1 + "/spider/{id}",
		Summary: "Status of a deep crawl", Status: Ready},
	{Op: "spider.control", Group: "spider", Method: "POST", Path: v1 + "/spider/control", Legacy: legacy(v1 + "/spider/control"),
		Summary: "Stop, pause, resume or reset a deep crawl", Body: JSONBody, Status: Ready,
		Example: `{"spider_id":"0123456789abcdef0123456789abcdef","action":"pause"}`},
	{Op: "spider.results", Group: "spider", Method: "GET", Path: v1 + "/spider/{id}/results",
		Summary: "Results of a deep crawl, paged (or NDJSON with Accept: application/x-ndjson)", Stream: true, Status: Ready},
	{Op: "spider.map", Group: "spider", Method: "POST", Path: v1 + "/spider/map",
		Summary: "List a site's URLs from sitemaps and links without extracting content", Body: JSONBody, Status: Ready,
		Example: `{"url":"http://127.0.0.1:8000/","options":{"limit":100}}`},

	// strategies
	{Op: "strategies.crawl", Group: "strategies", Method: "POST", Path: v1 + "/strategies/crawl", Legacy: legacy(v1 + "/strategies/crawl"),
		Summary: "Crawl one URL (or take HTML) and extract structured fields with a strategy or a chain (CSS, XPath, regex, JSON-LD, microdata, OpenGraph, WASM, LLM)",
		Body:    JSONBody, MaxBody: LargeMaxBody, Status: Ready,
		Example: `{"url":"http://127.0.0.1:8000/","extraction":{"strategy":"css","params":{"fields":{"title":"h1"}}}}`},
	{Op: "strategies.info", Group: "strategies", Method: "GET", Path: v1 + "/strategies/info", Legacy: legacy(v1 + "/strategies/info"),
		Summary: "Catalogue of extraction strategies and chunking modes", Status: Ready},
	{Op: "strategies.modules.register", Group: "strategies", Method: "POST", Path: v1 + "/strategies/modules",
		Summary: "Register a WASM extractor module (raw application/wasm body, or JSON {\"wasm_base64\"}); stored by sha256",
		Body:    JSONBody, MaxBody: LargeMaxBody, RawContentTypes: []string{"application/wasm"}, Status: Ready},
	{Op: "strategies.modules.list", Group: "strategies", Method: "GET", Path: v1 + "/strategies/modules",
		Summary: "Registered WASM modules", Status: Ready},
	{Op: "strategies.modules.get", Group: "strategies", Method: "GET", Path: v1 + "/strategies/modules/{sha256}",
		Summary: "One registered WASM module", Status: Ready},
	{Op: "strategies.modules.delete", Group: "strategies", Method: "DELETE", Path: v1 + "/strategies/modules/{sha256}",
		Summary: "Delete a registered WASM module", Status: Ready},

	// pdf
	{Op: "pdf.process", Group: "pdf", Method: "POST", Path: v1 + "/pdf/process", Legacy: legacy(v1 + "/pdf/process"),
		Summary: "Extract text per page, metadata and outline from a PDF (base64 data, url or upload_key)", Body: JSONBody, MaxBody: LargeMaxBody, Status: Ready,
		Example: `{"url":"http://127.0.0.1:8000/report.pdf","options":{"markdown":true}}`},
	{Op: "pdf.stream", Group: "pdf", Method: "POST", Path: v1 + "/pdf/process-stream", Legacy: legacy(v1 + "/pdf/process-stream"),
		Summary: "Extract a PDF as an NDJSON stream: metadata, one line per page, progress, summary", Body: JSONBody, MaxBody: LargeMaxBody, Stream: true, Status: Ready,
		Example: `{"url":"http://127.0.0.1:8000/report.pdf"}`},
	{Op: "pdf.health", Group: "pdf", Method: "GET", Path: v1 + "/pdf/health", Legacy: legacy(v1 + "/pdf/health"),
		Summary: "PDF engine capabilities and the sources this server accepts", Status: Ready},
	{Op: "pdf.uploads", Group: "pdf", Method: "POST", Path: v1 + "/pdf/uploads",
		Summary: "Get a presigned URL to upload a PDF of up to 100 MB, then process it by its key", Body: OptionalJSONBody, Status: Ready,
		Example: `{"filename":"report.pdf"}`},

	// stealth
	{Op: "stealth.configure", Group: "stealth", Method: "POST", Path: v1 + "/stealth/configure", Legacy: legacy(v1 + "/stealth/configure"),
		Summary: "Resolve a stealth preset and overrides into the effective configuration", Body: JSONBody, Status: Ready,
		Example: `{"preset":"high","platform":"macos","locale":"de-DE"}`},
	{Op: "stealth.test", Group: "stealth", Method: "POST", Path: v1 + "/stealth/test", Legacy: legacy(v1 + "/stealth/test"),
		Summary: "Run the headless-detection checks against a stealth configuration", Body: OptionalJSONBody, Status: Ready},
	{Op: "stealth.capabilities", Group: "stealth", Method: "GET", Path: v1 + "/stealth/capabilities", Legacy: legacy(v1 + "/stealth/capabilities"),
		Summary: "Supported stealth features and presets", Status: Ready},
	{Op: "stealth.health", Group: "stealth", Method: "GET", Path: v1 + "/stealth/health", Legacy: legacy(v1 + "/stealth/health"),
		Summary: "State of the browser used for stealth rendering", Status: Ready},

	// tables
	{Op: "tables.extract", Group: "tables", Method: "POST", Path: v1 + "/tables/extract",
		Summary: "Extract the data tables of a page (url or html): headers, spans expanded, nested tables, typed columns", Body: JSONBody, MaxBody: LargeMaxBody, Status: Ready,
		Example: `{"url":"http://127.0.0.1:8000/"}`},
	{Op: "tables.export", Group: "tables", Method: "GET", Path: v1 + "/tables/{id}/export",
		Summary: "Export an extracted table as CSV, Markdown, JSON (paged) or NDJSON", Status: Ready},

	// llm
	{Op: "llm.providers", Group: "llm", Method: "GET", Path: v1 + "/llm/providers",
		Summary: "LLM providers with models, context windows, prices and health", Status: Ready},
	{Op: "llm.switch", Group: "llm", Method: "POST", Path: v1 + "/llm/providers/switch",
		Summary: "Switch the active LLM provider", Body: JSONBody, Status: Ready,
		Example: `{"provider_name":"anthropic"}`},
	{Op: "llm.config.get", Group: "llm", Method: "GET", Path: v1 + "/llm/config",
		Summary: "LLM configuration (keys are never returned) and the caller's usage totals", Status: Ready},
	{Op: "llm.config.set", Group: "llm", Method: "POST", Path: v1 + "/llm/config",
		Summary: "Configure LLM providers (keys are write-only)", Body: JSONBody, Status: Ready,
		Example: `{"provider_configs":{"ollama":{"base_url":"http://127.0.0.1:11434/v1","model":"llama3.2"}}}`},

	// sessions
	{Op: "sessions.create", Group: "sessions", Method: "POST", Path: v1 + "/sessions", Legacy: legacy(v1 + "/sessions"),
		Summary: "Create a browser session (cookie jar)", Body: OptionalJSONBody, Status: Planned},
	{Op: "sessions.list", Group: "sessions", Method: "GET", Path: v1 + "/sessions", Legacy: legacy(v1 + "/sessions"),
		Summary: "List sessions", Status: Planned},
	{Op: "sessions.stats", Group: "sessions", Method: "GET", Path: v1 + "/sessions/stats", Legacy: legacy(v1 + "/sessions/stats"),
		Summary: "Session statistics", Status: Planned},
	{Op: "sessions.cleanup", Group: "sessions", Method: "POST", Path: v1 + "/sessions/cleanup", Legacy: legacy(v1 + "/sessions/cleanup"),
		Summary: "Remove expired sessions", Status: Planned},
	{Op: "sessions.get", Group: "sessions", Method: "GET", Path: v1 + "/sessions/{id}", Legacy: legacy(v1 + "/sessions/{id}"),
		Summary: "One session", Status: Planned},
	{Op: "sessions.delete", Group: "sessions", Method: "DELETE", Path: v1 + "/sessions/{id}", Legacy: legacy(v1 + "/sessions/{id}"),
		Summary: "Delete a session", Status: Planned},
	{Op: "sessions.extend", Group: "sessions", Method: "POST", Path: v1 + "/sessions/{id}/extend", Legacy: legacy(v1 + "/sessions/{id}/extend"),
		Summary: "Extend a session's lifetime", Body: JSONBody, Status: Planned},
	{Op: "sessions.cookies.set", Group: "sessions", Method: "POST", Path: v1 + "/sessions/{id}/cookies", Legacy: legacy(v1 + "/sessions/{id}/cookies"),
		Summary: "Set a cookie in a session", Body: JSONBody, Status: Planned},
	{Op: "sessions.cookies.list", Group: "sessions", Method: "GET", Path: v1 + "/sessions/{id}/cookies", Legacy: legacy(v1 + "/sessions/{id}/cookies"),
		Summary: "All cookies of a session", Status: Planned},
	{Op: "sessions.cookies.clear", Group: "sessions", Method: "DELETE", Path: v1 + "/sessions/{id}/cookies", Legacy: legacy(v1 + "/sessions/{id}/cookies"),
		Summary: "Clear a session's cookies", Status: Planned},
	{Op: "sessions.cookies.domain", Group: "sessions", Method: "GET", Path: v1 + "/sessions/{id}/cookies/{domain}", Legacy: legacy(v1 + "/sessions/{id}/cookies/{domain}"),
		Summary: "Cookies sent to a domain", Status: Planned},
	{Op: "sessions.cookies.get", Group: "sessions", Method: "GET", Path: v1 + "/sessions/{id}/cookies/{domain}/{name}", Legacy: legacy(v1 + "/sessions/{id}/cookies/{domain}/{name}"),
		Summary: "One cookie", Status: Planned},
	{Op: "sessions.cookies.delete", Group: "sessions", Method: "DELETE", Path: v1 + "/sessions/{id}/cookies/{domain}/{name}", Legacy: legacy(v1 + "/sessions/{id}/cookies/{domain}/{name}"),
		Summary: "Delete one cookie", Status: Planned},

	// workers
	{Op: "workers.submit", Group: "workers", Method: "POST", Path: v1 + "/workers/jobs", Legacy: legacy(v1 + "/workers/jobs"),
		Summary: "Submit an async job (202 with a job id)", Body: JSONBody, Status: Planned},
	{Op: "workers.list", Group: "workers", Method: "GET", Path: v1 + "/workers/jobs", Legacy: legacy(v1 + "/workers/jobs"),
		Summary: "List jobs", Status: Planned},
	{Op: "workers.get", Group: "workers", Method: "GET", Path: v1 + "/workers/jobs/{id}", Legacy: legacy(v1 + "/workers/jobs/{id}"),
		Summary: "One job's status", Status: Planned},
	{Op: "workers.result", Group: "workers", Method: "GET", Path: v1 + "/workers/jobs/{id}/result", Legacy: legacy(v1 + "/workers/jobs/{id}/result"),
		Summary: "One job's result", Status: Planned},
	{Op: "workers.queue", Group: "workers", Method: "GET", Path: v1 + "/workers/stats/queue", Legacy: legacy(v1 + "/workers/stats/queue"),
		Summary: "Queue statistics", Status: Planned},
	{Op: "workers.workers", Group: "workers", Method: "GET", Path: v1 + "/workers/stats/workers", Legacy: legacy(v1 + "/workers/stats/workers"),
		Summary: "Worker statistics", Status: Planned},
	{Op: "workers.metrics", Group: "workers", Method: "GET", Path: v1 + "/workers/metrics", Legacy: legacy(v1 + "/workers/metrics"),
		Summary: "Job metrics", Status: Planned},
	{Op: "workers.schedule.create", Group: "workers", Method: "POST", Path: v1 + "/workers/schedule", Legacy: legacy(v1 + "/workers/schedule"),
		Summary: "Create a scheduled crawl", Body: JSONBody, Status: Planned},
	{Op: "workers.schedule.list", Group: "workers", Method: "GET", Path: v1 + "/workers/schedule", Legacy: legacy(v1 + "/workers/schedule"),
		Summary: "List schedules", Status: Planned},
	{Op: "workers.schedule.delete", Group: "workers", Method: "DELETE", Path: v1 + "/workers/schedule/{id}", Legacy: legacy(v1 + "/workers/schedule/{id}"),
		Summary: "Delete a schedule", Status: Planned},

	// monitoring
	{Op: "monitoring.health_score", Group: "monitoring", Method: "GET", Path: v1 + "/monitoring/health-score", Legacy: legacy(v1 + "/monitoring/health-score"),
		Summary: "Health score 0..100 from service-wide records (window_minutes, default 5)", Status: Ready},
	{Op: "monitoring.performance_report", Group: "monitoring", Method: "GET", Path: v1 + "/monitoring/performance-report", Legacy: legacy(v1 + "/monitoring/performance-report"),
		Summary: "Performance report with recommendations", Status: Ready},
	{Op: "monitoring.metrics_current", Group: "monitoring", Method: "GET", Path: v1 + "/monitoring/metrics/current", Legacy: legacy(v1 + "/monitoring/metrics/current"),
		Summary: "Current service-wide performance metrics", Status: Ready},
	{Op: "monitoring.alert_rules", Group: "monitoring", Method: "GET", Path: v1 + "/monitoring/alerts/rules", Legacy: legacy(v1 + "/monitoring/alerts/rules"),
		Summary: "Alert rules", Status: Ready},
	{Op: "monitoring.alert_rules.create", Group: "monitoring", Method: "POST", Path: v1 + "/monitoring/alerts/rules",
		Summary: "Create an alert rule", Body: JSONBody, Status: Ready, Example: `{"name":"slow_pages","metric_name":"p95_extraction_time_ms","threshold":3000,"condition":"greater_than","severity":"warning"}`},
	{Op: "monitoring.alert_rules.update", Group: "monitoring", Method: "PUT", Path: v1 + "/monitoring/alerts/rules/{name}",
		Summary: "Replace an alert rule", Body: JSONBody, Status: Ready, Example: `{"name":"slow_pages","metric_name":"p95_extraction_time_ms","threshold":3000,"condition":"greater_than","severity":"warning"}`},
	{Op: "monitoring.alert_rules.delete", Group: "monitoring", Method: "DELETE", Path: v1 + "/monitoring/alerts/rules/{name}",
		Summary: "Delete an alert rule (built-in ones too)", Status: Ready},
	{Op: "monitoring.alerts_active", Group: "monitoring", Method: "GET", Path: v1 + "/monitoring/alerts/active", Legacy: legacy(v1 + "/monitoring/alerts/active"),
		Summary: "Alerts firing now", Status: Ready},
	{Op: "monitoring.pipeline_phases", Group: "monitoring", Method: "GET", Path: v1 + "/pipeline/phases", Legacy: legacy(v1 + "/pipeline/phases"),
		Summary: "Time spent per pipeline phase", Status: Ready},

	// firecrawl: Firecrawl's v1 API over the pipeline and the spider
	// (docs/firecrawl-compat.md); its errors are Firecrawl's shape.
	{Op: "firecrawl.scrape", Group: "firecrawl", Method: "POST", Path: firecrawl + "/scrape", Errors: FirecrawlErrors,
		Summary: "Firecrawl-compatible scrape of one URL (markdown, html, rawHtml, links, screenshot, json)", Body: JSONBody, Status: Ready,
		Example: `{"url":"http://127.0.0.1:8000/","formats":["markdown","links"]}`},
	{Op: "firecrawl.map", Group: "firecrawl", Method: "POST", Path: firecrawl + "/map", Errors: FirecrawlErrors,
		Summary: "Firecrawl-compatible map: a site's URLs from sitemaps and links", Body: JSONBody, Status: Ready,
		Example: `{"url":"http://127.0.0.1:8000/","limit":100}`},
	{Op: "firecrawl.crawl", Group: "firecrawl", Method: "POST", Path: firecrawl + "/crawl", Errors: FirecrawlErrors,
		Summary: "Firecrawl-compatible crawl: starts a spider run, answers {success, id, url}", Body: JSONBody, Status: Ready,
		Example: `{"url":"http://127.0.0.1:8000/","limit":10,"scrapeOptions":{"formats":["markdown"]}}`},
	{Op: "firecrawl.crawl_status", Group: "firecrawl", Method: "GET", Path: firecrawl + "/crawl/{id}", Errors: FirecrawlErrors,
		Summary: "Firecrawl-compatible crawl status with documents, paged by next (?skip=&limit=)", Status: Ready},
	{Op: "firecrawl.crawl_cancel", Group: "firecrawl", Method: "DELETE", Path: firecrawl + "/crawl/{id}", Errors: FirecrawlErrors,
		Summary: "Firecrawl-compatible crawl cancel", Status: Ready},
	{Op: "firecrawl.batch_scrape", Group: "firecrawl", Method: "POST", Path: firecrawl + "/batch/scrape", Errors: FirecrawlErrors,
		Summary: "Firecrawl-compatible batch scrape of 1..100 URLs (async: {success, id, url})", Body: JSONBody, Status: Ready,
		Example: `{"urls":["http://127.0.0.1:8000/","http://127.0.0.1:8000/about"],"formats":["markdown"]}`},
	{Op: "firecrawl.batch_status", Group: "firecrawl", Method: "GET", Path: firecrawl + "/batch/scrape/{id}", Errors: FirecrawlErrors,
		Summary: "Firecrawl-compatible batch scrape status with documents, paged by next (?skip=&limit=)", Status: Ready},
	{Op: "firecrawl.v2.scrape", Group: "firecrawl", Method: "POST", Path: firecrawlV2 + "/scrape", Errors: FirecrawlErrors,
		Summary: "Firecrawl v2-compatible scrape (formats as names or objects)", Body: JSONBody, Status: Ready,
		Example: `{"url":"http://127.0.0.1:8000/","formats":["markdown",{"type":"screenshot","fullPage":true}]}`},
	{Op: "firecrawl.v2.map", Group: "firecrawl", Method: "POST", Path: firecrawlV2 + "/map", Errors: FirecrawlErrors,
		Summary: "Firecrawl v2-compatible map", Body: JSONBody, Status: Ready,
		Example: `{"url":"http://127.0.0.1:8000/","sitemap":"include","limit":100}`},
	{Op: "firecrawl.v2.crawl", Group: "firecrawl", Method: "POST", Path: firecrawlV2 + "/crawl", Errors: FirecrawlErrors,
		Summary: "Firecrawl v2-compatible crawl", Body: JSONBody, Status: Ready,
		Example: `{"url":"http://127.0.0.1:8000/","limit":10,"sitemap":"skip"}`},
	{Op: "firecrawl.v2.crawl_status", Group: "firecrawl", Method: "GET", Path: firecrawlV2 + "/crawl/{id}", Errors: FirecrawlErrors,
		Summary: "Firecrawl v2-compatible crawl status", Status: Ready},
	{Op: "firecrawl.v2.crawl_cancel", Group: "firecrawl", Method: "DELETE", Path: firecrawlV2 + "/crawl/{id}", Errors: FirecrawlErrors,
		Summary: "Firecrawl v2-compatible crawl cancel", Status: Ready},
	{Op: "firecrawl.v2.batch_scrape", Group: "firecrawl", Method: "POST", Path: firecrawlV2 + "/batch/scrape", Errors: FirecrawlErrors,
		Summary: "Firecrawl v2-compatible batch scrape", Body: JSONBody, Status: Ready,
		Example: `{"urls":["http://127.0.0.1:8000/"],"formats":["markdown"]}`},
	{Op: "firecrawl.v2.batch_status", Group: "firecrawl", Method: "GET", Path: firecrawlV2 + "/batch/scrape/{id}", Errors: FirecrawlErrors,
		Summary: "Firecrawl v2-compatible batch scrape status", Status: Ready},
	{Op: "firecrawl.v2.batch_cancel", Group: "firecrawl", Method: "DELETE", Path: firecrawlV2 + "/batch/scrape/{id}", Errors: FirecrawlErrors,
		Summary: "Firecrawl v2-compatible batch scrape cancel", Status: Ready},
}
