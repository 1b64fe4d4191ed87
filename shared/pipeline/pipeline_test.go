package pipeline_test

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/fixture"
	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/pipeline"
	"github.com/riptidecrawler/riptide/shared/render"
	"github.com/riptidecrawler/riptide/shared/store"
)

var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}

func newPipeline(t *testing.T, cache pipeline.Cache) *pipeline.Pipeline {
	t.Helper()
	f, err := fetch.New(fetch.Options{AllowCIDRs: loopback})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	return &pipeline.Pipeline{Fetcher: f, Cache: cache}
}

func opts(o pipeline.Options) pipeline.Options {
	o = o.WithDefaults()
	if err := o.Validate("options"); err != nil {
		panic(err)
	}
	return o
}

func site(t *testing.T) *fixture.Site {
	return fixture.New(t, map[string]fixture.Page{
		"/article": fixture.HTML(fixture.Article("Harbour Morning", fixture.Prose, fixture.Prose+" Again.", fixture.Prose+" Once more.")),
		"/plain":   {Status: 200, ContentType: "text/plain", Body: "just some text\nover two lines"},
		"/doc.pdf": {Status: 200, ContentType: "application/pdf", Body: "%PDF-1.4 fake"},
		"/image":   {Status: 200, ContentType: "image/png", Body: "\x89PNG"},
		"/gone":    {Status: 410, ContentType: "text/html", Body: "<p>gone</p>"},
		"/slow":    {Status: 200, ContentType: "text/html", Body: "<p>late</p>", Delay: 2 * time.Second},
		"/challenge": {Status: 403, ContentType: "text/html", Header: map[string]string{"cf-mitigated": "challenge", "Server": "cloudflare"},
			Body: "<html><head><title>Just a moment...</title></head><body><div id=\"cf-chl-widget\">Checking your browser</div></body></html>"},
		"/private/secret": fixture.HTML(fixture.Article("Secret", fixture.Prose)),
		"/robots.txt":     {Status: 200, ContentType: "text/plain", Body: "User-agent: *\nDisallow: /private/\n"},
	})
}

func TestCrawlExtractsOneFetch(t *testing.T) {
	s := site(t)
	p := newPipeline(t, nil)
	r := p.Crawl(context.Background(), s.URL("/article"), opts(pipeline.Options{}))
	if !r.OK() {
		t.Fatalf("error: %+v", r.Error)
	}
	if r.Status != 200 || r.GateDecision != "raw" || r.Document == nil || r.Document.Title != "Harbour Morning" {
		t.Fatalf("result %+v", r)
	}
	if !strings.Contains(r.Document.Text, "fishermen") || strings.Contains(r.Document.Text, "All rights reserved") {
		t.Errorf("main text should hold the article, not the footer: %q", r.Document.Text)
	}
	if !strings.Contains(r.Document.Markdown, "# Harbour Morning") {
		t.Errorf("markdown should keep the heading: %q", r.Document.Markdown)
	}
	if r.Document.RawHTML != "" || r.Document.HTML != "" {
		t.Error("raw_html and html were not asked for")
	}
	if got := s.Count("/article"); got != 1 {
		t.Fatalf("the page was fetched %d times, want exactly 1", got)
	}
	if r.Timings.TotalMS < r.Timings.FetchMS {
		t.Errorf("timings %+v", r.Timings)
	}
}

func TestFormats(t *testing.T) {
	s := site(t)
	p := newPipeline(t, nil)
	r := p.Crawl(context.Background(), s.URL("/article"), opts(pipeline.Options{Formats: []pipeline.Format{"raw_html", "html"}}))
	if !r.OK() || !strings.Contains(r.Document.RawHTML, "<footer>") || !strings.Contains(r.Document.HTML, "<p>") {
		t.Fatalf("%+v", r)
	}
	if r.Document.Markdown != "" || r.Document.Text != "" || r.Document.Description != "" || len(r.Document.Links) != 0 {
		t.Errorf("formats not asked for leaked: %+v", r.Document.Document)
	}
}

func TestFailuresKeepTheirRealCause(t *testing.T) {
	s := site(t)
	p := newPipeline(t, nil)
	cases := []struct {
		url       string
		o         pipeline.Options
		typ       core.ErrorType
		status    int
		retryable bool
		msg       string
	}{
		{"ftp://x/", pipeline.Options{}, core.ErrInvalidURL, 0, false, "scheme"},
		{s.URL("/gone"), pipeline.Options{}, core.ErrFetch, 410, false, "HTTP 410"},
		{s.URL("/challenge"), pipeline.Options{}, core.ErrBlockedByTarget, 403, false, "cloudflare"},
		{s.URL("/private/secret"), pipeline.Options{}, core.ErrRobotsDisallowed, 0, false, "robots"},
		{s.URL("/doc.pdf"), pipeline.Options{}, core.ErrExtraction, 200, false, "PDF"},
		{s.URL("/image"), pipeline.Options{}, core.ErrExtraction, 200, false, "image/png"},
		{s.URL("/slow"), pipeline.Options{TimeoutMS: 300}, core.ErrTimeout, 0, true, ""},
		{strings.Replace(s.URL("/article"), "127.0.0.1", "127.0.0.2", 1), pipeline.Options{}, core.ErrBlockedURL, 0, false, ""},
	}
	for _, c := range cases {
		r := p.Crawl(context.Background(), c.url, opts(c.o))
		if r.Error == nil || r.Error.Type != c.typ || r.Status != c.status || r.Error.Retryable != c.retryable ||
			!strings.Contains(strings.ToLower(r.Error.Message), strings.ToLower(c.msg)) {
			t.Errorf("%s: got status %d error %+v; want %s status %d retryable %v containing %q", c.url, r.Status, r.Error, c.typ, c.status, c.retryable, c.msg)
		}
		if r.GateDecision != "failed" || r.Document != nil {
			t.Errorf("%s: a failure must not carry a document (%s)", c.url, r.GateDecision)
		}
	}
	// Robots can be waived per request.
	no := false
	if r := p.Crawl(context.Background(), s.URL("/private/secret"), opts(pipeline.Options{RespectRobots: &no})); !r.OK() {
		t.Errorf("respect_robots=false: %+v", r.Error)
	}
}

func TestTextBodies(t *testing.T) {
	s := site(t)
	r := newPipeline(t, nil).Crawl(context.Background(), s.URL("/plain"), opts(pipeline.Options{}))
	if !r.OK() || r.Document.Text != "just some text\nover two lines" || r.Document.WordCount != 6 {
		t.Fatalf("%+v %+v", r, r.Error)
	}
}

func cacheBackends(t *testing.T, f func(t *testing.T, c pipeline.Cache)) {
	t.Run("embedded", func(t *testing.T) {
		st, err := store.Open(store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		f(t, store.NewCache(st))
	})
	t.Run("redis", func(t *testing.T) {
		st, err := store.Open(store.Options{URL: testenv.RedisURL(t), Prefix: testenv.KeyPrefix(t)})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		f(t, store.NewCache(st))
	})
}

func TestCacheModes(t *testing.T) {
	cacheBackends(t, func(t *testing.T, c pipeline.Cache) {
		s := site(t)
		p := newPipeline(t, c)
		ctx := context.Background()
		u := s.URL("/article")
		first := p.Crawl(ctx, u, opts(pipeline.Options{}))
		second := p.Crawl(ctx, u, opts(pipeline.Options{}))
		if first.FromCache || !second.FromCache || second.CachedAt == nil || s.Count("/article") != 1 {
			t.Fatalf("read_through: first %v second %v fetches %d", first.FromCache, second.FromCache, s.Count("/article"))
		}
		if second.Document.Text != first.Document.Text || second.CacheKey != first.CacheKey {
			t.Fatal("cached result differs")
		}
		// Another format set is another cache entry.
		if r := p.Crawl(ctx, u, opts(pipeline.Options{Formats: []pipeline.Format{"text"}})); r.FromCache {
			t.Fatal("different formats must not share a cache entry")
		}
		if r := p.Crawl(ctx, u, opts(pipeline.Options{CacheMode: pipeline.CacheBypass})); r.FromCache || r.CacheKey != "" {
			t.Fatal("bypass must not read the cache")
		}
		before := s.Count("/article")
		if r := p.Crawl(ctx, u, opts(pipeline.Options{CacheMode: pipeline.CacheRefresh})); r.FromCache || s.Count("/article") != before+1 {
			t.Fatal("refresh must fetch again")
		}
		if r := p.Crawl(ctx, u, opts(pipeline.Options{CacheMode: pipeline.CacheOnly})); !r.FromCache {
			t.Fatal("cache_only hit")
		}
		r := p.Crawl(ctx, s.URL("/plain"), opts(pipeline.Options{CacheMode: pipeline.CacheOnly}))
		if r.Error == nil || r.Error.Type != core.ErrNotFound || s.Count("/plain") != 0 {
			t.Fatalf("cache_only miss: %+v", r.Error)
		}
		// Failures are not cached.
		p.Crawl(ctx, s.URL("/gone"), opts(pipeline.Options{}))
		p.Crawl(ctx, s.URL("/gone"), opts(pipeline.Options{}))
		if s.Count("/gone") != 2 {
			t.Fatalf("a failure was served from the cache")
		}
	})
}

// brokenCache fails every call: a cache outage must not fail crawls.
type brokenCache struct{}

func (brokenCache) Get(context.Context, string) ([]byte, bool, error) {
	return nil, false, errors.New("down")
}
func (brokenCache) Set(context.Context, string, []byte, time.Duration) error {
	return errors.New("down")
}

func TestCacheOutageDegradesToCrawling(t *testing.T) {
	s := site(t)
	r := newPipeline(t, brokenCache{}).Crawl(context.Background(), s.URL("/article"), opts(pipeline.Options{}))
	if !r.OK() {
		t.Fatalf("%+v", r.Error)
	}
}

// pageRenderer serves fixed HTML: it stands in for Chromium to test the
// pipeline's headless branch (the real renderer has its own tests).
type pageRenderer struct {
	html  string
	calls int
}

func (pr *pageRenderer) Render(_ context.Context, req render.Request) (*render.Result, error) {
	pr.calls++
	return &render.Result{URL: req.URL, FinalURL: req.URL, Status: 200, HTML: pr.html}, nil
}

const spaShell = `<!doctype html><html><head><title>App</title></head><body><div id="root"></div>
<noscript>You need to enable JavaScript to run this app.</noscript><script src="/bundle.js"></script></body></html>`

func TestGateSendsSPAShellsToTheRenderer(t *testing.T) {
	s := site(t)
	s.Set("/app", fixture.HTML(spaShell))
	p := newPipeline(t, nil)
	r := p.Crawl(context.Background(), s.URL("/app"), opts(pipeline.Options{}))
	if !r.OK() || r.Gate.Decision != "headless" || r.GateDecision != "raw" || len(r.Notes) == 0 {
		t.Fatalf("without a renderer the headless decision falls back to raw with a note: %+v", r)
	}
	pr := &pageRenderer{html: fixture.Article("Rendered", fixture.Prose)}
	p.Browser = pr
	r = p.Crawl(context.Background(), s.URL("/app"), opts(pipeline.Options{}))
	if !r.OK() || r.GateDecision != "headless" || pr.calls != 1 || !strings.Contains(r.Document.Text, "fishermen") {
		t.Fatalf("with a renderer: %+v", r)
	}
	// render_mode raw never renders; headless always does.
	if r := p.Crawl(context.Background(), s.URL("/app"), opts(pipeline.Options{RenderMode: pipeline.RenderRaw})); r.GateDecision != "raw" || pr.calls != 1 {
		t.Fatalf("render_mode raw rendered")
	}
	if r := p.Crawl(context.Background(), s.URL("/article"), opts(pipeline.Options{RenderMode: pipeline.RenderHeadless})); r.GateDecision != "headless" || pr.calls != 2 {
		t.Fatalf("render_mode headless did not render")
	}
	// A challenge after rendering is blocked_by_target, not content.
	pr.html = `<html><head><title>Just a moment...</title></head><body><div id="cf-chl-widget"></div><script src="/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1"></script></body></html>`
	if r := p.Crawl(context.Background(), s.URL("/app"), opts(pipeline.Options{})); r.Error == nil || r.Error.Type != core.ErrBlockedByTarget {
		t.Fatalf("challenge after render: %+v", r.Error)
	}
}

func TestBatchHonoursConcurrencyAndEmitsEachURLOnce(t *testing.T) {
	s := site(t)
	var urls []string
	for i := 0; i < 24; i++ {
		path := "/p" + string(rune('a'+i))
		s.Set(path, fixture.Page{Status: 200, ContentType: "text/html", Body: fixture.Article("P", fixture.Prose), Delay: 30 * time.Millisecond})
		urls = append(urls, s.URL(path))
	}
	p := newPipeline(t, nil)
	var mu sync.Mutex
	seen := map[int]int{}
	stats, err := p.Batch(context.Background(), urls, opts(pipeline.Options{Concurrency: 4}), func(i int, r pipeline.Result) error {
		mu.Lock()
		seen[i]++
		mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != len(urls) || stats.Successful != len(urls) || stats.TotalURLs != len(urls) {
		t.Fatalf("seen %d, stats %+v", len(seen), stats)
	}
	for i, n := range seen {
		if n != 1 {
			t.Fatalf("url %d emitted %d times", i, n)
		}
	}
	if s.Peak() > 4 || s.Peak() < 2 {
		t.Fatalf("peak in-flight requests %d, want at most the concurrency (4) and some parallelism", s.Peak())
	}
}

func TestBatchStopsWhenEmitFails(t *testing.T) {
	s := site(t)
	var urls []string
	for i := 0; i < 20; i++ {
		path := "/q" + string(rune('a'+i))
		s.Set(path, fixture.Page{Status: 200, ContentType: "text/html", Body: "<p>x</p>", Delay: 20 * time.Millisecond})
		urls = append(urls, s.URL(path))
	}
	gone := errors.New("client gone")
	n := 0
	_, err := newPipeline(t, nil).Batch(context.Background(), urls, opts(pipeline.Options{Concurrency: 2}), func(int, pipeline.Result) error {
		n++
		if n == 3 {
			return gone
		}
		return nil
	})
	if !errors.Is(err, gone) || n != 3 {
		t.Fatalf("err %v after %d emits", err, n)
	}
	if s.PageRequests() > 6 {
		t.Fatalf("%d pages fetched after the client left; work should stop", s.PageRequests())
	}
}

func TestOptionsValidation(t *testing.T) {
	bad := []pipeline.Options{
		{Concurrency: 99}, {CacheMode: "sometimes"}, {RenderMode: "Headless"}, {Formats: []pipeline.Format{"pdf"}},
		{TimeoutMS: 10}, {Headers: map[string]string{"Bad Header": "x"}}, {Headers: map[string]string{"X": "a\r\nb"}},
	}
	for _, o := range bad {
		err := o.WithDefaults().Validate("options")
		if err == nil || core.TypeOf(err) != core.ErrValidation || !strings.Contains(err.Error(), "options.") {
			t.Errorf("%+v: %v", o, err)
		}
	}
	d := pipeline.Options{}.WithDefaults()
	if d.Concurrency != 8 || d.CacheMode != "read_through" || !*d.RespectRobots || d.RenderMode != "auto" || len(d.Formats) != 4 {
		t.Errorf("defaults %+v", d)
	}
}
