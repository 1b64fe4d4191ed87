package spider_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/spider"
)

// pageCounts is a spider.PageCounter that remembers its counts.
type pageCounts struct {
	mu sync.Mutex
	n  map[string]int
}

func (p *pageCounts) RecordSpiderPage(outcome string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n[outcome]++
}

// TestPagesAreCounted: every page a run records is counted once by
// outcome (the monitoring's spider_pages); skipped pages and duplicates
// are not.
func TestPagesAreCounted(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		const base = "http://127.0.0.1:1"
		crawler := spider.PageCrawlerFunc(func(_ context.Context, req spider.PageRequest) (*spider.Page, error) {
			path := strings.TrimPrefix(req.URL, base)
			page := &spider.Page{URL: req.URL, Status: 200, ContentType: "text/html", ContentHash: "hash" + path, Document: json.RawMessage(`{}`)}
			switch path {
			case "/":
				for _, l := range []string{"/a", "/b", "/copy-of-a", "/broken"} {
					page.Links = append(page.Links, spider.Link{URL: base + l})
				}
			case "/copy-of-a":
				page.ContentHash = "hash/a" // the same content as /a: a duplicate
			case "/broken":
				return &spider.Page{URL: req.URL}, core.Errorf(core.ErrFetch, "connection reset")
			}
			return page, nil
		})
		counts := &pageCounts{n: map[string]int{}}
		e, err := spider.New(spider.Deps{Runs: openRuns(t, backend), Crawler: crawler, Pages: counts})
		if err != nil {
			t.Fatal(err)
		}
		v := &env{engine: e}
		st, _ := v.crawl(t, []string{base + "/"}, spider.Options{MaxPages: 10, Concurrency: 1})
		if int64(counts.n["ok"]) != st.PagesCrawled || int64(counts.n["fetch_error"]) != st.PagesFailed || len(counts.n) != 2 {
			t.Fatalf("counted %v; the run says %d crawled, %d failed", counts.n, st.PagesCrawled, st.PagesFailed)
		}
		if st.PagesCrawled != 3 || st.PagesFailed != 1 { // /, /a, /b; /broken
			t.Fatalf("the run: %d crawled, %d failed, skipped %v", st.PagesCrawled, st.PagesFailed, st.Skipped)
		}
	})
}
