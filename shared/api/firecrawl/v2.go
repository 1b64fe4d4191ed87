package firecrawlapi

import (
	"encoding/json"
	"net/http"

	"github.com/riptidecrawler/riptide/shared/httpx"
)

// CrawlRequestV2 is the body of POST /v2/crawl: v1's crawl with sitemap
// as one enum, and no maxDepth, ignoreSitemap or allowBackwardLinks.
type CrawlRequestV2 struct {
	URL                   string          `json:"url"`
	Prompt                string          `json:"prompt,omitempty"`
	ExcludePaths          []string        `json:"excludePaths,omitempty"`
	IncludePaths          []string        `json:"includePaths,omitempty"`
	MaxDiscoveryDepth     *int            `json:"maxDiscoveryDepth,omitempty"`
	Sitemap               string          `json:"sitemap,omitempty"`
	IgnoreQueryParameters *bool           `json:"ignoreQueryParameters,omitempty"`
	Limit                 *int            `json:"limit,omitempty"`
	CrawlEntireDomain     *bool           `json:"crawlEntireDomain,omitempty"`
	AllowExternalLinks    *bool           `json:"allowExternalLinks,omitempty"`
	AllowSubdomains       *bool           `json:"allowSubdomains,omitempty"`
	Delay                 *float64        `json:"delay,omitempty"`
	MaxConcurrency        *int            `json:"maxConcurrency,omitempty"`
	Webhook               json.RawMessage `json:"webhook,omitempty"`
	ScrapeOptions         *ScrapeOptions  `json:"scrapeOptions,omitempty"`
	ZeroDataRetention     *bool           `json:"zeroDataRetention,omitempty"`
	Origin                string          `json:"origin,omitempty"`
	Integration           string          `json:"integration,omitempty"`
}

// MapRequestV2 is the body of POST /v2/map.
type MapRequestV2 struct {
	URL               string `json:"url"`
	Sitemap           string `json:"sitemap,omitempty"`
	Search            string `json:"search,omitempty"`
	IncludeSubdomains *bool  `json:"includeSubdomains,omitempty"`
	Limit             *int   `json:"limit,omitempty"`
	Timeout           *int64 `json:"timeout,omitempty"`
	Origin            string `json:"origin,omitempty"`
	Integration       string `json:"integration,omitempty"`
}

// v2MaxPathDepth stands for "no path depth bound": v2 has no maxDepth.
const v2MaxPathDepth = 100

// sitemapMode maps v2's sitemap enum onto v1's booleans.
func sitemapMode(mode string) (only, skip bool, err error) {
	switch mode {
	case "", "include":
		return false, false, nil
	case "only":
		return true, false, nil
	case "skip":
		return false, true, nil
	}
	return false, false, refuse("sitemap", `must be "include", "skip" or "only", got %q`, mode)
}

func (v CrawlRequestV2) v1() (CrawlRequest, error) {
	if v.Prompt != "" {
		return CrawlRequest{}, refuse("prompt", "crawl options from a natural-language prompt are not supported; set includePaths, limit and the other options")
	}
	only, skip, err := sitemapMode(v.Sitemap)
	if err != nil {
		return CrawlRequest{}, err
	}
	depth := v2MaxPathDepth
	req := CrawlRequest{URL: v.URL, ScrapeOptions: v.ScrapeOptions, Webhook: v.Webhook, MaxConcurrency: v.MaxConcurrency,
		ZeroDataRetention: v.ZeroDataRetention, CrawlerOptions: CrawlerOptions{
			IncludePaths: v.IncludePaths, ExcludePaths: v.ExcludePaths, MaxDepth: &depth, MaxDiscoveryDepth: v.MaxDiscoveryDepth,
			Limit: v.Limit, CrawlEntireDomain: v.CrawlEntireDomain, AllowExternalLinks: v.AllowExternalLinks,
			AllowSubdomains: v.AllowSubdomains, IgnoreQueryParameters: v.IgnoreQueryParameters, Delay: v.Delay, sitemapOnly: only}}
	if skip {
		req.IgnoreSitemap = &skip
	}
	return req, nil
}

func (d Deps) crawlV2(w http.ResponseWriter, r *http.Request) {
	var v CrawlRequestV2
	if err := httpx.Decode(r, &v); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	req, err := v.v1()
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	d.startCrawl(w, r, "v2", req)
}

func (d Deps) mapSiteV2(w http.ResponseWriter, r *http.Request) {
	var v MapRequestV2
	if err := httpx.Decode(r, &v); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	only, skip, err := sitemapMode(v.Sitemap)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	req := MapRequest{URL: v.URL, Search: v.Search, IncludeSubdomains: v.IncludeSubdomains, Timeout: v.Timeout, SitemapOnly: &only}
	req.Limit = v.Limit
	if skip {
		req.IgnoreSitemap = &skip
	}
	d.runMap(w, r, req)
}
