package client

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// SpiderOptions bound and steer a deep crawl (docs/spider.md); a zero
// field takes the server's default.
type SpiderOptions struct {
	MaxDepth           int           `json:"max_depth,omitempty"`
	MaxPages           int           `json:"max_pages,omitempty"`
	MaxDurationMS      int64         `json:"max_duration_ms,omitempty"`
	MaxBytes           int64         `json:"max_bytes,omitempty"`
	MaxErrors          int           `json:"max_errors,omitempty"`
	Concurrency        int           `json:"concurrency,omitempty"`
	PerHostConcurrency int           `json:"per_host_concurrency,omitempty"`
	DelayMS            int64         `json:"delay_ms,omitempty"`
	Strategy           string        `json:"strategy,omitempty"` // breadth_first, depth_first or best_first
	Scope              string        `json:"scope,omitempty"`    // same_host, same_domain or any
	Include            []string      `json:"include,omitempty"`
	Exclude            []string      `json:"exclude,omitempty"`
	Keywords           []string      `json:"keywords,omitempty"`
	ContentTypes       []string      `json:"content_types,omitempty"`
	RespectRobots      *bool         `json:"respect_robots,omitempty"`
	Sitemap            string        `json:"sitemap,omitempty"` // include, only or skip
	ResultTTLMS        int64         `json:"result_ttl_ms,omitempty"`
	WebhookURL         string        `json:"webhook_url,omitempty"`
	WebhookSecret      string        `json:"webhook_secret,omitempty"`
	Extraction         *StrategySpec `json:"extraction,omitempty"`
	Chunking           *ChunkOptions `json:"chunking,omitempty"`
}

// SpiderRequest is the body of POST /api/v1/spider/crawl.
type SpiderRequest struct {
	SeedURLs []string       `json:"seed_urls"`
	Options  *SpiderOptions `json:"options,omitempty"`
}

// spiderSyncRequest asks for a small run answered inline.
type spiderSyncRequest struct {
	SpiderRequest
	Sync bool `json:"sync"`
}

// SpiderAccepted is where to follow a started run.
type SpiderAccepted struct {
	SpiderID   string `json:"spider_id"`
	Status     string `json:"status"`
	StatusURL  string `json:"status_url"`
	ResultsURL string `json:"results_url"`
}

// SpiderStatus is a run's state and figures.
type SpiderStatus struct {
	SpiderID        string          `json:"spider_id"`
	Status          string          `json:"status"` // queued, running, paused, completed, stopped, failed
	StopReason      string          `json:"stop_reason,omitempty"`
	SeedURLs        []string        `json:"seed_urls"`
	PagesCrawled    int             `json:"pages_crawled"`
	PagesFailed     int             `json:"pages_failed"`
	PagesQueued     int             `json:"pages_queued"`
	PagesInFlight   int             `json:"pages_in_flight"`
	PagesPerSecond  float64         `json:"pages_per_second"`
	CurrentDepth    int             `json:"current_depth"`
	MaxDepthReached int             `json:"max_depth_reached"`
	DuplicateLinks  int             `json:"duplicate_links"`
	Bytes           int64           `json:"bytes"`
	Skipped         map[string]int  `json:"skipped"`
	ElapsedMS       int64           `json:"elapsed_ms"`
	ETAMS           *int64          `json:"eta_ms"`
	CreatedAt       time.Time       `json:"created_at"`
	StartedAt       *time.Time      `json:"started_at,omitempty"`
	FinishedAt      *time.Time      `json:"finished_at,omitempty"`
	LastError       *ErrorInfo      `json:"last_error,omitempty"`
	Options         json.RawMessage `json:"options"`
}

// Done says whether the run has ended (a paused run has not).
func (s SpiderStatus) Done() bool {
	return s.Status == "completed" || s.Status == "stopped" || s.Status == "failed"
}

// SpiderPage is one page a run crawled.
type SpiderPage struct {
	URL         string          `json:"url"`
	FinalURL    string          `json:"final_url,omitempty"`
	Status      int             `json:"status"`
	Depth       int             `json:"depth"`
	Referrer    string          `json:"referrer,omitempty"`
	ContentType string          `json:"content_type,omitempty"`
	Bytes       int64           `json:"bytes"`
	Truncated   bool            `json:"truncated,omitempty"`
	DurationMS  int64           `json:"duration_ms"`
	LinksFound  int             `json:"links_found"`
	CrawledAt   time.Time       `json:"crawled_at"`
	Document    *Document       `json:"document,omitempty"`
	Extraction  *StrategyResult `json:"extraction,omitempty"`
	Chunking    json.RawMessage `json:"chunking,omitempty"`
	Error       *ErrorInfo      `json:"error,omitempty"`
}

// SpiderSyncResponse is a small run answered inline.
type SpiderSyncResponse struct {
	SpiderID string        `json:"spider_id"`
	Status   *SpiderStatus `json:"status"`
	Results  []SpiderPage  `json:"results"`
}

// SpiderResultPage is one page of a run's results.
type SpiderResultPage struct {
	SpiderID string       `json:"spider_id"`
	Status   string       `json:"status"`
	Total    int          `json:"total"`
	Results  []SpiderPage `json:"results"`
	// NextCursor continues the listing; nil when there is nothing more yet.
	NextCursor *string `json:"next_cursor"`
}

// SpiderStart starts a deep crawl that runs on after the call returns.
func (cl *Client) SpiderStart(ctx context.Context, req SpiderRequest) (*SpiderAccepted, error) {
	var out SpiderAccepted
	if _, err := cl.do(ctx, call{method: http.MethodPost, path: "/spider/crawl", body: req}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// SpiderCrawlSync runs a small deep crawl (max_pages at most 20) and
// returns its pages.
func (cl *Client) SpiderCrawlSync(ctx context.Context, req SpiderRequest) (*SpiderSyncResponse, error) {
	var out SpiderSyncResponse
	if _, err := cl.do(ctx, call{method: http.MethodPost, path: "/spider/crawl", body: spiderSyncRequest{req, true}}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// SpiderStatus returns a run's status.
func (cl *Client) SpiderStatus(ctx context.Context, spiderID string) (*SpiderStatus, error) {
	var out SpiderStatus
	if _, err := cl.do(ctx, call{method: http.MethodGet, path: "/spider/" + pathEscape(spiderID)}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// SpiderControl stops, pauses, resumes or resets a run (action "stop",
// "pause", "resume" or "reset") and returns its status.
func (cl *Client) SpiderControl(ctx context.Context, spiderID, action string) (*SpiderStatus, error) {
	var out SpiderStatus
	body := spiderControlRequest{SpiderID: spiderID, Action: action}
	if _, err := cl.do(ctx, call{method: http.MethodPost, path: "/spider/control", body: body}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// spiderControlRequest is the body of POST /api/v1/spider/control.
type spiderControlRequest struct {
	SpiderID string `json:"spider_id"`
	Action   string `json:"action"`
}

// SpiderStop stops a run; the pages crawled so far stay readable.
func (cl *Client) SpiderStop(ctx context.Context, spiderID string) (*SpiderStatus, error) {
	return cl.SpiderControl(ctx, spiderID, "stop")
}

// SpiderResults returns one page of a run's results: from cursor (empty:
// the first result), at most limit (0: the server's default of 100).
func (cl *Client) SpiderResults(ctx context.Context, spiderID, cursor string, limit int) (*SpiderResultPage, error) {
	q := url.Values{}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out SpiderResultPage
	if _, err := cl.do(ctx, call{method: http.MethodGet, path: "/spider/" + pathEscape(spiderID) + "/results", query: q}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// SpiderEvent is one event of a run's result stream; the pointer named by
// Type is set.
type SpiderEvent struct {
	Type     string
	Metadata *SpiderMetadataLine
	Page     *SpiderPage
	Summary  *SpiderSummaryLine
}

// SpiderMetadataLine opens a result stream.
type SpiderMetadataLine struct {
	Type      string    `json:"type"`
	SpiderID  string    `json:"spider_id"`
	Status    string    `json:"status"`
	Cursor    string    `json:"cursor"`
	Follow    bool      `json:"follow"`
	Limit     int       `json:"limit,omitempty"`
	Timestamp time.Time `json:"timestamp"`
}

// SpiderSummaryLine ends a result stream.
type SpiderSummaryLine struct {
	Type       string        `json:"type"`
	Sent       int           `json:"sent"`
	Status     *SpiderStatus `json:"status"`
	NextCursor *string       `json:"next_cursor"`
}

// SpiderResultsStream yields a run's results as NDJSON from the first one.
// With follow it keeps yielding new pages until the run ends or pauses;
// without, it ends at the results stored so far.
func (cl *Client) SpiderResultsStream(ctx context.Context, spiderID string, follow bool) iter.Seq2[SpiderEvent, error] {
	q := url.Values{"format": {"ndjson"}}
	if follow {
		q.Set("follow", "true")
	}
	c := call{method: http.MethodGet, path: "/spider/" + pathEscape(spiderID) + "/results", query: q, accept: "application/x-ndjson"}
	return stream(ctx, cl, c, "summary", func(typ, _ string, data []byte) (SpiderEvent, error) {
		ev := SpiderEvent{Type: typ}
		var err error
		switch typ {
		case "metadata":
			ev.Metadata = &SpiderMetadataLine{}
			err = json.Unmarshal(data, ev.Metadata)
		case "result":
			ev.Page = &SpiderPage{}
			err = json.Unmarshal(data, &struct {
				Type string `json:"type"`
				*SpiderPage
			}{SpiderPage: ev.Page})
		case "summary":
			ev.Summary = &SpiderSummaryLine{}
			err = json.Unmarshal(data, ev.Summary)
		}
		return ev, err
	})
}
