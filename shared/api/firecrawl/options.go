package firecrawlapi

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/riptidecrawler/riptide/shared/core"
)

// ScrapeOptions are Firecrawl's scrape options (baseScrapeOptions in its
// API's v1 types): the body of /v1/scrape besides url, the scrapeOptions
// of a crawl, the body of a batch scrape besides urls. Every field is
// declared so that strict decoding accepts what the SDKs send; fields
// RipTide cannot honour are refused by check, by name.
type ScrapeOptions struct {
	Formats         []Format          `json:"formats,omitempty"`
	Headers         map[string]string `json:"headers,omitempty"`
	IncludeTags     []string          `json:"includeTags,omitempty"`
	ExcludeTags     []string          `json:"excludeTags,omitempty"`
	OnlyMainContent *bool             `json:"onlyMainContent,omitempty"`
	Timeout         *int64            `json:"timeout,omitempty"`
	WaitFor         *int64            `json:"waitFor,omitempty"`
	// Extract is Firecrawl's deprecated name of JSONOptions.
	Extract               *JSONOptions    `json:"extract,omitempty"`
	JSONOptions           *JSONOptions    `json:"jsonOptions,omitempty"`
	ChangeTrackingOptions json.RawMessage `json:"changeTrackingOptions,omitempty"`
	Mobile                *bool           `json:"mobile,omitempty"`
	ParsePDF              *bool           `json:"parsePDF,omitempty"`
	Actions               json.RawMessage `json:"actions,omitempty"`
	Location              json.RawMessage `json:"location,omitempty"`
	Geolocation           json.RawMessage `json:"geolocation,omitempty"`
	SkipTLSVerification   *bool           `json:"skipTlsVerification,omitempty"`
	RemoveBase64Images    *bool           `json:"removeBase64Images,omitempty"`
	FastMode              *bool           `json:"fastMode,omitempty"`
	UseMock               *string         `json:"useMock,omitempty"`
	BlockAds              *bool           `json:"blockAds,omitempty"`
	Proxy                 *string         `json:"proxy,omitempty"`
	MaxAge                *int64          `json:"maxAge,omitempty"`
	StoreInCache          *bool           `json:"storeInCache,omitempty"`
	// Parsers is v2's name for parsePDF: ["pdf"] (the default) reads PDFs.
	Parsers []string `json:"parsers,omitempty"`
}

// JSONOptions ask for the json format: an LLM reads the page's main
// content and answers in the schema (RipTide's llm extraction strategy).
type JSONOptions struct {
	Mode         string          `json:"mode,omitempty"`
	Schema       json.RawMessage `json:"schema,omitempty"`
	SystemPrompt string          `json:"systemPrompt,omitempty"`
	Prompt       string          `json:"prompt,omitempty"`
	Temperature  *float64        `json:"temperature,omitempty"`
}

// Firecrawl's formats.
const (
	fmtMarkdown = "markdown"
	fmtHTML     = "html"
	fmtRawHTML  = "rawHtml"
	fmtLinks    = "links"
	fmtShot     = "screenshot"
	fmtShotFull = "screenshot@fullPage"
	fmtJSON     = "json"
	fmtExtract  = "extract"
)

var (
	allFormats   = []string{fmtMarkdown, fmtHTML, fmtRawHTML, fmtLinks, fmtShot, fmtShotFull, fmtExtract, fmtJSON, "summary", "changeTracking"}
	scrapeFormat = []string{fmtMarkdown, fmtHTML, fmtRawHTML, fmtLinks, fmtShot, fmtShotFull, fmtExtract, fmtJSON}
	// A crawl's pages go through the spider, which keeps markdown, links
	// and metadata of each page.
	spiderFormats = []string{fmtMarkdown, fmtLinks}
)

// MaxWaitForMS is Firecrawl's bound on waitFor.
const MaxWaitForMS = 60_000

// scrapePlan is a checked ScrapeOptions.
type scrapePlan struct {
	formats     []string
	headers     map[string]string
	includeTags []string
	excludeTags []string
	timeoutMS   int64
	waitForMS   int64
	json        *JSONOptions
	jsonKey     string // "json" or the deprecated "extract"
	jsonField   string // "jsonOptions" or "extract"
	maxAgeMS    int64
	warnings    []string
}

func (p scrapePlan) has(f string) bool { return slices.Contains(p.formats, f) }

func (p scrapePlan) screenshot() (bool, bool) {
	return p.has(fmtShot) || p.has(fmtShotFull), p.has(fmtShotFull)
}

// needsBrowser says whether the page must be rendered in Chromium.
func (p scrapePlan) needsBrowser() bool {
	shot, _ := p.screenshot()
	return shot || p.waitForMS > 0
}

func refuse(field, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return core.Errorf(core.ErrValidation, "%s: %s", field, msg).WithDetails(core.Detail{Field: field, Message: msg})
}

// check validates o and maps it to a plan. prefix names the options in
// errors ("" for a scrape body, "scrapeOptions." in a crawl); forSpider
// restricts it to what spider runs keep; canRender says whether a browser
// is available.
func (o ScrapeOptions) check(prefix string, forSpider, canRender bool) (scrapePlan, error) {
	p := scrapePlan{headers: o.Headers, includeTags: o.IncludeTags, excludeTags: o.ExcludeTags}
	for _, f := range o.Formats {
		p.formats = append(p.formats, f.Name)
		if f.JSON != nil {
			if o.JSONOptions != nil {
				return p, refuse(prefix+"jsonOptions", "give the json format's options either in formats or in jsonOptions, not both")
			}
			o.JSONOptions = f.JSON
		}
	}
	if len(p.formats) == 0 {
		p.formats = []string{fmtMarkdown}
	}
	for i, f := range p.formats {
		field := fmt.Sprintf("%sformats[%d]", prefix, i)
		switch {
		case !slices.Contains(allFormats, f):
			return p, refuse(field, "unknown format %q; Firecrawl's formats are %s", f, strings.Join(allFormats, ", "))
		case forSpider && !slices.Contains(spiderFormats, f):
			return p, refuse(field, "format %q is not available in crawls and batch scrapes here (their pages keep markdown, links and metadata); scrape single pages with /v1/scrape for %s", f, f)
		case !slices.Contains(scrapeFormat, f):
			return p, refuse(field, "format %q is not supported by RipTide's Firecrawl facade (see docs/firecrawl-compat.md)", f)
		case (f == fmtShot || f == fmtShotFull) && !canRender:
			return p, refuse(field, "screenshots need headless Chromium, which this server does not have (no Chromium found and no render function configured)")
		}
	}
	if p.has(fmtShot) && p.has(fmtShotFull) {
		return p, refuse(prefix+"formats", "give either screenshot or screenshot@fullPage, not both")
	}
	if forSpider {
		switch {
		case len(o.Headers) > 0:
			return p, refuse(prefix+"headers", "custom headers are not available in crawls and batch scrapes here; use /v1/scrape")
		case len(o.IncludeTags) > 0:
			return p, refuse(prefix+"includeTags", "not available in crawls and batch scrapes here; use /v1/scrape")
		case len(o.ExcludeTags) > 0:
			return p, refuse(prefix+"excludeTags", "not available in crawls and batch scrapes here; use /v1/scrape")
		case o.WaitFor != nil && *o.WaitFor > 0:
			return p, refuse(prefix+"waitFor", "not available in crawls and batch scrapes here (the spider renders only pages its gate sends to a browser); use /v1/scrape")
		case o.Timeout != nil:
			return p, refuse(prefix+"timeout", "a per-page timeout is not available in crawls and batch scrapes here (pages use the server's 30 s)")
		case o.MaxAge != nil && *o.MaxAge > 0:
			return p, refuse(prefix+"maxAge", "crawls and batch scrapes always fetch fresh pages here")
		}
	}
	if o.Timeout != nil {
		if *o.Timeout < 1 || *o.Timeout > 120_000 {
			return p, refuse(prefix+"timeout", "must be 1..120000 ms, got %d", *o.Timeout)
		}
		p.timeoutMS = *o.Timeout
	}
	if o.WaitFor != nil {
		if *o.WaitFor < 0 || *o.WaitFor > MaxWaitForMS {
			return p, refuse(prefix+"waitFor", "must be 0..%d ms, got %d", MaxWaitForMS, *o.WaitFor)
		}
		if *o.WaitFor > 0 && !canRender {
			return p, refuse(prefix+"waitFor", "waiting needs headless Chromium, which this server does not have (no Chromium found and no render function configured)")
		}
		if p.timeoutMS > 0 && *o.WaitFor*2 > p.timeoutMS {
			return p, refuse(prefix+"waitFor", "waitFor must not exceed half of timeout")
		}
		p.waitForMS = *o.WaitFor
	}
	if o.OnlyMainContent != nil && !*o.OnlyMainContent {
		p.warnings = append(p.warnings, "onlyMainContent=false: RipTide's markdown and html are always the main content; rawHtml has the whole page")
	}
	if o.MaxAge != nil {
		if *o.MaxAge < 0 {
			return p, refuse(prefix+"maxAge", "must be >= 0, got %d", *o.MaxAge)
		}
		p.maxAgeMS = *o.MaxAge
	}
	if err := o.checkJSON(prefix, &p, forSpider); err != nil {
		return p, err
	}
	return p, o.checkRefused(prefix)
}

func (o ScrapeOptions) checkJSON(prefix string, p *scrapePlan, forSpider bool) error {
	wantJSON, wantExtract := p.has(fmtJSON), p.has(fmtExtract)
	if wantJSON && wantExtract {
		return refuse(prefix+"formats", "give either json or its deprecated name extract, not both")
	}
	opts, key, field := o.JSONOptions, fmtJSON, "jsonOptions"
	if wantExtract || (o.JSONOptions == nil && o.Extract != nil) {
		opts, key, field = o.Extract, fmtExtract, "extract"
	}
	switch {
	case (wantJSON || wantExtract) && opts == nil:
		return refuse(prefix+field, "the %s format needs %s with a schema or a prompt", key, field)
	case !wantJSON && !wantExtract && (o.JSONOptions != nil || o.Extract != nil):
		return refuse(prefix+field, "%s is given but formats lacks %q", field, key)
	case opts == nil:
		return nil
	case forSpider:
		return refuse(prefix+field, "not available in crawls and batch scrapes here; use /v1/scrape")
	case opts.Mode != "" && opts.Mode != "llm":
		return refuse(prefix+field+".mode", "only llm is supported")
	case len(opts.Schema) == 0 && opts.Prompt == "":
		return refuse(prefix+field, "give a schema, a prompt, or both")
	case opts.Temperature != nil:
		return refuse(prefix+field+".temperature", "not supported: the llm strategy sets its own temperature")
	}
	p.json, p.jsonKey, p.jsonField = opts, key, prefix+field
	return nil
}

// checkRefused refuses the options RipTide has no equivalent for, when
// set to anything but Firecrawl's default.
func (o ScrapeOptions) checkRefused(prefix string) error {
	isTrue := func(b *bool) bool { return b != nil && *b }
	isFalse := func(b *bool) bool { return b != nil && !*b }
	switch {
	case len(o.ChangeTrackingOptions) > 0 && string(o.ChangeTrackingOptions) != "null":
		return refuse(prefix+"changeTrackingOptions", "change tracking is not supported by RipTide's Firecrawl facade")
	case isTrue(o.Mobile):
		return refuse(prefix+"mobile", "mobile emulation is not supported by the facade; use /api/v1/render with a mobile viewport")
	case isFalse(o.ParsePDF):
		return refuse(prefix+"parsePDF", "PDFs are always parsed to text here; parsePDF=false is not supported")
	case o.Parsers != nil && !slices.Equal(o.Parsers, []string{"pdf"}):
		return refuse(prefix+"parsers", `only ["pdf"] is supported: PDFs are always parsed to text here`)
	case len(o.Actions) > 0 && string(o.Actions) != "null" && string(o.Actions) != "[]":
		return refuse(prefix+"actions", "actions are not supported by the facade; use /api/v1/render, whose actions cover click, type, scroll, wait and evaluate")
	case len(o.Location) > 0 && string(o.Location) != "null":
		return refuse(prefix+"location", "location (country and languages through proxies) is not supported")
	case len(o.Geolocation) > 0 && string(o.Geolocation) != "null":
		return refuse(prefix+"geolocation", "geolocation is not supported")
	case isTrue(o.SkipTLSVerification):
		return refuse(prefix+"skipTlsVerification", "TLS certificates are always verified here")
	case o.UseMock != nil:
		return refuse(prefix+"useMock", "Firecrawl's test mocks do not exist here")
	case o.Proxy != nil && *o.Proxy != "basic":
		return refuse(prefix+"proxy", "only basic is supported (no proxy pool); for bot-protected sites see /api/v1/stealth")
	}
	return nil
}
