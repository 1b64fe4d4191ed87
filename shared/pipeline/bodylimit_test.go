package pipeline_test

import (
	"context"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/internal/fixture"
	"github.com/riptidecrawler/riptide/shared/extract"
	"github.com/riptidecrawler/riptide/shared/pipeline"
)

// TestMaxBodyBytesAboveTheExtractorsDefault: a page larger than the
// extractor's default (16 MiB) fetched with a larger max_body_bytes is
// extracted, not refused as payload_too_large after the fetch kept it.
func TestMaxBodyBytesAboveTheExtractorsDefault(t *testing.T) {
	para := "<p>" + strings.Repeat("The tide came in over the flats while the gulls waited. ", 20) + "</p>\n"
	n := extract.DefaultMaxBytes/len(para) + 2000
	big := "<html><head><title>Long Ledger</title></head><body><article><h1>Long Ledger</h1>" +
		strings.Repeat(para, n) + "</article></body></html>"
	if len(big) <= extract.DefaultMaxBytes {
		t.Fatalf("page of %d bytes is not above the default", len(big))
	}
	s := fixture.New(t, map[string]fixture.Page{"/big": fixture.HTML(big)})
	p := newPipeline(t, nil)
	r := p.Crawl(context.Background(), s.URL("/big"), opts(pipeline.Options{MaxBodyBytes: 20 << 20, Formats: []pipeline.Format{pipeline.FormatMetadata}}))
	if !r.OK() {
		t.Fatalf("a %d-byte page under max_body_bytes=%d: %+v", len(big), 20<<20, r.Error)
	}
	if r.Document == nil || r.Document.Title != "Long Ledger" || r.Document.WordCount < n*200 {
		t.Fatalf("document: title %q, %d words", r.Document.Title, r.Document.WordCount)
	}
}
