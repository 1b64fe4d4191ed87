package spider_test

import (
	"context"
	"hash/fnv"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/spidertest"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/spider"
)

// jittery wraps a crawler with random latency (so workers finish in random
// order and race for claims) and counts concurrent calls.
type jittery struct {
	inner    spider.PageCrawler
	maxDelay time.Duration
	// fail makes a page fail (fetch_error) or be disallowed by robots.
	fail     func(url string) error
	calls    atomic.Int64
	active   atomic.Int64
	peak     atomic.Int64
	mu       sync.Mutex
	crawled  map[string]int
	maxBytes map[string]int64
}

func (j *jittery) CrawlPage(ctx context.Context, req spider.PageRequest) (*spider.Page, error) {
	j.calls.Add(1)
	n := j.active.Add(1)
	defer j.active.Add(-1)
	for {
		p := j.peak.Load()
		if n <= p || j.peak.CompareAndSwap(p, n) {
			break
		}
	}
	j.mu.Lock()
	if j.crawled == nil {
		j.crawled, j.maxBytes = map[string]int{}, map[string]int64{}
	}
	j.crawled[req.URL]++
	j.maxBytes[req.URL] = req.MaxBytes
	j.mu.Unlock()
	if j.maxDelay > 0 {
		h := fnv.New64a()
		h.Write([]byte(req.URL))
		d := time.Duration(rand.New(rand.NewPCG(h.Sum64(), 1)).Int64N(int64(j.maxDelay)))
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return nil, core.Wrap(core.ErrTimeout, ctx.Err(), "cancelled")
		}
	}
	if j.fail != nil {
		if err := j.fail(req.URL); err != nil {
			return &spider.Page{URL: req.URL, Status: 500}, err
		}
	}
	return j.inner.CrawlPage(ctx, req)
}

// The acceptance test: concurrency 16, max_pages 50, exactly 50
// results, never 51, on every run store, with slices short enough that
// the run spans many CrawlBatch steps.
func TestExactPageBudgetUnderConcurrency(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		site := spidertest.NewSite(spidertest.SiteConfig{Pages: 400, MinLinks: 10, MaxLinks: 20, Seed: 1})
		base := serve(t, site)
		v := newEnv(t, backend, nil, spider.Config{Slice: 40 * time.Millisecond})
		j := &jittery{inner: &spidertest.StandInCrawler{Fetcher: v.fetcher}, maxDelay: 15 * time.Millisecond}
		v = newEnvWith(t, v, j)
		st, rs := v.crawl(t, []string{base + "/"}, spider.Options{Concurrency: 16, PerHostConcurrency: 16, MaxPages: 50, MaxDepth: intp(10), Sitemap: spider.SitemapSkip})
		if len(rs) != 50 || st.PagesCrawled != 50 || st.PagesFailed != 0 {
			t.Fatalf("results = %d, crawled = %d, failed = %d; want exactly 50", len(rs), st.PagesCrawled, st.PagesFailed)
		}
		if st.State != spider.StateCompleted || st.StopReason != spider.StopMaxPages {
			t.Errorf("state %s/%s, want completed/max_pages", st.State, st.StopReason)
		}
		for u, n := range urlsOf(rs) {
			if n > 1 {
				t.Errorf("%s recorded %d times", u, n)
			}
		}
		// "/" and "/p/0.html" are the same page: the second one crawled
		// is a duplicate by content, which releases its slot.
		if got, dup := j.calls.Load(), st.Skipped[spider.SkipDuplicateContent]; got != 50+dup || dup != 1 {
			t.Errorf("pages crawled by the pipeline = %d with %d duplicates, want 50 + 1 (the budget is reserved before each crawl)", got, dup)
		}
		// The race must be real: many pages in flight at once.
		if p := j.peak.Load(); p < 6 || p > 16 {
			t.Errorf("peak concurrency %d, want 6..16", p)
		}
		if st.PagesQueued == 0 {
			t.Errorf("frontier empty: the test must leave work undone to show the budget stopped it")
		}
	})
}

// Failed pages are results too and count against max_pages; robots skips
// release their slot, so the results are still exactly max_pages.
func TestExactPageBudgetWithFailuresAndSkips(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		site := spidertest.NewSite(spidertest.SiteConfig{Pages: 300, MinLinks: 10, MaxLinks: 20, Seed: 2})
		base := serve(t, site)
		v := newEnv(t, backend, nil, spider.Config{Slice: 30 * time.Millisecond})
		j := &jittery{inner: &spidertest.StandInCrawler{Fetcher: v.fetcher}, maxDelay: 10 * time.Millisecond,
			fail: func(u string) error {
				// By path (ports change between runs); the seed always works.
				if pathOf(u) == "/" {
					return nil
				}
				h := fnv.New32a()
				h.Write([]byte(pathOf(u)))
				switch h.Sum32() % 5 {
				case 0:
					return core.Errorf(core.ErrFetch, "GET %s: HTTP 500", u)
				case 1:
					return core.Errorf(core.ErrRobotsDisallowed, "disallowed")
				}
				return nil
			}}
		v = newEnvWith(t, v, j)
		st, rs := v.crawl(t, []string{base + "/"}, spider.Options{Concurrency: 16, PerHostConcurrency: 16, MaxPages: 60, MaxDepth: intp(10), Sitemap: spider.SitemapSkip})
		if len(rs) != 60 || st.PagesCrawled+st.PagesFailed != 60 {
			t.Fatalf("results %d (crawled %d + failed %d), want exactly 60", len(rs), st.PagesCrawled, st.PagesFailed)
		}
		if st.PagesFailed == 0 || st.Skipped[spider.SkipRobots] == 0 {
			t.Errorf("want some failures and robots skips, got failed=%d skipped=%v", st.PagesFailed, st.Skipped)
		}
		failed := 0
		for _, r := range rs {
			if r.Error != nil {
				failed++
				if r.Error.Type != core.ErrFetch || r.Error.URL != r.URL {
					t.Errorf("failure record %+v: want the real cause", r.Error)
				}
			}
		}
		if int64(failed) != st.PagesFailed || st.LastError == nil {
			t.Errorf("failed records %d, status %d, last_error %v", failed, st.PagesFailed, st.LastError)
		}
	})
}

// max_errors holds exactly even when every page fails and 16 are in flight.
func TestExactErrorBudget(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		site := spidertest.NewSite(spidertest.SiteConfig{Pages: 200, MinLinks: 10, MaxLinks: 20, Seed: 3})
		base := serve(t, site)
		v := newEnv(t, backend, nil, spider.Config{})
		calls := 0
		var mu sync.Mutex
		// Seeds fail; every other page too, after a delay.
		j := &jittery{inner: &spidertest.StandInCrawler{Fetcher: v.fetcher}, maxDelay: 5 * time.Millisecond,
			fail: func(u string) error {
				mu.Lock()
				defer mu.Unlock()
				calls++
				if calls == 1 {
					return nil // the first page succeeds so links are found
				}
				return core.Errorf(core.ErrFetch, "GET %s: HTTP 503", u)
			}}
		v = newEnvWith(t, v, j)
		st, rs := v.crawl(t, []string{base + "/"}, spider.Options{Concurrency: 16, PerHostConcurrency: 16, MaxPages: 100, MaxErrors: 7, Sitemap: spider.SitemapSkip})
		if st.PagesFailed != 7 || len(rs) != 8 {
			t.Fatalf("failed %d, results %d; want exactly 7 failures (+1 success)", st.PagesFailed, len(rs))
		}
		if st.StopReason != spider.StopMaxErrors {
			t.Errorf("stop reason %s", st.StopReason)
		}
	})
}

// max_bytes is never overshot: each page in flight gets at most the bytes
// left, so the last page is cut rather than the budget exceeded.
func TestExactByteBudget(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		site := spidertest.NewSite(spidertest.SiteConfig{Pages: 100, MinLinks: 10, MaxLinks: 20, MinBytes: 20_000, MaxBytes: 30_000, Seed: 4})
		base := serve(t, site)
		v := newEnv(t, backend, nil, spider.Config{PageBytes: 40_000})
		const budget = 250_000
		st, rs := v.crawl(t, []string{base + "/p/0.html"}, spider.Options{Concurrency: 16, PerHostConcurrency: 16, MaxPages: 100, MaxBytes: budget, Sitemap: spider.SitemapSkip})
		var sum int64
		truncated := 0
		for _, r := range rs {
			sum += r.Bytes
			if r.Truncated {
				truncated++
			}
		}
		if sum > budget || st.Bytes > budget {
			t.Fatalf("bytes recorded %d (status %d) > budget %d", sum, st.Bytes, budget)
		}
		if sum < budget-40_000 {
			t.Errorf("bytes %d: the budget should be nearly used", sum)
		}
		if st.StopReason != spider.StopMaxBytes {
			t.Errorf("stop reason %s, want max_bytes", st.StopReason)
		}
		if st.Bytes != sum {
			t.Errorf("status bytes %d != sum of result bytes %d", st.Bytes, sum)
		}
		t.Logf("%d pages, %d bytes, %d cut at the budget", len(rs), sum, truncated)
	})
}

// max_duration stops the run at its deadline, cancelling pages in flight.
func TestDurationBudget(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		site := spidertest.NewSite(spidertest.SiteConfig{Pages: 500, MinLinks: 10, MaxLinks: 20, Seed: 5})
		base := serve(t, site)
		v := newEnv(t, backend, nil, spider.Config{})
		j := &jittery{inner: &spidertest.StandInCrawler{Fetcher: v.fetcher}, maxDelay: 300 * time.Millisecond}
		v = newEnvWith(t, v, j)
		start := time.Now()
		st, rs := v.crawl(t, []string{base + "/"}, spider.Options{Concurrency: 4, MaxPages: 1000, MaxDurationMS: 1000, Sitemap: spider.SitemapSkip})
		took := time.Since(start)
		if st.StopReason != spider.StopMaxDuration || took > 2500*time.Millisecond {
			t.Fatalf("stop %s after %v; want max_duration after about 1s", st.StopReason, took)
		}
		if len(rs) == 0 || int64(len(rs)) != st.PagesCrawled {
			t.Errorf("results %d, crawled %d", len(rs), st.PagesCrawled)
		}
		for _, r := range rs {
			if r.CrawledAt.After(start.Add(1100 * time.Millisecond)) {
				t.Errorf("page %s started after the deadline", r.URL)
			}
		}
	})
}

// newEnvWith rebuilds v's engine around another crawler, same store.
func newEnvWith(t *testing.T, v *env, c spider.PageCrawler) *env {
	t.Helper()
	e, err := spider.New(spider.Deps{Runs: v.runs, Crawler: c, Site: v.fetcher, Config: spider.Config{Slice: 30 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	return &env{engine: e, runs: v.runs, fetcher: v.fetcher}
}
