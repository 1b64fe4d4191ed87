package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/fixture"
	"github.com/riptidecrawler/riptide/internal/testenv"
)

// sdkDoc is a document as the SDK returns it.
type sdkDoc struct {
	Markdown *string  `json:"markdown"`
	HTML     *string  `json:"html"`
	Links    []string `json:"links"`
	Metadata struct {
		SourceURL  string `json:"sourceURL"`
		Title      string `json:"title"`
		StatusCode int    `json:"statusCode"`
	} `json:"metadata"`
}

type sdkJob struct {
	Success   bool     `json:"success"`
	Status    string   `json:"status"`
	Completed int      `json:"completed"`
	Total     int      `json:"total"`
	Data      []sdkDoc `json:"data"`
}

// TestFirecrawlSDKAgainstServe runs the unmodified @mendable/firecrawl-js
// (tools/firecrawl, installed by `make firecrawl-sdk`) against `riptide
// serve` and a loopback site: scrape, crawl with polling, map, batch
// scrape, async crawl with cancel, and a refused option with its v1
// client; scrape, crawl, map and batch scrape with its default v2 client.
func TestFirecrawlSDKAgainstServe(t *testing.T) {
	node := testenv.LookPath(t, "node", "install Node.js 20 or later")
	dir, err := filepath.Abs("../../tools/firecrawl")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules/@mendable/firecrawl-js/package.json")); err != nil {
		testenv.Missing(t, "@mendable/firecrawl-js", "run `make firecrawl-sdk` (npm ci in tools/firecrawl)")
	}
	page := func(title, body string, links ...string) fixture.Page {
		var b strings.Builder
		b.WriteString("<!doctype html><html lang=\"en\"><head><title>" + title + "</title></head><body><nav>")
		for _, l := range links {
			b.WriteString(`<a href="` + l + `">` + strings.Trim(l, "/") + `</a> `)
		}
		b.WriteString("</nav><article><h1>" + title + "</h1><p>" + body + "</p></article></body></html>")
		return fixture.HTML(b.String())
	}
	slow := func(p fixture.Page) fixture.Page { p.Delay = 700 * time.Millisecond; return p }
	site := fixture.New(t, map[string]fixture.Page{
		"/":         page("Harbour home", "The harbour opens at dawn and the ferries leave every hour for the islands.", "/about", "/contact", "/news/one", "/news/two"),
		"/about":    page("About the harbour", "The harbour was built in 1820 by the fishermen of the bay and rebuilt after the storm.", "/"),
		"/contact":  page("Contact", "Write to the harbour master at the office by the old lighthouse on the pier.", "/"),
		"/news/one": page("News one", "A new ferry joins the fleet this spring and doubles the crossings to the islands.", "/", "/news/two"),
		"/news/two": page("News two", "The fish market moves to the east quay while the old hall is repaired this summer.", "/", "/news/one"),
		"/slow/":    slow(page("Slow index", "A slow section of the site for the cancel test with long pages.", "/slow/a", "/slow/b", "/slow/c")),
		"/slow/a":   slow(page("Slow a", "Slow page a of the section, which answers after a pause.", "/slow/b")),
		"/slow/b":   slow(page("Slow b", "Slow page b of the section, which answers after a pause.", "/slow/c")),
		"/slow/c":   slow(page("Slow c", "Slow page c of the section, which answers after a pause.", "/slow/a")),
	})
	const key = "fc-e2e-key"
	t.Setenv("REDIS_URL", "")
	t.Setenv("RIPTIDE_AUTH", "")
	t.Setenv("RIPTIDE_API_KEYS", key)
	t.Setenv("RIPTIDE_ALLOW_CIDRS", "127.0.0.0/8")
	base := startServe(t)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "sdk-e2e.cjs")
	cmd.Dir = dir
	// The async crawl of the cancel step starts at the slow section.
	cmd.Env = append(os.Environ(), "FIRECRAWL_API_URL="+base, "FIRECRAWL_API_KEY="+key, "SITE="+site.Server.URL)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("the SDK run failed: %v\n%s", err, stderr.String())
	}
	var out struct {
		Scrape sdkDoc `json:"scrape"`
		Crawl  sdkJob `json:"crawl"`
		Map    struct {
			Success bool     `json:"success"`
			Links   []string `json:"links"`
		} `json:"map"`
		Batch        sdkJob `json:"batch"`
		AsyncStarted struct {
			Success bool   `json:"success"`
			ID      string `json:"id"`
			URL     string `json:"url"`
		} `json:"asyncStarted"`
		Cancel      struct{ Status string } `json:"cancel"`
		AfterCancel sdkJob                  `json:"afterCancel"`
		Refused     struct {
			Thrown     bool   `json:"thrown"`
			Message    string `json:"message"`
			StatusCode int    `json:"statusCode"`
		} `json:"refused"`
		V2 struct {
			Scrape sdkDoc `json:"scrape"`
			Crawl  sdkJob `json:"crawl"`
			Map    struct {
				Links []struct{ URL string } `json:"links"`
			} `json:"map"`
			Batch sdkJob `json:"batch"`
		} `json:"v2"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("SDK output: %v\n%s", err, raw)
	}

	if d := out.Scrape; d.Markdown == nil || !strings.Contains(*d.Markdown, "ferries leave every hour") || d.HTML == nil ||
		!slices.Contains(d.Links, site.Server.URL+"/about") || d.Metadata.Title != "Harbour home" || d.Metadata.StatusCode != 200 {
		t.Errorf("scrapeUrl: %+v", d)
	}
	var crawled []string
	for _, d := range out.Crawl.Data {
		crawled = append(crawled, strings.TrimPrefix(d.Metadata.SourceURL, site.Server.URL))
	}
	slices.Sort(crawled)
	if out.Crawl.Status != "completed" || out.Crawl.Completed != 5 ||
		!slices.Equal(crawled, []string{"/", "/about", "/contact", "/news/one", "/news/two"}) {
		t.Errorf("crawlUrl: %s %d %v", out.Crawl.Status, out.Crawl.Completed, crawled)
	}
	if !out.Map.Success || !slices.Contains(out.Map.Links, site.Server.URL+"/news/two") {
		t.Errorf("mapUrl: %+v", out.Map)
	}
	var batch []string
	for _, d := range out.Batch.Data {
		if d.Markdown == nil || *d.Markdown == "" {
			t.Errorf("batch document without markdown: %+v", d.Metadata)
		}
		batch = append(batch, d.Metadata.Title)
	}
	slices.Sort(batch)
	if out.Batch.Status != "completed" || !slices.Equal(batch, []string{"About the harbour", "Contact"}) {
		t.Errorf("batchScrapeUrls: %s %v", out.Batch.Status, batch)
	}
	if !out.AsyncStarted.Success || out.AsyncStarted.URL != base+"/v1/crawl/"+out.AsyncStarted.ID {
		t.Errorf("asyncCrawlUrl: %+v", out.AsyncStarted)
	}
	if out.Cancel.Status != "cancelled" || out.AfterCancel.Status != "cancelled" {
		t.Errorf("cancelCrawl: %+v then %s", out.Cancel, out.AfterCancel.Status)
	}
	// The v2 client (firecrawl-js 3's default).
	if d := out.V2.Scrape; d.Markdown == nil || !strings.Contains(*d.Markdown, "built in 1820") || len(d.Links) == 0 {
		t.Errorf("v2 scrape: %+v", d)
	}
	if out.V2.Crawl.Status != "completed" || out.V2.Crawl.Completed != 5 || len(out.V2.Crawl.Data) != 5 {
		t.Errorf("v2 crawl: %s %d %d", out.V2.Crawl.Status, out.V2.Crawl.Completed, len(out.V2.Crawl.Data))
	}
	if len(out.V2.Map.Links) < 5 || !slices.ContainsFunc(out.V2.Map.Links, func(l struct{ URL string }) bool { return l.URL == site.Server.URL+"/contact" }) {
		t.Errorf("v2 map: %+v", out.V2.Map)
	}
	if out.V2.Batch.Status != "completed" || len(out.V2.Batch.Data) != 2 {
		t.Errorf("v2 batchScrape: %s %d", out.V2.Batch.Status, len(out.V2.Batch.Data))
	}
	if !out.Refused.Thrown || out.Refused.StatusCode != 400 || !strings.Contains(out.Refused.Message, "formats[0]") {
		t.Errorf("a refused format: %+v", out.Refused)
	}
}
