// Package spider serves the spider endpoint group: start deep crawls (async
// or, for small ones, inline), read their status and results (paged JSON or
// NDJSON), control them, and map a site's URLs.
package spiderapi

import (
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/ratelimit"
	"github.com/riptidecrawler/riptide/shared/spider"
)

// Deps are what the group needs: the spider service of this home.
type Deps struct {
	Service *spider.Service
	// PollInterval is how often a followed NDJSON stream looks for new
	// results (500ms).
	PollInterval time.Duration
}

// Handlers returns the group's handlers keyed by operation id.
func Handlers(d Deps) map[string]http.Handler {
	if d.PollInterval <= 0 {
		d.PollInterval = 500 * time.Millisecond
	}
	return map[string]http.Handler{
		"spider.crawl":   http.HandlerFunc(d.crawl),
		"spider.status":  http.HandlerFunc(d.status),
		"spider.get":     http.HandlerFunc(d.get),
		"spider.control": http.HandlerFunc(d.control),
		"spider.results": http.HandlerFunc(d.results),
		"spider.map":     http.HandlerFunc(d.mapSite),
	}
}

// CrawlRequest is the body of POST /api/v1/spider/crawl.
type CrawlRequest struct {
	SeedURLs []string       `json:"seed_urls"`
	Options  spider.Options `json:"options"`
	// Sync runs a small crawl (max_pages <= 20) inline and answers 200
	// with its results.
	Sync bool `json:"sync,omitempty"`
}

// Accepted is the 202 answer of an async crawl.
type Accepted struct {
	SpiderID   string `json:"spider_id"`
	Status     string `json:"status"`
	StatusURL  string `json:"status_url"`
	ResultsURL string `json:"results_url"`
}

// SyncResponse is the 200 answer of a synchronous crawl.
type SyncResponse struct {
	SpiderID string            `json:"spider_id"`
	Status   *spider.Status    `json:"status"`
	Results  []json.RawMessage `json:"results"`
}

// ControlRequest is the body of POST /api/v1/spider/control.
type ControlRequest struct {
	SpiderID string `json:"spider_id"`
	Action   string `json:"action"`
}

// MapRequest is the body of POST /api/v1/spider/map.
type MapRequest struct {
	URL     string            `json:"url"`
	Options spider.MapOptions `json:"options"`
}

func (d Deps) crawl(w http.ResponseWriter, r *http.Request) {
	var req CrawlRequest
	if err := httpx.Decode(r, &req); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	// The seeds (validated, without duplicates) come out of the caller's
	// plan before the run exists; the engine charges the other pages as
	// its batches record them (spider.Deps.Meter).
	_, seeds, err := d.Service.Check(req.SeedURLs, req.Options)
	if err == nil {
		err = httpx.SpendUpfront(r.Context(), ratelimit.URLs, float64(len(seeds)))
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if req.Sync {
		res, err := d.Service.RunSync(r.Context(), httpx.Owner(r.Context()), req.SeedURLs, req.Options)
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		httpx.AddUsage(r.Context(), int64(len(seeds)), 0, 0)
		httpx.WriteJSON(w, http.StatusOK, SyncResponse{SpiderID: res.Status.SpiderID, Status: res.Status, Results: res.Results})
		return
	}
	id, err := d.Service.Start(r.Context(), httpx.Owner(r.Context()), req.SeedURLs, req.Options)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.AddUsage(r.Context(), int64(len(seeds)), 0, 0)
	acc := accepted(id)
	w.Header().Set("Location", acc.StatusURL)
	httpx.WriteJSON(w, http.StatusAccepted, acc)
}

func (d Deps) status(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("spider_id")
	if id == "" {
		httpx.WriteError(w, r, core.Errorf(core.ErrValidation, "spider_id: query parameter required").
			WithDetails(core.Detail{Field: "spider_id", Message: "required"}))
		return
	}
	d.writeStatus(w, r, id)
}

func (d Deps) get(w http.ResponseWriter, r *http.Request) { d.writeStatus(w, r, r.PathValue("id")) }

func (d Deps) writeStatus(w http.ResponseWriter, r *http.Request, id string) {
	st, err := d.Service.Status(r.Context(), httpx.Owner(r.Context()), id)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, st)
}

func (d Deps) control(w http.ResponseWriter, r *http.Request) {
	var req ControlRequest
	if err := httpx.Decode(r, &req); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if req.SpiderID == "" {
		httpx.WriteError(w, r, core.Errorf(core.ErrValidation, "spider_id: required").WithDetails(core.Detail{Field: "spider_id", Message: "required"}))
		return
	}
	st, err := d.Service.Control(r.Context(), httpx.Owner(r.Context()), req.SpiderID, strings.ToLower(req.Action))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, st)
}

func (d Deps) mapSite(w http.ResponseWriter, r *http.Request) {
	var req MapRequest
	if err := httpx.Decode(r, &req); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	res, err := d.Service.Engine.Map(r.Context(), req.URL, req.Options)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, res)
}

// wantsNDJSON reports whether the client asked for NDJSON (Accept, or
// ?format=ndjson for clients that cannot set headers).
func wantsNDJSON(r *http.Request) bool {
	if r.URL.Query().Get("format") == "ndjson" {
		return true
	}
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		if mt, _, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && mt == "application/x-ndjson" {
			return true
		}
	}
	return false
}

func (d Deps) results(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	q := r.URL.Query()
	var cursor int64
	if c := q.Get("cursor"); c != "" {
		v, err := strconv.ParseInt(c, 10, 64)
		if err != nil || v < 0 {
			httpx.WriteError(w, r, core.Errorf(core.ErrValidation, "cursor: %q is not a cursor from next_cursor", c).
				WithDetails(core.Detail{Field: "cursor", Message: "invalid"}))
			return
		}
		cursor = v
	}
	// limit pages the JSON form (100 by default); the NDJSON form streams
	// every result unless a limit is given.
	limit := 0
	if l := q.Get("limit"); l != "" {
		v, err := strconv.Atoi(l)
		if err != nil || v < 1 || v > 1000 {
			httpx.WriteError(w, r, core.Errorf(core.ErrValidation, "limit: must be 1..1000").
				WithDetails(core.Detail{Field: "limit", Message: "1..1000"}))
			return
		}
		limit = v
	}
	if !wantsNDJSON(r) {
		if limit == 0 {
			limit = 100
		}
		p, err := d.Service.Results(r.Context(), httpx.Owner(r.Context()), id, cursor, limit)
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		httpx.WriteJSON(w, http.StatusOK, p)
		return
	}
	d.stream(w, r, id, cursor, limit, q.Get("follow") == "true")
}

// stream writes the results as NDJSON: a metadata line, one result line
// per page, a summary line with the status. With follow, it keeps
// streaming new results until the run ends or pauses. A limit above zero
// stops after that many results; the summary's next_cursor then says
// where to continue.
func (d Deps) stream(w http.ResponseWriter, r *http.Request, id string, cursor int64, limit int, follow bool) {
	ctx := r.Context()
	st, err := d.Service.Status(ctx, httpx.Owner(ctx), id)
	if err != nil {
		httpx.WriteError(w, r, err) // a 4xx before the stream starts
		return
	}
	out := httpx.NDJSON(w)
	line := func(v any) bool { return out.Send("", "", v) == nil }
	if !line(metadataLine{Type: "metadata", SpiderID: id, Status: st.State, Cursor: strconv.FormatInt(cursor, 10), Follow: follow, Limit: limit,
		Timestamp: time.Now().UTC()}) {
		return
	}
	sent := 0
	more := false // results remain past the limit
	for {
		batch := 500
		if limit > 0 {
			batch = min(batch, limit-sent)
		}
		p, err := d.Service.Engine.Results(ctx, id, cursor, batch)
		if err != nil {
			line(errorLine{Type: "error", Error: httpx.Payload(r, err)})
			return
		}
		for _, raw := range p.Results {
			if !line(resultLine{Type: "result", Result: raw}) {
				return
			}
		}
		cursor += int64(len(p.Results))
		sent += len(p.Results)
		if limit > 0 && sent >= limit {
			more = p.NextCursor != nil || p.Status == spider.StateRunning || p.Status == spider.StateStopping || p.Status == spider.StatePaused
			break
		}
		if p.NextCursor != nil {
			continue
		}
		if !follow || p.Status != spider.StateRunning && p.Status != spider.StateStopping {
			break
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(d.PollInterval):
		}
	}
	st, err = d.Service.Engine.Status(context.WithoutCancel(ctx), id)
	if err != nil {
		line(errorLine{Type: "error", Error: httpx.Payload(r, err)})
		return
	}
	sum := summaryLine{Type: "summary", Sent: sent, Status: st}
	if more || !spider.Terminal(st.State) {
		// More results are stored, or may come while the run is active:
		// continue from here (like a page's next_cursor, but the stream
		// also hands out a cursor at the end of a running run).
		next := strconv.FormatInt(cursor, 10)
		sum.NextCursor = &next
	}
	line(sum)
}

// Stream lines of the NDJSON results (resultLine carries a result's own
// fields).
type metadataLine struct {
	Type      string    `json:"type"`
	SpiderID  string    `json:"spider_id"`
	Status    string    `json:"status"`
	Cursor    string    `json:"cursor"`
	Follow    bool      `json:"follow"`
	Limit     int       `json:"limit,omitempty"`
	Timestamp time.Time `json:"timestamp"`
}

type errorLine struct {
	Type  string             `json:"type"`
	Error httpx.ErrorPayload `json:"error"`
}

// resultLine is {"type":"result", ...the result's own fields}.
type resultLine struct {
	Type   string
	Result json.RawMessage
}

func (l resultLine) MarshalJSON() ([]byte, error) {
	if len(l.Result) < 2 || l.Result[0] != '{' {
		return json.Marshal(map[string]any{"type": l.Type, "result": l.Result})
	}
	out := make([]byte, 0, len(l.Result)+20)
	out = append(out, `{"type":"`+l.Type+`"`...)
	if len(l.Result) > 2 {
		out = append(out, ',')
	}
	return append(out, l.Result[1:]...), nil
}

type summaryLine struct {
	Type string `json:"type"`
	// Sent counts the result lines of this stream.
	Sent int `json:"sent"`
	// NextCursor continues after the last result sent; null when the run
	// has ended and every result was sent.
	NextCursor *string        `json:"next_cursor"`
	Status     *spider.Status `json:"status"`
}
