package firecrawlapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/pipeline"
	"github.com/riptidecrawler/riptide/shared/spider"
)

// JobStatus is the status of a crawl or batch scrape, with a page of its
// documents. Next is absent (not null) on the last page: the SDKs test
// for the key.
type JobStatus struct {
	Success     bool       `json:"success"`
	Status      string     `json:"status"`
	Completed   int64      `json:"completed"`
	Total       int64      `json:"total"`
	CreditsUsed int64      `json:"creditsUsed"`
	ExpiresAt   string     `json:"expiresAt"`
	Next        string     `json:"next,omitempty"`
	Data        []Document `json:"data"`
}

// Status page sizes: Firecrawl's default page is 100 documents.
const (
	defaultPage = 100
	maxPage     = 1000
)

// firecrawlState maps a spider run's state to Firecrawl's.
func firecrawlState(state string) string {
	switch state {
	case spider.StateCompleted:
		return "completed"
	case spider.StateStopped, spider.StateStopping:
		// A cancelled crawl is cancelled at once for Firecrawl, while
		// the pages in flight finish.
		return "cancelled"
	case spider.StateFailed:
		return "failed"
	}
	return "scraping"
}

// jobStatus serves GET /{kind}/{id} (kind "v1/crawl", "v2/batch/scrape"
// ...): crawls and batch scrapes are both spider runs (Firecrawl's v1 SDK
// polls /v1/crawl/{id} for batch scrapes too).
func (d Deps) jobStatus(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		skip, limit, err := paging(r)
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		st, err := d.Spider.Status(r.Context(), id)
		if err != nil {
			httpx.WriteError(w, r, notFound(err))
			return
		}
		page, err := d.Spider.Results(r.Context(), id, skip, limit)
		if err != nil {
			httpx.WriteError(w, r, notFound(err))
			return
		}
		out := JobStatus{Success: true, Status: firecrawlState(st.State), Data: []Document{}}
		out.Completed = st.PagesCrawled + st.PagesFailed
		out.Total = out.Completed + st.PagesQueued + st.PagesInFlight
		if spider.Terminal(st.State) || st.State == spider.StateStopping {
			out.Total = out.Completed
		}
		out.CreditsUsed = out.Completed
		end := time.Now()
		if st.FinishedAt != nil {
			end = *st.FinishedAt
		}
		out.ExpiresAt = end.Add(time.Duration(st.Options.ResultTTLMS) * time.Millisecond).UTC().Format("2006-01-02T15:04:05.000Z")
		// A run keeps markdown, links and metadata of each page; its
		// documents show all of them, whatever formats the start asked for
		// (docs/firecrawl-compat.md).
		plan := scrapePlan{formats: spiderFormats}
		for _, raw := range page.Results {
			if doc, ok := documentOfRecord(raw, plan); ok {
				out.Data = append(out.Data, *doc)
			}
		}
		if next := skip + int64(len(page.Results)); next < page.Total {
			out.Next = jobURL(r, kind, id) + "?skip=" + strconv.FormatInt(next, 10)
			if r.URL.Query().Has("limit") {
				out.Next += "&limit=" + strconv.Itoa(limit)
			}
		}
		httpx.WriteJSON(w, http.StatusOK, out)
	}
}

// documentOfRecord turns one stored spider result into a document;
// failed pages are left out, as Firecrawl leaves out failed scrapes.
func documentOfRecord(raw json.RawMessage, plan scrapePlan) (*Document, bool) {
	var rec spider.Result
	if err := json.Unmarshal(raw, &rec); err != nil || rec.Error != nil {
		return nil, false
	}
	res := pipeline.Result{URL: rec.URL, FinalURL: rec.FinalURL, Status: rec.Status, ContentType: rec.ContentType}
	if len(rec.Document) > 0 {
		var doc pipeline.Document
		if err := json.Unmarshal(rec.Document, &doc); err == nil {
			res.Document = &doc
		}
	}
	return documentOf(res, plan), true
}

func paging(r *http.Request) (int64, int, error) {
	q := r.URL.Query()
	var skip int64
	limit := defaultPage
	if s := q.Get("skip"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return 0, 0, refuse("skip", "must be a non-negative integer, got %q", s)
		}
		skip = n
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxPage {
			return 0, 0, refuse("limit", "must be 1..%d, got %q", maxPage, s)
		}
		limit = n
	}
	return skip, limit, nil
}

// notFound words a missing run as Firecrawl does.
func notFound(err error) error {
	if core.TypeOf(err) == core.ErrNotFound {
		return core.Errorf(core.ErrNotFound, "Job not found")
	}
	return err
}

// CancelResponse is the answer of a cancel.
type CancelResponse struct {
	Success bool   `json:"success"`
	Status  string `json:"status"`
}

func (d Deps) cancel(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	st, err := d.Spider.Status(r.Context(), id)
	if err != nil {
		httpx.WriteError(w, r, notFound(err))
		return
	}
	if !spider.Terminal(st.State) {
		if st, err = d.Spider.Control(r.Context(), id, spider.ActionStop); err != nil {
			httpx.WriteError(w, r, notFound(err))
			return
		}
	}
	if st.State == spider.StateCompleted || st.State == spider.StateFailed {
		httpx.WriteError(w, r, core.Errorf(core.ErrConflict, "the job already ended (%s): there is nothing to cancel", firecrawlState(st.State)))
		return
	}
	httpx.WriteJSON(w, http.StatusOK, CancelResponse{Success: true, Status: "cancelled"})
}
