package firecrawlapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/ratelimit"
	"github.com/riptidecrawler/riptide/shared/spider"
)

// BatchScrapeRequest is the body of POST /v1/batch/scrape.
type BatchScrapeRequest struct {
	URLs []string `json:"urls"`
	ScrapeOptions
	Webhook           json.RawMessage `json:"webhook,omitempty"`
	AppendToID        string          `json:"appendToId,omitempty"`
	IgnoreInvalidURLs *bool           `json:"ignoreInvalidURLs,omitempty"`
	MaxConcurrency    *int            `json:"maxConcurrency,omitempty"`
	Origin            string          `json:"origin,omitempty"`
	Integration       string          `json:"integration,omitempty"`
	ZeroDataRetention *bool           `json:"zeroDataRetention,omitempty"`
}

// batchScrape runs a batch scrape as a spider run of depth 0 whose seeds
// are the URLs: the same async state, status and paging as a crawl, in
// both homes (Step Functions in AWS, the local orchestrator here).
func (d Deps) batchScrape(version string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { d.startBatch(w, r, version) }
}

func (d Deps) startBatch(w http.ResponseWriter, r *http.Request, version string) {
	var req BatchScrapeRequest
	if err := httpx.Decode(r, &req); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	urls, invalid, err := req.check()
	if err == nil {
		err = httpx.SpendUpfront(r.Context(), ratelimit.URLs, float64(len(urls)))
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	depth := 0
	o := spider.Options{MaxDepth: &depth, MaxPages: len(urls), Scope: spider.AnyHost, Sitemap: spider.SitemapSkip, IgnoreParams: []string{}}
	if req.MaxConcurrency != nil {
		o.Concurrency = min(*req.MaxConcurrency, spider.MaxConcurrency)
	}
	id, err := d.Spider.Start(r.Context(), urls, o)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.AddUsage(r.Context(), int64(len(urls)), 0, 0)
	httpx.WriteJSON(w, http.StatusOK, Started{Success: true, ID: id, URL: jobURL(r, version+"/batch/scrape", id), InvalidURLs: invalid})
}

func (req BatchScrapeRequest) check() (urls, invalid []string, err error) {
	if err := checkRetention(req.ZeroDataRetention); err != nil {
		return nil, nil, err
	}
	if err := checkWebhook(req.Webhook); err != nil {
		return nil, nil, err
	}
	if req.AppendToID != "" {
		return nil, nil, refuse("appendToId", "adding URLs to a running batch is not supported; start another batch")
	}
	if req.MaxConcurrency != nil && *req.MaxConcurrency < 1 {
		return nil, nil, refuse("maxConcurrency", "must be positive")
	}
	if _, err := req.ScrapeOptions.check("", true, false); err != nil {
		return nil, nil, err
	}
	ignore := req.IgnoreInvalidURLs != nil && *req.IgnoreInvalidURLs
	for i, raw := range req.URLs {
		u, perr := url.Parse(raw)
		if perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			if ignore {
				invalid = append(invalid, raw)
				continue
			}
			return nil, nil, refuse(fmt.Sprintf("urls[%d]", i), "must be an absolute http or https URL, got %q", raw)
		}
		urls = append(urls, raw)
	}
	switch {
	case len(urls) == 0:
		return nil, nil, refuse("urls", "at least one valid URL is required")
	case len(urls) > spider.MaxSeeds:
		return nil, nil, refuse("urls", "at most %d URLs per batch here, got %d; split the batch", spider.MaxSeeds, len(urls))
	}
	return urls, invalid, nil
}
