package pipeline

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/extract"
	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/monitor"
	"github.com/riptidecrawler/riptide/shared/render"
	"github.com/riptidecrawler/riptide/shared/sessions"
)

// Sessions lends the cookie jars of sessions (sessions.Service) to the
// pages of crawls and renders that name one: each page opens the jar
// (counting against the session's rate limit), its fetch and browser use
// it, and what the sites set is saved back.
type Sessions interface {
	// Check reports whether the caller of ctx may use the session.
	Check(ctx context.Context, id string) error
	Open(ctx context.Context, id string) (*sessions.Lease, error)
	Save(ctx context.Context, l *sessions.Lease) error
}

// Render modes of a RenderJob.
const (
	ModeStatic   = "static"   // fetch without a browser
	ModeDynamic  = "dynamic"  // always render
	ModeAdaptive = "adaptive" // render when the gate (or a browser-only option) asks for it
	ModePDF      = "pdf"      // the URL is a PDF: fetched and read by the pdf engine, no browser
)

// RenderJob is one render through the pipeline (POST /api/v1/render):
// the same fetch, robots.txt, gate, challenge detection and extraction as
// a crawl, with the browser request's waits, actions and artifacts.
type RenderJob struct {
	Mode string
	// Browser is the renderer's request; its URL is the page.
	Browser render.Request
	// BrowserOptions are set when the request asked for anything only a
	// browser does (waits, actions, artifacts...): adaptive mode then
	// renders without asking the gate.
	BrowserOptions bool
	// Options are the crawl options that apply (formats, headers,
	// respect_robots, timeout); defaults filled and validated.
	// Options.SessionID names the session whose cookies the page gets.
	Options Options
}

// RenderOutcome is a finished render job.
type RenderOutcome struct {
	FinalURL     string
	Status       int
	Mode         string // the mode used: static or dynamic
	Gate         *GateInfo
	Document     *Document
	QualityScore float64
	Notes        []string
	FetchMS      int64
	ExtractMS    int64
	Bytes        int64 // body bytes fetched (static and pdf modes)
	// Rendered is the browser's result (nil in static mode): actions,
	// console, network, artifacts, stealth applied.
	Rendered *render.Result
}

// Render runs a render job: in static and adaptive modes the page is
// fetched once and, if the gate (or adaptive mode's browser options) asks
// for a browser, the browser renders that fetched document instead of
// loading the URL again; in dynamic mode the browser loads the page itself,
// after robots.txt allows it. A challenge page is blocked_by_target, never
// content.
func (p *Pipeline) Render(ctx context.Context, job RenderJob) (*RenderOutcome, error) {
	start := p.now()
	obs := monitor.Page{FailedPhase: monitor.PhaseNone}
	out, err := p.render(ctx, job, &obs)
	if p.Recorder != nil {
		p.recordRender(obs, out, err, p.now().Sub(start))
	}
	return out, err
}

// recordRender records a render job as one page: its fetch (if any), the
// browser's render and the extraction.
func (p *Pipeline) recordRender(obs monitor.Page, out *RenderOutcome, err error, total time.Duration) {
	obs.Total, obs.Mode, obs.GateDecision = total, monitor.ModeStatic, "raw"
	switch {
	case err != nil:
		obs.ErrorType, obs.GateDecision = string(core.TypeOf(err)), "failed"
	case out.Mode == ModeDynamic:
		obs.Mode, obs.GateDecision = monitor.ModeHeadless, string(extract.DecisionHeadless)
	}
	if err == nil && out.Document != nil && out.Document.Document != nil {
		obs.HasDocument, obs.Quality, obs.Words = true, out.QualityScore, out.Document.WordCount
	}
	p.Recorder.RecordPage(obs)
}

// merge adds the phases of a sub-step (a crawl, an extraction) to a
// render job's record.
func merge(dst *monitor.Page, src monitor.Page) {
	for ph := monitor.Phase(0); ph < monitor.NumPhases; ph++ {
		if src.RanPhase(ph) {
			dst.Observe(ph, src.Durations[ph])
		}
	}
	if src.FailedPhase != monitor.PhaseNone {
		dst.FailedPhase = src.FailedPhase
	}
	if src.Cache != monitor.CacheNone {
		dst.Cache = src.Cache
	}
}

// timed runs f as phase ph of a render job's record.
func (p *Pipeline) timed(obs *monitor.Page, ph monitor.Phase, f func() error) error {
	obs.FailedPhase = ph
	t := p.now()
	err := f()
	obs.Observe(ph, p.now().Sub(t))
	return err
}

func (p *Pipeline) render(ctx context.Context, job RenderJob, obs *monitor.Page) (out *RenderOutcome, err error) {
	opts := job.Options
	opts.CacheMode, opts.RenderMode = CacheBypass, RenderRaw
	// One lease for the whole job: its fetch and its browser are one page.
	lease, err := p.openSession(ctx, opts.SessionID)
	if err != nil {
		return nil, err
	}
	defer func() {
		if serr := p.saveSession(ctx, lease); serr != nil && err == nil {
			out, err = nil, serr
		}
	}()
	out = &RenderOutcome{}
	if job.Mode == ModePDF {
		// No browser: the PDF is fetched and read by the pdf engine, like
		// a PDF met by a crawl.
		res := p.crawlLeased(ctx, job.Browser.URL, opts, false, lease)
		merge(obs, res.obs)
		if res.Error != nil {
			return nil, res.Error.AsError()
		}
		if res.ContentType != "application/pdf" {
			return nil, core.Errorf(core.ErrExtraction, "mode pdf: %s is %s, not a PDF (use mode static, dynamic or adaptive)", res.FinalURL, res.ContentType)
		}
		out.FinalURL, out.Status, out.Mode, out.Document, out.QualityScore, out.Notes = res.FinalURL, res.Status, ModePDF, res.Document, res.QualityScore, res.Notes
		out.FetchMS, out.ExtractMS, out.Bytes = res.Timings.FetchMS, res.Timings.ExtractMS, res.BodyBytes
		return out, nil
	}
	breq := job.Browser
	fetched := false
	if job.Mode == ModeStatic || job.Mode == ModeAdaptive && !job.BrowserOptions {
		// Keep the fetched page: if the gate wants a browser, the browser
		// renders it instead of fetching the URL again.
		withRaw := opts
		withRaw.Formats = append(slices.Clone(opts.Formats), FormatRawHTML)
		res := p.crawlLeased(ctx, breq.URL, withRaw, false, lease)
		merge(obs, res.obs)
		if res.Error != nil {
			return nil, res.Error.AsError()
		}
		page := res.Document.RawHTML
		if !opts.Has(FormatRawHTML) {
			res.Document.RawHTML = ""
		}
		out.FetchMS, out.ExtractMS, out.Bytes = res.Timings.FetchMS, res.Timings.ExtractMS, res.BodyBytes
		if job.Mode == ModeStatic || res.Gate == nil || res.Gate.Decision != string(extract.DecisionHeadless) {
			out.FinalURL, out.Status, out.Mode, out.Gate, out.Document, out.QualityScore, out.Notes =
				res.FinalURL, res.Status, ModeStatic, res.Gate, res.Document, res.QualityScore, res.Notes
			return out, nil
		}
		out.Gate = res.Gate
		out.Notes = append(out.Notes, "the gate chose a browser: "+strings.Join(res.Gate.Reasons, ", "))
		breq.URL, breq.HTML = res.FinalURL, page
		fetched = true
	}
	if p.Browser == nil {
		return nil, core.Errorf(core.ErrDependency, "headless rendering is not available on this server (no Chromium found and no render function configured)")
	}
	// A page the browser loads itself must pass robots.txt too (a page
	// fetched above already did).
	if !fetched && (opts.RespectRobots == nil || *opts.RespectRobots) {
		if err := p.timed(obs, monitor.PhaseFetch, func() error { return p.checkRobots(ctx, breq.URL) }); err != nil {
			return nil, err
		}
	}
	sent := browserCookies(lease)
	breq.Cookies = append(breq.Cookies, sent...)
	var rendered *render.Result
	err = p.timed(obs, monitor.PhaseRender, func() error {
		var err error
		rendered, err = p.Browser.Render(ctx, breq)
		return err
	})
	if err != nil {
		return nil, err
	}
	if c, blocked := fetch.DetectChallenge(rendered.Status, nil, []byte(rendered.HTML)); blocked {
		return nil, core.Errorf(core.ErrBlockedByTarget, "%s answered with a %s challenge (%s): no content was extracted", rendered.FinalURL, c.Vendor, c.Signal)
	}
	keepBrowserCookies(lease, sent, rendered.Cookies)
	ext := p.extractHTML(ctx, []byte(rendered.HTML), rendered.FinalURL, opts, false)
	merge(obs, ext.obs)
	if ext.Error != nil {
		return nil, ext.Error.AsError()
	}
	out.FinalURL, out.Status, out.Mode = rendered.FinalURL, rendered.Status, ModeDynamic
	out.Document, out.QualityScore = ext.Document, ext.QualityScore
	if opts.Has(FormatRawHTML) {
		out.Document.RawHTML = rendered.HTML
	}
	out.ExtractMS += ext.Timings.ExtractMS
	out.Rendered = rendered
	return out, nil
}

// checkRobots refuses a URL robots.txt disallows, with the fetcher's
// cached reading of it.
func (p *Pipeline) checkRobots(ctx context.Context, rawURL string) error {
	info, err := p.Fetcher.Robots(ctx, rawURL)
	if err != nil {
		return err
	}
	if !info.Allowed {
		return core.Errorf(core.ErrRobotsDisallowed, "%s is disallowed by %s (set respect_robots: false to render it anyway)", rawURL, info.URL)
	}
	return nil
}

// renderForCrawl renders a page the gate (or render_mode headless) sent to
// the browser during a crawl: the fetched document is rendered in place,
// with resources that never change the text blocked.
func (p *Pipeline) renderForCrawl(ctx context.Context, pageURL string, body []byte, opts Options, lease *sessions.Lease) (*render.Result, error) {
	headers := map[string]string{}
	for k, v := range opts.Headers {
		headers[k] = v
	}
	if opts.UserAgent != "" {
		headers["User-Agent"] = opts.UserAgent
	}
	timeout := opts.Timeout()
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	req := render.Request{URL: pageURL, HTML: string(body), TimeoutMS: int(timeout.Milliseconds()), Headers: headers,
		Wait: render.DefaultWait(), Block: render.Block{Media: true, Fonts: true, Trackers: true}, Cookies: browserCookies(lease)}
	res, err := p.Browser.Render(ctx, req)
	if err != nil {
		return nil, err
	}
	keepBrowserCookies(lease, req.Cookies, res.Cookies)
	if c, blocked := fetch.DetectChallenge(res.Status, nil, []byte(res.HTML)); blocked {
		return nil, core.Errorf(core.ErrBlockedByTarget, "%s answered with a %s challenge after rendering (%s)", pageURL, c.Vendor, c.Signal)
	}
	return res, nil
}
