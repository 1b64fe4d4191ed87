package workerswire_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/shared/jobs"
)

// linkedSite is a loopback fixture of 12 linked article pages (/ links to
// /a/1../a/11), a product page with a price, a PDF and a robots.txt.
func linkedSite(t *testing.T) string {
	pdf, err := os.ReadFile("../../pdf/testdata/article.pdf")
	if err != nil {
		t.Fatal(err)
	}
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/robots.txt":
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprint(w, "User-agent: *\nAllow: /\n")
		case r.URL.Path == "/report.pdf":
			w.Header().Set("Content-Type", "application/pdf")
			_, _ = w.Write(pdf)
		case r.URL.Path == "/product":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<html><head><title>Kettle</title></head><body><article><h1>Kettle</h1><p class="price">24.50</p><p>%s</p></article></body></html>`,
				strings.Repeat("A kettle that boils water quickly and quietly. ", 10))
		default:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			var links strings.Builder
			if r.URL.Path == "/" {
				for i := 1; i <= 11; i++ {
					fmt.Fprintf(&links, `<li><a href="/a/%d">Article %d</a></li>`, i, i)
				}
			}
			fmt.Fprintf(w, `<html><head><title>Page %s</title></head><body><article><h1>Page %s</h1><p>%s</p><ul>%s</ul></article></body></html>`,
				r.URL.Path, r.URL.Path, strings.Repeat("Some words about the page worth reading. ", 20), links.String())
		}
	}))
	t.Cleanup(s.Close)
	return s.URL
}

// runJob submits body and waits for the job to end.
func runJob(t *testing.T, h http.Handler, body string) jobs.Job {
	t.Helper()
	var acc struct {
		JobID string `json:"job_id"`
	}
	if res := call(t, h, "POST", "/api/v1/workers/jobs", body, &acc); res.StatusCode != http.StatusAccepted {
		var e apiError
		call(t, h, "POST", "/api/v1/workers/jobs", body, &e)
		t.Fatalf("submit %s: %d %+v", body, res.StatusCode, e)
	}
	var j jobs.Job
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		call(t, h, "GET", "/api/v1/workers/jobs/"+acc.JobID, "", &j)
		if j.Status.Terminal() || time.Now().After(deadline) {
			return j
		}
	}
}

func TestPDFJobReadsThePDFAndRefusesAnHTMLPage(t *testing.T) {
	h, base := api(t), linkedSite(t)
	j := runJob(t, h, `{"type":"pdf","url":"`+base+`/report.pdf"}`)
	if j.Status != jobs.StateCompleted || j.Result == nil || j.Result.Items != 1 || !j.Result.Success {
		t.Fatalf("pdf job: %s %+v %+v", j.Status, j.Result, j.LastError)
	}
	var page struct {
		Items []struct {
			Result struct {
				ContentType string `json:"content_type"`
				Document    struct {
					Text string `json:"text"`
				} `json:"document"`
			} `json:"result"`
		} `json:"items"`
	}
	call(t, h, "GET", "/api/v1/workers/jobs/"+j.ID+"/result?inline=true", "", &page)
	if len(page.Items) != 1 || page.Items[0].Result.ContentType != "application/pdf" || len(page.Items[0].Result.Document.Text) < 200 {
		t.Fatalf("pdf job result: %+v", page.Items)
	}

	// The job ends (the crawl itself worked: nothing to retry) with its
	// one item failed, as a single_crawl of a 404 does.
	j = runJob(t, h, `{"type":"pdf","url":"`+base+`/a/1"}`)
	if j.Status != jobs.StateCompleted || j.Result == nil || j.Result.Success {
		t.Fatalf("a pdf job on an HTML page: %s %+v", j.Status, j.Result)
	}
	var failed struct {
		Items []struct {
			Result struct {
				Error struct {
					Message string `json:"message"`
				} `json:"error"`
			} `json:"result"`
		} `json:"items"`
	}
	call(t, h, "GET", "/api/v1/workers/jobs/"+j.ID+"/result?inline=true", "", &failed)
	if len(failed.Items) != 1 || !strings.Contains(failed.Items[0].Result.Error.Message, "did not answer with a PDF (content type text/html") {
		t.Fatalf("pdf job on HTML: %+v", failed.Items)
	}
}

func TestExtractJobNeedsAStrategyAndReturnsItsData(t *testing.T) {
	h, base := api(t), linkedSite(t)
	var e apiError
	res := call(t, h, "POST", "/api/v1/workers/jobs", `{"type":"extract","url":"`+base+`/product"}`, &e)
	if res.StatusCode != http.StatusBadRequest || len(e.Error.Details) == 0 || e.Error.Details[0].Field != "options.extraction" {
		t.Fatalf("extract job without a strategy: %d %+v", res.StatusCode, e)
	}
	j := runJob(t, h, `{"type":"extract","url":"`+base+`/product","options":{"extraction":{"strategy":"css","params":{"fields":{"price":{"selector":".price","type":"number"}}}}}}`)
	if j.Status != jobs.StateCompleted {
		t.Fatalf("extract job: %s %+v", j.Status, j.LastError)
	}
	var page struct {
		Items []struct {
			Result struct {
				Extraction struct {
					Data map[string]any `json:"data"`
				} `json:"extraction"`
			} `json:"result"`
		} `json:"items"`
	}
	call(t, h, "GET", "/api/v1/workers/jobs/"+j.ID+"/result?inline=true", "", &page)
	if len(page.Items) != 1 || page.Items[0].Result.Extraction.Data["price"] != 24.5 {
		t.Fatalf("extract job result: %+v", page.Items)
	}
}

func TestSpiderJobFollowsItsRunAndCopiesThePages(t *testing.T) {
	h, base := api(t), linkedSite(t)
	var e apiError
	if res := call(t, h, "POST", "/api/v1/workers/jobs", `{"type":"spider","urls":["`+base+`/"],"options":{"max_pages":-3}}`, &e); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("spider job with bad options: %d %+v", res.StatusCode, e)
	}
	j := runJob(t, h, `{"type":"spider","urls":["`+base+`/"],"options":{"max_pages":8,"max_depth":1}}`)
	if j.Status != jobs.StateCompleted || j.Result == nil {
		t.Fatalf("spider job: %s %+v %+v", j.Status, j.Result, j.LastError)
	}
	if j.Result.Items != 8 || j.Progress.Succeeded != 8 {
		t.Fatalf("spider job crawled %d items (progress %+v), want max_pages 8", j.Result.Items, j.Progress)
	}
	var page struct {
		Items []struct {
			URL string `json:"url"`
		} `json:"items"`
	}
	call(t, h, "GET", "/api/v1/workers/jobs/"+j.ID+"/result?inline=true", "", &page)
	seen := map[string]bool{}
	for _, it := range page.Items {
		if !strings.HasPrefix(it.URL, base+"/") {
			t.Fatalf("result item %+v is not a page of the site", it)
		}
		seen[it.URL] = true
	}
	if len(seen) != 8 {
		t.Fatalf("result holds %d distinct pages, want 8: %+v", len(seen), page.Items)
	}
}

func TestMaintenanceJobCleansTheOwnersSessions(t *testing.T) {
	h := api(t)
	j := runJob(t, h, `{"type":"maintenance","task":"sessions_cleanup"}`)
	if j.Status != jobs.StateCompleted || j.Result == nil || !j.Result.Success {
		t.Fatalf("maintenance job: %s %+v %+v", j.Status, j.Result, j.LastError)
	}
	var view struct {
		Result struct {
			Summary struct {
				Task   string `json:"task"`
				Result struct {
					RemovedCount *int `json:"removed_count"`
				} `json:"result"`
			} `json:"summary"`
		} `json:"result"`
	}
	call(t, h, "GET", "/api/v1/workers/jobs/"+j.ID, "", &view)
	if view.Result.Summary.Task != "sessions_cleanup" || view.Result.Summary.Result.RemovedCount == nil {
		t.Fatalf("maintenance summary: %+v", view.Result.Summary)
	}
}
