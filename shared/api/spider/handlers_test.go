package spiderapi_test

import (
	"bufio"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/spidertest"
	spiderapi "github.com/riptidecrawler/riptide/shared/api/spider"
	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/routes"
	"github.com/riptidecrawler/riptide/shared/spider"
	"github.com/riptidecrawler/riptide/shared/store"
	"github.com/riptidecrawler/riptide/shared/store/spiderruns"
)

// server is the spider group behind the real middleware, with the local
// orchestrator, on an embedded Redis.
func server(t *testing.T) (api string, site string) {
	t.Helper()
	s, err := store.Open(store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	f, err := fetch.New(fetch.Options{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	if err != nil {
		t.Fatal(err)
	}
	e, err := spider.New(spider.Deps{Runs: spiderruns.New(s), Crawler: &spidertest.StandInCrawler{Fetcher: f}, Site: f})
	if err != nil {
		t.Fatal(err)
	}
	l := spider.NewLocalLauncher(e)
	t.Cleanup(l.Close)
	h, err := httpx.NewHandler(httpx.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Auth: httpx.AuthConfig{Disabled: true}},
		apiRoutes(), spiderapi.Handlers(spiderapi.Deps{Service: &spider.Service{Engine: e, Launcher: l}, PollInterval: 20 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	a := httptest.NewServer(h)
	t.Cleanup(a.Close)
	st := httptest.NewServer(spidertest.NewSite(spidertest.SiteConfig{Pages: 40, Sitemap: true, Seed: 3}))
	t.Cleanup(st.Close)
	return a.URL, st.URL
}

func apiRoutes() []routes.Route { return routes.Group("spider") }

func do(t *testing.T, method, url, body string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestAsyncRunStatusResultsAndNDJSON(t *testing.T) {
	a, site := server(t)
	resp, body := do(t, "POST", a+"/api/v1/spider/crawl", `{"seed_urls":["`+site+`/"],"options":{"max_pages":25,"concurrency":4}}`)
	var acc spiderapi.Accepted
	if resp.StatusCode != 202 || json.Unmarshal(body, &acc) != nil || acc.SpiderID == "" || resp.Header.Get("Location") != acc.StatusURL {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var st spider.Status
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, b := do(t, "GET", a+acc.StatusURL, "")
		if err := json.Unmarshal(b, &st); err != nil {
			t.Fatal(err)
		}
		if spider.Terminal(st.State) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if st.State != spider.StateCompleted || st.PagesCrawled != 25 {
		t.Fatalf("status %+v", st)
	}
	// The legacy twin with ?spider_id= answers the same, with deprecation headers.
	resp, b := do(t, "GET", a+"/spider/status?spider_id="+acc.SpiderID, "")
	if resp.StatusCode != 200 || resp.Header.Get("Deprecation") == "" || !strings.Contains(string(b), `"pages_crawled":25`) {
		t.Errorf("legacy status %d %s", resp.StatusCode, b)
	}

	// Paged JSON.
	seen := 0
	cursor := ""
	for range 10 {
		_, b := do(t, "GET", a+acc.ResultsURL+"?limit=10&cursor="+cursor, "")
		var p spider.ResultPage
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatal(err)
		}
		seen += len(p.Results)
		if p.NextCursor == nil {
			break
		}
		cursor = *p.NextCursor
	}
	if seen != 25 {
		t.Errorf("paged results %d", seen)
	}

	// NDJSON: metadata, 25 results, summary.
	resp, b = do(t, "GET", a+acc.ResultsURL, "", "Accept", "application/x-ndjson")
	if resp.Header.Get("Content-Type") != "application/x-ndjson" {
		t.Errorf("content type %s", resp.Header.Get("Content-Type"))
	}
	var types []string
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line struct {
			Type string `json:"type"`
			URL  string `json:"url"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if line.Type == "result" && line.URL == "" {
			t.Errorf("result line without url: %s", sc.Text())
		}
		types = append(types, line.Type)
	}
	if len(types) != 27 || types[0] != "metadata" || types[26] != "summary" {
		t.Errorf("NDJSON line types %v", types)
	}
}

func TestSyncRunAndErrors(t *testing.T) {
	a, site := server(t)
	resp, b := do(t, "POST", a+"/api/v1/spider/crawl", `{"seed_urls":["`+site+`/"],"options":{"max_pages":5},"sync":true}`)
	var sr spiderapi.SyncResponse
	if resp.StatusCode != 200 || json.Unmarshal(b, &sr) != nil || len(sr.Results) != 5 || sr.Status.State != spider.StateCompleted {
		t.Fatalf("sync: %d %s", resp.StatusCode, b)
	}
	cases := []struct {
		method, path, body string
		status             int
		errType            string
	}{
		{"POST", "/api/v1/spider/crawl", `{"seed_urls":["` + site + `/"],"options":{"max_pages":500},"sync":true}`, 400, "validation_error"},
		{"POST", "/api/v1/spider/crawl", `{"seed_urls":["` + site + `/"],"options":{"max_pagez":5}}`, 400, "validation_error"},
		{"POST", "/api/v1/spider/crawl", `{"seed_urls":["file:///etc/passwd"]}`, 400, "invalid_url"},
		{"POST", "/api/v1/spider/crawl", `{"seed_urls":["` + site + `/"],"options":{"strategy":"random"}}`, 400, "validation_error"},
		{"POST", "/api/v1/spider/control", `{"spider_id":"` + sr.SpiderID + `","action":"resume"}`, 409, "conflict"},
		{"POST", "/api/v1/spider/control", `{"spider_id":"` + sr.SpiderID + `","action":"fly"}`, 400, "validation_error"},
		{"POST", "/api/v1/spider/control", `{"spider_id":"0123456789abcdef","action":"stop"}`, 404, "not_found"},
		{"GET", "/api/v1/spider/../../etc", "", 404, "not_found"},
		{"GET", "/api/v1/spider/status", "", 400, "validation_error"},
		{"GET", "/api/v1/spider/" + sr.SpiderID + "/results?limit=0", "", 400, "validation_error"},
		{"GET", "/api/v1/spider/NOT-AN-ID/results", "", 404, "not_found"},
	}
	for _, c := range cases {
		resp, b := do(t, c.method, a+c.path, c.body)
		if resp.StatusCode != c.status || !strings.Contains(string(b), `"type":"`+c.errType+`"`) {
			t.Errorf("%s %s %s: %d %s; want %d %s", c.method, c.path, c.body, resp.StatusCode, b, c.status, c.errType)
		}
	}
}

func TestMapRoute(t *testing.T) {
	a, site := server(t)
	resp, b := do(t, "POST", a+"/api/v1/spider/map", `{"url":"`+site+`/","options":{"sitemap":"only","limit":10}}`)
	var m spider.MapResult
	if resp.StatusCode != 200 || json.Unmarshal(b, &m) != nil || m.Count != 10 || !m.Truncated {
		t.Fatalf("map %d %s", resp.StatusCode, b)
	}
}
