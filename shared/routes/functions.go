package routes

// Function is one Lambda function of the bundle. HTTP functions serve the
// routes of the group with the same name; other triggers are listed too, so
// the SAM template and the CDK stack wire the same events.
type Function struct {
	Name        string // also the folder functions/<Name> and the route group
	Description string
	// Arch is "arm64" (default) or "x86_64" (the render function: the
	// Chromium layer is an x86-64 binary).
	Arch          string
	MemoryMB      int
	TimeoutSec    int
	EphemeralMB   int      // /tmp size; 0 means Lambda's default (512)
	Triggers      []string // besides HTTP routes: "sqs", "stepfunctions", "schedule", "websocket"
	NeedsChromium bool
}

// HasRoutes reports whether the function serves HTTP routes.
func (f Function) HasRoutes() bool { return len(Group(f.Name)) > 0 }

// Architecture returns the Lambda architecture.
func (f Function) Architecture() string {
	if f.Arch == "" {
		return "arm64"
	}
	return f.Arch
}

// Functions lists every function of the bundle, in a stable order.
func Functions() []Function { return append([]Function(nil), functions...) }

// LookupFunction returns the function called name.
func LookupFunction(name string) (Function, bool) {
	for _, f := range functions {
		if f.Name == name {
			return f, true
		}
	}
	return Function{}, false
}

// API Gateway REST integrations time out after 29 s; synchronous functions
// get a little more so that they, not the gateway, report the timeout.
var functions = []Function{
	{Name: "health", Description: "Health, metrics and the OpenAPI document", MemoryMB: 256, TimeoutSec: 10},
	{Name: "authorizer", Description: "API Gateway authorizer: meters each REST request on its caller's usage plan key", MemoryMB: 256, TimeoutSec: 10, Triggers: []string{"authorizer"}},
	{Name: "crawl", Description: "Crawl and extract URLs (batch, NDJSON and SSE streams, extract)", MemoryMB: 1024, TimeoutSec: 300},
	{Name: "crawl-ws", Description: "Crawl over the API Gateway WebSocket API ($connect auth, $default crawls and posts results back)", MemoryMB: 1024, TimeoutSec: 900, Triggers: []string{"websocket"}},
	{Name: "render", Description: "Headless Chromium rendering", Arch: "x86_64", MemoryMB: 2048, TimeoutSec: 90, EphemeralMB: 2048, NeedsChromium: true},
	{Name: "deepsearch", Description: "Web search and crawl of the hits", MemoryMB: 1024, TimeoutSec: 300},
	{Name: "spider", Description: "Deep crawls: HTTP API and Step Functions tasks", MemoryMB: 1024, TimeoutSec: 300, Triggers: []string{"stepfunctions"}},
	{Name: "strategies", Description: "Structured extraction strategies (CSS, regex, LLM, WASM)", MemoryMB: 1024, TimeoutSec: 60},
	{Name: "pdf", Description: "PDF text and metadata extraction", MemoryMB: 1024, TimeoutSec: 60},
	{Name: "stealth", Description: "Stealth presets and detection tests", MemoryMB: 512, TimeoutSec: 30},
	{Name: "tables", Description: "Table extraction and export", MemoryMB: 512, TimeoutSec: 30},
	{Name: "llm", Description: "LLM provider management", MemoryMB: 256, TimeoutSec: 30},
	{Name: "sessions", Description: "Sessions: cookie jars that crawls and renders send and keep", MemoryMB: 256, TimeoutSec: 30},
	{Name: "workers", Description: "Async jobs: HTTP API, SQS worker and scheduled crawls", MemoryMB: 1024, TimeoutSec: 900, Triggers: []string{"sqs", "schedule"}},
	{Name: "admin", Description: "API keys as data: create, list, rotate and revoke keys; rotates the bootstrap key secret (Secrets Manager rotation function)", MemoryMB: 256, TimeoutSec: 10},
	{Name: "firecrawl", Description: "Firecrawl-compatible API (scrape, map, crawl, batch scrape) over the pipeline and the spider", MemoryMB: 1024, TimeoutSec: 60},
	{Name: "monitoring", Description: "Service-wide health score, performance report and alerts", MemoryMB: 256, TimeoutSec: 30},
}
