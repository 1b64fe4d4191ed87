package spider_test

import (
	"context"
	"net/netip"
	"sync"
	"testing"

	"github.com/riptidecrawler/riptide/internal/spidertest"
	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/spider"
	"github.com/riptidecrawler/riptide/shared/webhook"
)

// pageMeter records what the engine charges, by payer.
type pageMeter struct {
	mu      sync.Mutex
	charged map[string]int
	calls   int
}

func (m *pageMeter) ChargePages(_ context.Context, billing string, pages int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.charged[billing] += pages
	m.calls++
}

type payerKey struct{}

// A run's pages beyond its seeds are charged to the payer BillingOf named
// when the run was created, as batches record them, on every backend: the
// seeds were spent by the API before the run existed, and skipped or
// duplicate links are not pages. A run nobody pays for charges nothing.
func TestPagesBeyondTheSeedsAreChargedToWhoeverStartedTheRun(t *testing.T) {
	const n = 8
	eachBackend(t, func(t *testing.T, backend string) {
		base := serve(t, completeGraph(n))
		f := newFetcher(t)
		meter := &pageMeter{charged: map[string]int{}}
		e, err := spider.New(spider.Deps{Runs: openRuns(t, backend), Crawler: &spidertest.StandInCrawler{Fetcher: f}, Site: f,
			Notifier: spider.NewWebhookSender(webhook.NewSender(fetch.NewGuard([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}))),
			Meter:    meter,
			BillingOf: func(ctx context.Context) string {
				s, _ := ctx.Value(payerKey{}).(string)
				return s
			}})
		if err != nil {
			t.Fatal(err)
		}
		run := func(ctx context.Context, seeds ...string) *spider.Status {
			t.Helper()
			o, err := spider.Options{MaxPages: 100, MaxDepth: intp(10), Concurrency: 3, Sitemap: spider.SitemapSkip}.Normalize()
			if err != nil {
				t.Fatal(err)
			}
			if seeds, err = spider.ValidateSeeds(seeds, o); err != nil {
				t.Fatal(err)
			}
			id, err := e.Create(ctx, "", seeds, o)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.RunSteps(ctx, id); err != nil {
				t.Fatal(err)
			}
			st, err := e.Status(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
		st := run(context.WithValue(context.Background(), payerKey{}, "payer-a"), base+"/c/0", base+"/c/1")
		if st.PagesCrawled != n || meter.charged["payer-a"] != n-2 || len(meter.charged) != 1 {
			t.Errorf("crawled %d pages from 2 seeds; charged %v, want payer-a: %d", st.PagesCrawled, meter.charged, n-2)
		}
		calls := meter.calls
		run(context.Background(), base+"/c/0")
		if meter.calls != calls || len(meter.charged) != 1 {
			t.Errorf("a run nobody pays for was charged: %v", meter.charged)
		}
	})
}
