// Package pipeline crawls one URL end to end: cache lookup, one fetch (SSRF
// guard, robots.txt, retries), challenge detection, the gate (raw or
// headless), extraction from a single parse, and cache store. Batch runs
// many URLs with bounded concurrency and hands each result to the caller as
// it completes. The pipeline holds no transport: the HTTP handlers, the
// CLI, the spider and the workers all call it.
package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/extract"
	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/monitor"
	"github.com/riptidecrawler/riptide/shared/render"
	"github.com/riptidecrawler/riptide/shared/sessions"
	"github.com/riptidecrawler/riptide/shared/strategy"
	"github.com/riptidecrawler/riptide/shared/urlnorm"
)

// Fetcher gets one URL and reads robots.txt (shared/fetch.Fetcher). Both
// are required: a page the browser loads itself is checked against
// robots.txt here, so a fetcher without it would be a silent bypass.
type Fetcher interface {
	Fetch(ctx context.Context, req fetch.Request) (*fetch.Response, error)
	Robots(ctx context.Context, rawURL string) (*fetch.RobotsInfo, error)
}

// Cache stores crawl results by key (a Redis adapter lives in shared/store).
type Cache interface {
	Get(ctx context.Context, key string) ([]byte, bool, error)
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
}

// Pipeline crawls URLs. Fetcher is required; Cache, Browser and Sessions
// are optional.
type Pipeline struct {
	Fetcher Fetcher
	Cache   Cache
	// Browser renders pages that need JavaScript (a local Chromium or the
	// render function); nil: such pages are extracted from their raw HTML
	// with a note, and render jobs answer dependency_error.
	Browser  render.Renderer
	Sessions Sessions
	Logger   *slog.Logger
	// Strategies serve options.extraction (nil: the built-ins).
	Strategies *strategy.Registry
	// Recorder receives one record per page: phase timings, outcome,
	// cache lookup (the monitoring group, CloudWatch, Prometheus); nil
	// records nothing.
	Recorder PageRecorder
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

func (p *Pipeline) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Pipeline) log() *slog.Logger {
	if p.Logger != nil {
		return p.Logger
	}
	return slog.Default()
}

// PageRecorder is the monitor's recorder port as the pipeline uses it
// (shared/monitor.Recorder satisfies it).
type PageRecorder interface {
	RecordPage(monitor.Page)
}

// Crawl processes one URL with options that have been defaulted and
// validated. It never returns an error: failures are in Result.Error with
// their real type and message.
func (p *Pipeline) Crawl(ctx context.Context, rawURL string, opts Options) Result {
	return p.crawl(ctx, rawURL, opts, true)
}

// crawl is Crawl; record false leaves the page record to the caller (a
// render job records the fetch and the render as one page).
func (p *Pipeline) crawl(ctx context.Context, rawURL string, opts Options, record bool) Result {
	return p.crawlLeased(ctx, rawURL, opts, record, nil)
}

// crawlLeased is crawl with the session's jar already open (a render job
// holds one lease for its fetch and its browser); with none it opens one
// when opts name a session.
func (p *Pipeline) crawlLeased(ctx context.Context, rawURL string, opts Options, record bool, lease *sessions.Lease) Result {
	start := p.now()
	r := Result{URL: rawURL, GateDecision: "failed"}
	r.obs.FailedPhase = monitor.PhaseNone
	finish := func() Result {
		total := p.now().Sub(start)
		r.Timings.TotalMS = total.Milliseconds()
		r.ProcessingTimeMS = r.Timings.TotalMS
		if record {
			p.record(&r, total)
		}
		return r
	}
	u, err := urlnorm.Validate(rawURL)
	if err != nil {
		r.Error = core.InfoOf(err)
		return finish()
	}
	key := CacheKey(u.String(), opts)
	// A session's pages depend on its cookies: never cached.
	useCache := p.Cache != nil && opts.CacheMode != CacheBypass && opts.SessionID == ""
	if useCache {
		r.CacheKey = key
	}
	if useCache && (opts.CacheMode == CacheReadThrough || opts.CacheMode == CacheOnly) {
		t := p.now()
		cached, hit := p.cached(ctx, key)
		r.Timings.CacheMS = p.now().Sub(t).Milliseconds()
		r.obs.Cache = monitor.CacheMiss
		if hit {
			cached.FromCache = true
			cached.CacheKey = key
			cached.URL = rawURL
			cached.Timings = Timings{CacheMS: r.Timings.CacheMS}
			cached.obs = monitor.Page{Cache: monitor.CacheHit, FailedPhase: monitor.PhaseNone}
			r = cached
			return finish()
		}
	}
	if opts.CacheMode == CacheOnly {
		if p.Cache == nil {
			r.Error = core.InfoOf(core.Errorf(core.ErrDependency, "cache_only: no cache is configured"))
		} else {
			r.Error = core.InfoOf(core.Errorf(core.ErrNotFound, "cache_only: %s is not in the cache for these options", rawURL))
		}
		return finish()
	}

	if lease == nil && opts.SessionID != "" {
		if lease, err = p.openSession(ctx, opts.SessionID); err != nil {
			r.Error = core.InfoOf(err)
			return finish()
		}
		defer func() {
			if err := p.saveSession(ctx, lease); err != nil && r.Error == nil {
				r.Error = core.InfoOf(err)
			}
		}()
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout())
	defer cancel()
	if err := p.process(ctx, u.String(), opts, lease, &r); err != nil {
		r.Error = core.InfoOf(deadlineAware(ctx, err, opts))
		return finish()
	}
	if useCache && r.OK() {
		t := p.now()
		p.store(ctx, key, r, opts)
		r.obs.Observe(monitor.PhaseStore, p.now().Sub(t))
	}
	return finish()
}

// record hands the page's record to the recorder.
func (p *Pipeline) record(r *Result, total time.Duration) {
	if p.Recorder == nil {
		return
	}
	pg := r.obs
	pg.Total = total
	pg.Mode = monitor.ModeStatic
	if r.GateDecision == string(extract.DecisionHeadless) {
		pg.Mode = monitor.ModeHeadless
	}
	pg.GateDecision = r.GateDecision
	if r.FromCache {
		pg.GateDecision = monitor.GateCached
	}
	if r.Error != nil {
		pg.ErrorType = string(r.Error.Type)
	} else if r.Document != nil && r.Document.Document != nil {
		pg.HasDocument, pg.Quality, pg.Words = true, r.QualityScore, r.Document.WordCount
	}
	p.Recorder.RecordPage(pg)
}

// phase starts timing phase ph of r's page; the returned func ends it.
// The phase in progress is where a failure is charged.
func (p *Pipeline) phase(r *Result, ph monitor.Phase) func() time.Duration {
	r.obs.FailedPhase = ph
	t := p.now()
	return func() time.Duration {
		d := p.now().Sub(t)
		r.obs.Observe(ph, d)
		return d
	}
}

// deadlineAware reports the per-URL budget running out as a timeout with
// the budget in the message, whatever layer noticed it.
func deadlineAware(ctx context.Context, err error, opts Options) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) && core.TypeOf(err) != core.ErrTimeout {
		return core.Wrap(core.ErrTimeout, err, fmt.Sprintf("crawl exceeded timeout_ms=%d", opts.TimeoutMS))
	}
	return err
}

// process fetches, decides, renders if needed, and extracts.
func (p *Pipeline) process(ctx context.Context, target string, opts Options, lease *sessions.Lease, r *Result) error {
	done := p.phase(r, monitor.PhaseFetch)
	req := fetchRequest(target, opts)
	if lease != nil {
		req.Jar = lease.Jar
	}
	resp, err := p.Fetcher.Fetch(ctx, req)
	r.Timings.FetchMS = done().Milliseconds()
	// Everything made from the body below (document, raw HTML, structured
	// fields) is a copy: its buffer serves the next fetch.
	defer resp.Release()
	if resp != nil {
		r.FinalURL = resp.FinalURL
		r.Status = resp.Status
		r.ContentType = resp.ContentType
		r.BodyBytes, r.Truncated = int64(len(resp.Body)), resp.Truncated
		if resp.Truncated {
			r.Notes = append(r.Notes, fmt.Sprintf("body truncated at %d bytes (options.max_body_bytes)", len(resp.Body)))
		}
	}
	if err != nil {
		return err
	}
	switch kind := contentKind(resp.ContentType); kind {
	case kindHTML:
		return p.html(ctx, resp.Body, resp.FinalURL, opts, true, lease, r)
	case kindText:
		r.obs.FailedPhase = monitor.PhaseExtract
		r.GateDecision = "raw"
		r.Document = textDocument(resp, opts)
		r.QualityScore = r.Document.Quality.Score
		return p.structured(ctx, nil, resp.Body, r.Document.Document, string(resp.Body), opts, r)
	case kindPDF:
		done := p.phase(r, monitor.PhaseExtract)
		doc, err := pdfDocument(ctx, resp, opts)
		r.Timings.ExtractMS = done().Milliseconds()
		if err != nil {
			return err
		}
		r.GateDecision, r.Document, r.QualityScore = "raw", doc, doc.Quality.Score
		return nil
	default:
		r.obs.FailedPhase = monitor.PhaseExtract
		return core.Errorf(core.ErrExtraction, "content type %q is not extractable (HTML, XHTML, plain text, markdown, JSON and XML are)", resp.ContentType)
	}
}

func fetchRequest(target string, opts Options) fetch.Request {
	req := fetch.Request{URL: target, RespectRobots: opts.RespectRobots, Timeout: opts.Timeout(), MaxBodyBytes: opts.MaxBodyBytes,
		Politeness: opts.Politeness}
	if len(opts.Headers) > 0 || opts.UserAgent != "" {
		req.Header = http.Header{}
		for k, v := range opts.Headers {
			req.Header.Set(k, v)
		}
		if opts.UserAgent != "" {
			req.Header.Set("User-Agent", opts.UserAgent)
		}
	}
	return req
}

// extractLimit is the largest page extraction takes: what the request let
// the fetch keep (options.max_body_bytes, up to MaxMaxBodyBytes), and at
// least the extractor's own default (a rendered DOM can outgrow the bytes
// fetched). A body the fetch accepted is never refused by extraction.
func extractLimit(opts Options) int {
	return int(max(opts.MaxBodyBytes, extract.DefaultMaxBytes))
}

// html runs the gate and extraction on an HTML page, rendering it first
// when the gate (or the request) asks for a browser.
func (p *Pipeline) html(ctx context.Context, body []byte, pageURL string, opts Options, canRender bool, lease *sessions.Lease, r *Result) error {
	done := p.phase(r, monitor.PhaseExtract)
	page, err := extract.Parse(ctx, body, pageURL, extractLimit(opts))
	parsed := done()
	if err != nil {
		return err
	}
	// The documents made from the page hold no part of it: its working
	// memory serves the next page (a spider extracts one after another).
	defer func() { page.Release() }()
	done = p.phase(r, monitor.PhaseGate)
	gate := page.Gate()
	gated := done()
	r.Gate = &GateInfo{Decision: string(gate.Decision), Score: gate.Score, Reasons: gate.Reasons}
	r.Timings.ExtractMS = (parsed + gated).Milliseconds()
	raw := body
	decision := extract.DecisionRaw
	wantBrowser := opts.RenderMode == RenderHeadless || (opts.RenderMode == RenderAuto && gate.Decision == extract.DecisionHeadless)
	switch {
	case wantBrowser && !canRender:
		r.Notes = append(r.Notes, "the gate says this page needs a headless browser, but raw HTML was given: extracted as given")
	case wantBrowser && p.Browser == nil:
		r.Notes = append(r.Notes, "the page needs a headless browser (gate: "+string(gate.Decision)+
			") but rendering is not available here: extracted from the raw HTML")
	case wantBrowser:
		done := p.phase(r, monitor.PhaseRender)
		rendered, err := p.renderForCrawl(ctx, pageURL, body, opts, lease)
		r.Timings.RenderMS = done().Milliseconds()
		if err != nil {
			return err
		}
		done = p.phase(r, monitor.PhaseExtract)
		page.Release()
		page, err = extract.Parse(ctx, []byte(rendered.HTML), rendered.FinalURL, extractLimit(opts))
		r.Timings.ExtractMS += done().Milliseconds()
		if err != nil {
			return err
		}
		raw, decision = []byte(rendered.HTML), extract.DecisionHeadless
		r.FinalURL, r.Status = rendered.FinalURL, rendered.Status
	}
	done = p.phase(r, monitor.PhaseExtract)
	doc, err := page.Extract(ctx, extractOptions(opts))
	r.Timings.ExtractMS += done().Milliseconds()
	if err != nil {
		return err
	}
	r.GateDecision = string(decision)
	r.QualityScore = doc.Quality.Score
	text := doc.Text // shape may drop it; chunking may want it
	r.Document = shape(doc, raw, opts)
	return p.structured(ctx, page, raw, doc, text, opts, r)
}

func extractOptions(opts Options) extract.Options {
	return extract.Options{
		// The text is rendered when asked for or when chunking may split
		// it; otherwise only its words are counted.
		SkipText:     !opts.Has(FormatText) && opts.Chunking == nil,
		SkipMarkdown: !opts.Has(FormatMarkdown),
		SkipHTML:     !opts.Has(FormatHTML),
		SkipLinks:    !opts.Has(FormatLinks),
		SkipMedia:    !opts.Has(FormatMedia),
	}
}

// shape keeps only the formats asked for. Text, word count and quality are
// always kept: they are small and say what the document is.
func shape(doc *extract.Document, raw []byte, opts Options) *Document {
	if !opts.Has(FormatMetadata) {
		keep := extract.Document{URL: doc.URL, Title: doc.Title, Text: doc.Text, Markdown: doc.Markdown, HTML: doc.HTML,
			Links: doc.Links, Media: doc.Media, WordCount: doc.WordCount, ReadingTimeMS: doc.ReadingTimeMS,
			ExtractionMethod: doc.ExtractionMethod, Quality: doc.Quality}
		doc = &keep
	}
	if !opts.Has(FormatText) {
		doc.Text = ""
	}
	d := &Document{Document: doc}
	if opts.Has(FormatRawHTML) {
		d.RawHTML = string(raw)
	}
	return d
}

type contentClass int

const (
	kindOther contentClass = iota
	kindHTML
	kindText
	kindPDF
)

func contentKind(ct string) contentClass {
	switch {
	case ct == "text/html" || ct == "application/xhtml+xml" || ct == "":
		return kindHTML
	case ct == "application/pdf":
		return kindPDF
	case strings.HasPrefix(ct, "text/"), ct == "application/json", ct == "application/xml",
		strings.HasSuffix(ct, "+json"), strings.HasSuffix(ct, "+xml"):
		return kindText
	}
	return kindOther
}

// textDocument wraps a non-HTML text body: its text is the content itself.
func textDocument(resp *fetch.Response, opts Options) *Document {
	body := string(resp.Body)
	doc := &extract.Document{URL: resp.FinalURL, Text: body, ExtractionMethod: extract.MethodNotHTML}
	if resp.ContentType == "text/markdown" && opts.Has(FormatMarkdown) {
		doc.Markdown = body
	}
	doc.WordCount = len(strings.Fields(body))
	doc.Quality = extract.Quality{Score: 1, Reasons: []string{"not HTML: the body is the content (" + resp.ContentType + ")"}}
	return shape(doc, resp.Body, opts)
}

// ExtractHTML extracts HTML given by the caller (nothing is fetched or
// rendered). pageURL, if any, resolves relative links.
func (p *Pipeline) ExtractHTML(ctx context.Context, body []byte, pageURL string, opts Options) Result {
	return p.extractHTML(ctx, body, pageURL, opts, true)
}

func (p *Pipeline) extractHTML(ctx context.Context, body []byte, pageURL string, opts Options, record bool) Result {
	start := p.now()
	r := Result{URL: pageURL, GateDecision: "failed", ContentType: "text/html"}
	r.obs.FailedPhase = monitor.PhaseNone
	if err := p.html(ctx, body, pageURL, opts, false, nil, &r); err != nil {
		r.Error = core.InfoOf(err)
	}
	total := p.now().Sub(start)
	r.Timings.TotalMS = total.Milliseconds()
	r.ProcessingTimeMS = r.Timings.TotalMS
	if record {
		p.record(&r, total)
	}
	return r
}

// CacheKey identifies a crawl result: the normalised URL plus every option
// that changes the output.
func CacheKey(normalizedURL string, opts Options) string {
	u, err := urlnorm.Normalize(normalizedURL)
	if err != nil {
		u = normalizedURL
	}
	formats := make([]string, len(opts.Formats))
	for i, f := range opts.Formats {
		formats[i] = string(f)
	}
	sort.Strings(formats)
	headers := make([]string, 0, len(opts.Headers))
	for k, v := range opts.Headers {
		headers = append(headers, strings.ToLower(k)+"="+v)
	}
	sort.Strings(headers)
	robots := opts.RespectRobots == nil || *opts.RespectRobots
	h := sha256.New()
	fmt.Fprintf(h, "v1\n%s\n%s\n%s\n%t\n%s\n%s\n%d", u, strings.Join(formats, ","), opts.RenderMode, robots,
		opts.UserAgent, strings.Join(headers, "\n"), opts.MaxBodyBytes)
	h.Write([]byte(structuredKey(opts)))
	return hex.EncodeToString(h.Sum(nil))[:40]
}

// cachedEntry is what the cache holds.
type cachedEntry struct {
	CrawledAt time.Time `json:"crawled_at"`
	Result    Result    `json:"result"`
}

func (p *Pipeline) cached(ctx context.Context, key string) (Result, bool) {
	raw, ok, err := p.Cache.Get(ctx, key)
	if err != nil {
		// A cache outage degrades to crawling, it does not fail the request.
		p.log().WarnContext(ctx, "cache read failed", slog.String("error", err.Error()))
		return Result{}, false
	}
	if !ok {
		return Result{}, false
	}
	var e cachedEntry
	if err := json.Unmarshal(raw, &e); err != nil {
		p.log().WarnContext(ctx, "cache entry unreadable; crawling", slog.String("error", err.Error()))
		return Result{}, false
	}
	e.Result.CachedAt = &e.CrawledAt
	return e.Result, true
}

func (p *Pipeline) store(ctx context.Context, key string, r Result, opts Options) {
	b, err := json.Marshal(cachedEntry{CrawledAt: p.now().UTC(), Result: r})
	if err != nil {
		return
	}
	if err := p.Cache.Set(ctx, key, b, opts.CacheTTL()); err != nil {
		p.log().WarnContext(ctx, "cache write failed", slog.String("error", err.Error()))
	}
}
