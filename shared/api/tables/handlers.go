// Package tablesapi serves the tables endpoint group: extract the data
// tables of a page (given as url or html), keep each for a while behind a
// store with a TTL, and export one as CSV, Markdown, JSON (paged) or
// NDJSON.
package tablesapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/extract"
	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/tables"
)

// Fetcher gets one URL through the SSRF guard (shared/fetch.Fetcher, the
// pipeline's fetcher).
type Fetcher interface {
	Fetch(ctx context.Context, req fetch.Request) (*fetch.Response, error)
}

// Store keeps extracted tables for export (shared/store.Tables in Redis).
type Store interface {
	Put(ctx context.Context, id string, value []byte, ttl time.Duration) error
	Get(ctx context.Context, id string) ([]byte, bool, error)
}

// Defaults and limits (docs/tables.md).
const (
	DefaultTTL = time.Hour
	// DefaultMaxRows is how many body rows of each table the extract
	// answer carries; the rest are a next_page away. MaxMaxRows caps the
	// option.
	DefaultMaxRows = 500
	MaxMaxRows     = 5000
	// DefaultPageRows and MaxPageRows page JSON exports.
	DefaultPageRows = 1000
	MaxPageRows     = 10000
	DefaultTimeout  = 20 * time.Second
	MaxTimeout      = 60 * time.Second
)

// Deps are what the group needs. Fetcher nil: url requests get
// dependency_error; Store is required.
type Deps struct {
	Fetcher Fetcher
	Store   Store
	// TTL is how long extracted tables stay exportable (DefaultTTL).
	TTL time.Duration
}

// Handlers returns the group's handlers keyed by operation id.
func Handlers(d Deps) map[string]http.Handler {
	if d.TTL <= 0 {
		d.TTL = DefaultTTL
	}
	return map[string]http.Handler{
		"tables.extract": http.HandlerFunc(d.extract),
		"tables.export":  http.HandlerFunc(d.export),
	}
}

// ExtractRequest is the body of POST /api/v1/tables/extract: url or html.
type ExtractRequest struct {
	URL string `json:"url,omitempty"`
	// HTML is the page itself; BaseURL (optional) names where it came from.
	HTML    string         `json:"html,omitempty"`
	BaseURL string         `json:"base_url,omitempty"`
	Options ExtractOptions `json:"options"`
}

// ExtractOptions are optional.
type ExtractOptions struct {
	// MaxRows is how many body rows per table come back inline (default
	// 500, at most 5000); next_page pages through the rest.
	MaxRows int `json:"max_rows,omitempty"`
	// MinRows and MinColumns drop smaller tables (defaults 1 and 2).
	MinRows    int `json:"min_rows,omitempty"`
	MinColumns int `json:"min_columns,omitempty"`
	// IncludeNested keeps tables found inside other tables' cells
	// (default true).
	IncludeNested *bool `json:"include_nested,omitempty"`
	// TimeoutMS bounds the fetch and extraction (default 20000, at most
	// 60000).
	TimeoutMS     int   `json:"timeout_ms,omitempty"`
	RespectRobots *bool `json:"respect_robots,omitempty"`
}

// ExtractResponse is the answer of POST /api/v1/tables/extract.
type ExtractResponse struct {
	URL         string          `json:"url,omitempty"`
	Tables      []TableResult   `json:"tables"`
	TotalTables int             `json:"total_tables"`
	Skipped     tables.Skipped  `json:"skipped"`
	ExpiresAt   time.Time       `json:"expires_at"`
	Stats       ExtractionStats `json:"stats"`
}

// ExtractionStats are timings.
type ExtractionStats struct {
	FetchMS   int64 `json:"fetch_ms"`
	ExtractMS int64 `json:"extract_ms"`
	TotalMS   int64 `json:"total_ms"`
}

// TableResult is one table: the engine's table with its id, the ids of
// its parent and nested tables, row counts and export links.
type TableResult struct {
	ID string `json:"id"`
	tables.Table
	ParentID  string   `json:"parent_id,omitempty"`
	NestedIDs []string `json:"nested_ids,omitempty"` // in the order of nested
	RowCount  int      `json:"row_count"`
	// RowsReturned is len(rows) here; NextPage (when some rows are left
	// out) is the JSON export of the next ones.
	RowsReturned int               `json:"rows_returned"`
	NextPage     string            `json:"next_page,omitempty"`
	Export       map[string]string `json:"export"`
}

// validTableID: "<extraction>-<index>", 24 lowercase hex digits, a dash
// and 1-4 digits.
func validTableID(id string) bool {
	ext, idx, ok := strings.Cut(id, "-")
	if !ok || len(ext) != 24 || len(idx) < 1 || len(idx) > 4 {
		return false
	}
	for _, c := range ext {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	for _, c := range idx {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func (req *ExtractRequest) validate() error {
	switch {
	case req.URL == "" && req.HTML == "":
		return core.Errorf(core.ErrValidation, "give url or html").WithDetails(core.Detail{Field: "url", Message: "required (or html)"})
	case req.URL != "" && req.HTML != "":
		return core.Errorf(core.ErrValidation, "give url or html, not both (base_url names the page of html)").WithDetails(core.Detail{Field: "html", Message: "conflicts with url"})
	}
	o := &req.Options
	if o.MaxRows == 0 {
		o.MaxRows = DefaultMaxRows
	}
	if o.TimeoutMS == 0 {
		o.TimeoutMS = int(DefaultTimeout.Milliseconds())
	}
	if o.MinColumns == 0 {
		o.MinColumns = 2
	}
	if o.MinRows == 0 {
		o.MinRows = 1
	}
	checks := []struct {
		field     string
		v, lo, hi int
	}{
		{"options.max_rows", o.MaxRows, 1, MaxMaxRows},
		{"options.timeout_ms", o.TimeoutMS, 1000, int(MaxTimeout.Milliseconds())},
		{"options.min_rows", o.MinRows, 1, 1_000_000},
		{"options.min_columns", o.MinColumns, 2, 10_000},
	}
	for _, c := range checks {
		if c.v < c.lo || c.v > c.hi {
			return core.Errorf(core.ErrValidation, "%s: must be between %d and %d", c.field, c.lo, c.hi).
				WithDetails(core.Detail{Field: c.field, Message: "out of range"})
		}
	}
	return nil
}

func (d Deps) extract(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	var req ExtractRequest
	if err := httpx.Decode(r, &req); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if err := req.validate(); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), time.Duration(req.Options.TimeoutMS)*time.Millisecond)
	defer cancel()
	body, pageURL, fetchMS, err := d.page(ctx, req)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	t := time.Now()
	page, err := extract.Parse(ctx, body, pageURL, 0)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	res, err := tables.Extract(ctx, page.Node())
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	extractMS := time.Since(t).Milliseconds()
	kept := filter(res.Tables, req.Options)
	id := newExtractionID()
	ids := map[int]string{}
	for _, tb := range kept {
		ids[tb.Index] = fmt.Sprintf("%s-%d", id, tb.Index)
	}
	resp := ExtractResponse{URL: pageURL, Tables: make([]TableResult, 0, len(kept)), TotalTables: len(kept), Skipped: res.Skipped,
		ExpiresAt: time.Now().Add(d.TTL).UTC().Truncate(time.Second)}
	for _, tb := range kept {
		tr := TableResult{ID: ids[tb.Index], Table: tb, RowCount: len(tb.Rows)}
		if tb.ParentIndex != nil {
			tr.ParentID = ids[*tb.ParentIndex]
		}
		nested := tb.Nested[:0:0]
		for _, n := range tb.Nested {
			if nid, ok := ids[n.TableIndex]; ok {
				nested = append(nested, n)
				tr.NestedIDs = append(tr.NestedIDs, nid)
			}
		}
		tr.Nested = nested
		stored, err := json.Marshal(tb)
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		if err := d.Store.Put(ctx, tr.ID, stored, d.TTL); err != nil {
			httpx.WriteError(w, r, core.Wrap(core.ErrDependency, err, "could not store the extracted tables"))
			return
		}
		if len(tb.Rows) > req.Options.MaxRows {
			tr.Rows = tb.Rows[:req.Options.MaxRows]
			tr.NextPage = exportURL(tr.ID, "json") + fmt.Sprintf("&offset=%d&limit=%d", req.Options.MaxRows, DefaultPageRows)
		}
		tr.RowsReturned = len(tr.Rows)
		tr.Export = map[string]string{}
		for _, f := range formats {
			tr.Export[f] = exportURL(tr.ID, f)
		}
		resp.Tables = append(resp.Tables, tr)
	}
	resp.Stats = ExtractionStats{FetchMS: fetchMS, ExtractMS: extractMS, TotalMS: time.Since(start).Milliseconds()}
	httpx.WriteJSON(w, http.StatusOK, resp)
}

// filter applies the size options and include_nested.
func filter(all []tables.Table, o ExtractOptions) []tables.Table {
	out := make([]tables.Table, 0, len(all))
	for _, t := range all {
		if len(t.Rows) < o.MinRows || len(t.Headers) < o.MinColumns {
			continue
		}
		if t.ParentIndex != nil && o.IncludeNested != nil && !*o.IncludeNested {
			continue
		}
		out = append(out, t)
	}
	return out
}

// page returns the HTML to read: the body given, or the URL fetched.
func (d Deps) page(ctx context.Context, req ExtractRequest) ([]byte, string, int64, error) {
	if req.HTML != "" {
		return []byte(req.HTML), req.BaseURL, 0, nil
	}
	if d.Fetcher == nil {
		return nil, "", 0, core.Errorf(core.ErrDependency, "fetching URLs is not configured on this server: send the page as html")
	}
	t := time.Now()
	resp, err := d.Fetcher.Fetch(ctx, fetch.Request{URL: req.URL, RespectRobots: req.Options.RespectRobots,
		Timeout: time.Duration(req.Options.TimeoutMS) * time.Millisecond})
	fetchMS := time.Since(t).Milliseconds()
	if err != nil {
		return nil, "", fetchMS, err
	}
	if ct := resp.ContentType; ct != "text/html" && ct != "application/xhtml+xml" && ct != "" {
		return nil, "", fetchMS, core.Errorf(core.ErrExtraction, "%s is %s, not HTML: tables are read from HTML pages", resp.FinalURL, ct)
	}
	return resp.Body, resp.FinalURL, fetchMS, nil
}

func newExtractionID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

var formats = []string{"csv", "markdown", "json", "ndjson"}

func exportURL(id, format string) string {
	return "/api/v1/tables/" + id + "/export?format=" + format
}

// load reads a stored table.
func (d Deps) load(ctx context.Context, id string) (*tables.Table, error) {
	if !validTableID(id) {
		return nil, core.Errorf(core.ErrNotFound, "table %q not found: ids look like 0123456789abcdef01234567-0", id)
	}
	raw, ok, err := d.Store.Get(ctx, id)
	if err != nil {
		return nil, core.Wrap(core.ErrDependency, err, "could not read the table store")
	}
	if !ok {
		return nil, core.Errorf(core.ErrNotFound, "table %s not found or expired (tables are kept for %s after extraction)", id, d.TTL)
	}
	var t tables.Table
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, core.Wrap(core.ErrInternal, err, "stored table is unreadable")
	}
	return &t, nil
}

// queryInt reads an optional non-negative integer query parameter.
func queryInt(r *http.Request, name string, def, hi int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > hi {
		return 0, core.Errorf(core.ErrValidation, "%s: must be an integer between 0 and %d", name, hi).
			WithDetails(core.Detail{Field: name, Message: "invalid"})
	}
	return n, nil
}
