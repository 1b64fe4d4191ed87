package firecrawlapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/ratelimit"
	"github.com/riptidecrawler/riptide/shared/spider"
)

// CrawlerOptions are Firecrawl's crawler options, shared by crawl and map.
type CrawlerOptions struct {
	IncludePaths           []string `json:"includePaths,omitempty"`
	ExcludePaths           []string `json:"excludePaths,omitempty"`
	MaxDepth               *int     `json:"maxDepth,omitempty"`
	MaxDiscoveryDepth      *int     `json:"maxDiscoveryDepth,omitempty"`
	Limit                  *int     `json:"limit,omitempty"`
	AllowBackwardLinks     *bool    `json:"allowBackwardLinks,omitempty"`
	CrawlEntireDomain      *bool    `json:"crawlEntireDomain,omitempty"`
	AllowExternalLinks     *bool    `json:"allowExternalLinks,omitempty"`
	AllowSubdomains        *bool    `json:"allowSubdomains,omitempty"`
	IgnoreRobotsTxt        *bool    `json:"ignoreRobotsTxt,omitempty"`
	IgnoreSitemap          *bool    `json:"ignoreSitemap,omitempty"`
	DeduplicateSimilarURLs *bool    `json:"deduplicateSimilarURLs,omitempty"`
	IgnoreQueryParameters  *bool    `json:"ignoreQueryParameters,omitempty"`
	RegexOnFullURL         *bool    `json:"regexOnFullURL,omitempty"`
	// Delay is seconds between requests to the site.
	Delay *float64 `json:"delay,omitempty"`

	// sitemapOnly is v2's sitemap "only": crawl the sitemap's URLs alone.
	sitemapOnly bool
}

// CrawlRequest is the body of POST /v1/crawl.
type CrawlRequest struct {
	URL string `json:"url"`
	CrawlerOptions
	ScrapeOptions     *ScrapeOptions  `json:"scrapeOptions,omitempty"`
	Webhook           json.RawMessage `json:"webhook,omitempty"`
	MaxConcurrency    *int            `json:"maxConcurrency,omitempty"`
	Origin            string          `json:"origin,omitempty"`
	Integration       string          `json:"integration,omitempty"`
	ZeroDataRetention *bool           `json:"zeroDataRetention,omitempty"`
}

// Started is the answer of an async crawl or batch scrape.
type Started struct {
	Success     bool     `json:"success"`
	ID          string   `json:"id"`
	URL         string   `json:"url"`
	InvalidURLs []string `json:"invalidURLs,omitzero"`
}

// Firecrawl's crawl defaults.
const (
	defaultCrawlLimit = 10_000
	defaultMaxDepth   = 10
)

func (d Deps) crawl(w http.ResponseWriter, r *http.Request) {
	var req CrawlRequest
	if err := httpx.Decode(r, &req); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	d.startCrawl(w, r, "v1", req)
}

func (d Deps) startCrawl(w http.ResponseWriter, r *http.Request, version string, req CrawlRequest) {
	opts, err := req.spiderOptions()
	if err == nil {
		err = httpx.SpendUpfront(r.Context(), ratelimit.URLs, 1) // the seed; pages are not known yet
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	id, err := d.Spider.Start(r.Context(), []string{req.URL}, opts)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	// Firecrawl answers 200 (its SDKs check for it), not 202.
	httpx.WriteJSON(w, http.StatusOK, Started{Success: true, ID: id, URL: jobURL(r, version+"/crawl", id)})
}

func (req CrawlRequest) spiderOptions() (spider.Options, error) {
	if req.URL == "" {
		return spider.Options{}, refuse("url", "required")
	}
	if err := checkRetention(req.ZeroDataRetention); err != nil {
		return spider.Options{}, err
	}
	if err := checkWebhook(req.Webhook); err != nil {
		return spider.Options{}, err
	}
	if req.ScrapeOptions != nil {
		if _, err := req.ScrapeOptions.check("scrapeOptions.", true, false); err != nil {
			return spider.Options{}, err
		}
	}
	o, err := req.CrawlerOptions.spider(req.URL)
	if err != nil {
		return o, err
	}
	limit := defaultCrawlLimit
	if req.Limit != nil {
		limit = *req.Limit
	}
	if limit < 1 || limit > spider.MaxMaxPages {
		return o, refuse("limit", "must be 1..%d, got %d", spider.MaxMaxPages, limit)
	}
	o.MaxPages = limit
	if req.MaxConcurrency != nil {
		if *req.MaxConcurrency < 1 {
			return o, refuse("maxConcurrency", "must be positive")
		}
		o.Concurrency = min(*req.MaxConcurrency, spider.MaxConcurrency)
	}
	return o, nil
}

// spider maps crawler options onto spider options for a crawl from base.
func (c CrawlerOptions) spider(base string) (spider.Options, error) {
	var o spider.Options
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return o, refuse("url", "must be an absolute http or https URL, got %q", base)
	}
	if c.RegexOnFullURL != nil && *c.RegexOnFullURL {
		return o, refuse("regexOnFullURL", "includePaths and excludePaths match the URL path here, not the full URL")
	}
	for i, p := range c.IncludePaths {
		if _, err := regexp.Compile(p); err != nil {
			return o, refuse(fmt.Sprintf("includePaths[%d]", i), "invalid regular expression: %v", err)
		}
		o.Include = append(o.Include, "re:"+p)
	}
	for i, p := range c.ExcludePaths {
		if _, err := regexp.Compile(p); err != nil {
			return o, refuse(fmt.Sprintf("excludePaths[%d]", i), "invalid regular expression: %v", err)
		}
		o.Exclude = append(o.Exclude, "re:"+p)
	}
	// maxDepth is Firecrawl's bound on the depth of URL paths (segments,
	// absolute: the start URL's must not exceed it); maxDiscoveryDepth
	// bounds the link hops.
	pathDepth := defaultMaxDepth
	if c.MaxDepth != nil {
		pathDepth = *c.MaxDepth
	}
	if pathDepth < 0 {
		return o, refuse("maxDepth", "must be >= 0, got %d", pathDepth)
	}
	baseDepth := segments(u.Path)
	if baseDepth > pathDepth {
		return o, refuse("url", "URL depth exceeds the specified maxDepth")
	}
	o.Exclude = append(o.Exclude, fmt.Sprintf("re:^(/[^/]+){%d}", pathDepth+1))
	hops := spider.MaxMaxDepth
	if c.MaxDiscoveryDepth != nil {
		if *c.MaxDiscoveryDepth < 0 || *c.MaxDiscoveryDepth > spider.MaxMaxDepth {
			return o, refuse("maxDiscoveryDepth", "must be 0..%d, got %d", spider.MaxMaxDepth, *c.MaxDiscoveryDepth)
		}
		hops = *c.MaxDiscoveryDepth
	}
	o.MaxDepth = &hops
	// Firecrawl crawls only below the start URL's path unless
	// crawlEntireDomain (formerly allowBackwardLinks) is set.
	entire := (c.CrawlEntireDomain != nil && *c.CrawlEntireDomain) ||
		(c.CrawlEntireDomain == nil && c.AllowBackwardLinks != nil && *c.AllowBackwardLinks)
	if dir := strings.TrimSuffix(u.Path, "/"); !entire && dir != "" {
		o.Include = append(o.Include, "re:^"+regexp.QuoteMeta(dir)+"(/|$)")
	}
	o.Scope = spider.SameHost
	switch {
	case c.AllowExternalLinks != nil && *c.AllowExternalLinks:
		o.Scope = spider.AnyHost
	case c.AllowSubdomains != nil && *c.AllowSubdomains:
		o.Scope = spider.SameDomain
	}
	if c.IgnoreRobotsTxt != nil && *c.IgnoreRobotsTxt {
		f := false
		o.RespectRobots = &f
	}
	o.Sitemap = spider.SitemapInclude
	switch {
	case c.sitemapOnly:
		o.Sitemap = spider.SitemapOnly
	case c.IgnoreSitemap != nil && *c.IgnoreSitemap:
		o.Sitemap = spider.SitemapSkip
	}
	if c.IgnoreQueryParameters != nil && *c.IgnoreQueryParameters {
		o.IgnoreParams = []string{"*"}
	}
	if c.Delay != nil {
		if *c.Delay <= 0 {
			return o, refuse("delay", "must be positive (seconds)")
		}
		o.DelayMS = int64(*c.Delay * 1000)
	}
	return o, nil
}

// segments counts the non-empty segments of a URL path (Firecrawl's URL
// depth).
func segments(path string) int {
	n := 0
	for s := range strings.SplitSeq(path, "/") {
		if s != "" {
			n++
		}
	}
	return n
}

func checkWebhook(raw json.RawMessage) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	return refuse("webhook", "Firecrawl's per-page webhook events are not sent here; poll the status URL, or use /api/v1/spider/crawl, whose webhook_url receives the run summary")
}

// jobURL is the absolute status URL of a job, as Firecrawl gives it;
// kind is "v1/crawl", "v2/batch/scrape"...
func jobURL(r *http.Request, kind, id string) string {
	return baseURL(r) + "/" + kind + "/" + id
}

// baseURL is the scheme and host the client called.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	return scheme + "://" + r.Host
}
