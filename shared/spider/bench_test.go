package spider_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/spidertest"
	"github.com/riptidecrawler/riptide/shared/spider"
)

// BenchmarkCrawl measures a whole run (Init, CrawlBatch steps, Finalize)
// over a 300-page fixture site of 20 KB pages with the stand-in page
// crawler, on each run store: the spider's own overhead per page, for
// regressions. The Colly comparison is `make bench-spider`.
func BenchmarkCrawl(b *testing.B) {
	site := spidertest.NewSite(spidertest.SiteConfig{Pages: 300, MinBytes: 20_000, MaxBytes: 20_000, MinLinks: 10, MaxLinks: 20, Seed: 1})
	srv := httptest.NewServer(site)
	defer srv.Close()
	for _, backend := range backends {
		b.Run(backend, func(b *testing.B) {
			f := newFetcher(b)
			e, err := spider.New(spider.Deps{Runs: openRuns(b, backend), Crawler: &spidertest.StandInCrawler{Fetcher: f}, Site: f})
			if err != nil {
				b.Fatal(err)
			}
			o, _ := spider.Options{MaxPages: 300, MaxDepth: intp(50), Concurrency: 16, PerHostConcurrency: 16, Sitemap: spider.SitemapSkip}.Normalize()
			ctx := context.Background()
			start := time.Now()
			pages := 0
			b.ResetTimer()
			for range b.N {
				id, err := e.Create(ctx, "", []string{srv.URL + "/p/0.html"}, o)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := e.RunSteps(ctx, id); err != nil {
					b.Fatal(err)
				}
				s, _ := e.Status(ctx, id)
				pages += int(s.PagesCrawled)
			}
			b.ReportMetric(float64(pages)/time.Since(start).Seconds(), "pages/s")
		})
	}
}
