package crawlapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/pipeline"
	"github.com/riptidecrawler/riptide/shared/ratelimit"
)

// Deps are what the crawl group needs.
type Deps struct {
	Pipeline *pipeline.Pipeline
	// SyncDeadline bounds POST /crawl: URLs not finished by then are
	// reported as timeouts instead of losing the whole response to the API
	// Gateway's 29 s limit. Zero means no deadline (local server).
	SyncDeadline time.Duration
	// KeepAlive is the interval of keep-alive writes on idle streams
	// (DefaultKeepAlive when zero).
	KeepAlive time.Duration
	// Spider takes POST /crawl requests with options.use_spider (nil: this
	// deployment cannot start spider runs; such requests are refused).
	Spider SpiderDelegate
	// Jobs takes POST /crawl requests with async, and batches over the
	// synchronous limit (nil: such requests are refused).
	Jobs JobSubmitter
	// Tokens issues the WebSocket tokens of POST /crawl/ws/token (the
	// process's httpx.AuthConfig; nil: the route answers 501).
	Tokens TokenIssuer
}

// TokenIssuer issues a short-lived WebSocket token to the caller that
// authenticated with credential.
type TokenIssuer interface {
	IssueToken(ctx context.Context, credential string, ttl time.Duration, now time.Time) (string, time.Time, error)
}

// JobSubmitter submits a crawl batch as an async job for the caller of
// ctx. It answers the 202 body; a body with a Location() method gives the
// answer its Location header.
type JobSubmitter interface {
	// CheckCrawl validates the batch as SubmitCrawl would, storing
	// nothing: the handler spends the URLs between the two, so a mistaken
	// batch costs nothing.
	CheckCrawl(ctx context.Context, urls []string, options json.RawMessage) error
	SubmitCrawl(ctx context.Context, urls []string, options json.RawMessage) (body any, err error)
}

// SpiderDelegate starts a spider run for a crawl request: seeds are the
// request's URLs, options the raw `options.spider` object. It answers the
// status code and body to send (the spider's 202); a body with a
// Location() method gives the answer its Location header.
type SpiderDelegate interface {
	Delegate(ctx context.Context, seeds []string, options json.RawMessage) (status int, body any, err error)
}

// DefaultKeepAlive keeps proxies with a 30 s idle timeout from closing a
// stream that is waiting on slow URLs.
const DefaultKeepAlive = 15 * time.Second

// Handlers returns the group's handlers keyed by operation id.
func Handlers(d Deps) map[string]http.Handler {
	return map[string]http.Handler{
		"crawl.batch":    http.HandlerFunc(d.batch),
		"crawl.stream":   http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { d.stream(w, r, httpx.NDJSON) }),
		"crawl.sse":      http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { d.stream(w, r, sse) }),
		"crawl.extract":  http.HandlerFunc(d.extract),
		"crawl.ws":       http.HandlerFunc(d.websocket),
		"crawl.ws_token": http.HandlerFunc(d.wsToken),
		"crawl.chunk":    http.HandlerFunc(d.chunkText),
	}
}

// errUseSpiderOnStream: a spider run is followed through its own results
// stream, not a crawl stream.
var errUseSpiderOnStream = core.Errorf(core.ErrValidation,
	"options.use_spider is for POST /api/v1/crawl; follow a spider run with GET /api/v1/spider/{id}/results (Accept: application/x-ndjson)")

func sse(w http.ResponseWriter) httpx.EventStream { return httpx.SSE(w, 5000) }

// BatchResponse is the body of POST /api/v1/crawl: one result per URL in
// request order, and the batch's statistics.
type BatchResponse struct {
	RequestID string            `json:"request_id"`
	Results   []pipeline.Result `json:"results"`
	Stats     pipeline.Stats    `json:"stats"`
}

func (d Deps) batch(w http.ResponseWriter, r *http.Request) {
	var req Request
	if err := httpx.Decode(r, &req); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if (req.Async || len(req.URLs) > pipeline.MaxURLs) && !req.Options.UseSpider && (d.Jobs != nil || req.Async) {
		d.async(w, r, req)
		return
	}
	if err := req.normalize(d.Pipeline); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	// A missing or foreign session is the request's error, not each URL's.
	if err := d.Pipeline.CheckSession(r.Context(), req.Options.SessionID); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if err := spendURLs(r, len(req.URLs)); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if req.Options.UseSpider {
		if d.Spider == nil {
			httpx.WriteError(w, r, core.Errorf(core.ErrNotImplemented, "options.use_spider is not available in this deployment"))
			return
		}
		status, body, err := d.Spider.Delegate(r.Context(), req.URLs, req.Options.Spider)
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		// A 202 points at where the accepted work can be followed, as
		// POST /api/v1/spider/crawl's does.
		if l, ok := body.(interface{ Location() string }); ok && l.Location() != "" {
			w.Header().Set("Location", l.Location())
		}
		httpx.WriteJSON(w, status, body)
		return
	}
	ctx := r.Context()
	if d.SyncDeadline > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d.SyncDeadline)
		defer cancel()
	}
	httpx.AddUsage(r.Context(), int64(len(req.URLs)), 0, 0) // URLs count against the caller's key
	results := make([]pipeline.Result, len(req.URLs))
	done := make([]bool, len(req.URLs))
	stats, err := d.Pipeline.Batch(ctx, req.URLs, req.Options.Options, func(i int, res pipeline.Result) error {
		results[i], done[i] = res, true
		return nil
	})
	if err != nil && r.Context().Err() != nil {
		return // the client is gone; nobody to answer
	}
	// URLs the deadline kept from starting still get a result each.
	for i := range results {
		if done[i] {
			continue
		}
		results[i] = pipeline.Result{URL: req.URLs[i], GateDecision: "failed", Error: &core.ErrorInfo{
			Type:      core.ErrTimeout,
			Message:   fmt.Sprintf("not crawled within the synchronous deadline of %s; use /api/v1/crawl/stream or async jobs for long batches", d.SyncDeadline),
			Retryable: true,
		}}
		stats.Add(results[i])
	}
	stats.Finish(time.Duration(stats.ElapsedMS) * time.Millisecond)
	httpx.WriteJSON(w, http.StatusOK, BatchResponse{RequestID: httpx.RequestID(r.Context()), Results: results, Stats: stats})
}

// async submits the batch as a batch_crawl job; the job's executor checks
// the URLs and options as a synchronous crawl would (a 400 now, not a
// failed job later).
func (d Deps) async(w http.ResponseWriter, r *http.Request, req Request) {
	if d.Jobs == nil {
		httpx.WriteError(w, r, core.Errorf(core.ErrNotImplemented, "async crawls are not available in this deployment"))
		return
	}
	if len(req.Options.Spider) > 0 {
		httpx.WriteError(w, r, core.Errorf(core.ErrValidation, "options.spider needs options.use_spider: true"))
		return
	}
	opts, err := json.Marshal(req.Options.Options)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	// Checked before the URLs are spent: a batch refused for its own
	// mistake costs nothing.
	if err := d.Jobs.CheckCrawl(r.Context(), req.URLs, opts); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if err := spendURLs(r, len(req.URLs)); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	body, err := d.Jobs.SubmitCrawl(r.Context(), req.URLs, opts)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if l, ok := body.(interface{ Location() string }); ok && l.Location() != "" {
		w.Header().Set("Location", l.Location())
	}
	httpx.WriteJSON(w, http.StatusAccepted, body)
}

// Stream lines and events (api.md): metadata first, one result per URL in
// completion order, progress along the way, summary last.
type (
	MetadataLine struct {
		Type      string           `json:"type"`
		RequestID string           `json:"request_id"`
		TotalURLs int              `json:"total_urls"`
		Timestamp time.Time        `json:"timestamp"`
		Options   pipeline.Options `json:"options"`
	}
	ResultLine struct {
		Type     string          `json:"type"`
		Index    int             `json:"index"`
		Result   pipeline.Result `json:"result"`
		Progress Progress        `json:"progress"`
	}
	ProgressLine struct {
		Type string `json:"type"`
		Progress
		ElapsedMS int64 `json:"elapsed_ms"`
		ETAMS     int64 `json:"eta_ms"`
	}
	SummaryLine struct {
		Type  string         `json:"type"`
		Stats pipeline.Stats `json:"stats"`
	}
	ErrorLine struct {
		Type  string             `json:"type"`
		Error httpx.ErrorPayload `json:"error"`
	}
	Progress struct {
		Completed  int `json:"completed"`
		Total      int `json:"total"`
		Successful int `json:"successful"`
		Failed     int `json:"failed"`
	}
)

// run executes a batch and sends its events to out. Shared by the NDJSON,
// SSE and WebSocket transports.
func (d Deps) run(ctx context.Context, requestID string, req Request, out httpx.EventStream) error {
	start := time.Now()
	total := len(req.URLs)
	if err := out.Send("metadata", "0", MetadataLine{Type: "metadata", RequestID: requestID, TotalURLs: total, Timestamp: start.UTC(), Options: req.Options.Options}); err != nil {
		return err
	}
	var prog Progress
	prog.Total = total
	every := max(1, total/10)
	seq := 0
	// Keep idle connections alive while slow URLs are in flight.
	stopKeepAlive := make(chan struct{})
	defer close(stopKeepAlive)
	go func() {
		every := d.KeepAlive
		if every <= 0 {
			every = DefaultKeepAlive
		}
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				if out.KeepAlive() != nil {
					return
				}
			case <-stopKeepAlive:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	stats, err := d.Pipeline.Batch(ctx, req.URLs, req.Options.Options, func(i int, res pipeline.Result) error {
		prog.Completed++
		if res.OK() {
			prog.Successful++
		} else {
			prog.Failed++
		}
		seq++
		if err := out.Send("result", fmt.Sprint(seq), ResultLine{Type: "result", Index: i, Result: res, Progress: prog}); err != nil {
			return err
		}
		if prog.Completed%every == 0 && prog.Completed < total {
			seq++
			elapsed := time.Since(start)
			eta := time.Duration(float64(elapsed) / float64(prog.Completed) * float64(total-prog.Completed))
			return out.Send("progress", fmt.Sprint(seq), ProgressLine{Type: "progress", Progress: prog, ElapsedMS: elapsed.Milliseconds(), ETAMS: eta.Milliseconds()})
		}
		return nil
	})
	if err != nil {
		if ctx.Err() == nil && !errors.Is(err, context.Canceled) {
			_ = out.Send("error", "", ErrorLine{Type: "error", Error: httpx.Payload(nil, err)})
		}
		return err
	}
	seq++
	return out.Send("summary", fmt.Sprint(seq), SummaryLine{Type: "summary", Stats: stats})
}

// stream serves /crawl/stream and /crawl/sse. An invalid request is a 4xx
// before the stream starts; once it has started, failures are error events.
func (d Deps) stream(w http.ResponseWriter, r *http.Request, open func(http.ResponseWriter) httpx.EventStream) {
	var req Request
	if err := httpx.Decode(r, &req); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if err := req.normalize(d.Pipeline); err == nil && req.Options.UseSpider {
		err = errUseSpiderOnStream
		httpx.WriteError(w, r, err)
		return
	} else if err == nil {
		err = d.Pipeline.CheckSession(r.Context(), req.Options.SessionID)
		if err == nil {
			err = spendURLs(r, len(req.URLs))
		}
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
	} else {
		httpx.WriteError(w, r, err)
		return
	}
	out := open(w)
	if err := d.run(r.Context(), httpx.RequestID(r.Context()), req, out); err != nil {
		httpx.Logger(r.Context()).Info("stream ended early", "error", err.Error())
	}
}

// spendURLs spends a batch's URLs from the caller's rate-limit plan
// before any work: a batch the plan cannot afford now is a 429 that
// fetched nothing.
func spendURLs(r *http.Request, n int) error {
	return httpx.SpendUpfront(r.Context(), ratelimit.URLs, float64(n))
}
