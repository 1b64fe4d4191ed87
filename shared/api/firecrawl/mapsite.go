package firecrawlapi

import (
	"net/http"

	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/spider"
)

// MapRequest is the body of POST /v1/map.
type MapRequest struct {
	URL string `json:"url"`
	CrawlerOptions
	IncludeSubdomains *bool   `json:"includeSubdomains,omitempty"`
	Search            string  `json:"search,omitempty"`
	SitemapOnly       *bool   `json:"sitemapOnly,omitempty"`
	Timeout           *int64  `json:"timeout,omitempty"`
	UseMock           *string `json:"useMock,omitempty"`
	FilterByPath      *bool   `json:"filterByPath,omitempty"`
	UseIndex          *bool   `json:"useIndex,omitempty"`
	Origin            string  `json:"origin,omitempty"`
	Integration       string  `json:"integration,omitempty"`
}

// MapResponse is the answer of a map.
type MapResponse struct {
	Success bool     `json:"success"`
	Links   []string `json:"links"`
}

// Map bounds: Firecrawl's default limit, and the spider's largest map.
const (
	defaultMapLimit = 5000
	maxMapLimit     = 10_000
	maxMapTimeoutMS = 25_000
	maxMapDepth     = 10
)

func (d Deps) mapSite(w http.ResponseWriter, r *http.Request) {
	var req MapRequest
	if err := httpx.Decode(r, &req); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	d.runMap(w, r, req)
}

func (d Deps) runMap(w http.ResponseWriter, r *http.Request, req MapRequest) {
	o, err := req.mapOptions()
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	res, err := d.Spider.Map(r.Context(), req.URL, o)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	out := MapResponse{Success: true, Links: make([]string, 0, len(res.Links))}
	for _, l := range res.Links {
		out.Links = append(out.Links, l.URL)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (req MapRequest) mapOptions() (spider.MapOptions, error) {
	var o spider.MapOptions
	if req.URL == "" {
		return o, refuse("url", "required")
	}
	if req.UseMock != nil {
		return o, refuse("useMock", "Firecrawl's test mocks do not exist here")
	}
	if req.Delay != nil {
		return o, refuse("delay", "map fetches pages concurrently here; a delay is not supported (use /v1/crawl)")
	}
	// The crawler options' mapping gives patterns, scope and robots.
	co := req.CrawlerOptions
	co.MaxDepth = nil // a map lists URLs at any path depth
	c, err := co.spider(req.URL)
	if err != nil {
		return o, err
	}
	o.Include, o.RespectRobots = c.Include, c.RespectRobots
	o.Exclude = c.Exclude[:len(c.Exclude)-1] // drop the path-depth bound spider() adds
	o.Scope = spider.SameDomain
	if req.IncludeSubdomains != nil && !*req.IncludeSubdomains {
		o.Scope = spider.SameHost
	}
	if c.Scope == spider.AnyHost {
		o.Scope = spider.AnyHost
	}
	o.Limit = defaultMapLimit
	if req.Limit != nil {
		if *req.Limit < 1 || *req.Limit > 30_000 {
			return o, refuse("limit", "must be 1..30000, got %d", *req.Limit)
		}
		o.Limit = min(*req.Limit, maxMapLimit)
	}
	o.Sitemap = spider.SitemapInclude
	switch {
	case req.SitemapOnly != nil && *req.SitemapOnly:
		o.Sitemap = spider.SitemapOnly
	case req.IgnoreSitemap != nil && *req.IgnoreSitemap:
		o.Sitemap = spider.SitemapSkip
	}
	if req.MaxDiscoveryDepth != nil {
		depth := min(*req.MaxDiscoveryDepth, maxMapDepth)
		o.MaxDepth = &depth
	}
	// Firecrawl's map drops query parameters unless told otherwise.
	o.IgnoreParams = []string{"*"}
	if req.IgnoreQueryParameters != nil && !*req.IgnoreQueryParameters {
		o.IgnoreParams = nil
	}
	o.Search = req.Search
	if req.Timeout != nil {
		if *req.Timeout < 1 {
			return o, refuse("timeout", "must be positive (ms)")
		}
		o.TimeoutMS = min(max(*req.Timeout, 100), maxMapTimeoutMS)
	}
	return o, nil
}
