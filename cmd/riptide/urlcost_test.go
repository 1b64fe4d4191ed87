package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/fixture"
)

// TestServeSpendsURLsBeforeTheWork checks, through `riptide serve`, that
// every route which knows how many URLs it will fetch spends them from
// the caller's plan before any work (docs/security.md, "Cost up front"),
// and that a request refused for its own mistake spends nothing. The plan
// allows 4 URLs at once and refills one a minute, so nothing refills
// while the test runs; each case has a key (a caller) of its own.
func TestServeSpendsURLsBeforeTheWork(t *testing.T) {
	site := fixture.New(t, map[string]fixture.Page{
		"/a": fixture.HTML(fixture.Article("Alpha page", fixture.Prose)),
		"/b": fixture.HTML(fixture.Article("Beta page", fixture.Prose)),
		"/c": fixture.HTML(fixture.Article("Gamma page", fixture.Prose)),
	})
	urls := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = site.URL("/" + string(rune('a'+i%3)) + "?n=" + string(rune('0'+i)))
		}
		return out
	}
	// A SearXNG instance on loopback (its JSON API) that counts searches.
	var searches atomic.Int64
	searx := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		searches.Add(1)
		var res []map[string]string
		for _, u := range urls(3) {
			res = append(res, map[string]string{"url": u, "title": "A page", "content": "about the page"})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"query": r.URL.Query().Get("q"), "results": res})
	}))
	t.Cleanup(searx.Close)

	t.Setenv("REDIS_URL", "")
	t.Setenv("RIPTIDE_AUTH", "")
	t.Setenv("RIPTIDE_API_KEYS", "key-jobs,key-deep,key-fire,key-spider,key-batch,key-async")
	t.Setenv("RIPTIDE_ALLOW_CIDRS", "127.0.0.0/8")
	t.Setenv("SEARXNG_URL", searx.URL)
	t.Setenv("RIPTIDE_RATE_PLANS", `{"default": {"*": {"requests": 1000, "urls": {"per_minute": 1, "burst": 4}}}}`)
	base := startServe(t)
	send := func(key, method, path string, body any) (int, string) {
		t.Helper()
		b, _ := json.Marshal(body)
		return callWith(t, method, base+path, string(b), http.Header{"X-Api-Key": {key}})
	}
	want := func(what string, code int, body string, wantCode int, wantIn string) {
		t.Helper()
		if code != wantCode || !strings.Contains(body, wantIn) {
			t.Errorf("%s: %d %s; want %d with %q", what, code, body, wantCode, wantIn)
		}
	}

	// Jobs: a mistaken submission spends nothing, a batch over the burst
	// is refused whole, one that fits is accepted and empties the plan.
	code, body := send("key-jobs", "POST", "/api/v1/workers/jobs", map[string]any{"type": "batch_crawl", "urls": []string{"ftp://x/"}})
	want("job with a bad URL", code, body, 400, "invalid_url")
	code, body = send("key-jobs", "POST", "/api/v1/workers/jobs", map[string]any{"type": "batch_crawl", "urls": urls(5)})
	want("job of 5 URLs", code, body, 429, "split it")
	code, body = send("key-jobs", "POST", "/api/v1/workers/jobs", map[string]any{"type": "batch_crawl", "urls": urls(4)})
	want("job of 4 URLs", code, body, 202, "job_id")
	code, body = send("key-jobs", "POST", "/api/v1/workers/jobs", map[string]any{"type": "single_crawl", "url": site.URL("/a")})
	want("a fifth URL", code, body, 429, "rate_limited")
	code, body = send("key-jobs", "POST", "/api/v1/workers/jobs", map[string]any{"type": "maintenance", "task": "cleanup_expired"})
	if code == 429 {
		t.Errorf("a maintenance job fetches no URL and must not be refused for URLs: %s", body)
	}

	// Deep search: the most hits it may crawl are spent before the vendor
	// is asked; without content it crawls (and spends) nothing.
	code, body = send("key-deep", "POST", "/api/v1/deepsearch", map[string]any{"query": "harbour", "limit": 5})
	want("deep search of 5", code, body, 429, "split it")
	if n := searches.Load(); n != 0 {
		t.Errorf("a refused deep search still called the vendor %d times", n)
	}
	code, body = send("key-deep", "POST", "/api/v1/deepsearch", map[string]any{"query": "harbour", "limit": 5, "include_content": false})
	want("deep search without content", code, body, 200, `"urls_found":3`)
	code, body = send("key-deep", "POST", "/api/v1/deepsearch", map[string]any{"query": "harbour", "limit": 5, "crawl_limit": 3})
	want("deep search crawling 3", code, body, 200, `"urls_crawled":3`)
	code, body = send("key-deep", "POST", "/api/v1/deepsearch", map[string]any{"query": "harbour", "limit": 2})
	want("deep search over what is left", code, body, 429, "rate_limited")

	// Firecrawl: a scrape is one URL, a batch its URLs, a crawl its seed.
	for i := 0; i < 4; i++ {
		code, body = send("key-fire", "POST", "/v1/scrape", map[string]any{"url": site.URL("/a")})
		want("scrape", code, body, 200, `"success":true`)
	}
	code, body = send("key-fire", "POST", "/v1/scrape", map[string]any{"url": site.URL("/a")})
	want("a fifth scrape", code, body, 429, "")
	code, body = send("key-fire", "POST", "/v1/crawl", map[string]any{"url": site.URL("/a"), "limit": 2})
	want("a crawl with nothing left", code, body, 429, "")
	code, body = send("key-batch", "POST", "/v1/batch/scrape", map[string]any{"urls": urls(5)})
	want("batch scrape of 5", code, body, 429, "")
	code, body = send("key-batch", "POST", "/v1/batch/scrape", map[string]any{"urls": urls(4)})
	want("batch scrape of 4", code, body, 200, `"success":true`)

	// Spider: its seeds before the run exists.
	code, body = send("key-spider", "POST", "/api/v1/spider/crawl", map[string]any{"seed_urls": urls(5)})
	want("spider with 5 seeds", code, body, 429, "split it")
	code, body = send("key-spider", "POST", "/api/v1/spider/crawl", map[string]any{"seed_urls": urls(4), "options": map[string]any{"max_pages": 4}})
	want("spider with 4 seeds", code, body, 202, "spider_id")
	code, body = send("key-spider", "POST", "/api/v1/spider/crawl", map[string]any{"seed_urls": urls(1)})
	want("a fifth seed", code, body, 429, "rate_limited")

	// An async crawl: a batch with a bad URL spends nothing, then 4 URLs
	// are accepted and a fifth is refused.
	code, body = send("key-async", "POST", "/api/v1/crawl", map[string]any{"async": true, "urls": []string{site.URL("/a"), "ftp://x/"}})
	want("async crawl with a bad URL", code, body, 400, "invalid_url")
	code, body = send("key-async", "POST", "/api/v1/crawl", map[string]any{"async": true, "urls": urls(4)})
	want("async crawl of 4", code, body, 202, "job_id")
	code, body = send("key-async", "POST", "/api/v1/crawl", map[string]any{"async": true, "urls": urls(1)})
	want("a fifth async URL", code, body, 429, "rate_limited")
}

// TestServeChargesASpiderRunsPagesToItsCaller: a 6-page run on a plan of
// 4 URLs (burst) charges its 5 pages beyond the seed as they are recorded:
// the caller ends in URL debt and its key counts 6 URLs.
func TestServeChargesASpiderRunsPagesToItsCaller(t *testing.T) {
	chargeSpiderPages(t, func(send sendFunc, token, seed string) {
		code, body := send(token, "POST", "/api/v1/spider/crawl", map[string]any{"seed_urls": []string{seed},
			"options": map[string]any{"max_pages": 10, "sitemap": "skip"}})
		var started struct {
			ID string `json:"spider_id"`
		}
		if code != 202 || json.Unmarshal([]byte(body), &started) != nil {
			t.Fatalf("start: %d %s", code, body)
		}
		var status struct {
			State   string `json:"status"`
			Crawled int    `json:"pages_crawled"`
		}
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			code, body = send(token, "GET", "/api/v1/spider/status?spider_id="+started.ID, nil)
			if code != 200 || json.Unmarshal([]byte(body), &status) != nil {
				t.Fatalf("status: %d %s", code, body)
			}
			if status.State == "completed" || time.Now().After(deadline) {
				break
			}
		}
		if status.State != "completed" || status.Crawled != 6 {
			t.Fatalf("run: %s with %d pages, want completed with 6: %s", status.State, status.Crawled, body)
		}
	})
}

// TestServeChargesASpiderJobsPagesToItsCaller: the same run as a queued
// spider job, which a worker starts after the request is gone: its pages
// are charged to the caller who submitted the job.
func TestServeChargesASpiderJobsPagesToItsCaller(t *testing.T) {
	chargeSpiderPages(t, func(send sendFunc, token, seed string) {
		code, body := send(token, "POST", "/api/v1/workers/jobs", map[string]any{"type": "spider", "urls": []string{seed},
			"options": map[string]any{"max_pages": 10, "sitemap": "skip"}})
		var job struct {
			ID     string `json:"job_id"`
			Status string `json:"status"`
		}
		if code != 202 || json.Unmarshal([]byte(body), &job) != nil {
			t.Fatalf("submit: %d %s", code, body)
		}
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			code, body = send(token, "GET", "/api/v1/workers/jobs/"+job.ID, nil)
			if code != 200 || json.Unmarshal([]byte(body), &job) != nil {
				t.Fatalf("job: %d %s", code, body)
			}
			if job.Status == "completed" || job.Status == "failed" || time.Now().After(deadline) {
				break
			}
		}
		if job.Status != "completed" || !strings.Contains(body, `"pages_crawled":6`) {
			t.Fatalf("job: %s, want completed with 6 pages: %s", job.Status, body)
		}
	})
}

type sendFunc func(key, method, path string, body any) (int, string)

// chargeSpiderPages serves a 6-page site, gives a fresh key a plan of 4
// URLs (burst, 1 a minute), has run crawl it from its root and then checks
// the charge: 1 seed spent up front and 5 pages after leave 2 URLs of
// debt (the next URL-spending call is a 429) and 6 URLs on the key.
func chargeSpiderPages(t *testing.T, run func(send sendFunc, token, seed string)) {
	t.Helper()
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		body := "<html><head><title>Page " + r.URL.Path + "</title></head><body><article><p>" + strings.Repeat("Words about the page at "+r.URL.Path+". ", 30) + "</p>"
		if r.URL.Path == "/" {
			for _, p := range []string{"/p1", "/p2", "/p3", "/p4", "/p5"} {
				body += `<a href="` + p + `">` + p + "</a>"
			}
		}
		_, _ = w.Write([]byte(body + "</article></body></html>"))
	}))
	t.Cleanup(site.Close)
	t.Setenv("REDIS_URL", "")
	t.Setenv("RIPTIDE_AUTH", "")
	t.Setenv("RIPTIDE_API_KEYS", "bootstrap-admin")
	t.Setenv("RIPTIDE_ALLOW_CIDRS", "127.0.0.0/8")
	t.Setenv("RIPTIDE_RATE_PLANS", `{"default": {"*": {"requests": 1000, "urls": {"per_minute": 1, "burst": 4}}}}`)
	base := startServe(t)
	send := func(key, method, path string, body any) (int, string) {
		t.Helper()
		var b []byte
		if body != nil {
			b, _ = json.Marshal(body)
		}
		return callWith(t, method, base+path, string(b), http.Header{"X-Api-Key": {key}})
	}
	code, body := send("bootstrap-admin", "POST", "/api/v1/admin/keys", map[string]any{"name": "crawler", "scopes": []string{"spider", "jobs", "read"}})
	var created struct {
		Key struct {
			ID string `json:"id"`
		} `json:"key"`
		Token string `json:"token"`
	}
	if code != 201 || json.Unmarshal([]byte(body), &created) != nil || created.Token == "" {
		t.Fatalf("create key: %d %s", code, body)
	}
	run(send, created.Token, site.URL+"/")
	// 1 seed spent up front, 5 pages charged after: 4 - 6 = 2 URLs of debt.
	code, body = send(created.Token, "POST", "/api/v1/spider/crawl", map[string]any{"seed_urls": []string{site.URL + "/p1"}})
	if code != 429 || !strings.Contains(body, "rate_limited") {
		t.Errorf("a caller in URL debt started another run: %d %s", code, body)
	}
	code, body = send("bootstrap-admin", "GET", "/api/v1/admin/keys/"+created.Key.ID, nil)
	if code != 200 || !strings.Contains(body, `"urls":6`) {
		t.Errorf("key usage after a run of 6 pages: %d %s", code, body)
	}
}
