// Package deepsearchapi serves the deepsearch group: GET /api/v1/search
// (web search only), POST /api/v1/deepsearch (search, then crawl the hits)
// and POST /api/v1/deepsearch/stream (the same run as NDJSON lines).
package deepsearchapi

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/pipeline"
	"github.com/riptidecrawler/riptide/shared/ratelimit"
	"github.com/riptidecrawler/riptide/shared/search"
)

// Deps are what the group needs. Search is required; the rest are optional.
type Deps struct {
	Search *search.Service
	// Crawler crawls the hits: the crawl pipeline (one fetch per URL, the
	// SSRF guard, the same extraction and cache as /crawl).
	Crawler search.Crawler
	// Chunker splits crawled pages when a request asks (nil: refused).
	Chunker search.Chunker
	// Answerer writes an answer with citations (nil: refused).
	Answerer search.Answerer
	// SyncDeadline bounds the crawl phase of POST /deepsearch (API
	// Gateway's 29 s limit in Lambda); zero means none.
	SyncDeadline time.Duration
	// KeepAlive is the interval of keep-alive lines on an idle stream.
	KeepAlive time.Duration
}

// DefaultKeepAlive keeps proxies with a 30 s idle timeout from closing a
// stream that waits on slow pages.
const DefaultKeepAlive = 15 * time.Second

// Handlers returns the group's handlers keyed by operation id.
func Handlers(d Deps) map[string]http.Handler {
	return map[string]http.Handler{
		"deepsearch.query":  http.HandlerFunc(d.query),
		"deepsearch.search": http.HandlerFunc(d.deepsearch),
		"deepsearch.stream": http.HandlerFunc(d.stream),
	}
}

func (d Deps) engine(deadline time.Duration) *search.DeepSearch {
	return &search.DeepSearch{Search: d.Search, Crawler: d.Crawler, Chunker: d.Chunker, Answerer: d.Answerer, CrawlDeadline: deadline}
}

// SearchResponse is the body of GET /api/v1/search.
type SearchResponse struct {
	search.Response
	TotalResults int `json:"total_results"`
}

// queryParams are the parameters GET /search accepts; any other is a 400.
var queryParams = []string{"q", "limit", "country", "language", "provider", "freshness", "safe_search"}

func (d Deps) query(w http.ResponseWriter, r *http.Request) {
	vals := r.URL.Query()
	for k := range vals {
		if !contains(queryParams, k) {
			httpx.WriteError(w, r, core.Errorf(core.ErrValidation, "unknown query parameter %q; parameters are %s", k, strings.Join(queryParams, ", ")).
				WithDetails(core.Detail{Field: k, Message: "unknown parameter"}))
			return
		}
	}
	q := search.Query{Text: vals.Get("q"), Country: vals.Get("country"), Language: vals.Get("language"),
		Freshness: search.Freshness(vals.Get("freshness")), SafeSearch: search.SafeSearch(vals.Get("safe_search"))}
	if v := vals.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			httpx.WriteError(w, r, core.Errorf(core.ErrValidation, "limit: %q is not an integer", v).WithDetails(core.Detail{Field: "limit", Message: "not an integer"}))
			return
		}
		q.Limit = n
	}
	q, err := q.Normalize("")
	if err != nil {
		if e := core.AsError(err); len(e.Details) > 0 && e.Details[0].Field == "query" {
			e.Message = strings.Replace(e.Message, "query:", "q:", 1) // the parameter is q
		}
		httpx.WriteError(w, r, err)
		return
	}
	resp, err := d.Search.Search(r.Context(), vals.Get("provider"), q)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, SearchResponse{Response: resp, TotalResults: len(resp.Results)})
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Request is the body of POST /deepsearch and /deepsearch/stream.
type Request struct {
	Query      string            `json:"query"`
	Limit      int               `json:"limit,omitempty"`
	Country    string            `json:"country,omitempty"`
	Language   string            `json:"language,omitempty"`
	Locale     string            `json:"locale,omitempty"` // the original's name for language
	Freshness  search.Freshness  `json:"freshness,omitempty"`
	SafeSearch search.SafeSearch `json:"safe_search,omitempty"`
	Provider   string            `json:"provider,omitempty"`
	// IncludeContent crawls the hits (default true).
	IncludeContent *bool `json:"include_content,omitempty"`
	// CrawlLimit crawls only the top N hits (default: all of them).
	CrawlLimit   int               `json:"crawl_limit,omitempty"`
	CrawlOptions *pipeline.Options `json:"crawl_options,omitempty"`
	// Chunking asks for per-result chunks; its fields are the chunker's.
	Chunking json.RawMessage `json:"chunking,omitempty"`
	// Answer asks an LLM for an answer with citations (needs a provider).
	Answer bool `json:"answer,omitempty"`
}

// normalize validates the request and builds the engine's request.
func (req Request) normalize() (search.DeepRequest, error) {
	lang := req.Language
	if lang == "" {
		lang = req.Locale
	}
	q, err := search.Query{Text: req.Query, Limit: req.Limit, Country: req.Country, Language: lang, Freshness: req.Freshness, SafeSearch: req.SafeSearch}.Normalize("")
	if err != nil {
		return search.DeepRequest{}, err
	}
	if req.Language != "" && req.Locale != "" && !strings.EqualFold(req.Language, req.Locale) {
		return search.DeepRequest{}, core.Errorf(core.ErrValidation, "locale and language disagree; send language only")
	}
	if req.CrawlLimit < 0 || req.CrawlLimit > search.MaxLimit {
		return search.DeepRequest{}, core.Errorf(core.ErrValidation, "crawl_limit: must be between 0 and %d", search.MaxLimit).
			WithDetails(core.Detail{Field: "crawl_limit", Message: "out of range"})
	}
	var opts pipeline.Options
	if req.CrawlOptions != nil {
		opts = *req.CrawlOptions
	}
	opts = opts.WithDefaults()
	if err := opts.Validate("crawl_options"); err != nil {
		return search.DeepRequest{}, err
	}
	if c := strings.TrimSpace(string(req.Chunking)); c == "null" || c == "false" {
		req.Chunking = nil
	}
	include := req.IncludeContent == nil || *req.IncludeContent
	return search.DeepRequest{Provider: req.Provider, Query: q, CrawlLimit: req.CrawlLimit, IncludeContent: include,
		CrawlOptions: opts, Chunking: req.Chunking, Answer: req.Answer}, nil
}

// decode reads and validates a deep search request, and refuses what this
// deployment cannot do (no key, no chunker, no LLM) before any work.
func (d Deps) decode(r *http.Request) (search.DeepRequest, error) {
	var req Request
	if err := httpx.Decode(r, &req); err != nil {
		return search.DeepRequest{}, err
	}
	dr, err := req.normalize()
	if err != nil {
		return dr, err
	}
	if err := d.engine(0).Check(r.Context(), dr); err != nil {
		return dr, err
	}
	// The most URLs the run may crawl come out of the caller's plan before
	// the search vendor is called: a run the plan cannot afford costs
	// nothing. Fewer hits than asked for are not refunded.
	return dr, httpx.SpendUpfront(r.Context(), ratelimit.URLs, float64(maxCrawled(dr)))
}

// maxCrawled is how many hits a deep search crawls at most.
func maxCrawled(dr search.DeepRequest) int {
	if !dr.IncludeContent {
		return 0
	}
	if dr.CrawlLimit > 0 && dr.CrawlLimit < dr.Query.Limit {
		return dr.CrawlLimit
	}
	return dr.Query.Limit
}

// countCrawled reports the URLs a finished run fetched against the
// caller's key (usage counters).
func countCrawled(r *http.Request, s search.DeepSummary) {
	httpx.AddUsage(r.Context(), int64(s.URLsCrawled+s.URLsFailed), 0, 0)
}

// Response is the body of POST /api/v1/deepsearch.
type Response struct {
	RequestID string `json:"request_id"`
	Status    string `json:"status"` // "completed"
	search.DeepSummary
	// Results are in rank order, each with its crawl result when crawled.
	Results []search.DeepResult `json:"results"`
	// ProcessingTimeMS is the whole request's time (the original's field).
	ProcessingTimeMS int64 `json:"processing_time_ms"`
}

func (d Deps) deepsearch(w http.ResponseWriter, r *http.Request) {
	dr, err := d.decode(r)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	var (
		results []search.DeepResult
		summary search.DeepSummary
	)
	err = d.engine(d.SyncDeadline).Run(r.Context(), dr, func(ev search.DeepEvent) error {
		switch {
		case ev.Result != nil:
			results = append(results, *ev.Result)
		case ev.Summary != nil:
			summary = *ev.Summary
		}
		return nil
	})
	if err != nil {
		if r.Context().Err() != nil {
			return // the client is gone
		}
		httpx.WriteError(w, r, err)
		return
	}
	countCrawled(r, summary)
	sort.Slice(results, func(i, j int) bool { return results[i].Index < results[j].Index })
	if results == nil {
		results = []search.DeepResult{}
	}
	httpx.WriteJSON(w, http.StatusOK, Response{RequestID: httpx.RequestID(r.Context()), Status: "completed", DeepSummary: summary,
		Results: results, ProcessingTimeMS: summary.TotalTimeMS})
}

// Stream lines (api.md): metadata first, then search, one result per hit
// (crawled hits in completion order), summary last; error when the run
// fails after the stream started.
type (
	MetadataLine struct {
		Type       string    `json:"type"` // "metadata"
		RequestID  string    `json:"request_id"`
		StreamType string    `json:"stream_type"` // "deepsearch"
		Query      string    `json:"query"`
		Timestamp  time.Time `json:"timestamp"`
	}
	SearchLine struct {
		Type string `json:"type"` // "search"
		search.Response
		URLsFound int `json:"urls_found"`
	}
	ResultLine struct {
		Type string `json:"type"` // "result"
		search.DeepResult
	}
	SummaryLine struct {
		Type string `json:"type"` // "summary"
		search.DeepSummary
		Status string `json:"status"` // "completed"
	}
	ErrorLine struct {
		Type  string             `json:"type"` // "error"
		Error httpx.ErrorPayload `json:"error"`
	}
)

func (d Deps) stream(w http.ResponseWriter, r *http.Request) {
	dr, err := d.decode(r)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	ctx := r.Context()
	out := httpx.NDJSON(w)
	requestID := httpx.RequestID(ctx)
	if err := out.Send("metadata", "", MetadataLine{Type: "metadata", RequestID: requestID, StreamType: "deepsearch", Query: dr.Query.Text, Timestamp: time.Now().UTC()}); err != nil {
		return
	}
	stop := keepAlive(ctx, out, d.KeepAlive)
	defer stop()
	err = d.engine(0).Run(ctx, dr, func(ev search.DeepEvent) error {
		switch {
		case ev.Search != nil:
			return out.Send("search", "", SearchLine{Type: "search", Response: *ev.Search, URLsFound: len(ev.Search.Results)})
		case ev.Result != nil:
			return out.Send("result", "", ResultLine{Type: "result", DeepResult: *ev.Result})
		default:
			countCrawled(r, *ev.Summary)
			return out.Send("summary", "", SummaryLine{Type: "summary", DeepSummary: *ev.Summary, Status: "completed"})
		}
	})
	if err != nil && ctx.Err() == nil {
		p := httpx.Payload(r, err)
		if e := core.AsError(err); e.Type == core.ErrInternal {
			httpx.Logger(ctx).Error("deep search failed", "error", err.Error())
		}
		_ = out.Send("error", "", ErrorLine{Type: "error", Error: p})
	}
}

// keepAlive writes keep-alive lines while the run is idle; stop ends it.
func keepAlive(ctx context.Context, out httpx.EventStream, every time.Duration) (stop func()) {
	if every <= 0 {
		every = DefaultKeepAlive
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				if out.KeepAlive() != nil {
					return
				}
			case <-done:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() { close(done) }
}
