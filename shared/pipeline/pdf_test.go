package pipeline_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/internal/fixture"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/pipeline"
)

func pdfPage(t *testing.T, name string) fixture.Page {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "pdf", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return fixture.Page{Status: 200, ContentType: "application/pdf", Body: string(b)}
}

// A PDF met by a crawl is extracted by the pdf engine: text of every page,
// markdown, metadata and the file's own facts under document.pdf.
func TestCrawlExtractsPDFs(t *testing.T) {
	s := fixture.New(t, map[string]fixture.Page{
		"/report.pdf":  pdfPage(t, "multipage.pdf"),
		"/scan.pdf":    pdfPage(t, "scanned.pdf"),
		"/outline.pdf": pdfPage(t, "metadata.pdf"),
	})
	p := newPipeline(t, nil)
	res := p.Crawl(context.Background(), s.URL("/report.pdf"), opts(pipeline.Options{}))
	if !res.OK() || res.ContentType != "application/pdf" || res.GateDecision != "raw" {
		t.Fatalf("%+v", res.Error)
	}
	d := res.Document
	for _, want := range []string{"Part one: harbours", "Part two: lighthouses", "Soundings printed in italics"} {
		if !strings.Contains(d.Text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	if d.Title != "Three Page Report" || d.PDF == nil || d.PDF.Metadata.PageCount != 3 || !strings.Contains(d.Markdown, "# Part two: lighthouses") ||
		d.WordCount == 0 || d.Quality.Score != 1 {
		t.Errorf("document: title %q pdf %+v words %d", d.Title, d.PDF, d.WordCount)
	}
	res = p.Crawl(context.Background(), s.URL("/outline.pdf"), opts(pipeline.Options{}))
	if !res.OK() || res.Document.Byline != "Ada Tester" || res.Document.PublishedAt != "2024-03-05T09:20:30Z" ||
		strings.Join(res.Document.Keywords, "|") != "coast|survey" || len(res.Document.PDF.Outline) != 2 {
		t.Errorf("metadata: %+v", res.Document)
	}
	// No text layer: a failure that says why, not an empty success.
	res = p.Crawl(context.Background(), s.URL("/scan.pdf"), opts(pipeline.Options{}))
	if res.OK() || res.Error.Type != core.ErrExtraction || !strings.Contains(res.Error.Message, "without a text layer") {
		t.Errorf("scanned: %+v", res.Error)
	}
	// Cut by max_body_bytes: the message names the option.
	res = p.Crawl(context.Background(), s.URL("/report.pdf"), opts(pipeline.Options{MaxBodyBytes: 4096}))
	if res.OK() || !strings.Contains(res.Error.Message, "max_body_bytes") {
		t.Errorf("truncated: %+v", res.Error)
	}
}
