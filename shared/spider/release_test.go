package spider_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/spider"
)

// TestReleasedDocumentsMayBeReused: a crawler that reuses a page's
// document memory once the spider releases the page (as the pipeline
// crawler does) must find every page released exactly once, and the
// stored results must hold the documents as they were, not what the
// memory held later.
func TestReleasedDocumentsMayBeReused(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		const base = "http://127.0.0.1:1"
		var (
			mu       sync.Mutex
			released = map[string]int{}
		)
		crawler := spider.PageCrawlerFunc(func(_ context.Context, req spider.PageRequest) (*spider.Page, error) {
			path := strings.TrimPrefix(req.URL, base)
			doc := []byte(fmt.Sprintf(`{"url":%q,"text":"%s"}`, req.URL, strings.Repeat("x", 2000)))
			page := &spider.Page{URL: req.URL, Status: 200, ContentType: "text/html", ContentHash: "hash" + path, Document: doc}
			switch path {
			case "/":
				for i := range 6 {
					page.Links = append(page.Links, spider.Link{URL: fmt.Sprintf("%s/p%d", base, i)})
				}
				page.Links = append(page.Links, spider.Link{URL: base + "/broken"}, spider.Link{URL: base + "/copy"})
			case "/copy":
				page.ContentHash = "hash/p0" // a duplicate: released, not stored
			}
			var err error
			if path == "/broken" {
				err = core.Errorf(core.ErrFetch, "connection reset")
			}
			page.Release = func() {
				mu.Lock()
				released[path]++
				mu.Unlock()
				for i := range doc {
					doc[i] = '#' // what the next page would write there
				}
			}
			return page, err
		})
		v := newEnv(t, backend, crawler, spider.Config{})
		st, results := v.crawl(t, []string{base + "/"}, spider.Options{MaxPages: 20, Concurrency: 4})
		mu.Lock()
		defer mu.Unlock()
		if len(released) != 9 { // /, /p0-/p5, /broken, /copy
			t.Fatalf("released %v, want all 9 pages once; status %+v", released, st)
		}
		for path, n := range released {
			if n != 1 {
				t.Errorf("%s released %d times", path, n)
			}
		}
		stored := 0
		for _, r := range results {
			if len(r.Document) == 0 {
				continue
			}
			stored++
			var d struct{ URL, Text string }
			if err := json.Unmarshal(r.Document, &d); err != nil || d.URL != r.URL || d.Text != strings.Repeat("x", 2000) {
				t.Fatalf("%s: stored document was overwritten after release: %.80s (%v)", r.URL, r.Document, err)
			}
		}
		if stored != 7 {
			t.Fatalf("%d documents stored, want 7 (/ and /p0-/p5)", stored)
		}
	})
}
