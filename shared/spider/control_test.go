package spider_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/spidertest"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/spider"
)

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestControlWithLocalLauncher(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		site := spidertest.NewSite(spidertest.SiteConfig{Pages: 300, MinLinks: 5, MaxLinks: 10, Seed: 10,
			Hook: func(*http.Request) { time.Sleep(5 * time.Millisecond) }})
		base := serve(t, site)
		v := newEnv(t, backend, nil, spider.Config{Slice: 100 * time.Millisecond})
		l := spider.NewLocalLauncher(v.engine)
		defer l.Close()
		svc := &spider.Service{Engine: v.engine, Launcher: l}
		ctx := context.Background()
		// Only the owner reads and controls the run; another owner's
		// calls find nothing, as for an unknown id.
		const owner, stranger = "tenant:acme", "tenant:globex"
		id, err := svc.Start(ctx, owner, []string{base + "/p/0.html"}, spider.Options{MaxPages: 200, MaxDepth: intp(20), Concurrency: 2, Sitemap: spider.SitemapSkip})
		if err != nil {
			t.Fatal(err)
		}
		othersSeeNothing := func(when string) {
			t.Helper()
			_, serr := svc.Status(ctx, stranger, id)
			_, rerr := svc.Results(ctx, stranger, id, 0, 10)
			_, cerr := svc.Control(ctx, stranger, id, spider.ActionStop)
			for _, err := range []error{serr, rerr, cerr} {
				if core.TypeOf(err) != core.ErrNotFound || !strings.Contains(err.Error(), "no spider run") {
					t.Errorf("%s: another owner's call: %v, want not_found", when, err)
				}
			}
			if _, err := svc.Status(ctx, owner, id); err != nil {
				t.Errorf("%s: the owner's status: %v", when, err)
			}
		}
		status := func() *spider.Status {
			st, err := v.engine.Status(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
		waitFor(t, "progress", func() bool { return status().PagesCrawled >= 5 })
		othersSeeNothing("running")
		if st := status(); st.State != spider.StateRunning || st.PagesPerSecond <= 0 || st.ETAMS == nil || st.ElapsedMS <= 0 {
			t.Errorf("running status %+v", st)
		}

		if _, err := svc.Control(ctx, owner, id, spider.ActionPause); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "pause to settle", func() bool { return status().PagesInFlight == 0 })
		paused := status().PagesCrawled
		time.Sleep(150 * time.Millisecond)
		if st := status(); st.PagesCrawled != paused || st.State != spider.StatePaused {
			t.Fatalf("paused run moved: %d -> %d (%s)", paused, st.PagesCrawled, st.State)
		}
		if _, err := svc.Control(ctx, owner, id, spider.ActionReset); core.TypeOf(err) != core.ErrConflict && err != nil {
			t.Errorf("reset while paused: %v", err)
		}
		// reset worked on the paused run: it starts over from the seed.
		waitFor(t, "restart after reset", func() bool { st := status(); return st.State == spider.StateRunning && st.PagesCrawled >= 3 })
		othersSeeNothing("after reset")
		if _, err := svc.Control(ctx, owner, id, spider.ActionReset); core.TypeOf(err) != core.ErrConflict {
			t.Errorf("reset while running: %v, want conflict", err)
		}

		if _, err := svc.Control(ctx, owner, id, spider.ActionPause); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Control(ctx, owner, id, spider.ActionResume); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "progress after resume", func() bool { return status().PagesCrawled >= 10 })
		if _, err := svc.Control(ctx, owner, id, spider.ActionStop); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "stop", func() bool { return status().State == spider.StateStopped })
		st := status()
		if st.StopReason != spider.StopRequested || st.FinishedAt == nil || st.PagesInFlight != 0 {
			t.Errorf("stopped status %+v", st)
		}
		if got := int64(len(v.results(t, id))); got != st.PagesCrawled+st.PagesFailed {
			t.Errorf("results %d, status says %d", got, st.PagesCrawled+st.PagesFailed)
		}
		if _, err := svc.Control(ctx, owner, id, spider.ActionResume); core.TypeOf(err) != core.ErrConflict {
			t.Errorf("resume a stopped run: %v, want conflict", err)
		}
		if _, err := svc.Control(ctx, owner, id, "explode"); core.TypeOf(err) != core.ErrValidation {
			t.Errorf("unknown action: %v", err)
		}
		if _, err := svc.Control(ctx, owner, "0123456789abcdef", spider.ActionStop); core.TypeOf(err) != core.ErrNotFound {
			t.Errorf("unknown run: %v", err)
		}
	})
}

// A batch that died with pages claimed (a Lambda timeout) leaves them in
// flight; the next batch takes them over, and a late completion from the
// dead batch is dropped, so nothing is counted twice.
func TestTakeoverOfAnOrphanedBatch(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		site := spidertest.NewSite(spidertest.SiteConfig{Pages: 100, MinLinks: 5, MaxLinks: 10, Seed: 11})
		base := serve(t, site)
		v := newEnv(t, backend, nil, spider.Config{})
		release := make(chan struct{})
		var stuck atomic.Int64
		inner := &spidertest.StandInCrawler{Fetcher: v.fetcher}
		blocking := spider.PageCrawlerFunc(func(ctx context.Context, req spider.PageRequest) (*spider.Page, error) {
			if stuck.Add(1) > 1 {
				<-release // every page but the seed hangs, like a dying Lambda
			}
			return inner.CrawlPage(ctx, req)
		})
		ctx := context.Background()
		o, _ := spider.Options{MaxPages: 30, MaxDepth: intp(10), Concurrency: 8, PerHostConcurrency: 8, Sitemap: spider.SitemapSkip}.Normalize()
		id, err := v.engine.Create(ctx, "", []string{base + "/p/0.html"}, o)
		if err != nil {
			t.Fatal(err)
		}
		dying, _ := spider.New(spider.Deps{Runs: v.runs, Crawler: blocking, Config: spider.Config{Slice: time.Hour}})
		if _, err := dying.Init(ctx, id); err != nil {
			t.Fatal(err)
		}
		dctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { dying.CrawlBatch(dctx, id); close(done) }()
		waitFor(t, "claims", func() bool { st, _ := v.engine.Status(ctx, id); return st.PagesInFlight >= 5 })

		// The next step runs elsewhere while the old one still hangs.
		if _, err := v.engine.RunSteps(ctx, id); err != nil {
			t.Fatal(err)
		}
		close(release)
		cancel()
		<-done
		st, rs := v.finished(t, id)
		if len(rs) != 30 || st.PagesCrawled != 30 {
			t.Fatalf("results %d, crawled %d; want exactly 30", len(rs), st.PagesCrawled)
		}
		for u, n := range urlsOf(rs) {
			if n > 1 {
				t.Errorf("%s recorded %d times", u, n)
			}
		}
	})
}
