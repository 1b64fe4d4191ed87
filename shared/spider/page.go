package spider

import (
	"context"
	"encoding/json"

	"github.com/riptidecrawler/riptide/shared/chunk"
	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/strategy"
)

// PageCrawler crawls one page: one fetch (SSRF guard, robots.txt, retries),
// then whatever the pipeline does with it (gate, extraction). The spider
// decides what to crawl and records the outcome; it never fetches pages
// itself, so every page of a deep crawl goes through the same pipeline as
// /crawl.
//
// Errors are *core.Error: robots_disallowed is counted as a skip, anything
// else (fetch_error, timeout_error, blocked_by_target, ...) as a failed
// page with its type and message. A Page may come with an error (an HTTP
// 404 still has a status and maybe links); it is then a failed page.
type PageCrawler interface {
	CrawlPage(ctx context.Context, req PageRequest) (*Page, error)
}

// PageCrawlerFunc adapts a function to PageCrawler.
type PageCrawlerFunc func(ctx context.Context, req PageRequest) (*Page, error)

// CrawlPage calls f.
func (f PageCrawlerFunc) CrawlPage(ctx context.Context, req PageRequest) (*Page, error) {
	return f(ctx, req)
}

// PageRequest is one page to crawl.
type PageRequest struct {
	URL   string // canonical URL (urlnorm), already in scope
	Depth int    // link hops from a seed
	// LinksOnly: only the links are needed (map, sitemap discovery); the
	// crawler may skip extraction and leave Document empty.
	LinksOnly bool
	// MaxBytes caps the body kept (the run's byte budget reserved for this
	// page); 0 means the crawler's own default. A longer body is cut, not
	// refused, and Page.Bytes must not exceed it.
	MaxBytes int64
	// RespectRobots says whether robots.txt is obeyed for this page.
	RespectRobots bool
	// Politeness is the run's per-host limit (per_host_concurrency, and
	// delay_ms raised to the host's Crawl-delay); the crawler hands it to
	// the fetch layer, whose limiter enforces it across batches and
	// instances.
	Politeness fetch.Politeness
	// Extraction and Chunking are the run's options.extraction and
	// options.chunking (nil: none); the crawler applies them to the page.
	Extraction *strategy.Spec
	Chunking   *chunk.Options
}

// Page is the outcome of crawling one page.
type Page struct {
	URL         string // the requested URL
	FinalURL    string // after redirects
	Status      int    // HTTP status of the final response
	ContentType string // media type, lowercase, no parameters ("text/html")
	// Bytes is the body size counted against the run's byte budget (the
	// decoded body kept, at most PageRequest.MaxBytes).
	Bytes int64
	// ContentHash identifies the page's content for duplicate detection
	// (e.g. a hash of the extracted main text). Pages with a hash seen
	// before in the run are skipped as duplicate_content. Empty: no
	// content de-duplication for this page.
	ContentHash string
	// Links are the page's outgoing links, absolute, in document order.
	Links []Link
	// Document is the extracted document, stored with the result as is;
	// the spider never looks inside.
	Document json.RawMessage
	// Extraction and Chunking are the page's structured data and chunks
	// (JSON, stored with the result as is), when the run asked for them.
	Extraction json.RawMessage
	Chunking   json.RawMessage
	// Truncated says the body was cut at MaxBytes.
	Truncated bool
	// Release, when set, is called once the spider has copied Document,
	// Extraction and Chunking into the page's result record and holds no
	// reference to them: the crawler may then reuse their memory for its
	// next page. The spider calls it at most once per page.
	Release func()
}

// Link is one outgoing link of a page.
type Link struct {
	URL  string // absolute URL as found (resolved against the page's base)
	Text string // anchor text, whitespace collapsed (best_first scoring)
	// NoFollow is set for rel="nofollow" links; the spider does not
	// follow them.
	NoFollow bool
}
