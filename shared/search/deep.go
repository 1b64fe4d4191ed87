package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/pipeline"
)

// Crawler crawls URLs, calling emit once per URL as each completes;
// *pipeline.Pipeline satisfies it, so deep search gets the same single
// fetch per URL, SSRF guard, robots.txt, extraction and cache as /crawl.
type Crawler interface {
	Batch(ctx context.Context, urls []string, opts pipeline.Options, emit pipeline.Emit) (pipeline.Stats, error)
}

// Chunker splits a crawled page's markdown for retrieval. options is the
// request's opaque `chunking` object, passed through.
type Chunker interface {
	Chunk(ctx context.Context, text string, options json.RawMessage) ([]Chunk, error)
}

// Chunk is one piece of a page.
type Chunk struct {
	Index       int    `json:"index"`
	Text        string `json:"text"`
	StartOffset int    `json:"start_offset"`
	EndOffset   int    `json:"end_offset"`
}

// Answerer answers a query from numbered sources with citations; the llm
// engine provides one.
type Answerer interface {
	// Ready returns nil when an LLM provider is configured, else the
	// dependency_error saying what to configure.
	Ready(ctx context.Context) error
	Answer(ctx context.Context, query string, sources []Source) (Answer, error)
}

// Source is what the answerer reads of one search result.
type Source struct {
	Index   int // the result's index in DeepResponse.Results, cited as such
	Title   string
	URL     string
	Content string // crawled markdown (or text), else the search snippet
}

// Answer is an LLM answer; Citations are result indexes.
type Answer struct {
	Text      string `json:"text"`
	Citations []int  `json:"citations"`
	// Usage is the LLM's token and cost accounting for this answer.
	Usage any `json:"usage,omitempty"`
}

// DeepRequest is one deep search, already validated.
type DeepRequest struct {
	Provider string
	Query    Query
	// CrawlLimit is how many of the top results are crawled (0: all).
	CrawlLimit     int
	IncludeContent bool
	CrawlOptions   pipeline.Options // defaulted and validated
	// Chunking, when not empty, asks for per-result chunks.
	Chunking json.RawMessage
	Answer   bool
}

// DeepResult is one search hit and, when crawled, its crawl result.
type DeepResult struct {
	Index int `json:"index"` // position in the search results, 0-based
	Result
	Crawl  *pipeline.Result `json:"crawl,omitempty"`
	Chunks []Chunk          `json:"chunks,omitempty"`
	// ChunkError says why chunking this page failed (the crawl succeeded).
	ChunkError *core.ErrorInfo `json:"chunk_error,omitempty"`
}

// DeepSummary closes a deep search.
type DeepSummary struct {
	Query        string   `json:"query"`
	Provider     string   `json:"provider"`
	URLsFound    int      `json:"urls_found"`
	URLsCrawled  int      `json:"urls_crawled"` // crawled and extracted successfully
	URLsFailed   int      `json:"urls_failed"`
	SearchTimeMS int64    `json:"search_time_ms"`
	TotalTimeMS  int64    `json:"total_time_ms"`
	Notes        []string `json:"notes,omitempty"`
	// CrawlStats are the crawl batch's statistics (absent without content).
	CrawlStats *pipeline.Stats `json:"crawl_stats,omitempty"`
	Answer     *Answer         `json:"answer,omitempty"`
	// AnswerError says why no answer was produced although one was asked for.
	AnswerError *core.ErrorInfo `json:"answer_error,omitempty"`
}

// DeepEvent is one step of a deep search, in this order: Search once, one
// Result per hit (crawled ones in completion order), Summary last.
type DeepEvent struct {
	Search  *Response
	Result  *DeepResult
	Summary *DeepSummary
}

// DeepSearch runs deep searches.
type DeepSearch struct {
	Search   *Service
	Crawler  Crawler
	Chunker  Chunker  // nil: chunking is refused
	Answerer Answerer // nil: answers are refused
	// CrawlDeadline bounds the crawl phase (API Gateway's 29 s in Lambda):
	// hits not crawled by then get a timeout_error each. Zero: none.
	CrawlDeadline time.Duration
	Now           func() time.Time
}

func (d *DeepSearch) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// Check refuses what the deployment cannot do before anything starts.
func (d *DeepSearch) Check(ctx context.Context, req DeepRequest) error {
	if len(req.Chunking) > 0 && d.Chunker == nil {
		return core.Errorf(core.ErrNotImplemented, "chunking is not available in this deployment yet; omit `chunking`")
	}
	if req.Answer {
		if d.Answerer == nil {
			return core.Errorf(core.ErrDependency, "answer needs an LLM provider and none is wired into this deployment")
		}
		if err := d.Answerer.Ready(ctx); err != nil {
			return err
		}
	}
	if _, err := d.Search.Resolve(ctx, req.Provider); err != nil {
		return err
	}
	return nil
}

// Run executes req, sending its events to sink. An error before the Search
// event means nothing was done (the caller answers it as an HTTP error);
// after it, the caller reports it in-band. A sink error stops the run.
func (d *DeepSearch) Run(ctx context.Context, req DeepRequest, sink func(DeepEvent) error) error {
	start := d.now()
	if err := d.Check(ctx, req); err != nil {
		return err
	}
	resp, err := d.Search.Search(ctx, req.Provider, req.Query)
	if err != nil {
		return err
	}
	if err := sink(DeepEvent{Search: &resp}); err != nil {
		return err
	}
	sum := DeepSummary{Query: resp.Query, Provider: resp.Provider, URLsFound: len(resp.Results), SearchTimeMS: resp.SearchTimeMS, Notes: resp.Notes}
	sources := make([]Source, len(resp.Results))
	for i, r := range resp.Results {
		sources[i] = Source{Index: i, Title: r.Title, URL: r.URL, Content: r.Snippet}
	}
	if !req.IncludeContent {
		for i, r := range resp.Results {
			if err := sink(DeepEvent{Result: &DeepResult{Index: i, Result: r}}); err != nil {
				return err
			}
		}
	} else {
		stats, err := d.crawl(ctx, req, resp, sources, sink)
		if err != nil {
			return err
		}
		sum.CrawlStats = &stats
		sum.URLsCrawled, sum.URLsFailed = stats.Successful, stats.Failed
	}
	if req.Answer {
		a, err := d.Answerer.Answer(ctx, resp.Query, sources)
		if err != nil {
			e := core.AsError(err)
			sum.AnswerError = &core.ErrorInfo{Type: e.Type, Message: e.Message, Retryable: e.Retryable()}
		} else {
			sum.Answer = &a
		}
	}
	sum.TotalTimeMS = d.now().Sub(start).Milliseconds()
	return sink(DeepEvent{Summary: &sum})
}

// crawl crawls the top hits and emits one Result per hit; hits beyond
// CrawlLimit are emitted without a crawl.
func (d *DeepSearch) crawl(ctx context.Context, req DeepRequest, resp Response, sources []Source, sink func(DeepEvent) error) (pipeline.Stats, error) {
	n := len(resp.Results)
	if req.CrawlLimit > 0 && req.CrawlLimit < n {
		n = req.CrawlLimit
	}
	urls := make([]string, n)
	for i := range n {
		urls[i] = resp.Results[i].URL
	}
	crawlCtx, cancel := ctx, context.CancelFunc(func() {})
	if d.CrawlDeadline > 0 {
		crawlCtx, cancel = context.WithTimeout(ctx, d.CrawlDeadline)
	}
	defer cancel()
	done := make([]bool, n)
	var sinkErr error
	stats, err := d.Crawler.Batch(crawlCtx, urls, req.CrawlOptions, func(i int, res pipeline.Result) error {
		done[i] = true
		dr := DeepResult{Index: i, Result: resp.Results[i], Crawl: &res}
		if res.OK() && res.Document != nil && res.Document.Document != nil {
			content := res.Document.Markdown
			if content == "" {
				content = res.Document.Text
			}
			if content != "" {
				sources[i].Content = content
			}
			if len(req.Chunking) > 0 && content != "" {
				chunks, cerr := d.Chunker.Chunk(ctx, content, req.Chunking)
				if cerr != nil {
					e := core.AsError(cerr)
					dr.ChunkError = &core.ErrorInfo{Type: e.Type, Message: e.Message, Retryable: e.Retryable()}
				} else {
					dr.Chunks = chunks
				}
			}
		}
		if err := sink(DeepEvent{Result: &dr}); err != nil {
			sinkErr = err
			return err
		}
		return nil
	})
	if sinkErr != nil {
		return stats, sinkErr
	}
	if err != nil && ctx.Err() != nil {
		return stats, err // the client went away
	}
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return stats, err
	}
	// Hits the crawl deadline kept from starting still get a result each.
	for i := range n {
		if done[i] {
			continue
		}
		res := pipeline.Result{URL: urls[i], GateDecision: "failed", Error: &core.ErrorInfo{Type: core.ErrTimeout, Retryable: true,
			Message: fmt.Sprintf("not crawled within the synchronous deadline of %s; use /api/v1/deepsearch/stream for long searches", d.CrawlDeadline)}}
		stats.Add(res)
		if err := sink(DeepEvent{Result: &DeepResult{Index: i, Result: resp.Results[i], Crawl: &res}}); err != nil {
			return stats, err
		}
	}
	for i := n; i < len(resp.Results); i++ {
		if err := sink(DeepEvent{Result: &DeepResult{Index: i, Result: resp.Results[i]}}); err != nil {
			return stats, err
		}
	}
	stats.Finish(time.Duration(stats.ElapsedMS) * time.Millisecond)
	return stats, nil
}
