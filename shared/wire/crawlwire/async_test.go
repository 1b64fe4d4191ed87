package crawlwire_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/jobs"
	"github.com/riptidecrawler/riptide/shared/routes"
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/crawlwire"
	"github.com/riptidecrawler/riptide/shared/wire/workerswire"
)

// server is the crawl and workers groups of one local process, as
// `riptide serve` mounts them, on a real redis-server.
func server(t *testing.T) http.Handler {
	env := map[string]string{"REDIS_URL": testenv.RedisURL(t), "RIPTIDE_KEY_PREFIX": "t" + jobs.NewID()[:10] + ":",
		"RIPTIDE_AUTH": "disabled", "RIPTIDE_ALLOW_CIDRS": "127.0.0.0/8", "RIPTIDE_LOG_LEVEL": "error"}
	ctx := context.Background()
	p, err := wire.New(ctx, "local", func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	handlers := map[string]http.Handler{}
	var table []routes.Route
	for name, build := range map[string]wire.Builder{"crawl": crawlwire.Build, "workers": workerswire.Build} {
		g, err := build(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		maps.Copy(handlers, g.Handlers)
		table = append(table, routes.Group(name)...)
	}
	h, err := p.HTTPHandler(table, handlers)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func post(h http.Handler, path, body string) (*http.Response, map[string]any) {
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	raw, _ := io.ReadAll(rec.Result().Body)
	_ = json.Unmarshal(raw, &out)
	return rec.Result(), out
}

func TestAsyncCrawlAnswers202AndRunsAsAJob(t *testing.T) {
	h := server(t)
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, "<html><head><title>Page %s</title></head><body><article><h1>Page %s</h1><p>%s</p></article></body></html>",
			r.URL.Path, r.URL.Path, strings.Repeat("Some words about the page worth reading. ", 20))
	}))
	t.Cleanup(site.Close)
	urls := func(n int) string {
		var b []string
		for i := 0; i < n; i++ {
			b = append(b, fmt.Sprintf("%q", fmt.Sprintf("%s/%d", site.URL, i)))
		}
		return "[" + strings.Join(b, ",") + "]"
	}
	res, body := post(h, "/api/v1/crawl", `{"urls":`+urls(3)+`,"async":true}`)
	if res.StatusCode != http.StatusAccepted || body["job_id"] == nil || res.Header.Get("Location") != body["status_url"] {
		t.Fatalf("async crawl: %d %v %v", res.StatusCode, body, res.Header)
	}
	// Over the synchronous limit (100), a batch becomes a job by itself.
	res, big := post(h, "/api/v1/crawl", `{"urls":`+urls(150)+`,"options":{"concurrency":16}}`)
	if res.StatusCode != http.StatusAccepted || big["job_id"] == nil {
		t.Fatalf("large batch: %d %v", res.StatusCode, big)
	}
	for _, id := range []string{body["job_id"].(string), big["job_id"].(string)} {
		deadline := time.Now().Add(60 * time.Second)
		for {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/workers/jobs/"+id, nil))
			var j jobs.Job
			_ = json.Unmarshal(rec.Body.Bytes(), &j)
			if j.Status == jobs.StateCompleted {
				if j.Type != jobs.TypeBatchCrawl || j.Progress == nil || j.Progress.Succeeded != j.Progress.Total {
					t.Errorf("job %s: %+v", id, j.Progress)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("job %s: %s %+v progress %+v", id, j.Status, j.LastError, j.Progress)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	// A small synchronous batch is unchanged.
	if res, _ := post(h, "/api/v1/crawl", `{"urls":`+urls(2)+`}`); res.StatusCode != http.StatusOK {
		t.Errorf("sync crawl: %d", res.StatusCode)
	}
	for _, c := range []struct{ path, body, typ string }{
		{"/api/v1/crawl", `{"urls":["ftp://x"],"async":true}`, "invalid_url"},
		{"/api/v1/crawl", `{"urls":` + urls(1) + `,"async":true,"options":{"concurrency":0.5}}`, "validation_error"},
		{"/api/v1/crawl/stream", `{"urls":` + urls(1) + `,"async":true}`, "validation_error"},
	} {
		res, e := post(h, c.path, c.body)
		errObj, _ := e["error"].(map[string]any)
		if res.StatusCode != 400 || errObj == nil || errObj["type"] != c.typ {
			t.Errorf("%s %s: %d %v", c.path, c.body, res.StatusCode, e)
		}
	}
}
