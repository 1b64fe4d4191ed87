package client

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"time"
)

// Options are the per-page options of crawl, extract and strategies
// requests (docs/crawl.md); a zero field takes the server's default.
type Options struct {
	// CacheMode: read_through (default), bypass, refresh or cache_only.
	CacheMode    string            `json:"cache_mode,omitempty"`
	CacheTTLMS   int64             `json:"cache_ttl_ms,omitempty"`
	Concurrency  int               `json:"concurrency,omitempty"`
	Formats      []string          `json:"formats,omitempty"`
	Headers      map[string]string `json:"headers,omitempty"`
	MaxBodyBytes int64             `json:"max_body_bytes,omitempty"`
	// RenderMode: auto (the gate decides, default), raw or headless.
	RenderMode    string        `json:"render_mode,omitempty"`
	RespectRobots *bool         `json:"respect_robots,omitempty"`
	SessionID     string        `json:"session_id,omitempty"`
	TimeoutMS     int64         `json:"timeout_ms,omitempty"`
	UserAgent     string        `json:"user_agent,omitempty"`
	Extraction    *StrategySpec `json:"extraction,omitempty"`
	Chunking      *ChunkOptions `json:"chunking,omitempty"`
}

// CrawlOptions are the options of a crawl: the per-page ones, and a deep
// crawl instead of a batch (UseSpider).
type CrawlOptions struct {
	Options
	UseSpider bool           `json:"use_spider,omitempty"`
	Spider    *SpiderOptions `json:"spider,omitempty"`
}

// ChunkOptions split each page's text into chunks (docs/chunking.md).
type ChunkOptions struct {
	// Mode: fixed, sliding, sentence, paragraph, markdown, topic or regex.
	Mode          string `json:"mode,omitempty"`
	MaxTokens     int    `json:"max_tokens,omitempty"`
	OverlapTokens int    `json:"overlap_tokens,omitempty"`
	Pattern       string `json:"pattern,omitempty"`
	TopicWindow   int    `json:"topic_window,omitempty"`
}

// CrawlRequest is the body of POST /api/v1/crawl and its streams.
type CrawlRequest struct {
	URLs    []string      `json:"urls"`
	Options *CrawlOptions `json:"options,omitempty"`
	// Async runs the batch as a job: the answer is Accepted.
	Async bool `json:"async,omitempty"`
}

// CrawlResponse is the answer of a crawl: the results, or (async, a deep
// crawl, or a batch over the synchronous limit) where to follow the work.
type CrawlResponse struct {
	RequestID string   `json:"request_id"`
	Results   []Result `json:"results"`
	Stats     Stats    `json:"stats"`
	// Accepted is set, and the rest empty, when the server answered 202.
	Accepted *Accepted `json:"-"`
}

// Accepted is a 202 answer: a spider run or a job to follow.
type Accepted struct {
	SpiderID   string `json:"spider_id,omitempty"`
	JobID      string `json:"job_id,omitempty"`
	Status     string `json:"status"`
	StatusURL  string `json:"status_url"`
	ResultsURL string `json:"results_url,omitempty"`
	ResultURL  string `json:"result_url,omitempty"`
}

// Result is one page's outcome: a document, or an error keeping the real
// cause.
type Result struct {
	URL              string          `json:"url"`
	FinalURL         string          `json:"final_url,omitempty"`
	Status           int             `json:"status"`
	ContentType      string          `json:"content_type,omitempty"`
	BodyBytes        int64           `json:"body_bytes"`
	Truncated        bool            `json:"truncated,omitempty"`
	FromCache        bool            `json:"from_cache"`
	CachedAt         *time.Time      `json:"cached_at,omitempty"`
	GateDecision     string          `json:"gate_decision"`
	QualityScore     float64         `json:"quality_score"`
	ProcessingTimeMS int64           `json:"processing_time_ms"`
	Notes            []string        `json:"notes,omitempty"`
	Document         *Document       `json:"document,omitempty"`
	Extraction       *StrategyResult `json:"extraction,omitempty"`
	Chunking         json.RawMessage `json:"chunking,omitempty"`
	Error            *ErrorInfo      `json:"error,omitempty"`
}

// OK says whether the page was fetched and extracted.
func (r Result) OK() bool { return r.Error == nil }

// Document is a page's extracted content.
type Document struct {
	URL              string            `json:"url,omitempty"`
	Title            string            `json:"title,omitempty"`
	Byline           string            `json:"byline,omitempty"`
	Description      string            `json:"description,omitempty"`
	Language         string            `json:"language,omitempty"`
	SiteName         string            `json:"site_name,omitempty"`
	CanonicalURL     string            `json:"canonical_url,omitempty"`
	Image            string            `json:"image,omitempty"`
	Keywords         []string          `json:"keywords,omitempty"`
	PublishedAt      string            `json:"published_at,omitempty"`
	ModifiedAt       string            `json:"modified_at,omitempty"`
	Text             string            `json:"text,omitempty"`
	Markdown         string            `json:"markdown,omitempty"`
	HTML             string            `json:"html,omitempty"`
	RawHTML          string            `json:"raw_html,omitempty"`
	Links            []Link            `json:"links,omitempty"`
	OpenGraph        map[string]string `json:"opengraph,omitempty"`
	WordCount        int               `json:"word_count,omitempty"`
	ReadingTimeMS    int64             `json:"reading_time_ms,omitempty"`
	ExtractionMethod string            `json:"extraction_method,omitempty"`
}

// Link is a link found on a page.
type Link struct {
	URL       string   `json:"url"`
	Text      string   `json:"text,omitempty"`
	Rel       []string `json:"rel,omitempty"`
	Internal  bool     `json:"internal"`
	InContent bool     `json:"in_content"`
}

// ErrorInfo is why one page (of a batch, a run or a job) failed.
type ErrorInfo struct {
	Type      string `json:"type"`
	Message   string `json:"message"`
	Retryable bool   `json:"retryable"`
	URL       string `json:"url,omitempty"`
}

// Stats sums up a batch.
type Stats struct {
	TotalURLs             int            `json:"total_urls"`
	Successful            int            `json:"successful"`
	Failed                int            `json:"failed"`
	FromCache             int            `json:"from_cache"`
	CacheHitRate          float64        `json:"cache_hit_rate"`
	ElapsedMS             int64          `json:"elapsed_ms"`
	AvgProcessingTimeMS   int64          `json:"avg_processing_time_ms"`
	TotalProcessingTimeMS int64          `json:"total_processing_time_ms"`
	GateDecisions         map[string]int `json:"gate_decisions"`
	ErrorsByType          map[string]int `json:"errors_by_type,omitempty"`
}

// Crawl crawls 1..100 URLs and returns one result per URL, in the order
// given. A page that failed is a Result with Error set, not an error.
func (cl *Client) Crawl(ctx context.Context, req CrawlRequest) (*CrawlResponse, error) {
	var raw json.RawMessage
	status, err := cl.do(ctx, call{method: http.MethodPost, path: "/crawl", body: req}, &raw)
	if err != nil {
		return nil, err
	}
	var out CrawlResponse
	if status == http.StatusAccepted {
		out.Accepted = &Accepted{}
		err = json.Unmarshal(raw, out.Accepted)
	} else {
		err = json.Unmarshal(raw, &out)
	}
	if err != nil {
		return nil, fmt.Errorf("client: decode crawl answer: %w", err)
	}
	return &out, nil
}

// CrawlEvent is one event of a crawl stream; exactly one of its pointers
// is set, the one named by Type (an unknown future type sets none).
type CrawlEvent struct {
	Type string
	// ID is the SSE event id (empty for NDJSON).
	ID       string
	Metadata *CrawlMetadataLine
	Result   *CrawlResultLine
	Progress *CrawlProgressLine
	Summary  *CrawlSummaryLine
}

// CrawlMetadataLine opens a crawl stream.
type CrawlMetadataLine struct {
	Type      string          `json:"type"`
	RequestID string          `json:"request_id"`
	Timestamp time.Time       `json:"timestamp"`
	TotalURLs int             `json:"total_urls"`
	Options   json.RawMessage `json:"options"`
}

// CrawlResultLine is one URL's result, in completion order; Index is its
// position in the request's urls.
type CrawlResultLine struct {
	Type     string        `json:"type"`
	Index    int           `json:"index"`
	Result   Result        `json:"result"`
	Progress CrawlProgress `json:"progress"`
}

// CrawlProgress counts the URLs done so far.
type CrawlProgress struct {
	Completed  int `json:"completed"`
	Total      int `json:"total"`
	Successful int `json:"successful"`
	Failed     int `json:"failed"`
}

// CrawlProgressLine is a periodic progress event.
type CrawlProgressLine struct {
	Type       string `json:"type"`
	Completed  int    `json:"completed"`
	Total      int    `json:"total"`
	Successful int    `json:"successful"`
	Failed     int    `json:"failed"`
	ElapsedMS  int64  `json:"elapsed_ms"`
	ETAMS      int64  `json:"eta_ms"`
}

// CrawlSummaryLine ends a crawl stream.
type CrawlSummaryLine struct {
	Type  string `json:"type"`
	Stats Stats  `json:"stats"`
}

// CrawlStream crawls URLs and yields the events of the NDJSON stream as
// they arrive: metadata, one result per URL in completion order, progress,
// and a summary last. An error event of the server, or a stream cut
// before its summary (ErrStreamCut), is yielded as the error that ends it.
// Breaking out of the loop closes the connection.
func (cl *Client) CrawlStream(ctx context.Context, req CrawlRequest) iter.Seq2[CrawlEvent, error] {
	return stream(ctx, cl, call{method: http.MethodPost, path: "/crawl/stream", body: req, accept: "application/x-ndjson"}, "summary", decodeCrawlEvent)
}

// CrawlSSE is CrawlStream over server-sent events (/api/v1/crawl/sse);
// each event carries its id.
func (cl *Client) CrawlSSE(ctx context.Context, req CrawlRequest) iter.Seq2[CrawlEvent, error] {
	return stream(ctx, cl, call{method: http.MethodPost, path: "/crawl/sse", body: req, accept: "text/event-stream"}, "summary", decodeCrawlEvent)
}

func decodeCrawlEvent(typ, id string, data []byte) (CrawlEvent, error) {
	ev := CrawlEvent{Type: typ, ID: id}
	var err error
	switch typ {
	case "metadata":
		ev.Metadata = &CrawlMetadataLine{}
		err = json.Unmarshal(data, ev.Metadata)
	case "result":
		ev.Result = &CrawlResultLine{}
		err = json.Unmarshal(data, ev.Result)
	case "progress":
		ev.Progress = &CrawlProgressLine{}
		err = json.Unmarshal(data, ev.Progress)
	case "summary":
		ev.Summary = &CrawlSummaryLine{}
		err = json.Unmarshal(data, ev.Summary)
	}
	return ev, err
}
