package main

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/fixture"
)

// TestServeMountsSpider checks the local server's spider wiring: the
// group is mounted on the local orchestrator's service, status reads the
// store, and a crawl goes through the page pipeline and its SSRF guard.
func TestServeMountsSpider(t *testing.T) {
	t.Setenv("REDIS_URL", "")
	t.Setenv("RIPTIDE_AUTH", "disabled")
	base := startServe(t)
	get := func(method, path, body string) (int, string) { return call(t, method, base+path, body) }
	if code, body := get("GET", "/api/v1/spider/0123456789abcdef", ""); code != 404 || !strings.Contains(body, "no spider run") {
		t.Errorf("status of an unknown run: %d %s", code, body)
	}
	// The seed is a loopback address the SSRF guard refuses (no allowlist
	// here): the run starts, and its only page fails as blocked_url.
	code, body := get("POST", "/api/v1/spider/crawl", `{"seed_urls":["http://127.0.0.1:9/"]}`)
	if code != 202 || !strings.Contains(body, `"status_url"`) {
		t.Fatalf("crawl: %d %s", code, body)
	}
	id := regexp.MustCompile(`"spider_id":"([0-9a-f]+)"`).FindStringSubmatch(body)[1]
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		_, st := get("GET", "/api/v1/spider/"+id, "")
		if strings.Contains(st, `"status":"completed"`) || strings.Contains(st, `"status":"failed"`) {
			if !strings.Contains(st, "blocked_url") {
				t.Errorf("the seed should fail as blocked_url: %s", st)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("run did not finish: %s", st)
		}
	}
	if code, body := get("POST", "/spider/control", `{"spider_id":"0123456789abcdef","action":"stop"}`); code != 404 {
		t.Errorf("legacy control: %d %s", code, body)
	}

	// Legacy paths take the original's requests: status with POST and a
	// body (answered like GET /api/v1/spider/status?spider_id=), and the
	// crawl options at the top level of the body.
	_, canonical := get("GET", "/api/v1/spider/status?spider_id="+id, "")
	if code, body := get("POST", "/spider/status", `{"spider_id":"`+id+`","include_metrics":true}`); code != 200 || body != canonical {
		t.Errorf("legacy POST /spider/status: %d %s, want %s", code, body, canonical)
	}
	code, body = get("POST", "/spider/crawl", `{"seed_urls":["http://127.0.0.1:9/"],"max_depth":1,"max_pages":1}`)
	if code != 202 || !strings.Contains(body, `"spider_id"`) {
		t.Errorf("legacy /spider/crawl with top-level max_depth: %d %s", code, body)
	}
	// Answers written before routing carry the deprecation headers too.
	for _, c := range []struct{ method, path, accept string }{
		{"GET", "/stealth/health", "application/vnd.riptide.v2+json"},
		{"PUT", "/spider/status", ""},
	} {
		req, _ := http.NewRequest(c.method, base+c.path, nil)
		if c.accept != "" {
			req.Header.Set("Accept", c.accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode < 400 || resp.Header.Get("Deprecation") == "" || resp.Header.Get("Sunset") == "" ||
			!strings.Contains(resp.Header.Get("Link"), "</api/v1"+c.path+">") {
			t.Errorf("%s %s: %d without deprecation headers: %v", c.method, c.path, resp.StatusCode, resp.Header)
		}
	}
}

// TestCrawlUseSpiderDelegates: POST /api/v1/crawl with options.use_spider
// starts a spider run on the same service as /spider/crawl, which crawls
// the fixture site through the pipeline.
func TestCrawlUseSpiderDelegates(t *testing.T) {
	site := fixture.New(t, map[string]fixture.Page{
		"/":  fixture.HTML(fixture.Article("Home", fixture.Prose, `<a href="/a">a</a> <a href="/b">b</a>`)),
		"/a": fixture.HTML(fixture.Article("A", fixture.Prose, `<a href="/">home</a>`)),
		"/b": fixture.HTML(fixture.Article("B", fixture.Prose)),
	})
	t.Setenv("REDIS_URL", "")
	t.Setenv("RIPTIDE_AUTH", "disabled")
	t.Setenv("RIPTIDE_ALLOW_CIDRS", "127.0.0.1/32")
	base := startServe(t)
	post := func(path, body string) (int, string) { return call(t, "POST", base+path, body) }
	resp, err := http.Post(base+"/api/v1/crawl", "application/json",
		strings.NewReader(`{"urls":["`+site.URL("/")+`"],"options":{"use_spider":true,"spider":{"max_pages":3}}}`))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	code, body := resp.StatusCode, string(raw)
	if code != 202 {
		t.Fatalf("use_spider: %d %s", code, body)
	}
	id := regexp.MustCompile(`"spider_id":"([0-9a-f]+)"`).FindStringSubmatch(body)[1]
	if loc := resp.Header.Get("Location"); loc != "/api/v1/spider/"+id {
		t.Errorf("the use_spider 202 must carry Location: /api/v1/spider/%s, got %q", id, loc)
	}
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		_, status := call(t, "GET", base+"/api/v1/spider/"+id, "")
		b := []byte(status)
		if strings.Contains(string(b), `"status":"completed"`) {
			// Exactly max_pages records; the article's nav links (/about,
			// /contact) are 404s and count as failed pages.
			var st struct {
				Crawled int `json:"pages_crawled"`
				Failed  int `json:"pages_failed"`
			}
			_ = json.Unmarshal(b, &st)
			if st.Crawled+st.Failed != 3 || st.Crawled < 1 || !strings.Contains(string(b), `"retryable":false`) {
				t.Fatalf("status: %s", b)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("run did not complete: %s", b)
		}
	}
	// Options that would be dropped are refused; spider option errors
	// name their place in the crawl request; streams do not delegate.
	for _, c := range []struct{ path, body, want string }{
		{"/api/v1/crawl", `{"urls":["` + site.URL("/") + `"],"options":{"use_spider":true,"concurrency":4}}`, "options.spider"},
		{"/api/v1/crawl", `{"urls":["` + site.URL("/") + `"],"options":{"use_spider":true,"spider":{"max_pagez":3}}}`, "options.spider.max_pagez"},
		{"/api/v1/crawl", `{"urls":["` + site.URL("/") + `"],"options":{"spider":{"max_pages":3}}}`, "use_spider"},
		{"/api/v1/crawl/stream", `{"urls":["` + site.URL("/") + `"],"options":{"use_spider":true}}`, "spider/{id}/results"},
	} {
		if code, body := post(c.path, c.body); code != 400 || !strings.Contains(body, c.want) {
			t.Errorf("%s %s: %d %s", c.path, c.body, code, body)
		}
	}
}

// TestSpiderAppliesExtractionAndChunking: options.extraction and
// options.chunking reach every crawled page of a run, as on /crawl, and a
// bad spec is refused before the run starts.
func TestSpiderAppliesExtractionAndChunking(t *testing.T) {
	// Pages long enough for the gate to serve them raw: this test is about
	// extraction and chunking, and a headless render of a thin page on a
	// loaded machine outlasted the sync run's 25 s.
	prose := []string{fixture.Prose, fixture.Prose, fixture.Prose, fixture.Prose, fixture.Prose, fixture.Prose}
	site := fixture.New(t, map[string]fixture.Page{
		"/":  fixture.HTML(fixture.Article("Home", append(prose, `<a href="/a">a</a>`)...)),
		"/a": fixture.HTML(fixture.Article("Page A", prose...)),
	})
	t.Setenv("REDIS_URL", "")
	t.Setenv("RIPTIDE_AUTH", "disabled")
	t.Setenv("RIPTIDE_ALLOW_CIDRS", "127.0.0.1/32")
	base := startServe(t)
	code, body := call(t, "POST", base+"/api/v1/spider/crawl", `{"seed_urls":["`+site.URL("/")+`"],"sync":true,
		"options":{"max_pages":2,"max_depth":1,"include":["/","/a"],
		"extraction":{"strategy":"css","params":{"fields":{"heading":"article h1"}}},
		"chunking":{"mode":"markdown","max_tokens":64}}}`)
	if code != 200 {
		t.Fatalf("sync spider with extraction: %d %s", code, body)
	}
	var out struct {
		Results []struct {
			URL        string `json:"url"`
			Extraction *struct {
				Data map[string]any `json:"data"`
			} `json:"extraction"`
			Chunking *struct {
				Chunks []json.RawMessage `json:"chunks"`
			} `json:"chunking"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{site.URL("/"): "Home", site.URL("/a"): "Page A"}
	seen := 0
	for _, r := range out.Results {
		h, ok := want[r.URL]
		if !ok {
			continue
		}
		seen++
		if r.Extraction == nil || r.Extraction.Data["heading"] != h {
			t.Errorf("%s: extraction %+v, want heading %q", r.URL, r.Extraction, h)
		}
		if r.Chunking == nil || len(r.Chunking.Chunks) == 0 {
			t.Errorf("%s: no chunks: %+v", r.URL, r.Chunking)
		}
	}
	if seen != 2 {
		t.Fatalf("want results for / and /a, got %s", body)
	}
	for _, c := range []struct{ body, want string }{
		{`{"seed_urls":["` + site.URL("/") + `"],"options":{"extraction":{"strategy":"nosuch"}}}`, "options.extraction"},
		{`{"seed_urls":["` + site.URL("/") + `"],"options":{"chunking":{"mode":"sideways"}}}`, "options.chunking"},
	} {
		if code, body := call(t, "POST", base+"/api/v1/spider/crawl", c.body); code != 400 || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %s, want a 400 naming %s", c.body, code, body, c.want)
		}
	}
}
