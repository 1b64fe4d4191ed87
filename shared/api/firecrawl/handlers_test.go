package firecrawlapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/spidertest"
	firecrawlapi "github.com/riptidecrawler/riptide/shared/api/firecrawl"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/pipeline"
	"github.com/riptidecrawler/riptide/shared/ratelimit"
	"github.com/riptidecrawler/riptide/shared/routes"
	"github.com/riptidecrawler/riptide/shared/spider"
	"github.com/riptidecrawler/riptide/shared/store"
	"github.com/riptidecrawler/riptide/shared/store/spiderruns"
	"github.com/riptidecrawler/riptide/shared/strategy"
)

const apiKey = "fc-test-key"

// pipelineCrawler crawls spider pages through the real pipeline, as the
// spider's wiring does (spiderwire.PipelineCrawler, which handlers' tests
// may not import).
type pipelineCrawler struct{ p *pipeline.Pipeline }

func (c pipelineCrawler) CrawlPage(ctx context.Context, req spider.PageRequest) (*spider.Page, error) {
	respect := req.RespectRobots
	opts := pipeline.Options{CacheMode: pipeline.CacheBypass, RespectRobots: &respect, MaxBodyBytes: req.MaxBytes,
		Formats: []pipeline.Format{pipeline.FormatMarkdown, pipeline.FormatMetadata, pipeline.FormatLinks}}.WithDefaults()
	r := c.p.Crawl(ctx, req.URL, opts)
	page := &spider.Page{URL: req.URL, FinalURL: r.FinalURL, Status: r.Status, ContentType: r.ContentType, Bytes: r.BodyBytes}
	if r.Error != nil {
		return page, &core.Error{Type: r.Error.Type, Message: r.Error.Message, Permanent: !r.Error.Retryable}
	}
	for _, l := range r.Document.Links {
		page.Links = append(page.Links, spider.Link{URL: l.URL, Text: l.Text})
	}
	sum := sha256.Sum256([]byte(r.Document.Markdown))
	page.ContentHash = hex.EncodeToString(sum[:])
	page.Document, _ = json.Marshal(r.Document)
	return page, nil
}

// planLimiter is the real limiter (in process) whose plan a test can
// tighten, to see the facade's headers and 429.
type planLimiter struct {
	mu sync.Mutex
	l  *ratelimit.Limiter
}

func (p *planLimiter) setLimit(perMinute float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.l = ratelimit.New(nil, ratelimit.Plans{"default": {"*": {"requests": {PerMinute: perMinute}}}}, nil)
}

func (p *planLimiter) get() *ratelimit.Limiter {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.l
}

func (p *planLimiter) Admit(ctx context.Context, r ratelimit.Request) ratelimit.Decision {
	return p.get().Admit(ctx, r)
}

func (p *planLimiter) Charge(ctx context.Context, r ratelimit.Request) ratelimit.Decision {
	return p.get().Charge(ctx, r)
}

type env struct {
	api, site string
	limiter   *planLimiter
}

// server is the facade behind the real middleware (auth with a key, rate
// limit), on the real pipeline and spider (local orchestrator, embedded
// Redis), and a generated loopback site.
func server(t *testing.T, hook func(*http.Request)) env {
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
	pl := &pipeline.Pipeline{Fetcher: f}
	e, err := spider.New(spider.Deps{Runs: spiderruns.New(s), Crawler: pipelineCrawler{pl}, Site: f})
	if err != nil {
		t.Fatal(err)
	}
	l := spider.NewLocalLauncher(e)
	t.Cleanup(l.Close)
	lim := &planLimiter{}
	lim.setLimit(1000)
	h, err := httpx.NewHandler(httpx.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Auth: httpx.AuthConfig{Authenticator: httpx.NewStaticKeys([]string{apiKey})}, RateLimit: lim},
		routes.Group("firecrawl"), firecrawlapi.Handlers(firecrawlapi.Deps{Pipeline: pl, Spider: firecrawlapi.SpiderService{Service: &spider.Service{Engine: e, Launcher: l}}}))
	if err != nil {
		t.Fatal(err)
	}
	a := httptest.NewServer(h)
	t.Cleanup(a.Close)
	gen := spidertest.NewSite(spidertest.SiteConfig{Pages: 40, Sitemap: true, Seed: 3, Hook: hook})
	mux := http.NewServeMux()
	mux.HandleFunc("/tags", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!doctype html><html lang="en"><head><title>Tags page</title><meta name="description" content="A page for tag filters"></head><body>
<nav><a href="/a">Navigation menu entry</a></nav>
<article><h1>Harbour report</h1><p>The ferries ran on time all week, and the harbour master kept a careful log of every arrival.</p>
<div class="ad">Buy cheap watches now</div><p>Fishing boats came back with full nets on Thursday morning.</p></article>
<aside class="keep"><p>Tide tables are printed every Monday in the harbour office window.</p></aside>
<footer>Footer text that should go</footer></body></html>`)
	})
	mux.Handle("/", gen)
	st := httptest.NewServer(mux)
	t.Cleanup(st.Close)
	return env{api: a.URL, site: st.URL, limiter: lim}
}

// sdkBody returns a recorded SDK request body with the site filled in.
func sdkBody(t *testing.T, name, site string) string {
	t.Helper()
	raw, err := os.ReadFile("testdata/sdk_v1_requests.json")
	if err != nil {
		t.Fatal(err)
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(raw, &all); err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Body json.RawMessage `json:"body"`
	}
	if err := json.Unmarshal(all[name], &rec); err != nil || len(rec.Body) == 0 {
		t.Fatalf("no recorded request %q: %v", name, err)
	}
	return strings.ReplaceAll(string(rec.Body), "{{site}}", site)
}

// do sends a request as the SDK does (JSON, Authorization: Bearer).
func do(t *testing.T, method, url, body string, key string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/plain, */*")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

func TestScrapeAsTheSDKSendsIt(t *testing.T) {
	e := server(t, nil)
	resp, b := do(t, "POST", e.api+"/v1/scrape", sdkBody(t, "scrapeUrl", e.site), apiKey)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	out := decode[firecrawlapi.ScrapeResponse](t, b)
	d := out.Data
	if !out.Success || d.Markdown == nil || !strings.Contains(*d.Markdown, "#") || d.HTML == nil || *d.HTML == "" {
		t.Fatalf("markdown/html missing: %s", b)
	}
	if d.RawHTML == nil || !strings.Contains(*d.RawHTML, "<title>Page 0") || len(d.Links) == 0 {
		t.Fatalf("rawHtml/links missing: %s", b)
	}
	if d.Metadata.SourceURL != e.site+"/" || d.Metadata.StatusCode != 200 || !strings.HasPrefix(d.Metadata.Title, "Page 0") || d.Metadata.ProxyUsed != "basic" {
		t.Fatalf("metadata %+v", d.Metadata)
	}
	for _, l := range d.Links {
		if !strings.HasPrefix(l, "http") {
			t.Fatalf("link %q is not absolute", l)
		}
	}
	// Formats not asked for are absent, not empty.
	_, b = do(t, "POST", e.api+"/v1/scrape", `{"url":"`+e.site+`/"}`, apiKey)
	var raw map[string]map[string]any
	json.Unmarshal(b, &raw)
	if _, ok := raw["data"]["markdown"]; !ok {
		t.Fatalf("default format markdown missing: %s", b)
	}
	for _, k := range []string{"html", "rawHtml", "links", "screenshot", "json"} {
		if _, ok := raw["data"][k]; ok {
			t.Errorf("%s present without being asked for", k)
		}
	}
	if resp.Header.Get("X-RateLimit-Limit") != "1000" || resp.Header.Get("X-RateLimit-Remaining") == "" {
		t.Errorf("rate-limit headers missing: %v", resp.Header)
	}
}

func TestScrapeIncludeAndExcludeTags(t *testing.T) {
	e := server(t, nil)
	resp, b := do(t, "POST", e.api+"/v1/scrape", sdkBody(t, "scrapeUrlTags", e.site), apiKey)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	d := decode[firecrawlapi.ScrapeResponse](t, b).Data
	md := *d.Markdown
	for _, want := range []string{"ferries ran on time", "Fishing boats", "Tide tables"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	for _, gone := range []string{"cheap watches", "Navigation menu", "Footer text"} {
		if strings.Contains(md, gone) {
			t.Errorf("markdown keeps %q:\n%s", gone, md)
		}
	}
	if d.Metadata.Title != "Tags page" || d.Metadata.Description != "A page for tag filters" {
		t.Errorf("metadata lost by the filter: %+v", d.Metadata)
	}
	resp, b = do(t, "POST", e.api+"/v1/scrape", `{"url":"`+e.site+`/tags","includeTags":["a[["]}`, apiKey)
	if resp.StatusCode != 400 || !strings.Contains(string(b), "includeTags[0]") {
		t.Errorf("bad selector: %d %s", resp.StatusCode, b)
	}
}

func TestErrorsAreFirecrawlShaped(t *testing.T) {
	e := server(t, nil)
	cases := []struct {
		name, method, path, body, key string
		status                        int
		contains                      string
	}{
		{"no key", "POST", "/v1/scrape", `{"url":"` + e.site + `/"}`, "", 401, "missing API key"},
		{"wrong key", "POST", "/v1/crawl", `{"url":"` + e.site + `/"}`, "nope", 401, ""},
		{"unknown field", "POST", "/v1/scrape", `{"url":"` + e.site + `/","fromats":["markdown"]}`, apiKey, 400, "fromats"},
		{"no url", "POST", "/v1/scrape", `{"formats":["markdown"]}`, apiKey, 400, "url"},
		{"summary format", "POST", "/v1/scrape", `{"url":"` + e.site + `/","formats":["summary"]}`, apiKey, 400, "summary"},
		{"screenshot without a browser", "POST", "/v1/scrape", `{"url":"` + e.site + `/","formats":["screenshot"]}`, apiKey, 400, "Chromium"},
		{"actions", "POST", "/v1/scrape", `{"url":"` + e.site + `/","actions":[{"type":"click","selector":"a"}]}`, apiKey, 400, "actions"},
		{"json without options", "POST", "/v1/scrape", `{"url":"` + e.site + `/","formats":["json"]}`, apiKey, 400, "jsonOptions"},
		{"html in a crawl", "POST", "/v1/crawl", `{"url":"` + e.site + `/","scrapeOptions":{"formats":["html"]}}`, apiKey, 400, "scrapeOptions.formats[0]"},
		{"webhook", "POST", "/v1/crawl", `{"url":"` + e.site + `/","webhook":"http://127.0.0.1:1/hook"}`, apiKey, 400, "webhook"},
		{"too deep", "POST", "/v1/crawl", `{"url":"` + e.site + `/a/b/c","maxDepth":2}`, apiKey, 400, "maxDepth"},
		{"bad batch url", "POST", "/v1/batch/scrape", `{"urls":["ftp://x"]}`, apiKey, 400, "urls[0]"},
		{"unknown crawl", "GET", "/v1/crawl/0123456789abcdef0123456789abcdef", "", apiKey, 404, "Job not found"},
		{"unknown batch", "GET", "/v1/batch/scrape/nope", "", apiKey, 404, "Job not found"},
		{"fetch failure", "POST", "/v1/scrape", `{"url":"http://127.0.0.1:1/"}`, apiKey, 500, "127.0.0.1:1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, b := do(t, c.method, e.api+c.path, c.body, c.key)
			var body map[string]any
			if err := json.Unmarshal(b, &body); err != nil {
				t.Fatalf("not JSON: %s", b)
			}
			msg, _ := body["error"].(string)
			if resp.StatusCode != c.status || body["success"] != false || msg == "" || !strings.Contains(msg, c.contains) {
				t.Fatalf("got %d %s; want %d {success:false, error: ...%s...}", resp.StatusCode, b, c.status, c.contains)
			}
		})
	}
}

func TestRateLimitedIsFirecrawlShaped(t *testing.T) {
	e := server(t, nil)
	e.limiter.setLimit(1)
	do(t, "POST", e.api+"/v1/map", `{"url":"`+e.site+`/","limit":1}`, apiKey)
	resp, b := do(t, "POST", e.api+"/v1/map", `{"url":"`+e.site+`/","limit":1}`, apiKey)
	body := decode[map[string]any](t, b)
	if resp.StatusCode != 429 || body["success"] != false || body["code"] != "rate_limited" || resp.Header.Get("Retry-After") == "" ||
		resp.Header.Get("X-RateLimit-Remaining") != "0" {
		t.Fatalf("%d %v %s", resp.StatusCode, resp.Header, b)
	}
}

// poll reads a job's status until it is no longer scraping.
func poll(t *testing.T, url string) firecrawlapi.JobStatus {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, b := do(t, "GET", url, "", apiKey)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d: %s", resp.StatusCode, b)
		}
		st := decode[firecrawlapi.JobStatus](t, b)
		if st.Status != "scraping" {
			return st
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("job did not finish in 30 s")
	return firecrawlapi.JobStatus{}
}

func TestCrawlPollsAndPagesWithNext(t *testing.T) {
	e := server(t, nil)
	resp, b := do(t, "POST", e.api+"/v1/crawl", sdkBody(t, "crawlUrl", e.site), apiKey)
	started := decode[firecrawlapi.Started](t, b)
	if resp.StatusCode != 200 || !started.Success || started.ID == "" || started.URL != e.api+"/v1/crawl/"+started.ID {
		t.Fatalf("start: %d %s", resp.StatusCode, b)
	}
	st := poll(t, started.URL)
	if st.Status != "completed" || st.Completed != 12 || st.Total != 12 || len(st.Data) != 12 || st.Next != "" || st.ExpiresAt == "" {
		t.Fatalf("final status: %+v", st)
	}
	// The last page has no next key at all: the SDK tests `'next' in data`.
	_, b = do(t, "GET", started.URL, "", apiKey)
	if strings.Contains(string(b), `"next"`) {
		t.Fatalf("next present on the last page: %.200s", b)
	}
	// Paging as the SDK does: follow next until it is absent.
	seen := map[string]bool{}
	url, pages := started.URL+"?limit=5", 0
	for url != "" {
		_, b := do(t, "GET", url, "", apiKey)
		page := decode[firecrawlapi.JobStatus](t, b)
		pages++
		for _, d := range page.Data {
			if seen[d.Metadata.SourceURL] || d.Markdown == nil || *d.Markdown == "" || d.Metadata.StatusCode != 200 {
				t.Fatalf("bad or repeated document %+v", d.Metadata)
			}
			if !strings.HasPrefix(d.Metadata.SourceURL, e.site) {
				t.Fatalf("document off the site: %s", d.Metadata.SourceURL)
			}
			seen[d.Metadata.SourceURL] = true
		}
		if page.Next != "" && !strings.Contains(page.Next, "limit=5") {
			t.Fatalf("next lost the limit: %s", page.Next)
		}
		url = page.Next
	}
	if len(seen) != 12 || pages != 3 {
		t.Fatalf("paged %d documents in %d pages, want 12 in 3", len(seen), pages)
	}
}

func TestCrawlStaysUnderThePathAndHonoursExcludePaths(t *testing.T) {
	e := server(t, nil)
	_, b := do(t, "POST", e.api+"/v1/crawl", `{"url":"`+e.site+`/p/","limit":8,"excludePaths":["^/p/1\\d*\\.html$"],"ignoreSitemap":true}`, apiKey)
	started := decode[firecrawlapi.Started](t, b)
	st := poll(t, started.URL)
	if st.Status != "completed" {
		t.Fatalf("%+v", st)
	}
	for _, d := range st.Data {
		u := strings.TrimPrefix(d.Metadata.SourceURL, e.site)
		if u != "/p/" && (!strings.HasPrefix(u, "/p/") || strings.HasPrefix(u, "/p/1")) {
			t.Errorf("crawled %s outside includes/excludes", u)
		}
	}
}

func TestBatchScrapeIsPolledThroughCrawlStatus(t *testing.T) {
	e := server(t, nil)
	resp, b := do(t, "POST", e.api+"/v1/batch/scrape", sdkBody(t, "batchScrapeUrls", e.site), apiKey)
	started := decode[firecrawlapi.Started](t, b)
	if resp.StatusCode != 200 || started.URL != e.api+"/v1/batch/scrape/"+started.ID || !slices.Equal(started.InvalidURLs, []string{"not a url"}) {
		t.Fatalf("start: %d %s", resp.StatusCode, b)
	}
	// The v1 SDK's batchScrapeUrls polls /v1/crawl/{id}.
	st := poll(t, e.api+"/v1/crawl/"+started.ID)
	var got []string
	for _, d := range st.Data {
		got = append(got, strings.TrimPrefix(d.Metadata.SourceURL, e.site))
	}
	slices.Sort(got)
	if st.Status != "completed" || st.Completed != 3 || !slices.Equal(got, []string{"/p/1.html", "/p/2.html", "/p/3.html"}) {
		t.Fatalf("batch: %s %d %v", st.Status, st.Completed, got)
	}
	if st2 := poll(t, started.URL); st2.Completed != 3 {
		t.Fatalf("batch status route: %+v", st2)
	}
}

func TestCancelCrawl(t *testing.T) {
	e := server(t, func(r *http.Request) { time.Sleep(100 * time.Millisecond) })
	_, b := do(t, "POST", e.api+"/v1/crawl", `{"url":"`+e.site+`/","limit":40,"maxConcurrency":1}`, apiKey)
	started := decode[firecrawlapi.Started](t, b)
	resp, b := do(t, "DELETE", started.URL, "", apiKey)
	if resp.StatusCode != 200 || decode[firecrawlapi.CancelResponse](t, b).Status != "cancelled" {
		t.Fatalf("cancel: %d %s", resp.StatusCode, b)
	}
	if st := poll(t, started.URL); st.Status != "cancelled" || st.Completed >= 40 || st.Total != st.Completed {
		t.Fatalf("after cancel: %+v", st)
	}
}

func TestMap(t *testing.T) {
	e := server(t, nil)
	resp, b := do(t, "POST", e.api+"/v1/map", sdkBody(t, "mapUrl", e.site), apiKey)
	out := decode[firecrawlapi.MapResponse](t, b)
	if resp.StatusCode != 200 || !out.Success || len(out.Links) != 10 {
		t.Fatalf("map: %d %s", resp.StatusCode, b)
	}
	for _, l := range out.Links {
		if !strings.HasPrefix(l, e.site) {
			t.Errorf("link off the site: %s", l)
		}
	}
	_, b = do(t, "POST", e.api+"/v1/map", `{"url":"`+e.site+`/","search":"p/2"}`, apiKey)
	out = decode[firecrawlapi.MapResponse](t, b)
	if len(out.Links) == 0 {
		t.Fatalf("search found nothing: %s", b)
	}
	for _, l := range out.Links {
		if !strings.Contains(l, "p/2") {
			t.Errorf("search kept %s", l)
		}
	}
}

// echoLLM stands where the llm strategy is: it answers the schema's
// fields from the page and the instructions it was given, so the test
// sees what the facade passed (the llm strategy's own tests cover the
// providers' wire formats).
func echoLLM() strategy.Definition {
	d := strategy.LLMDeclaration()
	d.Needs = ""
	d.New = func(params json.RawMessage) (strategy.Strategy, error) {
		var ps struct {
			Instructions string   `json:"instructions"`
			Fields       []string `json:"fields"`
		}
		json.Unmarshal(params, &ps)
		return strategyFunc(func(ctx context.Context, in *strategy.Input) (*strategy.Output, error) {
			title := ""
			if a, err := in.Article(ctx); err == nil && a != nil {
				title = a.Title
			}
			return &strategy.Output{Fields: map[string]any{"title": title, "instructions": ps.Instructions}}, nil
		}), nil
	}
	return d
}

type strategyFunc func(context.Context, *strategy.Input) (*strategy.Output, error)

func (f strategyFunc) Extract(ctx context.Context, in *strategy.Input) (*strategy.Output, error) {
	return f(ctx, in)
}

func TestScrapeJSONFormatGoesThroughTheLLMStrategy(t *testing.T) {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, `<html><head><title>Ferry times</title></head><body><article><h1>Ferry times</h1><p>Boats leave every hour from the north pier, all day long, in every season of the year.</p></article></body></html>`)
	}))
	defer site.Close()
	f, _ := fetch.New(fetch.Options{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	serve := func(reg *strategy.Registry) string {
		pl := &pipeline.Pipeline{Fetcher: f, Strategies: reg}
		h, err := httpx.NewHandler(httpx.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Auth: httpx.AuthConfig{Disabled: true}},
			routes.Group("firecrawl"), firecrawlapi.Handlers(firecrawlapi.Deps{Pipeline: pl, Spider: firecrawlapi.SpiderService{}}))
		if err != nil {
			t.Fatal(err)
		}
		a := httptest.NewServer(h)
		t.Cleanup(a.Close)
		return a.URL
	}
	body := `{"url":"` + site.URL + `/","formats":["json"],"jsonOptions":{"prompt":"the departure pier","schema":{"type":"object","properties":{"title":{"type":"string"},"instructions":{"type":"string"}}}}}`

	api := serve(strategy.NewRegistry(echoLLM()))
	resp, b := do(t, "POST", api+"/v1/scrape", body, "")
	d := decode[firecrawlapi.ScrapeResponse](t, b).Data
	got, _ := d.JSON.(map[string]any)
	if resp.StatusCode != 200 || got["title"] != "Ferry times" || !strings.Contains(got["instructions"].(string), "the departure pier") || d.Markdown != nil {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	// The deprecated name answers under its own key.
	_, b = do(t, "POST", api+"/v1/scrape", strings.NewReplacer(`"json"`, `"extract"`, `"jsonOptions"`, `"extract"`).Replace(body), "")
	if d := decode[firecrawlapi.ScrapeResponse](t, b).Data; d.Extract == nil || d.JSON != nil {
		t.Fatalf("extract format: %s", b)
	}

	// No LLM here: refused before anything is fetched, saying what is
	// missing (not_implemented, shown as 500: the SDKs print the message
	// of a 500, not of a 501).
	api = serve(strategy.NewRegistry(strategy.LLMDeclaration()))
	resp, b = do(t, "POST", api+"/v1/scrape", body, "")
	if resp.StatusCode != 500 || !strings.Contains(string(b), `"code":"not_implemented"`) || !strings.Contains(string(b), "needs an LLM provider") {
		t.Fatalf("without an LLM: %d %s", resp.StatusCode, b)
	}
}

func TestV2ShapesOnTheSameEngine(t *testing.T) {
	e := server(t, nil)
	// v2 formats take objects; the json object carries its own options.
	resp, b := do(t, "POST", e.api+"/v2/scrape", `{"url":"`+e.site+`/tags","formats":["markdown",{"type":"links"}],"origin":"js-sdk@3.2.0"}`, apiKey)
	d := decode[firecrawlapi.ScrapeResponse](t, b).Data
	if resp.StatusCode != 200 || d.Markdown == nil || d.Links == nil {
		t.Fatalf("v2 scrape: %d %s", resp.StatusCode, b)
	}
	for body, want := range map[string]string{
		`{"url":"` + e.site + `/","formats":[{"type":"screenshot","quality":80}]}`: "quality",
		`{"url":"` + e.site + `/","formats":[{"tpye":"json"}]}`:                    "tpye",
		`{"url":"` + e.site + `/","parsers":[]}`:                                   "parsers",
	} {
		if resp, b := do(t, "POST", e.api+"/v2/scrape", body, apiKey); resp.StatusCode != 400 || !strings.Contains(string(b), want) {
			t.Errorf("%s: %d %s", body, resp.StatusCode, b)
		}
	}
	// v2 crawl: sitemap as an enum, no maxDepth; status URLs and next
	// stay under /v2.
	resp, b = do(t, "POST", e.api+"/v2/crawl", `{"url":"`+e.site+`/","limit":6,"sitemap":"only","origin":"js-sdk@3.2.0"}`, apiKey)
	started := decode[firecrawlapi.Started](t, b)
	if resp.StatusCode != 200 || started.URL != e.api+"/v2/crawl/"+started.ID {
		t.Fatalf("v2 crawl: %d %s", resp.StatusCode, b)
	}
	if st := poll(t, started.URL); st.Status != "completed" || st.Completed != 6 {
		t.Fatalf("v2 crawl status: %+v", st)
	}
	_, b = do(t, "GET", started.URL+"?limit=2", "", apiKey)
	if st := decode[firecrawlapi.JobStatus](t, b); !strings.HasPrefix(st.Next, e.api+"/v2/crawl/"+started.ID+"?skip=2") {
		t.Fatalf("v2 next: %q", st.Next)
	}
	for body, want := range map[string]string{
		`{"url":"` + e.site + `/","prompt":"blog posts only"}`: "prompt",
		`{"url":"` + e.site + `/","sitemap":"maybe"}`:          "sitemap",
		`{"url":"` + e.site + `/","maxDepth":2}`:               "maxDepth",
	} {
		if resp, b := do(t, "POST", e.api+"/v2/crawl", body, apiKey); resp.StatusCode != 400 || !strings.Contains(string(b), want) {
			t.Errorf("%s: %d %s", body, resp.StatusCode, b)
		}
	}
	resp, b = do(t, "POST", e.api+"/v2/map", `{"url":"`+e.site+`/","sitemap":"only","limit":5}`, apiKey)
	if m := decode[firecrawlapi.MapResponse](t, b); resp.StatusCode != 200 || len(m.Links) != 5 {
		t.Fatalf("v2 map: %d %s", resp.StatusCode, b)
	}
}
