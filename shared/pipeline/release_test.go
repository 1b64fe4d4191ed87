package pipeline_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/internal/fixture"
	"github.com/riptidecrawler/riptide/shared/chunk"
	"github.com/riptidecrawler/riptide/shared/pipeline"
	"github.com/riptidecrawler/riptide/shared/strategy"
)

// The pipeline hands each fetched body's buffer back for the next fetch
// (fetch.Response.Release): nothing in a result may still point into it.
// Results of every kind of body, with every format, structured fields from
// the raw HTML and chunks, read the same after many later pages have
// reused the buffers.
func TestResultsOutliveTheirBodyBuffers(t *testing.T) {
	pages := map[string]fixture.Page{
		"/article":  fixture.HTML(fixture.Article("Harbour Morning", fixture.Prose, fixture.Prose+" Again. Call +44 20 7946 0958.")),
		"/plain":    {Status: 200, ContentType: "text/plain", Body: "just some text\nover two lines, price $12.50"},
		"/markdown": {Status: 200, ContentType: "text/markdown", Body: "# Notes\n\nA paragraph of *markdown* with a [link](https://example.com/x).\n"},
		"/latin1":   {Status: 200, ContentType: "text/html; charset=iso-8859-1", Body: "<html><head><title>Caf\xe9</title></head><body><article><h1>Caf\xe9 cr\xe8me</h1><p>" + fixture.Prose + " \xa3 4.20</p></article></body></html>"},
	}
	for i := range 30 {
		pages[fmt.Sprintf("/later/%d", i)] = fixture.HTML(fixture.Article(strings.Repeat("Q", 40), strings.Repeat("qqqq ", 4000)))
	}
	s := fixture.New(t, pages)
	p := newPipeline(t, nil)
	o := pipeline.Options{
		Formats:    []pipeline.Format{pipeline.FormatText, pipeline.FormatMarkdown, pipeline.FormatHTML, pipeline.FormatRawHTML, pipeline.FormatLinks, pipeline.FormatMetadata},
		Extraction: &strategy.Spec{Strategy: "regex", Params: json.RawMessage(`{"source":"html","patterns":[{"name":"title","pattern":"<title>([^<]*)</title>","first":true},{"name":"prices","builtin":"price"}]}`)},
		Chunking:   &chunk.Options{Mode: chunk.ModeMarkdown, MaxTokens: 64},
	}
	o = opts(o)
	if err := p.PrepareStructured(&o, "options"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	kept := map[string]pipeline.Result{}
	snapshot := map[string]string{}
	for _, path := range []string{"/article", "/plain", "/markdown", "/latin1"} {
		r := p.Crawl(ctx, s.URL(path), o)
		if !r.OK() || r.Document == nil {
			t.Fatalf("%s: %+v", path, r.Error)
		}
		j, _ := json.Marshal(r)
		kept[path], snapshot[path] = r, string(j)
	}
	if !strings.Contains(kept["/latin1"].Document.RawHTML, "Café crème") || kept["/article"].Extraction == nil {
		t.Fatalf("the fixture pages did not go where the test looks: %.200s", snapshot["/latin1"])
	}
	for i := range 30 {
		if r := p.Crawl(ctx, s.URL(fmt.Sprintf("/later/%d", i)), o); !r.OK() {
			t.Fatalf("later page %d: %+v", i, r.Error)
		}
	}
	for path, r := range kept {
		if j, _ := json.Marshal(r); string(j) != snapshot[path] {
			t.Fatalf("%s changed once later bodies reused its buffer:\n%.400s\nwas\n%.400s", path, j, snapshot[path])
		}
	}
}
