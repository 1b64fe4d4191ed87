// Package stealthapi serves the stealth endpoint group: presets and their
// effective configuration, the headless-detection test run in a real
// browser, the capability list and the browser's state.
package stealthapi

import (
	"context"
	"net/http"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/render"
	"github.com/riptidecrawler/riptide/shared/stealth"
)

// Deps are what the stealth group needs; Renderer may be nil (no browser).
type Deps struct {
	Renderer render.Renderer
}

// Handlers returns the group's handlers keyed by operation id.
func Handlers(d Deps) map[string]http.Handler {
	return map[string]http.Handler{
		"stealth.configure":    http.HandlerFunc(d.configure),
		"stealth.test":         http.HandlerFunc(d.test),
		"stealth.capabilities": http.HandlerFunc(capabilities),
		"stealth.health":       http.HandlerFunc(d.health),
	}
}

// Configuration is the effective configuration of stealth options: what a
// render with them would claim to be.
type Configuration struct {
	BrowserVersion string            `json:"browser_version"`
	Preset         stealth.Preset    `json:"preset"`
	Features       []stealth.Feature `json:"features"`
	Platform       stealth.Platform  `json:"platform,omitempty"`
	UserAgent      string            `json:"user_agent,omitempty"`
	AcceptLanguage string            `json:"accept_language,omitempty"`
	Locale         string            `json:"locale,omitempty"`
	Timezone       string            `json:"timezone,omitempty"`
	Hardware       int64             `json:"hardware_concurrency,omitempty"`
	Viewport       *stealth.Viewport `json:"viewport,omitempty"`
	ScriptBytes    int               `json:"script_bytes"`
}

// ConfigureRequest is stealth options plus the browser version to plan
// for (the user agent and client hints name its major version).
type ConfigureRequest struct {
	stealth.Options
	BrowserVersion string `json:"browser_version,omitempty"`
}

// AssumedBrowserVersion is planned for when a configure request names no
// version; a real render always uses the version of the browser it runs.
const AssumedBrowserVersion = "156.0.0.0"

// configure resolves a preset and overrides into the configuration a
// render would apply. It stores nothing: stealth is chosen per request
// (the `stealth` object of /render), which keeps concurrent clients from
// changing each other's settings.
func (d Deps) configure(w http.ResponseWriter, r *http.Request) {
	var req ConfigureRequest
	if err := httpx.Decode(r, &req); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	opts := req.Options
	if req.BrowserVersion == "" {
		req.BrowserVersion = AssumedBrowserVersion
	}
	if opts.Preset == "" {
		opts.Preset = stealth.PresetMedium
	}
	if err := opts.Validate(); err != nil {
		httpx.WriteError(w, r, core.Errorf(core.ErrValidation, "%v", err))
		return
	}
	plan, err := opts.Plan(req.BrowserVersion)
	if err != nil {
		httpx.WriteError(w, r, core.Errorf(core.ErrValidation, "%v", err))
		return
	}
	c := Configuration{BrowserVersion: req.BrowserVersion, Preset: opts.Preset, Features: opts.Enabled(), Platform: opts.Platform, Locale: plan.Locale,
		Timezone: plan.Timezone, Hardware: plan.HardwareConcurrency, ScriptBytes: len(plan.Script)}
	if c.Features == nil {
		c.Features = []stealth.Feature{}
	}
	if plan.UserAgent != nil {
		c.UserAgent, c.AcceptLanguage = plan.UserAgent.UserAgent, plan.UserAgent.AcceptLanguage
	}
	if plan.Viewport.Width > 0 {
		v := plan.Viewport
		c.Viewport = &v
	}
	httpx.WriteJSON(w, http.StatusOK, c)
}

// TestRequest is the optional body of POST /api/v1/stealth/test.
type TestRequest struct {
	// Preset to test (default medium).
	Preset stealth.Preset `json:"preset,omitempty"`
	// Compare also runs preset none, so the answer shows what the preset fixes.
	Compare bool `json:"compare,omitempty"`
}

// TestResponse reports each detection check.
type TestResponse struct {
	Report   stealth.Report  `json:"report"`
	Baseline *stealth.Report `json:"baseline,omitempty"`
	// Fixed lists checks the baseline fails and the preset passes.
	Fixed     []string `json:"fixed,omitempty"`
	ElapsedMS int64    `json:"elapsed_ms"`
}

func (d Deps) test(w http.ResponseWriter, r *http.Request) {
	var req TestRequest
	if err := httpx.Decode(r, &req); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if req.Preset == "" {
		req.Preset = stealth.PresetMedium
	}
	if err := (stealth.Options{Preset: req.Preset}).Validate(); err != nil {
		httpx.WriteError(w, r, core.Errorf(core.ErrValidation, "%v", err))
		return
	}
	if d.Renderer == nil {
		httpx.WriteError(w, r, core.Errorf(core.ErrDependency, "no browser is available to run the detection page"))
		return
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(r.Context(), 45*time.Second)
	defer cancel()
	probe := render.StealthProbe(d.Renderer, "")
	rep, err := stealth.Test(ctx, probe, req.Preset)
	if err != nil {
		httpx.WriteError(w, r, asRenderError(err))
		return
	}
	resp := TestResponse{Report: rep}
	if req.Compare && req.Preset != stealth.PresetNone {
		base, err := stealth.Test(ctx, probe, stealth.PresetNone)
		if err != nil {
			httpx.WriteError(w, r, asRenderError(err))
			return
		}
		resp.Baseline = &base
		for _, name := range base.Failing() {
			if c, ok := rep.Check(name); ok && c.Pass {
				resp.Fixed = append(resp.Fixed, name)
			}
		}
	}
	resp.ElapsedMS = time.Since(start).Milliseconds()
	httpx.WriteJSON(w, http.StatusOK, resp)
}

// asRenderError keeps typed render errors and calls anything else a
// render_error (a detection page that wrote no report).
func asRenderError(err error) error {
	if core.TypeOf(err) != core.ErrInternal {
		return err
	}
	return core.Wrap(core.ErrRender, err, "the detection page could not be evaluated: "+err.Error())
}

func capabilities(w http.ResponseWriter, _ *http.Request) {
	httpx.WriteJSON(w, http.StatusOK, stealth.GetCapabilities())
}

// Health is the body of GET /api/v1/stealth/health.
type Health struct {
	Status  string `json:"status"`
	Browser string `json:"browser,omitempty"`
	Error   string `json:"error,omitempty"`
}

func (d Deps) health(w http.ResponseWriter, r *http.Request) {
	detail, err := render.HealthProbe(d.Renderer)(r.Context())
	if err != nil {
		httpx.WriteJSON(w, http.StatusServiceUnavailable, Health{Status: "unhealthy", Browser: detail, Error: err.Error()})
		return
	}
	httpx.WriteJSON(w, http.StatusOK, Health{Status: "healthy", Browser: detail})
}
