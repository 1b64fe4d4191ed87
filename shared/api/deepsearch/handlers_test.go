package deepsearchapi_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/fixture"
	deepsearchapi "github.com/riptidecrawler/riptide/shared/api/deepsearch"
	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/pipeline"
	"github.com/riptidecrawler/riptide/shared/routes"
	"github.com/riptidecrawler/riptide/shared/search"
	"github.com/riptidecrawler/riptide/shared/secrets"
	"github.com/riptidecrawler/riptide/shared/vendorhttp"
)

const apiKey = "test-key"

// serperFake answers POST /search like serper.dev with organic results
// pointing at the given URLs, and counts calls.
func serperFake(t *testing.T, key string, links []string) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		if r.Method != "POST" || r.URL.Path != "/search" {
			w.WriteHeader(404)
			_, _ = w.Write([]byte(`{"message":"Not found","statusCode":404}`))
			return
		}
		if r.Header.Get("X-API-KEY") != key {
			w.WriteHeader(403)
			_, _ = w.Write([]byte(`{"message":"Unauthorized.","statusCode":403}`))
			return
		}
		var body struct {
			Q   string `json:"q"`
			Num int    `json:"num"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Q == "" {
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{"message":"Missing query","statusCode":400}`))
			return
		}
		type organic struct {
			Title    string `json:"title"`
			Link     string `json:"link"`
			Snippet  string `json:"snippet"`
			Position int    `json:"position"`
		}
		var out struct {
			SearchParameters map[string]any `json:"searchParameters"`
			Organic          []organic      `json:"organic"`
		}
		out.SearchParameters = map[string]any{"q": body.Q, "num": body.Num, "type": "search"}
		for i, l := range links {
			if i >= body.Num {
				break
			}
			out.Organic = append(out.Organic, organic{Title: fmt.Sprintf("Hit %d", i+1), Link: l, Snippet: fmt.Sprintf("snippet %d", i+1), Position: i + 1})
		}
		_ = json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

type env struct {
	site   *fixture.Site
	api    *httptest.Server
	calls  *atomic.Int64
	serper string
}

func setup(t *testing.T, vars map[string]string, links func(site *fixture.Site) []string, deps func(*deepsearchapi.Deps)) env {
	t.Helper()
	site := fixture.New(t, map[string]fixture.Page{
		"/a":    fixture.HTML(fixture.Article("Alpha page", fixture.Prose)),
		"/b":    fixture.HTML(fixture.Article("Beta page", fixture.Prose)),
		"/c":    fixture.HTML(fixture.Article("Gamma page", fixture.Prose)),
		"/slow": {Status: 200, ContentType: "text/html", Body: fixture.Article("Slow page", fixture.Prose), Delay: 3 * time.Second},
	})
	ls := links(site)
	srv, calls := serperFake(t, "serper-key", ls)
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	keys := secrets.VendorKeys{Lookup: lookup}
	serper := search.NewSerper(keys, nil)
	serper.BaseURL = srv.URL
	svc := &search.Service{Providers: []search.Provider{serper, search.NewBrave(keys, nil), search.NewTavily(keys, nil), search.NewSearXNG("", nil)},
		Breaker: &vendorhttp.Breaker{State: &vendorhttp.MemoryBreakerState{}}}
	// The SSRF guard admits the loopback fixture site only, as
	// RIPTIDE_ALLOW_CIDRS=127.0.0.1/32 would.
	f, err := fetch.New(fetch.Options{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	p := &pipeline.Pipeline{Fetcher: f, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	d := deepsearchapi.Deps{Search: svc, Crawler: p, KeepAlive: 50 * time.Millisecond}
	if deps != nil {
		deps(&d)
	}
	h, err := httpx.NewHandler(httpx.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Auth: httpx.AuthConfig{Authenticator: httpx.NewStaticKeys([]string{apiKey})}},
		routes.Group("deepsearch"), deepsearchapi.Handlers(d))
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(h)
	t.Cleanup(api.Close)
	return env{site: site, api: api, calls: calls, serper: srv.URL}
}

var withSerper = map[string]string{"SERPER_API_KEY": "serper-key"}

func threeHits(s *fixture.Site) []string { return []string{s.URL("/a"), s.URL("/b"), s.URL("/c")} }

func (e env) do(t *testing.T, method, path, body string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, e.api.URL+path, strings.NewReader(body))
	req.Header.Set("X-API-Key", apiKey)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func decode[T any](t *testing.T, resp *http.Response) T {
	t.Helper()
	var v T
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

type errorBody struct {
	Error struct {
		Type      string `json:"type"`
		Message   string `json:"message"`
		Retryable bool   `json:"retryable"`
	} `json:"error"`
}

func TestDeepSearchCrawlsEveryHitOnceThroughThePipeline(t *testing.T) {
	e := setup(t, withSerper, threeHits, nil)
	resp := e.do(t, "POST", "/api/v1/deepsearch", `{"query":"riptide pages","limit":3,"crawl_options":{"cache_mode":"bypass"}}`)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, readAll(resp))
	}
	out := decode[deepsearchapi.Response](t, resp)
	if out.URLsFound != 3 || out.URLsCrawled != 3 || out.URLsFailed != 0 || out.Provider != "serper" || out.Status != "completed" || len(out.Results) != 3 {
		t.Fatalf("summary %+v", out.DeepSummary)
	}
	for i, r := range out.Results {
		want := []string{"Alpha page", "Beta page", "Gamma page"}[i]
		if r.Index != i || r.Rank != i+1 || r.Crawl == nil || !r.Crawl.OK() || r.Crawl.Document == nil || !strings.Contains(r.Crawl.Document.Markdown, want) {
			t.Fatalf("result %d: %+v", i, r)
		}
	}
	for _, p := range []string{"/a", "/b", "/c"} {
		if n := e.site.Count(p); n != 1 {
			t.Fatalf("%s fetched %d times; deep search fetches each hit once", p, n)
		}
	}
}

func TestDeepSearchStreamLines(t *testing.T) {
	e := setup(t, withSerper, threeHits, nil)
	resp := e.do(t, "POST", "/api/v1/deepsearch/stream", `{"query":"riptide pages","limit":3}`)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("status %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var types []string
	seen := map[int]bool{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 4<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(strings.TrimSpace(string(line))) == 0 {
			continue // keep-alive
		}
		var l struct {
			Type      string `json:"type"`
			Index     int    `json:"index"`
			URLsFound int    `json:"urls_found"`
			Crawl     *pipeline.Result
			Results   []search.Result `json:"results"`
			URLs      int             `json:"urls_crawled"`
		}
		if err := json.Unmarshal(line, &l); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		types = append(types, l.Type)
		switch l.Type {
		case "search":
			if l.URLsFound != 3 || len(l.Results) != 3 {
				t.Fatalf("search line %s", line)
			}
		case "result":
			if l.Crawl == nil || !l.Crawl.OK() || seen[l.Index] {
				t.Fatalf("result line %s", line)
			}
			seen[l.Index] = true
		case "summary":
			if l.URLs != 3 {
				t.Fatalf("summary %s", line)
			}
		}
	}
	if got := strings.Join(types, ","); got != "metadata,search,result,result,result,summary" {
		t.Fatalf("lines %s", got)
	}
}

func TestMissingKeyIsA503NamingTheVariable(t *testing.T) {
	e := setup(t, nil, threeHits, nil)
	for _, path := range []string{"/api/v1/deepsearch", "/api/v1/deepsearch/stream"} {
		for _, body := range []string{`{"query":"x"}`, `{"query":"x","provider":"serper"}`} {
			resp := e.do(t, "POST", path, body)
			eb := decode[errorBody](t, resp)
			if resp.StatusCode != 503 || eb.Error.Type != "dependency_error" || !strings.Contains(eb.Error.Message, "SERPER_API_KEY") || eb.Error.Retryable {
				t.Fatalf("%s %s: %d %+v", path, body, resp.StatusCode, eb)
			}
		}
	}
	resp := e.do(t, "GET", "/api/v1/search?q=x&provider=brave", "")
	if eb := decode[errorBody](t, resp); resp.StatusCode != 503 || !strings.Contains(eb.Error.Message, "BRAVE_API_KEY") {
		t.Fatalf("%d %+v", resp.StatusCode, eb)
	}
	if e.calls.Load() != 0 {
		t.Fatal("no vendor may be called without a key")
	}
}

func TestBadKeyAndValidation(t *testing.T) {
	e := setup(t, map[string]string{"SERPER_API_KEY": "wrong"}, threeHits, nil)
	resp := e.do(t, "POST", "/api/v1/deepsearch", `{"query":"x"}`)
	eb := decode[errorBody](t, resp)
	if resp.StatusCode != 503 || eb.Error.Type != "dependency_error" || eb.Error.Retryable || !strings.Contains(eb.Error.Message, "SERPER_API_KEY") {
		t.Fatalf("bad key: %d %+v", resp.StatusCode, eb)
	}
	// The stream answers a failing search in-band, after metadata.
	resp = e.do(t, "POST", "/api/v1/deepsearch/stream", `{"query":"x"}`)
	body := readAll(resp)
	if resp.StatusCode != 200 || !strings.Contains(body, `"type":"metadata"`) || !strings.Contains(body, `"type":"error"`) || !strings.Contains(body, "SERPER_API_KEY") {
		t.Fatalf("stream with a bad key: %d %s", resp.StatusCode, body)
	}
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/api/v1/deepsearch", `{"query":"a\u0000b"}`},
		{"POST", "/api/v1/deepsearch", `{"query":"` + strings.Repeat("x", 501) + `"}`},
		{"POST", "/api/v1/deepsearch", `{"query":"x","limt":3}`},
		{"POST", "/api/v1/deepsearch/stream", `{"query":""}`},
		{"POST", "/api/v1/deepsearch", `{"query":"x","crawl_options":{"concurrency":1000}}`},
		{"GET", "/api/v1/search?q=" + url.QueryEscape("a\nb"), ""},
		{"GET", "/api/v1/search?q=x&limit=ten", ""},
		{"GET", "/api/v1/search?q=x&sort=new", ""},
		{"GET", "/api/v1/search?q=x&provider=bing", ""},
	} {
		resp := e.do(t, c.method, c.path, c.body)
		if eb := decode[errorBody](t, resp); resp.StatusCode != 400 || eb.Error.Type != "validation_error" {
			t.Errorf("%s %s %s: %d %+v", c.method, c.path, c.body, resp.StatusCode, eb)
		}
	}
	// SQL words are a fine query.
	e2 := setup(t, withSerper, threeHits, nil)
	resp = e2.do(t, "GET", "/api/v1/search?q="+url.QueryEscape("drop table union select")+"&limit=2", "")
	out := decode[deepsearchapi.SearchResponse](t, resp)
	if resp.StatusCode != 200 || out.TotalResults != 2 || out.Results[1].URL != e2.site.URL("/b") {
		t.Fatalf("%d %+v", resp.StatusCode, out)
	}
}

func TestFailedAndBlockedHitsKeepTheirCause(t *testing.T) {
	e := setup(t, withSerper, func(s *fixture.Site) []string {
		return []string{s.URL("/a"), s.URL("/missing"), "http://10.1.2.3/private", s.URL("/c")}
	}, nil)
	resp := e.do(t, "POST", "/api/v1/deepsearch", `{"query":"x","limit":4,"crawl_limit":3}`)
	out := decode[deepsearchapi.Response](t, resp)
	if resp.StatusCode != 200 || out.URLsCrawled != 1 || out.URLsFailed != 2 || len(out.Results) != 4 {
		t.Fatalf("%d %+v", resp.StatusCode, out.DeepSummary)
	}
	if c := out.Results[1].Crawl; c == nil || c.Error == nil || c.Error.Type != "fetch_error" {
		t.Fatalf("404 hit: %+v", c)
	}
	if c := out.Results[2].Crawl; c == nil || c.Error == nil || c.Error.Type != "blocked_url" {
		t.Fatalf("private hit must be refused by the SSRF guard: %+v", c)
	}
	if out.Results[3].Crawl != nil || e.site.Count("/c") != 0 {
		t.Fatal("hits beyond crawl_limit are listed, not crawled")
	}
	resp = e.do(t, "POST", "/api/v1/deepsearch", `{"query":"x","limit":4,"include_content":false}`)
	out = decode[deepsearchapi.Response](t, resp)
	if out.URLsCrawled != 0 || len(out.Results) != 4 || out.Results[0].Crawl != nil {
		t.Fatalf("without content: %+v", out)
	}
}

func TestSyncDeadlineReportsUncrawledHitsAsTimeouts(t *testing.T) {
	e := setup(t, withSerper, func(s *fixture.Site) []string { return []string{s.URL("/a"), s.URL("/slow")} },
		func(d *deepsearchapi.Deps) { d.SyncDeadline = 300 * time.Millisecond })
	start := time.Now()
	resp := e.do(t, "POST", "/api/v1/deepsearch", `{"query":"x","limit":2,"crawl_options":{"cache_mode":"bypass"}}`)
	out := decode[deepsearchapi.Response](t, resp)
	if time.Since(start) > 2500*time.Millisecond {
		t.Fatal("the deadline did not bound the request")
	}
	if resp.StatusCode != 200 || out.Results[0].Crawl == nil || !out.Results[0].Crawl.OK() || out.Results[1].Crawl == nil || out.Results[1].Crawl.Error == nil || out.Results[1].Crawl.Error.Type != "timeout_error" {
		t.Fatalf("%d %+v", resp.StatusCode, out.Results)
	}
}

func TestChunkingAndAnswerNeedTheirEngines(t *testing.T) {
	e := setup(t, withSerper, threeHits, nil)
	resp := e.do(t, "POST", "/api/v1/deepsearch", `{"query":"x","chunking":{"mode":"sliding"}}`)
	if eb := decode[errorBody](t, resp); resp.StatusCode != 501 || eb.Error.Type != "not_implemented" {
		t.Fatalf("chunking: %d %+v", resp.StatusCode, eb)
	}
	resp = e.do(t, "POST", "/api/v1/deepsearch", `{"query":"x","answer":true}`)
	if eb := decode[errorBody](t, resp); resp.StatusCode != 503 || eb.Error.Type != "dependency_error" {
		t.Fatalf("answer: %d %+v", resp.StatusCode, eb)
	}
	if e.calls.Load() != 0 {
		t.Fatal("a request refused up front must not search")
	}
}

func readAll(resp *http.Response) string {
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
