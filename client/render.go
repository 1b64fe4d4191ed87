package client

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// RenderRequest is the body of POST /api/v1/render (docs/render.md).
type RenderRequest struct {
	URL string `json:"url"`
	// Mode: static, dynamic (default) or adaptive.
	Mode          string            `json:"mode,omitempty"`
	Formats       []string          `json:"formats,omitempty"`
	Headers       map[string]string `json:"headers,omitempty"`
	TimeoutMS     int64             `json:"timeout_ms,omitempty"`
	RespectRobots *bool             `json:"respect_robots,omitempty"`
	SessionID     string            `json:"session_id,omitempty"`
	Wait          []RenderWait      `json:"wait,omitempty"`
	// Actions run in order after the page loads (docs/render.md).
	Actions   []RenderAction   `json:"actions,omitempty"`
	Artifacts *RenderArtifacts `json:"artifacts,omitempty"`
}

// RenderWait is a condition the page must meet before it is read.
type RenderWait struct {
	// Type: selector, network_idle, delay, expression, ...
	Type        string `json:"type"`
	Selector    string `json:"selector,omitempty"`
	Expression  string `json:"expression,omitempty"`
	DelayMS     int64  `json:"delay_ms,omitempty"`
	IdleMS      int64  `json:"idle_ms,omitempty"`
	MaxInflight int    `json:"max_inflight,omitempty"`
	TimeoutMS   int64  `json:"timeout_ms,omitempty"`
}

// RenderAction is one step on the page: click, type, press, select,
// scroll, wait, script, navigate (docs/render.md lists each one's fields).
type RenderAction struct {
	Type            string       `json:"type"`
	Selector        string       `json:"selector,omitempty"`
	Text            string       `json:"text,omitempty"`
	Key             string       `json:"key,omitempty"`
	Values          []string     `json:"values,omitempty"`
	Script          string       `json:"script,omitempty"`
	URL             string       `json:"url,omitempty"`
	Wait            []RenderWait `json:"wait,omitempty"`
	TimeoutMS       int64        `json:"timeout_ms,omitempty"`
	ContinueOnError bool         `json:"continue_on_error,omitempty"`
}

// RenderArtifacts asks for a screenshot and/or a PDF of the page.
type RenderArtifacts struct {
	Screenshot *ScreenshotOptions `json:"screenshot,omitempty"`
	PDF        *PDFOptions        `json:"pdf,omitempty"`
}

// PDFOptions shape a PDF print of the page.
type PDFOptions struct {
	Paper           string  `json:"paper,omitempty"` // letter, a4, ...
	Landscape       bool    `json:"landscape,omitempty"`
	PrintBackground bool    `json:"print_background,omitempty"`
	Scale           float64 `json:"scale,omitempty"`
}

// ScreenshotOptions shape a screenshot.
type ScreenshotOptions struct {
	// Format: png (default) or jpeg.
	Format   string `json:"format,omitempty"`
	FullPage bool   `json:"full_page,omitempty"`
	Quality  int    `json:"quality,omitempty"`
}

// RenderResponse is a rendered page.
type RenderResponse struct {
	URL            string          `json:"url"`
	FinalURL       string          `json:"final_url"`
	Status         int             `json:"status"`
	Mode           string          `json:"mode"`
	QualityScore   float64         `json:"quality_score"`
	Document       *Document       `json:"document"`
	SessionID      string          `json:"session_id,omitempty"`
	StealthApplied []string        `json:"stealth_applied"`
	Notes          []string        `json:"notes,omitempty"`
	Artifacts      *RenderedFiles  `json:"artifacts,omitempty"`
	Stats          json.RawMessage `json:"stats"`
}

// RenderedFiles are the artifacts a render produced.
type RenderedFiles struct {
	Screenshot *Artifact `json:"screenshot,omitempty"`
	PDF        *Artifact `json:"pdf,omitempty"`
}

// Artifact is a screenshot or PDF, inline (DataBase64) or stored (URL).
type Artifact struct {
	Format       string     `json:"format"`
	Bytes        int64      `json:"bytes"`
	DataBase64   string     `json:"data_base64,omitempty"`
	URL          string     `json:"url,omitempty"`
	URLExpiresAt *time.Time `json:"url_expires_at,omitempty"`
}

// Render renders one URL in the server's headless Chromium.
func (cl *Client) Render(ctx context.Context, req RenderRequest) (*RenderResponse, error) {
	var out RenderResponse
	if _, err := cl.do(ctx, call{method: http.MethodPost, path: "/render", body: req}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
