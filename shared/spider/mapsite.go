package spider

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
)

// MapOptions configure a map: a fast listing of a site's URLs from its
// sitemaps and links, without storing or extracting anything.
type MapOptions struct {
	// Limit is the most URLs returned (default 1000, at most 10 000).
	Limit int `json:"limit,omitempty"`
	// Sitemap: include (sitemaps then links), only, or skip.
	Sitemap  SitemapMode `json:"sitemap,omitempty"`
	MaxDepth *int        `json:"max_depth,omitempty"` // link hops from the URL (default 2)
	Scope    ScopeMode   `json:"scope,omitempty"`     // default same_host
	Include  []string    `json:"include,omitempty"`
	Exclude  []string    `json:"exclude,omitempty"`
	// Search keeps only URLs containing this text (case-insensitive).
	Search        string   `json:"search,omitempty"`
	TimeoutMS     int64    `json:"timeout_ms,omitempty"`  // default 15 000, at most 25 000 (API Gateway's 29 s)
	Concurrency   int      `json:"concurrency,omitempty"` // default 8
	RespectRobots *bool    `json:"respect_robots,omitempty"`
	IgnoreParams  []string `json:"ignore_params,omitempty"`
}

// MapLink is one URL of a site map.
type MapLink struct {
	URL string `json:"url"`
	// Source is "seed", "sitemap" or "link".
	Source  string     `json:"source"`
	LastMod *time.Time `json:"lastmod,omitempty"`
	Text    string     `json:"text,omitempty"` // anchor text of the first link found
}

// MapResult is the answer of Map.
type MapResult struct {
	URL        string    `json:"url"`
	Count      int       `json:"count"`
	Links      []MapLink `json:"links"`
	Truncated  bool      `json:"truncated"` // the limit or the timeout cut the listing
	DurationMS int64     `json:"duration_ms"`
}

func (o MapOptions) normalize() (MapOptions, Options, error) {
	if o.Limit == 0 {
		o.Limit = 1000
	}
	if o.Sitemap == "" {
		o.Sitemap = SitemapInclude
	}
	if o.MaxDepth == nil {
		d := 2
		o.MaxDepth = &d
	}
	if o.TimeoutMS == 0 {
		o.TimeoutMS = 15_000
	}
	if o.Concurrency == 0 {
		o.Concurrency = 8
	}
	var details []core.Detail
	if o.Limit < 1 || o.Limit > 10_000 {
		details = append(details, core.Detail{Field: "options.limit", Message: "must be 1..10000"})
	}
	if o.TimeoutMS < 100 || o.TimeoutMS > 25_000 {
		details = append(details, core.Detail{Field: "options.timeout_ms", Message: "must be 100..25000"})
	}
	if *o.MaxDepth < 0 || *o.MaxDepth > 10 {
		details = append(details, core.Detail{Field: "options.max_depth", Message: "must be 0..10"})
	}
	if len(details) > 0 {
		return o, Options{}, core.Errorf(core.ErrValidation, "%s: %s", details[0].Field, details[0].Message).WithDetails(details...)
	}
	// Reuse the run options' validation for what maps share with runs.
	ro, err := Options{Scope: o.Scope, Include: o.Include, Exclude: o.Exclude, Concurrency: o.Concurrency,
		RespectRobots: o.RespectRobots, IgnoreParams: o.IgnoreParams, MaxDepth: o.MaxDepth, Sitemap: o.Sitemap}.Normalize()
	return o, ro, err
}

// Map lists a site's URLs: its sitemaps' URLs (sitemap include or only),
// then the links of its pages breadth-first (include or skip), fetched
// through the page crawler with LinksOnly, until the limit, max_depth or
// the timeout. It keeps nothing in Redis.
func (e *Engine) Map(ctx context.Context, rawURL string, o MapOptions) (*MapResult, error) {
	if e.crawler == nil {
		return nil, errNoCrawler
	}
	start := e.now()
	o, ro, err := o.normalize()
	if err != nil {
		return nil, err
	}
	seeds, err := ValidateSeeds([]string{rawURL}, ro)
	if err != nil {
		return nil, core.Errorf(core.ErrInvalidURL, "url: %s", strings.TrimPrefix(core.AsError(err).Message, "seed_urls[0]: "))
	}
	ctx, cancel := context.WithTimeout(ctx, time.Duration(o.TimeoutMS)*time.Millisecond)
	defer cancel()
	sc, err := newScope(seeds, ro)
	if err != nil {
		return nil, core.Wrap(core.ErrValidation, err, "scope")
	}
	norm := ro.normalizer()
	res := &MapResult{URL: seeds[0], Links: []MapLink{}}
	var mu sync.Mutex
	seen := map[string]bool{}
	search := strings.ToLower(o.Search)
	// add records a URL; it reports false once the limit is reached.
	add := func(l MapLink) bool {
		mu.Lock()
		defer mu.Unlock()
		if seen[l.URL] {
			return true
		}
		seen[l.URL] = true
		if search != "" && !strings.Contains(strings.ToLower(l.URL), search) {
			return true
		}
		if len(res.Links) >= o.Limit {
			res.Truncated = true
			return false
		}
		res.Links = append(res.Links, l)
		return true
	}
	full := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return res.Truncated
	}
	add(MapLink{URL: seeds[0], Source: "seed"})
	if o.Sitemap != SitemapSkip && e.site != nil {
		for _, f := range ReadSitemaps(ctx, e.site, origins(seeds), ro.Robots(), e.cfg.SitemapMaxFiles, o.Limit*2) {
			c, err := norm.Normalize(f.URL)
			if err != nil {
				continue
			}
			cu, _ := url.Parse(c)
			if sc.check(cu, false) != "" {
				continue
			}
			l := MapLink{URL: c, Source: "sitemap"}
			if !f.LastMod.IsZero() {
				lm := f.LastMod
				l.LastMod = &lm
			}
			if !add(l) {
				break
			}
		}
	}
	// seedErr is why the seed itself could not be read, when the answer
	// is the client's to fix (the guard refused the address, the URL or a
	// redirect of it is not one RipTide may fetch): a map of it is not an
	// empty success.
	var seedErr error
	if o.Sitemap != SitemapOnly {
		level := []string{seeds[0]}
		for depth := 0; depth < *o.MaxDepth && len(level) > 0 && ctx.Err() == nil && !full(); depth++ {
			var next []string
			var nextMu sync.Mutex
			sem := make(chan struct{}, o.Concurrency)
			var wg sync.WaitGroup
			for _, u := range level {
				if ctx.Err() != nil || full() {
					break
				}
				sem <- struct{}{}
				wg.Add(1)
				go func(u string) {
					defer wg.Done()
					defer func() { <-sem }()
					page, err := e.crawler.CrawlPage(ctx, PageRequest{URL: u, Depth: depth, LinksOnly: true, RespectRobots: ro.Robots()})
					if err != nil && depth == 0 {
						if t := core.AsError(err).Type; t == core.ErrBlockedURL || t == core.ErrInvalidURL {
							seedErr = err
						}
					}
					if err != nil || page == nil {
						return
					}
					if page.Release != nil {
						defer page.Release()
					}
					if fu, err := url.Parse(page.FinalURL); depth == 0 && err == nil && page.FinalURL != "" && fu.Host != "" {
						sc.addSeedHost(fu.Host) // the site moved: map where it went
					}
					for _, l := range page.Links {
						c, err := norm.Normalize(l.URL)
						if err != nil || l.NoFollow {
							continue
						}
						cu, _ := url.Parse(c)
						if sc.check(cu, false) != "" {
							continue
						}
						mu.Lock()
						known := seen[c]
						mu.Unlock()
						if known {
							continue
						}
						if !add(MapLink{URL: c, Source: "link", Text: l.Text}) {
							return
						}
						nextMu.Lock()
						next = append(next, c)
						nextMu.Unlock()
					}
				}(u)
			}
			wg.Wait()
			level = next
		}
	}
	if seedErr != nil {
		return nil, seedErr
	}
	if ctx.Err() != nil {
		res.Truncated = true
	}
	res.Count = len(res.Links)
	res.DurationMS = e.now().Sub(start).Milliseconds()
	return res, nil
}

// errNoCrawler is the answer of a build without the page pipeline.
var errNoCrawler = core.Errorf(core.ErrNotImplemented,
	"the spider's page pipeline is not wired into this build yet (shared/pipeline); status, control and results work, crawling does not")
