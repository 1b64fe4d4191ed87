package search

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/secrets"
)

// fakeVendor is a loopback server answering like a search vendor and
// recording every request it gets.
type fakeVendor struct {
	*httptest.Server
	mu       sync.Mutex
	requests []recorded
	status   int
	header   http.Header
	body     []byte
	delay    time.Duration
}

type recorded struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   []byte
}

func newFakeVendor(t *testing.T, status int, body []byte) *fakeVendor {
	t.Helper()
	f := &fakeVendor{status: status, body: body, header: http.Header{"Content-Type": {"application/json"}}}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.requests = append(f.requests, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), b})
		status, hdr, resp, delay := f.status, f.header, f.body, f.delay
		f.mu.Unlock()
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		for k, v := range hdr {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		_, _ = w.Write(resp)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeVendor) set(status int, header http.Header, body []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status, f.body = status, body
	f.header = http.Header{"Content-Type": {"application/json"}}
	for k, v := range header {
		f.header[k] = v
	}
}

func (f *fakeVendor) last(t *testing.T) recorded {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) == 0 {
		t.Fatal("the vendor got no request")
	}
	return f.requests[len(f.requests)-1]
}

func (f *fakeVendor) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSpace(b)
}

func keys(m map[string]string) secrets.VendorKeys {
	return secrets.VendorKeys{Lookup: func(k string) (string, bool) { v, ok := m[k]; return v, ok }}
}

func sameJSON(t *testing.T, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("request body is not JSON: %v: %s", err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("request body\n got %s\nwant %s", got, want)
	}
}

var testQuery = Query{Text: "riptide crawler", Limit: 5, Country: "de", Language: "de", Freshness: FreshnessWeek, SafeSearch: SafeStrict}

var fixedNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

func day(y int, m time.Month, d, h int) *time.Time {
	t := time.Date(y, m, d, h, 0, 0, 0, time.UTC)
	return &t
}

func checkResults(t *testing.T, got []Result, want []Result) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d results, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Rank != w.Rank || g.Title != w.Title || g.URL != w.URL || g.Snippet != w.Snippet {
			t.Errorf("result %d: got %+v, want %+v", i, g, w)
		}
		switch {
		case (g.PublishedDate == nil) != (w.PublishedDate == nil):
			t.Errorf("result %d: published %v, want %v", i, g.PublishedDate, w.PublishedDate)
		case g.PublishedDate != nil && !g.PublishedDate.Equal(*w.PublishedDate):
			t.Errorf("result %d: published %v, want %v", i, g.PublishedDate, w.PublishedDate)
		}
	}
}

func TestSerperRequestAndParsing(t *testing.T) {
	f := newFakeVendor(t, 200, fixture(t, "serper_response.json"))
	s := NewSerper(keys(map[string]string{SerperKeyVar: "serper-key"}), nil)
	s.BaseURL, s.Now = f.URL, func() time.Time { return fixedNow }
	resp, err := s.Search(context.Background(), testQuery)
	if err != nil {
		t.Fatal(err)
	}
	r := f.last(t)
	if r.Method != "POST" || r.Path != "/search" || r.Header.Get("X-API-KEY") != "serper-key" || r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("request %s %s headers %v", r.Method, r.Path, r.Header)
	}
	sameJSON(t, r.Body, fixture(t, "serper_request.json"))
	checkResults(t, resp.Results, []Result{
		{Rank: 1, Title: "RipTide - fast crawling", URL: "https://riptide.example/", Snippet: "RipTide crawls and extracts.", PublishedDate: day(2026, 3, 3, 0)},
		{Rank: 2, Title: "Crawling at scale", URL: "https://blog.example/crawl", Snippet: "A post about crawlers.", PublishedDate: day(2026, 3, 7, 12)},
		{Rank: 3, Title: "No date", URL: "https://docs.example/riptide", Snippet: "Reference."},
	})
	if resp.Provider != "serper" || len(resp.Notes) != 1 || !strings.Contains(resp.Notes[0], "safe-search") {
		t.Fatalf("provider %q notes %q", resp.Provider, resp.Notes)
	}
}

func TestBraveRequestAndParsing(t *testing.T) {
	f := newFakeVendor(t, 200, fixture(t, "brave_response.json"))
	b := NewBrave(keys(map[string]string{BraveKeyVar: "brave-key"}), nil)
	b.BaseURL, b.Now = f.URL, func() time.Time { return fixedNow }
	resp, err := b.Search(context.Background(), testQuery)
	if err != nil {
		t.Fatal(err)
	}
	r := f.last(t)
	if got := r.Method + " " + r.Path + "?" + r.RawQuery; got != string(fixture(t, "brave_request.txt")) {
		t.Fatalf("request line\n got %s\nwant %s", got, fixture(t, "brave_request.txt"))
	}
	if r.Header.Get("X-Subscription-Token") != "brave-key" || r.Header.Get("Accept") != "application/json" {
		t.Fatalf("headers %v", r.Header)
	}
	checkResults(t, resp.Results, []Result{
		{Rank: 1, Title: "RipTide - fast crawling", URL: "https://riptide.example/", Snippet: "RipTide crawls and extracts.", PublishedDate: day(2026, 3, 3, 10)},
		{Rank: 2, Title: "Crawling at scale", URL: "https://blog.example/crawl", Snippet: "A post about crawlers.", PublishedDate: day(2026, 2, 24, 12)},
	})
	if len(resp.Notes) != 0 {
		t.Fatalf("notes %q", resp.Notes)
	}
}

func TestBraveMapsLanguagesAndCountries(t *testing.T) {
	f := newFakeVendor(t, 200, fixture(t, "brave_response.json"))
	b := NewBrave(keys(map[string]string{BraveKeyVar: "k"}), nil)
	b.BaseURL = f.URL
	resp, err := b.Search(context.Background(), Query{Text: "x", Limit: 30, Country: "ke", Language: "ja", SafeSearch: SafeOff})
	if err != nil {
		t.Fatal(err)
	}
	q := f.last(t).RawQuery
	if !strings.Contains(q, "search_lang=jp") || strings.Contains(q, "country=") || !strings.Contains(q, "count=20") || !strings.Contains(q, "safesearch=off") {
		t.Fatalf("query %s", q)
	}
	if len(resp.Notes) != 2 {
		t.Fatalf("notes %q", resp.Notes)
	}
}

func TestSearXNGRequestAndParsing(t *testing.T) {
	f := newFakeVendor(t, 200, fixture(t, "searxng_response.json"))
	s := NewSearXNG(f.URL+"/", nil)
	s.Now = func() time.Time { return fixedNow }
	q := testQuery
	q.SafeSearch = SafeOff
	resp, err := s.Search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	r := f.last(t)
	if got := r.Method + " " + r.Path + "?" + r.RawQuery; got != string(fixture(t, "searxng_request.txt")) {
		t.Fatalf("request line\n got %s\nwant %s", got, fixture(t, "searxng_request.txt"))
	}
	checkResults(t, resp.Results, []Result{
		{Rank: 1, Title: "RipTide - fast crawling", URL: "https://riptide.example/", Snippet: "RipTide crawls and extracts.", PublishedDate: day(2026, 3, 3, 10)},
		{Rank: 2, Title: "Crawling at scale", URL: "https://blog.example/crawl", Snippet: "A post about crawlers."},
	})
}

func TestTavilyRequestAndParsing(t *testing.T) {
	f := newFakeVendor(t, 200, fixture(t, "tavily_response.json"))
	tv := NewTavily(keys(map[string]string{TavilyKeyVar: "tvly-key"}), nil)
	tv.BaseURL, tv.Now = f.URL, func() time.Time { return fixedNow }
	resp, err := tv.Search(context.Background(), testQuery)
	if err != nil {
		t.Fatal(err)
	}
	r := f.last(t)
	if r.Method != "POST" || r.Path != "/search" || r.Header.Get("Authorization") != "Bearer tvly-key" || r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("request %s %s headers %v", r.Method, r.Path, r.Header)
	}
	sameJSON(t, r.Body, fixture(t, "tavily_request.json"))
	checkResults(t, resp.Results, []Result{
		{Rank: 1, Title: "RipTide - fast crawling", URL: "https://riptide.example/", Snippet: "RipTide crawls and extracts.", PublishedDate: day(2026, 3, 3, 10)},
		{Rank: 2, Title: "Crawling at scale", URL: "https://blog.example/crawl", Snippet: "A post about crawlers."},
	})
	if len(resp.Notes) != 2 { // language and safe search
		t.Fatalf("notes %q", resp.Notes)
	}
}

// vendorCase builds one provider against a fake server.
type vendorCase struct {
	name     string
	keyVar   string
	badKey   func(f *fakeVendor) // makes the fake refuse the key as the vendor does
	provider func(url string, m map[string]string, c *http.Client) Provider
}

var vendorCases = []vendorCase{
	{"serper", SerperKeyVar,
		func(f *fakeVendor) { f.set(403, nil, []byte(`{"message":"Unauthorized.","statusCode":403}`)) },
		func(url string, m map[string]string, c *http.Client) Provider {
			p := NewSerper(keys(m), c)
			p.BaseURL = url
			return p
		}},
	{"brave", BraveKeyVar,
		func(f *fakeVendor) { f.set(422, nil, fixtureBytes("brave_error_422.json")) },
		func(url string, m map[string]string, c *http.Client) Provider {
			p := NewBrave(keys(m), c)
			p.BaseURL = url
			return p
		}},
	{"tavily", TavilyKeyVar,
		func(f *fakeVendor) { f.set(401, nil, fixtureBytes("tavily_error_401.json")) },
		func(url string, m map[string]string, c *http.Client) Provider {
			p := NewTavily(keys(m), c)
			p.BaseURL = url
			return p
		}},
	{"searxng", SearXNGURLVar,
		func(f *fakeVendor) {
			f.set(403, http.Header{"Content-Type": {"text/html"}}, []byte("<html><body>403 Forbidden</body></html>"))
		},
		func(url string, m map[string]string, c *http.Client) Provider {
			if m[SearXNGURLVar] == "" {
				url = ""
			}
			return NewSearXNG(url, c)
		}},
}

func fixtureBytes(name string) []byte {
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		panic(err)
	}
	return b
}

func TestVendorFailures(t *testing.T) {
	for _, vc := range vendorCases {
		t.Run(vc.name, func(t *testing.T) {
			ctx := context.Background()
			q := Query{Text: "riptide", Limit: 3, SafeSearch: SafeModerate}
			f := newFakeVendor(t, 200, []byte(`{}`))
			withKey := map[string]string{vc.keyVar: "the-key"}

			// Missing key (or URL): a dependency_error naming the variable, and no call.
			p := vc.provider(f.URL, map[string]string{}, nil)
			_, err := p.Search(ctx, q)
			expectErr(t, "missing key", err, core.ErrDependency, false, vc.keyVar)
			if rerr := p.Ready(ctx); rerr == nil || !strings.Contains(rerr.Error(), vc.keyVar) {
				t.Fatalf("Ready: %v", rerr)
			}
			if f.count() != 0 {
				t.Fatal("a provider without its key called the vendor")
			}

			p = vc.provider(f.URL, withKey, nil)
			vc.badKey(f)
			_, err = p.Search(ctx, q)
			want := vc.keyVar
			if vc.name == "searxng" {
				want = "enable json"
			}
			expectErr(t, "bad key", err, core.ErrDependency, false, want)

			f.set(429, http.Header{"Retry-After": {"7"}}, []byte(`{"error":{"message":"slow down"}}`))
			_, err = p.Search(ctx, q)
			if e := expectErr(t, "429", err, core.ErrRateLimited, true, "429"); e.RetryAfterSeconds != 7 {
				t.Fatalf("Retry-After %d, want 7", e.RetryAfterSeconds)
			}

			f.set(502, nil, []byte(`upstream broke`))
			_, err = p.Search(ctx, q)
			expectErr(t, "5xx", err, core.ErrDependency, true, "502")

			f.set(200, nil, []byte(`{"results": [ {"url": `))
			_, err = p.Search(ctx, q)
			expectErr(t, "malformed", err, core.ErrDependency, true, "cannot read")

			f.set(200, nil, []byte(`{}`))
			f.mu.Lock()
			f.delay = 2 * time.Second
			f.mu.Unlock()
			p = vc.provider(f.URL, withKey, &http.Client{Timeout: 100 * time.Millisecond})
			_, err = p.Search(ctx, q)
			expectErr(t, "timeout", err, core.ErrTimeout, true, vc.name)
		})
	}
}

func TestBraveRateLimitHeadersGiveRetryAfter(t *testing.T) {
	f := newFakeVendor(t, 200, nil)
	f.set(429, http.Header{"X-RateLimit-Limit": {"1, 15000"}, "X-RateLimit-Remaining": {"0, 14000"}, "X-RateLimit-Reset": {"1, 1419704"}}, fixture(t, "brave_error_429.json"))
	b := NewBrave(keys(map[string]string{BraveKeyVar: "k"}), nil)
	b.BaseURL = f.URL
	_, err := b.Search(context.Background(), Query{Text: "x", Limit: 1, SafeSearch: SafeModerate})
	e := expectErr(t, "429", err, core.ErrRateLimited, true, "Request rate limit exceeded")
	if e.RetryAfterSeconds != 1 {
		t.Fatalf("retry after %d", e.RetryAfterSeconds)
	}
}

func expectErr(t *testing.T, what string, err error, typ core.ErrorType, retryable bool, contains string) *core.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error", what)
	}
	e := core.AsError(err)
	if e.Type != typ || e.Retryable() != retryable || !strings.Contains(e.Message, contains) {
		t.Fatalf("%s: got %s (retryable %v) %q; want %s (retryable %v) containing %q", what, e.Type, e.Retryable(), e.Message, typ, retryable, contains)
	}
	return e
}
