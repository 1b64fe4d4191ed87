package spider_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/spidertest"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/spider"
	"github.com/riptidecrawler/riptide/shared/webhook"
)

// chain serves /d/<i>: page i links to page i+1 and to /w/<i>/<k> leaves
// (k < fan), so depth equals i for /d/ pages.
func chain(fan int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		var i int
		if _, err := fmt.Sscanf(r.URL.Path, "/d/%d", &i); err != nil {
			fmt.Fprintf(w, "<html><title>leaf %s</title><body>leaf %s</body></html>", r.URL.Path, r.URL.Path)
			return
		}
		fmt.Fprintf(w, "<html><title>d%d</title><body><a href=\"/d/%d\">next</a>", i, i+1)
		for k := range fan {
			fmt.Fprintf(w, "<a href=\"/w/%d/%d\">leaf</a>", i, k)
		}
		fmt.Fprint(w, "</body></html>")
	})
}

func TestMaxDepth(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		base := serve(t, chain(2))
		v := newEnv(t, backend, nil, spider.Config{})
		st, rs := v.crawl(t, []string{base + "/d/0"}, spider.Options{MaxDepth: intp(3), MaxPages: 100, Sitemap: spider.SitemapSkip})
		// depth 0: d0; 1: d1 + 2 leaves; 2: d2 + 2; 3: d3 + 2 = 10 pages
		if len(rs) != 10 || st.MaxDepthReached != 3 || st.StopReason != spider.StopFrontierEmpty {
			t.Fatalf("results %d, depth reached %d, stop %s", len(rs), st.MaxDepthReached, st.StopReason)
		}
		for _, r := range rs {
			if r.Depth > 3 {
				t.Errorf("%s at depth %d", r.URL, r.Depth)
			}
			if r.Depth > 0 && r.Referrer == "" {
				t.Errorf("%s has no referrer", r.URL)
			}
		}
		if st.Skipped[spider.SkipMaxDepth] != 3 {
			t.Errorf("skipped for depth %d, want 3 (the links of d3: d4 and two leaves)", st.Skipped[spider.SkipMaxDepth])
		}
	})
}

func TestStrategiesOrderTheFrontier(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		base := serve(t, chain(3))
		v := newEnv(t, backend, nil, spider.Config{})
		one := spider.Options{Concurrency: 1, MaxDepth: intp(4), MaxPages: 8, Sitemap: spider.SitemapSkip}

		one.Strategy = spider.BreadthFirst
		_, rs := v.crawl(t, []string{base + "/d/0"}, one)
		for i := 1; i < len(rs); i++ {
			if rs[i].Depth < rs[i-1].Depth {
				t.Errorf("breadth_first: depth went from %d to %d", rs[i-1].Depth, rs[i].Depth)
			}
		}
		if rs[len(rs)-1].Depth > 2 {
			t.Errorf("breadth_first reached depth %d in 8 pages", rs[len(rs)-1].Depth)
		}

		one.Strategy = spider.DepthFirst
		_, rs = v.crawl(t, []string{base + "/d/0"}, one)
		deepest := 0
		for _, r := range rs {
			deepest = max(deepest, r.Depth)
		}
		if deepest != 4 {
			t.Errorf("depth_first reached depth %d in 8 pages, want 4", deepest)
		}

		// best_first with keyword "d/": chain pages ("/d/") score higher than leaves.
		one.Strategy = spider.BestFirst
		one.Keywords = []string{"next"}
		_, rs = v.crawl(t, []string{base + "/d/0"}, one)
		for i, r := range rs[:5] {
			if !strings.Contains(r.URL, "/d/") {
				t.Errorf("best_first result %d is %s; the 'next' links should come first", i, r.URL)
			}
		}
	})
}

func TestRobotsObeyedWithCrawlDelay(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		var mu sync.Mutex
		var starts []time.Time
		site := spidertest.NewSite(spidertest.SiteConfig{Pages: 30, MinLinks: 5, MaxLinks: 8, Seed: 6,
			Robots: "User-agent: *\nDisallow: /p/1\nCrawl-delay: 0.15\n",
			Hook: func(r *http.Request) {
				if strings.HasPrefix(r.URL.Path, "/p/") {
					mu.Lock()
					starts = append(starts, time.Now())
					mu.Unlock()
				}
			}})
		base := serve(t, site)
		v := newEnv(t, backend, nil, spider.Config{})
		st, rs := v.crawl(t, []string{base + "/p/0.html"}, spider.Options{Concurrency: 8, PerHostConcurrency: 8, MaxPages: 8, Sitemap: spider.SitemapSkip})
		for _, r := range rs {
			if strings.HasPrefix(pathOf(r.URL), "/p/1") {
				t.Errorf("crawled %s, disallowed by robots.txt", r.URL)
			}
		}
		if st.Skipped[spider.SkipRobots] == 0 {
			t.Errorf("no robots skips counted: %v", st.Skipped)
		}
		if len(rs) != 8 {
			t.Errorf("results %d, want 8", len(rs))
		}
		// Slots are booked 150ms apart; a request may start a little after
		// its slot, never before.
		mu.Lock()
		for i := 1; i < len(starts); i++ {
			if since := starts[i].Sub(starts[0]); since < time.Duration(i)*150*time.Millisecond-30*time.Millisecond {
				t.Errorf("request %d started %v after the first; Crawl-delay 150ms allows no earlier than %v", i, since, time.Duration(i)*150*time.Millisecond)
			}
		}
		mu.Unlock()

		// respect_robots false: the disallowed pages are crawled.
		_, rs = v.crawl(t, []string{base + "/p/0.html"}, spider.Options{MaxPages: 40, RespectRobots: boolp(false), Sitemap: spider.SitemapSkip, MaxDepth: intp(20)})
		found := false
		for _, r := range rs {
			found = found || strings.HasPrefix(pathOf(r.URL), "/p/1")
		}
		if !found {
			t.Errorf("respect_robots=false did not crawl /p/1*")
		}
	})
}

func TestScopeAndPatternsOnASite(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		site := spidertest.NewSite(spidertest.SiteConfig{Pages: 60, MinLinks: 8, MaxLinks: 12, ExternalLinks: 2, Seed: 7})
		base := serve(t, site)
		v := newEnv(t, backend, nil, spider.Config{})
		st, rs := v.crawl(t, []string{base + "/p/0.html"}, spider.Options{MaxPages: 200, MaxDepth: intp(10), Sitemap: spider.SitemapSkip,
			Include: []string{"/p/*.html"}, Exclude: []string{"re:^/p/[0-9]*7\\.html$"}})
		if len(rs) == 0 {
			t.Fatal("no results")
		}
		for _, r := range rs {
			if strings.HasSuffix(r.URL, "7.html") || !strings.HasPrefix(r.URL, base) {
				t.Errorf("crawled %s", r.URL)
			}
		}
		if st.Skipped[spider.SkipOutOfScope] != 2 || st.Skipped[spider.SkipExcluded] == 0 {
			t.Errorf("skipped %v: want 2 out_of_scope (one per external URL) and some excluded", st.Skipped)
		}
	})
}

func TestDuplicatesByCanonicalLinkAndContent(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		site := spidertest.NewSite(spidertest.SiteConfig{Pages: 40, MinLinks: 4, MaxLinks: 6, DupParamEvery: 2, Seed: 8})
		base := serve(t, site)
		v := newEnv(t, backend, nil, spider.Config{})
		st, rs := v.crawl(t, []string{base + "/p/0.html"}, spider.Options{MaxPages: 500, MaxDepth: intp(50), Sitemap: spider.SitemapSkip})
		seen := map[string]bool{}
		for _, r := range rs {
			if strings.Contains(r.URL, "utm_") {
				t.Errorf("tracking parameters kept: %s", r.URL)
			}
			p := strings.SplitN(pathOf(r.URL), "?", 2)[0]
			if seen[p] {
				t.Errorf("page %s stored twice (by %s)", p, r.URL)
			}
			seen[p] = true
		}
		if len(rs) != 40 {
			t.Errorf("results %d, want the 40 distinct pages", len(rs))
		}
		if st.Skipped[spider.SkipDuplicateContent] == 0 || st.DuplicateLinks == 0 {
			t.Errorf("duplicate_content %d, duplicate_links %d: want both counted", st.Skipped[spider.SkipDuplicateContent], st.DuplicateLinks)
		}
	})
}

func TestSitemapModes(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		// An island site: pages link nowhere, so only the sitemap finds them.
		site := spidertest.NewSite(spidertest.SiteConfig{Pages: 25, MinLinks: 1, MaxLinks: 1, Sitemap: true, Seed: 9,
			Robots: "User-agent: *\nAllow: /\n"})
		base := serve(t, site)
		v := newEnv(t, backend, nil, spider.Config{})

		_, rs := v.crawl(t, []string{base + "/p/0.html"}, spider.Options{MaxPages: 100, MaxDepth: intp(0), Sitemap: spider.SitemapOnly})
		if len(rs) != 25 {
			t.Errorf("sitemap only: %d results, want all 25 sitemap pages", len(rs))
		}
		for _, r := range rs {
			if r.Depth != 0 {
				t.Errorf("%s depth %d", r.URL, r.Depth)
			}
		}

		_, rs = v.crawl(t, []string{base + "/p/0.html"}, spider.Options{MaxPages: 100, MaxDepth: intp(0), Sitemap: spider.SitemapSkip})
		if len(rs) != 1 {
			t.Errorf("sitemap skip, depth 0: %d results, want the seed only", len(rs))
		}

		// lastmod: the generator dates page i at month i%12+1 of 2026.
		since := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
		st, rs := v.crawl(t, []string{base + "/p/0.html"}, spider.Options{MaxPages: 100, MaxDepth: intp(0), Sitemap: spider.SitemapOnly, SitemapModifiedSince: &since})
		for _, r := range rs {
			var n int
			fmt.Sscanf(pathOf(r.URL), "/p/%d.html", &n)
			if n != 0 && n%12+1 < 10 {
				t.Errorf("%s (lastmod month %d) older than %v", r.URL, n%12+1, since)
			}
		}
		if st.Skipped[spider.SkipSitemapOld] == 0 {
			t.Errorf("no sitemap_lastmod skips: %v", st.Skipped)
		}
	})
}

func TestParseSitemap(t *testing.T) {
	sm, err := spider.ParseSitemap([]byte(`<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
	<url><loc> http://a.test/x </loc><lastmod>2024-05-06T07:08:09+02:00</lastmod></url>
	<url><loc>http://a.test/y</loc><lastmod>2024-05</lastmod></url><url><loc></loc></url></urlset>`), 10)
	if err != nil || sm.Index || len(sm.Entries) != 2 || sm.Entries[0].Loc != "http://a.test/x" ||
		!sm.Entries[0].LastMod.Equal(time.Date(2024, 5, 6, 5, 8, 9, 0, time.UTC)) || sm.Entries[1].LastMod.Month() != 5 {
		t.Fatalf("%+v %v", sm, err)
	}
	idx, err := spider.ParseSitemap([]byte(`<sitemapindex><sitemap><loc>http://a.test/s1.xml</loc></sitemap></sitemapindex>`), 10)
	if err != nil || !idx.Index || len(idx.Entries) != 1 {
		t.Fatalf("%+v %v", idx, err)
	}
	if _, err := spider.ParseSitemap([]byte(`<html><body>not found</body></html>`), 10); err == nil {
		t.Error("an HTML page parsed as a sitemap")
	}
	capped, _ := spider.ParseSitemap([]byte(`<urlset><url><loc>a</loc></url><url><loc>b</loc></url></urlset>`), 1)
	if len(capped.Entries) != 1 {
		t.Errorf("max not applied: %d", len(capped.Entries))
	}
}

func TestWebhookSignedOnFinalize(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		got := make(chan *http.Request, 2)
		bodies := make(chan []byte, 2)
		hook := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			got <- r
			bodies <- b
		}))
		base := serve(t, chain(1))
		v := newEnv(t, backend, nil, spider.Config{})
		st, _ := v.crawl(t, []string{base + "/d/0"}, spider.Options{MaxPages: 3, Sitemap: spider.SitemapSkip,
			WebhookURL: hook + "/done", WebhookSecret: "s3cret"})
		var r *http.Request
		select {
		case r = <-got:
		case <-time.After(5 * time.Second):
			t.Fatal("no webhook")
		}
		body := <-bodies
		var sec int64
		fmt.Sscan(r.Header.Get(spider.TimestampHeader), &sec)
		ts := time.Unix(sec, 0)
		if want := spider.Sign("s3cret", ts, body); r.Header.Get(spider.SignatureHeader) != want {
			t.Errorf("signature %q, want %q", r.Header.Get(spider.SignatureHeader), want)
		}
		var ev spider.WebhookEvent
		if err := json.Unmarshal(body, &ev); err != nil || ev.SpiderID != st.SpiderID || ev.Status.PagesCrawled != 3 || ev.Status.Options.WebhookSecret != "redacted" {
			t.Errorf("event %+v %v", ev, err)
		}
		// Finalize again (a retried step): no second webhook.
		if _, err := v.engine.Finalize(context.Background(), st.SpiderID, nil); err != nil {
			t.Fatal(err)
		}
		select {
		case <-got:
			t.Error("webhook sent twice")
		case <-time.After(200 * time.Millisecond):
		}
	})
}

func TestMap(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		site := spidertest.NewSite(spidertest.SiteConfig{Pages: 50, MinLinks: 3, MaxLinks: 5, Sitemap: true, ExternalLinks: 1, Seed: 12})
		base := serve(t, site)
		v := newEnv(t, backend, nil, spider.Config{})
		ctx := context.Background()
		res, err := v.engine.Map(ctx, base+"/", spider.MapOptions{Sitemap: spider.SitemapSkip, MaxDepth: intp(1)})
		if err != nil {
			t.Fatal(err)
		}
		// The seed plus the distinct links of the home page.
		want := map[int]bool{}
		for _, n := range site.Links(0) {
			want[n] = true
		}
		for j := range 5 {
			want[j] = true // navigation
		}
		if res.Count != 1+len(want) || res.Truncated {
			t.Errorf("depth-1 map: %d URLs (truncated %v), want 1 + %d", res.Count, res.Truncated, len(want))
		}
		for _, l := range res.Links {
			if !strings.HasPrefix(l.URL, base) {
				t.Errorf("out of scope %s", l.URL)
			}
		}
		res, err = v.engine.Map(ctx, base+"/", spider.MapOptions{Sitemap: spider.SitemapOnly})
		if err != nil || res.Count != 51 || res.Links[1].Source != "sitemap" || res.Links[1].LastMod == nil {
			t.Fatalf("sitemap-only map: %d %v %+v", res.Count, err, res.Links[:2])
		}
		res, _ = v.engine.Map(ctx, base+"/", spider.MapOptions{Limit: 10, Search: "/p/1"})
		if res.Count != 10 || !res.Truncated {
			t.Errorf("limit 10: %d, truncated %v", res.Count, res.Truncated)
		}
		for _, l := range res.Links[1:] {
			if !strings.Contains(l.URL, "/p/1") {
				t.Errorf("search kept %s", l.URL)
			}
		}
	})
}

// A seed that redirects to another host (example.com -> www.example.com)
// makes that host part of the scope; a later page redirecting out of scope
// is skipped.
func TestSeedRedirectExtendsScope(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		site := spidertest.NewSite(spidertest.SiteConfig{Pages: 20, Seed: 13})
		target := serve(t, site)
		front := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/":
				http.Redirect(w, r, target+"/p/0.html", http.StatusMovedPermanently)
			default:
				http.NotFound(w, r)
			}
		}))
		v := newEnv(t, backend, nil, spider.Config{Slice: 20 * time.Millisecond})
		st, rs := v.crawl(t, []string{front + "/"}, spider.Options{MaxPages: 10, MaxDepth: intp(10), Sitemap: spider.SitemapSkip})
		if len(rs) != 10 || st.Skipped[spider.SkipOutOfScope] != 0 {
			t.Fatalf("results %d, skipped %v: the seed's new host must be in scope", len(rs), st.Skipped)
		}
		if rs[0].URL != front+"/" || rs[0].FinalURL != target+"/p/0.html" {
			t.Errorf("seed result %s -> %s", rs[0].URL, rs[0].FinalURL)
		}
		for _, r := range rs[1:] {
			if !strings.HasPrefix(r.URL, target) {
				t.Errorf("crawled %s", r.URL)
			}
		}
	})
}

func TestMapOfABlockedSeedIsAnError(t *testing.T) {
	// The guard of this fetcher admits no loopback address: the site's
	// own address is refused, and the map says so instead of answering
	// 200 with the seed as its only link.
	base := serve(t, spidertest.NewSite(spidertest.SiteConfig{Pages: 5}))
	f, err := fetch.New(fetch.Options{Retry: fetch.RetryPolicy{MaxAttempts: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	v := newEnv(t, "memory", &spidertest.StandInCrawler{Fetcher: f}, spider.Config{})
	_, err = v.engine.Map(context.Background(), base+"/", spider.MapOptions{Sitemap: spider.SitemapSkip})
	if got := core.AsError(err); err == nil || got.Type != core.ErrBlockedURL {
		t.Fatalf("map of a blocked seed: %v", err)
	}
}

func TestWebhookHexIPHostIsJudgedAsAnAddress(t *testing.T) {
	// 0x7f000001 is 127.0.0.1 in a legacy spelling: the guard (no
	// loopback allowed) must refuse it as an address, not see it go to
	// DNS as a name; and the error names no resolver.
	var hits atomic.Int64
	base := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	port := base[strings.LastIndex(base, ":")+1:]
	w := spider.NewWebhookSender(webhook.NewSender(fetch.NewGuard(nil)))
	err := w.Notify(context.Background(), "http://0x7f000001:"+port+"/hook", []byte(`{}`), "")
	if err == nil || !strings.Contains(err.Error(), "webhook host 127.0.0.1") || !strings.Contains(err.Error(), "blocked") {
		t.Fatalf("webhook to a hex loopback address: %v", err)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the webhook reached the loopback server %d times", n)
	}
	if err := w.Notify(context.Background(), "http://0x7f.0.0.1.2:"+port+"/", []byte(`{}`), ""); core.AsError(err).Type != core.ErrInvalidURL {
		t.Fatalf("a host ending in a number that is no IPv4 form: %v", err)
	}
}

// completeGraph serves /c/<i> for i < n, each page linking to every page of
// the site and to one external URL.
func completeGraph(n int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, "<html><title>%s</title><body>", r.URL.Path)
		for i := range n {
			fmt.Fprintf(w, "<a href=\"/c/%d\">page %d</a>", i, i)
		}
		fmt.Fprint(w, "<a href=\"http://external.invalid/\">elsewhere</a></body></html>")
	})
}

// The batch's cache of links it already pushed (knownLinks) leaves most
// links out of the store calls; the counters must come out exactly as if
// the store had looked every link up.
func TestDuplicateLinkCountsAreExact(t *testing.T) {
	const n = 8
	eachBackend(t, func(t *testing.T, backend string) {
		base := serve(t, completeGraph(n))
		v := newEnv(t, backend, nil, spider.Config{})
		st, rs := v.crawl(t, []string{base + "/c/0"}, spider.Options{MaxPages: 100, MaxDepth: intp(10), Concurrency: 3, Sitemap: spider.SitemapSkip})
		// n pages stored with n+1 links each; n of those links are new
		// (n-1 pages queued, the external URL skipped once).
		if len(rs) != n || st.DuplicateLinks != n*n || st.Skipped[spider.SkipOutOfScope] != 1 {
			t.Errorf("results %d, duplicate links %d (want %d), skipped %v", len(rs), st.DuplicateLinks, n*n, st.Skipped)
		}
		// Too deep: the depth-1 pages' links (all n pages, at depth 2) are
		// counted once each under max_depth and are not duplicates.
		st, rs = v.crawl(t, []string{base + "/c/0"}, spider.Options{MaxPages: 100, MaxDepth: intp(1), Concurrency: 3, Sitemap: spider.SitemapSkip})
		if len(rs) != n || st.Skipped[spider.SkipMaxDepth] != n || st.DuplicateLinks != n {
			t.Errorf("max depth 1: results %d, skipped %v, duplicate links %d (want %d)", len(rs), st.Skipped, st.DuplicateLinks, n)
		}
	})
}
