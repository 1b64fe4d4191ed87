package workerswire_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/jobs"
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/workerswire"
)

// site is a loopback fixture: every path is a small article page.
func site(t *testing.T) string {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<html><head><title>Page %s</title></head><body><article><h1>Page %s</h1><p>%s</p></article></body></html>`,
			r.URL.Path, r.URL.Path, strings.Repeat("Some words about the page worth reading. ", 20))
	}))
	t.Cleanup(s.Close)
	return s.URL
}

// api is the workers group of a local process (worker pool and cron
// running) on a real redis-server.
func api(t *testing.T) http.Handler {
	env := map[string]string{"REDIS_URL": testenv.RedisURL(t), "RIPTIDE_KEY_PREFIX": "t" + jobs.NewID()[:10] + ":",
		"RIPTIDE_AUTH": "disabled", "RIPTIDE_ALLOW_CIDRS": "127.0.0.0/8", "RIPTIDE_LOG_LEVEL": "error"}
	h, p, err := wire.Function(context.Background(), "workers", func(k string) (string, bool) { v, ok := env[k]; return v, ok }, workerswire.Build)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return h.HTTP
}

func call(t *testing.T, h http.Handler, method, path, body string, out any) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	raw, _ := io.ReadAll(res.Body)
	if out != nil && len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, path, res.StatusCode, raw, err)
		}
	}
	return res
}

type apiError struct {
	Error struct {
		Type    string `json:"type"`
		Message string `json:"message"`
		Details []struct {
			Field string `json:"field"`
		} `json:"details"`
	} `json:"error"`
}

func TestBatchJobCompletesAndPagesThroughResults(t *testing.T) {
	h, base := api(t), site(t)
	urls := make([]string, 250)
	for i := range urls {
		urls[i] = fmt.Sprintf("%q", fmt.Sprintf("%s/p/%d", base, i))
	}
	body := `{"type":"batch_crawl","urls":[` + strings.Join(urls, ",") + `],"options":{"concurrency":16},"idempotency_key":"k1"}`
	var acc struct {
		JobID     string `json:"job_id"`
		StatusURL string `json:"status_url"`
		Created   bool   `json:"created"`
	}
	res := call(t, h, "POST", "/api/v1/workers/jobs", body, &acc)
	if res.StatusCode != http.StatusAccepted || acc.JobID == "" || res.Header.Get("Location") != acc.StatusURL || acc.StatusURL != "/api/v1/workers/jobs/"+acc.JobID || !acc.Created {
		t.Fatalf("submit: %d %+v %v", res.StatusCode, acc, res.Header)
	}
	var again struct {
		JobID   string `json:"job_id"`
		Created bool   `json:"created"`
	}
	call(t, h, "POST", "/api/v1/workers/jobs", body, &again)
	if again.JobID != acc.JobID || again.Created {
		t.Fatalf("same idempotency key gave %+v", again)
	}
	var j jobs.Job
	deadline := time.Now().Add(60 * time.Second)
	for {
		call(t, h, "GET", "/api/v1/workers/jobs/"+acc.JobID, "", &j)
		if j.Status.Terminal() || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if j.Status != jobs.StateCompleted || j.Result == nil || j.Result.Pages != 3 || j.Result.Items != 250 || j.Progress.Succeeded != 250 {
		t.Fatalf("job: %s result %+v progress %+v error %+v", j.Status, j.Result, j.Progress, j.LastError)
	}
	seen := map[int]bool{}
	cursor := ""
	for pages := 0; pages < 5; pages++ {
		var page struct {
			Items []struct {
				Index  int `json:"index"`
				Result struct {
					URL   string `json:"url"`
					Title string `json:"title"`
				} `json:"result"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		if res := call(t, h, "GET", "/api/v1/workers/jobs/"+acc.JobID+"/result?inline=true&cursor="+cursor, "", &page); res.StatusCode != 200 {
			t.Fatalf("result page: %d", res.StatusCode)
		}
		for _, it := range page.Items {
			if it.Result.URL != fmt.Sprintf("%s/p/%d", base, it.Index) {
				t.Fatalf("item %d is %s", it.Index, it.Result.URL)
			}
			seen[it.Index] = true
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if len(seen) != 250 {
		t.Errorf("result pages held %d distinct items, want 250", len(seen))
	}
	var q jobs.QueueReport
	call(t, h, "GET", "/api/v1/workers/stats/queue", "", &q)
	if q.Completed != 1 || q.Queue == nil || q.Queue.Backend != "local" {
		t.Errorf("stats/queue: %+v", q)
	}
	var m jobs.Metrics
	call(t, h, "GET", "/api/v1/workers/metrics", "", &m)
	if m.JobsCompleted != 1 || m.ProcessingTime.Count != 1 || m.PerType[jobs.TypeBatchCrawl] == nil {
		t.Errorf("metrics: %+v", m)
	}
	var e apiError
	if res := call(t, h, "DELETE", "/api/v1/workers/jobs/"+acc.JobID, "", &e); res.StatusCode != http.StatusConflict || e.Error.Type != "conflict" {
		t.Errorf("cancel of a completed job: %d %+v", res.StatusCode, e)
	}
}

func TestErrorsHaveTheUnifiedShape(t *testing.T) {
	h := api(t)
	cases := []struct {
		method, path, body string
		status             int
		typ, field         string
	}{
		{"POST", "/api/v1/workers/jobs", `{"type":"nope"}`, 400, "validation_error", "type"},
		{"POST", "/api/v1/workers/jobs", `{"type":"batch_crawl","urls":[]}`, 400, "validation_error", "urls"},
		{"POST", "/api/v1/workers/jobs", `{"type":"single_crawl","url":"ftp://x"}`, 400, "invalid_url", "url"},
		{"POST", "/api/v1/workers/jobs", `{"type":"single_crawl","url":"http://127.0.0.1/","options":{"bogus":1}}`, 400, "validation_error", "options"},
		{"POST", "/api/v1/workers/jobs", `{"type":"maintenance","task":"vacuum"}`, 400, "validation_error", "task"},
		{"POST", "/api/v1/workers/jobs", `{"type":"maintenance","task":"sessions_cleanup","parameters":{"all":true}}`, 400, "validation_error", "parameters"},
		{"GET", "/api/v1/workers/jobs/0123456789abcdef", "", 404, "not_found", ""},
		{"GET", "/api/v1/workers/jobs?status=sleeping", "", 400, "validation_error", "status"},
		{"POST", "/api/v1/workers/schedule", `{"name":"x","expression":"61 * * * *","job_template":{"type":"single_crawl","url":"http://127.0.0.1/"}}`, 400, "validation_error", "expression"},
		{"POST", "/api/v1/workers/schedule", `{"name":"x","expression":"* * * * *","timezone":"Nowhere/City","job_template":{"type":"single_crawl","url":"http://127.0.0.1/"}}`, 400, "validation_error", "timezone"},
	}
	for _, c := range cases {
		var e apiError
		res := call(t, h, c.method, c.path, c.body, &e)
		if res.StatusCode != c.status || e.Error.Type != c.typ || e.Error.Message == "" {
			t.Errorf("%s %s %s: %d %+v", c.method, c.path, c.body, res.StatusCode, e)
			continue
		}
		if c.field != "" && (len(e.Error.Details) == 0 || e.Error.Details[0].Field != c.field) {
			t.Errorf("%s %s: details %+v, want field %s", c.method, c.path, e.Error.Details, c.field)
		}
	}
}

func TestScheduleLifecycle(t *testing.T) {
	h := api(t)
	var sv struct {
		ID             string      `json:"id"`
		ExpressionKind string      `json:"expression_kind"`
		NextRuns       []time.Time `json:"next_runs"`
		Paused         bool        `json:"paused"`
	}
	res := call(t, h, "POST", "/api/v1/workers/schedule",
		`{"name":"weekly","cron_expression":"0 0 9 * * 2","timezone":"Europe/Berlin","job_template":{"type":"single_crawl","url":"http://127.0.0.1/"}}`, &sv)
	if res.StatusCode != 201 || sv.ExpressionKind != "cron_seconds" || len(sv.NextRuns) != 5 {
		t.Fatalf("create: %d %+v", res.StatusCode, sv)
	}
	for _, r := range sv.NextRuns {
		if b := r.In(mustLoc(t, "Europe/Berlin")); b.Weekday() != time.Monday || b.Hour() != 9 {
			t.Errorf("next run %v is not Monday 09:00 in Berlin", b)
		}
	}
	call(t, h, "PATCH", "/api/v1/workers/schedule/"+sv.ID, `{"paused":true}`, &sv)
	if !sv.Paused || len(sv.NextRuns) != 0 {
		t.Errorf("paused: %+v", sv)
	}
	var list struct {
		Total int `json:"total"`
	}
	call(t, h, "GET", "/api/v1/workers/schedule", "", &list)
	if list.Total != 1 {
		t.Errorf("list total %d", list.Total)
	}
	if res := call(t, h, "DELETE", "/api/v1/workers/schedule/"+sv.ID, "", nil); res.StatusCode != 204 {
		t.Errorf("delete: %d", res.StatusCode)
	}
	if res := call(t, h, "GET", "/api/v1/workers/schedule/"+sv.ID, "", nil); res.StatusCode != 404 {
		t.Errorf("get after delete: %d", res.StatusCode)
	}
}

func mustLoc(t *testing.T, name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}
