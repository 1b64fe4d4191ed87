package firecrawlapi

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/pipeline"
	"github.com/riptidecrawler/riptide/shared/ratelimit"
	"github.com/riptidecrawler/riptide/shared/render"
	"github.com/riptidecrawler/riptide/shared/strategy"
)

// ScrapeRequest is the body of POST /v1/scrape.
type ScrapeRequest struct {
	URL string `json:"url"`
	ScrapeOptions
	// Origin and Integration are client labels the SDKs send; kept in no
	// record.
	Origin            string          `json:"origin,omitempty"`
	Integration       string          `json:"integration,omitempty"`
	Agent             json.RawMessage `json:"agent,omitempty"`
	ZeroDataRetention *bool           `json:"zeroDataRetention,omitempty"`
}

// ScrapeResponse is the answer of a scrape.
type ScrapeResponse struct {
	Success bool     `json:"success"`
	Warning string   `json:"warning,omitempty"`
	Data    Document `json:"data"`
}

func (d Deps) scrape(w http.ResponseWriter, r *http.Request) {
	var req ScrapeRequest
	if err := httpx.Decode(r, &req); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if req.URL == "" {
		httpx.WriteError(w, r, refuse("url", "required"))
		return
	}
	if len(req.Agent) > 0 && string(req.Agent) != "null" {
		httpx.WriteError(w, r, refuse("agent", "Firecrawl's FIRE-1 agent is not available here"))
		return
	}
	if err := checkRetention(req.ZeroDataRetention); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	plan, err := req.check("", false, d.CanRender)
	if err == nil {
		err = httpx.SpendUpfront(r.Context(), ratelimit.URLs, 1)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.AddUsage(r.Context(), 1, 0, 0)
	doc, err := d.scrapeOne(r.Context(), req.URL, plan)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, ScrapeResponse{Success: true, Warning: doc.Warning, Data: *doc})
}

func checkRetention(zdr *bool) error {
	if zdr != nil && *zdr {
		return refuse("zeroDataRetention", "results are kept in this server's store (crawl and batch results for their TTL, scrapes in the cache); zero data retention is not offered")
	}
	return nil
}

// pipelineOptions maps a plan to crawl options. Links and metadata are
// always asked for: metadata fills the document's metadata, and links
// are cheap.
func (p scrapePlan) pipelineOptions(rawHTML bool) pipeline.Options {
	opts := pipeline.Options{Formats: []pipeline.Format{pipeline.FormatMetadata}, Headers: p.headers,
		TimeoutMS: p.timeoutMS, CacheMode: pipeline.CacheBypass}
	if p.maxAgeMS > 0 {
		// Firecrawl's maxAge accepts a cached copy; RipTide's cache keeps
		// entries for their TTL, set here to maxAge.
		opts.CacheMode, opts.CacheTTLMS = pipeline.CacheReadThrough, min(p.maxAgeMS, pipeline.MaxCacheTTL.Milliseconds())
	}
	if p.has(fmtMarkdown) {
		opts.Formats = append(opts.Formats, pipeline.FormatMarkdown)
	}
	if p.has(fmtHTML) {
		opts.Formats = append(opts.Formats, pipeline.FormatHTML)
	}
	if p.has(fmtLinks) {
		opts.Formats = append(opts.Formats, pipeline.FormatLinks)
	}
	if rawHTML || p.has(fmtRawHTML) {
		opts.Formats = append(opts.Formats, pipeline.FormatRawHTML)
	}
	if p.json != nil {
		params, _ := json.Marshal(map[string]string{"instructions": strings.TrimSpace(p.json.SystemPrompt + "\n" + p.json.Prompt)})
		opts.Extraction = &strategy.Spec{Strategy: "llm", Params: params, Schema: p.json.Schema}
		if len(p.json.Schema) == 0 {
			// Without a schema the llm strategy needs field names; a prompt
			// alone asks for a free-form answer in one field.
			params, _ = json.Marshal(map[string]any{"instructions": p.json.Prompt, "fields": []string{"answer"}})
			opts.Extraction.Params = params
		}
	}
	return opts.WithDefaults()
}

// scrapeOne scrapes one page: through the pipeline's crawl, or rendered
// in Chromium when a screenshot or a wait is asked for; include and
// exclude tags are applied to the page's HTML before extraction.
func (d Deps) scrapeOne(ctx context.Context, rawURL string, p scrapePlan) (*Document, error) {
	filter := len(p.includeTags) > 0 || len(p.excludeTags) > 0
	opts := p.pipelineOptions(filter)
	if err := opts.Validate(""); err != nil {
		return nil, err
	}
	// The json format's strategy is compiled before anything is fetched:
	// a bad schema, or no LLM here, is a 400 up front.
	if err := d.Pipeline.PrepareStructured(&opts, p.jsonField); err != nil {
		return nil, err
	}
	var (
		res      pipeline.Result
		shot     []byte
		shotType render.ImageFormat
	)
	if p.needsBrowser() {
		out, err := d.render(ctx, rawURL, p, opts)
		if err != nil {
			return nil, err
		}
		res = pipeline.Result{URL: rawURL, FinalURL: out.FinalURL, Status: out.Status, ContentType: "text/html", Document: out.Document, Notes: out.Notes}
		if out.Rendered != nil {
			shot, shotType = out.Rendered.Artifacts.Screenshot, out.Rendered.Artifacts.ScreenshotFormat
		}
	} else {
		res = d.Pipeline.Crawl(ctx, rawURL, opts)
		if res.Error != nil {
			return nil, res.Error.AsError()
		}
	}
	if filter && res.Document != nil && res.Document.RawHTML != "" {
		filtered, err := filterTags(res.Document.RawHTML, p.includeTags, p.excludeTags)
		if err != nil {
			return nil, err
		}
		page := res.Document.RawHTML
		ext := d.Pipeline.ExtractHTML(ctx, []byte(filtered), res.FinalURL, opts)
		if ext.Error != nil {
			return nil, ext.Error.AsError()
		}
		res.Document, res.Extraction = ext.Document, ext.Extraction
		// rawHtml stays the page as fetched, like Firecrawl's.
		res.Document.RawHTML = page
	}
	doc := documentOf(res, p)
	if len(shot) > 0 {
		if shotType == "" {
			shotType = render.FormatPNG
		}
		doc.Screenshot = "data:image/" + string(shotType) + ";base64," + encodeBase64(shot)
	}
	if p.json != nil {
		if err := setJSON(doc, res.Extraction, p.jsonKey); err != nil {
			return nil, err
		}
	}
	doc.Warning = strings.Join(slices.Concat(p.warnings, doc.warnings), "; ")
	return doc, nil
}

// render renders the page in Chromium (dynamic mode): waitFor becomes a
// delay after the load event, screenshot an artifact.
func (d Deps) render(ctx context.Context, rawURL string, p scrapePlan, opts pipeline.Options) (*pipeline.RenderOutcome, error) {
	breq := render.Request{URL: rawURL, Headers: p.headers, TimeoutMS: int(opts.TimeoutMS)}
	breq.Wait = []render.WaitCondition{{Type: render.WaitLoad}}
	if p.waitForMS > 0 {
		breq.Wait = append(breq.Wait, render.WaitCondition{Type: render.WaitDelay, DelayMS: int(p.waitForMS)})
	}
	if shot, full := p.screenshot(); shot {
		breq.Artifacts.Screenshot = &render.ScreenshotOptions{FullPage: full}
	}
	return d.Pipeline.Render(ctx, pipeline.RenderJob{Mode: pipeline.ModeDynamic, Browser: breq, BrowserOptions: true, Options: opts})
}

// setJSON puts the llm strategy's answer in the json (or extract) field;
// a strategy that produced nothing is an error with its problems.
func setJSON(doc *Document, ex *strategy.Result, key string) error {
	if ex == nil {
		return core.Errorf(core.ErrExtraction, "the json format produced nothing (no extraction result)")
	}
	if len(ex.Data) == 0 && len(ex.Problems) > 0 {
		msgs := make([]string, 0, len(ex.Problems))
		for _, pr := range ex.Problems {
			msgs = append(msgs, strings.TrimPrefix(pr.Field+": "+pr.Message, ": "))
		}
		return core.Errorf(core.ErrExtraction, "the json format failed: %s", strings.Join(msgs, "; "))
	}
	var data any = ex.Data
	if key == fmtExtract {
		doc.Extract = data
	} else {
		doc.JSON = data
	}
	return nil
}
