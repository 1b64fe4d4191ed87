// Package renderapi serves the render endpoint group: one URL through
// headless Chromium with waits, scrolling, actions and artifacts, then the
// extraction engine on the rendered page.
package renderapi

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/riptidecrawler/riptide/shared/blob"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/pipeline"
	"github.com/riptidecrawler/riptide/shared/render"
	"github.com/riptidecrawler/riptide/shared/sessions"
	"github.com/riptidecrawler/riptide/shared/stealth"
)

// Modes of POST /api/v1/render.
const (
	ModeStatic   = pipeline.ModeStatic   // fetch without a browser
	ModeDynamic  = pipeline.ModeDynamic  // always render
	ModeAdaptive = pipeline.ModeAdaptive // render when the gate (or a browser-only option) asks for it
	ModePDF      = pipeline.ModePDF      // the URL is a PDF: fetched and read by the pdf engine, no browser
)

// Timeouts of a render request: beyond MaxTimeout use the async job form.
const (
	DefaultTimeout = 15 * time.Second
	MaxTimeout     = 60 * time.Second
)

// Request is the body of POST /api/v1/render.
type Request struct {
	URL           string                 `json:"url"`
	Mode          string                 `json:"mode,omitempty"`
	Wait          []render.WaitCondition `json:"wait,omitempty"`
	Scroll        *render.Scroll         `json:"scroll,omitempty"`
	Actions       []render.Action        `json:"actions,omitempty"`
	Viewport      *render.Viewport       `json:"viewport,omitempty"`
	Stealth       *stealth.Options       `json:"stealth,omitempty"`
	SessionID     string                 `json:"session_id,omitempty"`
	Artifacts     render.Artifacts       `json:"artifacts,omitzero"`
	Block         render.Block           `json:"block,omitzero"`
	Headers       map[string]string      `json:"headers,omitempty"`
	TimeoutMS     int                    `json:"timeout_ms,omitempty"`
	Formats       []pipeline.Format      `json:"formats,omitempty"`
	RespectRobots *bool                  `json:"respect_robots,omitempty"`
}

// browserOnly lists the options that need a browser; asking for one in
// static mode is an error, and in adaptive mode forces a render.
func (r Request) browserOnly() []string {
	var used []string
	add := func(name string, set bool) {
		if set {
			used = append(used, name)
		}
	}
	add("wait", len(r.Wait) > 0)
	add("scroll", r.Scroll != nil)
	add("actions", len(r.Actions) > 0)
	add("viewport", r.Viewport != nil)
	add("stealth", r.Stealth != nil)
	add("artifacts", r.Artifacts.Screenshot != nil || r.Artifacts.PDF != nil)
	add("block", !isZeroBlock(r.Block))
	return used
}

func isZeroBlock(b render.Block) bool {
	return !b.Images && !b.Fonts && !b.Media && !b.Stylesheets && !b.Trackers && len(b.URLPatterns) == 0
}

// Response is the body of a successful render.
type Response struct {
	URL            string                  `json:"url"`
	FinalURL       string                  `json:"final_url"`
	Status         int                     `json:"status"`
	Mode           string                  `json:"mode"` // the mode used: static, dynamic or pdf
	Gate           *pipeline.GateInfo      `json:"gate,omitempty"`
	Document       *pipeline.Document      `json:"document"`
	QualityScore   float64                 `json:"quality_score"`
	Artifacts      *Artifacts              `json:"artifacts,omitempty"`
	Actions        []render.ActionResult   `json:"actions,omitempty"`
	Stats          Stats                   `json:"stats"`
	Network        *render.NetworkSummary  `json:"network,omitempty"`
	Console        []render.ConsoleMessage `json:"console,omitempty"`
	StealthApplied []stealth.Feature       `json:"stealth_applied"`
	SessionID      string                  `json:"session_id,omitempty"`
	Notes          []string                `json:"notes,omitempty"`
}

// Stats are timings per phase and counters.
type Stats struct {
	TotalMS         int64           `json:"total_ms"`
	FetchMS         int64           `json:"fetch_ms,omitempty"`
	Render          *render.Timings `json:"render,omitempty"`
	ExtractMS       int64           `json:"extract_ms"`
	ActionsExecuted int             `json:"actions_executed"`
	Requests        int             `json:"requests"`
	Bytes           int64           `json:"bytes"`
}

// Artifact is one binary output: inline base64, or a link when it was
// too large to return inline.
type Artifact struct {
	Format       string     `json:"format"`
	Bytes        int        `json:"bytes"`
	DataBase64   []byte     `json:"data_base64,omitempty"`
	URL          string     `json:"url,omitempty"`
	URLExpiresAt *time.Time `json:"url_expires_at,omitempty"`
}

// Artifacts are the binary outputs of a render.
type Artifacts struct {
	Screenshot *Artifact `json:"screenshot,omitempty"`
	PDF        *Artifact `json:"pdf,omitempty"`
}

// Deps are what the render group needs. The pipeline does the work (its
// Browser may be nil: requests that need one get dependency_error).
type Deps struct {
	Pipeline *pipeline.Pipeline
	// Blob keeps artifacts over InlineMax when it can hand out links
	// (blob.Linker: S3); otherwise artifacts are always inline.
	Blob      blob.Store
	InlineMax int64
	LinkTTL   time.Duration
}

// Handlers returns the group's handlers keyed by operation id.
func Handlers(d Deps) map[string]http.Handler {
	return map[string]http.Handler{"render.render": http.HandlerFunc(d.render)}
}

func (d Deps) render(w http.ResponseWriter, r *http.Request) {
	var req Request
	if err := httpx.Decode(r, &req); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if err := req.normalize(); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	resp, err := d.Render(r.Context(), httpx.RequestID(r.Context()), req)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, resp)
}

func (req *Request) normalize() error {
	if req.Mode == "" {
		req.Mode = ModeAdaptive
	}
	if !slices.Contains([]string{ModeStatic, ModeDynamic, ModeAdaptive, ModePDF}, req.Mode) {
		return core.Errorf(core.ErrValidation, "mode: must be one of static, dynamic, adaptive, pdf").WithDetails(core.Detail{Field: "mode", Message: "unknown mode"})
	}
	if req.TimeoutMS == 0 {
		req.TimeoutMS = int(DefaultTimeout.Milliseconds())
	}
	if req.TimeoutMS < 1000 || req.TimeoutMS > int(MaxTimeout.Milliseconds()) {
		return core.Errorf(core.ErrValidation, "timeout_ms: must be between 1000 and %d (use an async job for longer renders)", MaxTimeout.Milliseconds())
	}
	if used := req.browserOnly(); (req.Mode == ModeStatic || req.Mode == ModePDF) && len(used) > 0 {
		e := core.Errorf(core.ErrValidation, "%s only apply when rendering: use mode dynamic or adaptive", strings.Join(used, ", "))
		for _, field := range used {
			e = e.WithDetails(core.Detail{Field: field, Message: "needs a browser: not allowed with mode " + req.Mode})
		}
		return e
	}
	if req.SessionID != "" && !sessions.ValidID(req.SessionID) {
		return core.Errorf(core.ErrValidation, "session_id: not a session id (session_ followed by 32 hex digits, from POST /api/v1/sessions)").
			WithDetails(core.Detail{Field: "session_id", Message: "invalid"})
	}
	o := pipeline.Options{Formats: req.Formats, RespectRobots: req.RespectRobots, Headers: req.Headers, TimeoutMS: int64(req.TimeoutMS)}.WithDefaults()
	if err := o.Validate("options"); err != nil {
		// Field names here are top-level.
		e := core.AsError(err)
		e.Message = strings.ReplaceAll(e.Message, "options.", "")
		for i := range e.Details {
			e.Details[i].Field = strings.TrimPrefix(e.Details[i].Field, "options.")
		}
		return e
	}
	req.Formats = o.Formats
	br := req.browserRequest()
	return br.Validate()
}

// browserRequest is the renderer's request for this API request.
func (req Request) browserRequest() render.Request {
	wait := req.Wait
	if len(wait) == 0 {
		wait = render.DefaultWait()
	}
	return render.Request{URL: req.URL, TimeoutMS: req.TimeoutMS, Viewport: req.Viewport, Headers: req.Headers,
		Wait: wait, Scroll: req.Scroll, Actions: req.Actions, Artifacts: req.Artifacts, Block: req.Block, Stealth: req.Stealth}
}

// Render runs one render request through the pipeline; shared by the HTTP
// handler and the async job form.
func (d Deps) Render(ctx context.Context, requestID string, req Request) (*Response, error) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, time.Duration(req.TimeoutMS)*time.Millisecond+2*time.Second)
	defer cancel()
	opts := pipeline.Options{Formats: req.Formats, RespectRobots: req.RespectRobots, Headers: req.Headers,
		TimeoutMS: int64(req.TimeoutMS), SessionID: req.SessionID}.WithDefaults()
	out, err := d.Pipeline.Render(ctx, pipeline.RenderJob{Mode: req.Mode, Browser: req.browserRequest(),
		BrowserOptions: len(req.browserOnly()) > 0, Options: opts})
	if err != nil {
		return nil, err
	}
	resp := &Response{URL: req.URL, FinalURL: out.FinalURL, Status: out.Status, Mode: out.Mode, Gate: out.Gate,
		Document: out.Document, QualityScore: out.QualityScore, Notes: out.Notes, StealthApplied: []stealth.Feature{}, SessionID: req.SessionID}
	rendered := out.Rendered
	// One URL, and the browser's time when it ran, count against the
	// caller's key (no-op outside an HTTP request with a managed key).
	renderSeconds := 0.0
	if rendered != nil {
		renderSeconds = time.Since(start).Seconds()
	}
	httpx.AddUsage(ctx, 1, renderSeconds, 0)
	if rendered == nil {
		resp.Stats = Stats{TotalMS: time.Since(start).Milliseconds(), FetchMS: out.FetchMS, ExtractMS: out.ExtractMS, Requests: 1, Bytes: out.Bytes}
		return resp, nil
	}
	resp.Actions, resp.Console, resp.Network = rendered.Actions, rendered.Console, &rendered.Network
	resp.StealthApplied = append(resp.StealthApplied, rendered.StealthApplied...)
	timings := rendered.Timings
	executed := 0
	for _, a := range rendered.Actions {
		if a.OK {
			executed++
		}
	}
	resp.Stats = Stats{TotalMS: time.Since(start).Milliseconds(), FetchMS: out.FetchMS, Render: &timings, ExtractMS: out.ExtractMS,
		ActionsExecuted: executed, Requests: rendered.Network.Requests, Bytes: rendered.Network.Bytes}
	if resp.Artifacts, err = d.artifacts(ctx, requestID, rendered.Artifacts); err != nil {
		return nil, err
	}
	return resp, nil
}

// artifacts returns binary outputs inline, or uploads the ones over the
// inline limit and returns links (when a blob store is configured).
func (d Deps) artifacts(ctx context.Context, requestID string, a render.ArtifactData) (*Artifacts, error) {
	if len(a.Screenshot) == 0 && len(a.PDF) == 0 {
		return nil, nil
	}
	out := &Artifacts{}
	one := func(name, format, contentType string, data []byte) (*Artifact, error) {
		art := &Artifact{Format: format, Bytes: len(data)}
		linker, canLink := d.Blob.(blob.Linker)
		if !canLink || int64(len(data)) <= d.InlineMax {
			art.DataBase64 = data
			return art, nil
		}
		ttl := d.LinkTTL
		if ttl <= 0 {
			ttl = time.Hour
		}
		key := fmt.Sprintf("%s/%s.%s", requestID, name, format)
		if err := d.Blob.Put(ctx, key, contentType, data); err != nil {
			return nil, core.Wrap(core.ErrDependency, err, "could not store the "+name+" artifact")
		}
		link, err := linker.DownloadLink(ctx, key, ttl)
		if err != nil {
			return nil, core.Wrap(core.ErrDependency, err, "could not link the "+name+" artifact")
		}
		exp := time.Now().Add(ttl).UTC()
		art.URL, art.URLExpiresAt = link, &exp
		return art, nil
	}
	var err error
	if len(a.Screenshot) > 0 {
		f := string(a.ScreenshotFormat)
		if f == "" {
			f = "png"
		}
		if out.Screenshot, err = one("screenshot", f, "image/"+f, a.Screenshot); err != nil {
			return nil, err
		}
	}
	if len(a.PDF) > 0 {
		if out.PDF, err = one("page", "pdf", "application/pdf", a.PDF); err != nil {
			return nil, err
		}
	}
	return out, nil
}
