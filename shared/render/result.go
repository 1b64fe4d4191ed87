package render

import (
	"encoding/json"

	"github.com/riptidecrawler/riptide/shared/stealth"
)

// Result is what a render brings back.
type Result struct {
	URL      string `json:"url"`
	FinalURL string `json:"final_url"`
	// Status is the HTTP status of the main document (200 for Request.HTML).
	Status int    `json:"status"`
	Title  string `json:"title"`
	// HTML is the serialized DOM after waits, scrolling and actions. The
	// caller runs its challenge detector on it; a bot wall is still a 200.
	HTML    string         `json:"html"`
	Timings Timings        `json:"timings"`
	Actions []ActionResult `json:"actions,omitempty"`
	// ScrollSteps is how many scroll steps ran (request scroll only).
	ScrollSteps int              `json:"scroll_steps,omitempty"`
	Network     NetworkSummary   `json:"network"`
	Console     []ConsoleMessage `json:"console"`
	Artifacts   ArtifactData     `json:"artifacts,omitzero"`
	// Cookies are all cookies of the page's browser context after the render.
	Cookies        []Cookie          `json:"cookies"`
	StealthApplied []stealth.Feature `json:"stealth_applied"`
	// BrowserVersion is the product string of the Chromium that rendered.
	BrowserVersion string `json:"browser_version,omitempty"`
}

// Timings are the durations of the phases, in milliseconds.
type Timings struct {
	LaunchMS    int64 `json:"launch_ms"` // browser start (0 when warm) and page setup
	NavigateMS  int64 `json:"navigate_ms"`
	WaitMS      int64 `json:"wait_ms"`
	ScrollMS    int64 `json:"scroll_ms"`
	ActionsMS   int64 `json:"actions_ms"`
	ArtifactsMS int64 `json:"artifacts_ms"`
	TotalMS     int64 `json:"total_ms"`
}

// ActionResult reports one action.
type ActionResult struct {
	Index      int        `json:"index"`
	Type       ActionType `json:"type"`
	OK         bool       `json:"ok"`
	Error      string     `json:"error,omitempty"`
	DurationMS int64      `json:"duration_ms"`
	// Value is the JSON result of an evaluate action.
	Value json.RawMessage `json:"value,omitempty"`
}

// NetworkSummary counts what the page loaded.
type NetworkSummary struct {
	Requests int `json:"requests"`
	Failed   int `json:"failed"`
	// Blocked counts requests the renderer refused: resource blocking,
	// trackers and the address guard.
	Blocked int `json:"blocked"`
	// BlockedByGuard counts requests refused by the address guard (SSRF).
	BlockedByGuard int `json:"blocked_by_guard"`
	// Bytes received on the wire (encoded), all requests.
	Bytes  int64                    `json:"bytes"`
	ByType map[string]ResourceStats `json:"by_type"`
	// FailedRequests lists the first failures (at most 50).
	FailedRequests []FailedRequest `json:"failed_requests,omitempty"`
}

// ResourceStats counts one resource type (document, script, image, ...).
type ResourceStats struct {
	Requests int   `json:"requests"`
	Failed   int   `json:"failed"`
	Bytes    int64 `json:"bytes"`
}

// FailedRequest is one request that did not complete.
type FailedRequest struct {
	URL     string `json:"url"`
	Type    string `json:"type"`
	Error   string `json:"error"`
	Blocked bool   `json:"blocked,omitempty"`
}

// ConsoleMessage is one console call or uncaught exception of the page.
type ConsoleMessage struct {
	Type string `json:"type"` // log, info, warning, error, debug, exception, ...
	Text string `json:"text"`
	URL  string `json:"url,omitempty"`
	Line int64  `json:"line,omitempty"`
}

// ArtifactData holds the binary outputs. []byte encodes as base64 in JSON;
// the HTTP layer may upload large ones to S3 instead.
type ArtifactData struct {
	Screenshot       []byte      `json:"screenshot,omitempty"`
	ScreenshotFormat ImageFormat `json:"screenshot_format,omitempty"`
	PDF              []byte      `json:"pdf,omitempty"`
}
