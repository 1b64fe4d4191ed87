package pipeline

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/shared/chunk"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/strategy"
)

const structuredPage = `<html><head><title>Kettle</title></head><body><article><h1>Blue Kettle</h1>
<p class="price">$39.90</p><h2>Details</h2><p>` + "A kettle boils water quickly and safely. " + `</p>
<h2>Care</h2><p>Descale it monthly with vinegar and rinse it well afterwards.</p></article></body></html>`

func TestExtractionAndChunkingRunAfterExtraction(t *testing.T) {
	opts := Options{
		Formats:    []Format{FormatText, FormatMarkdown},
		Extraction: &strategy.Spec{Chain: []strategy.Step{{Strategy: "css", Params: json.RawMessage(`{"fields":{"price":{"selector":".price","type":"number"}}}`)}, {Strategy: "article", Params: json.RawMessage(`{"fields":["title"]}`)}}},
		Chunking:   &chunk.Options{Mode: chunk.ModeMarkdown, MaxTokens: 64},
	}.WithDefaults()
	if err := opts.Validate("options"); err != nil {
		t.Fatal(err)
	}
	p := &Pipeline{}
	if err := p.PrepareStructured(&opts, "options"); err != nil {
		t.Fatal(err)
	}
	r := p.ExtractHTML(context.Background(), []byte(structuredPage), "http://shop.test/k", opts)
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	if r.Extraction == nil || r.Extraction.Data["price"] != 39.9 || r.Extraction.Data["title"] != "Kettle" {
		t.Fatalf("extraction: %+v", r.Extraction)
	}
	if r.Chunking == nil || len(r.Chunking.Chunks) < 2 || r.Chunking.Tokenizer != chunk.TokenizerName {
		t.Fatalf("chunking: %+v", r.Chunking)
	}
	last := r.Chunking.Chunks[len(r.Chunking.Chunks)-1]
	if !strings.Contains(strings.Join(last.HeadingPath, ">"), "Care") {
		t.Errorf("chunks of the markdown keep heading paths: %q", last.HeadingPath)
	}
	plain := Options{}.WithDefaults()
	if CacheKey("http://a.test/", plain) == CacheKey("http://a.test/", opts) {
		t.Error("extraction and chunking options must change the cache key")
	}
}

func TestStructuredOptionsAreValidated(t *testing.T) {
	o := Options{Chunking: &chunk.Options{Mode: "words"}}.WithDefaults()
	if err := o.Validate("options"); err == nil || core.AsError(err).Details[0].Field != "options.chunking.mode" {
		t.Errorf("chunking: %v", err)
	}
	o = Options{Extraction: &strategy.Spec{Strategy: "nope"}}.WithDefaults()
	if err := (&Pipeline{}).PrepareStructured(&o, "options"); core.TypeOf(err) != core.ErrValidation || !strings.Contains(err.Error(), "options.extraction.strategy") {
		t.Errorf("extraction: %v", err)
	}
}

// Chunking splits the page's text even when the response leaves the text
// out (formats without text or markdown); the text is not in the
// document, and its words are still counted.
func TestChunkingSplitsTheTextWhenTheFormatsLeaveItOut(t *testing.T) {
	for _, formats := range [][]Format{{FormatMetadata}, {FormatLinks}} {
		opts := Options{Formats: formats, Chunking: &chunk.Options{Mode: chunk.ModeParagraph, MaxTokens: 64}}.WithDefaults()
		if err := opts.Validate("options"); err != nil {
			t.Fatal(err)
		}
		r := (&Pipeline{}).ExtractHTML(context.Background(), []byte(structuredPage), "http://shop.test/k", opts)
		if r.Error != nil {
			t.Fatal(r.Error)
		}
		if r.Chunking == nil || len(r.Chunking.Chunks) == 0 || !strings.Contains(r.Chunking.Chunks[len(r.Chunking.Chunks)-1].Text, "vinegar") {
			t.Errorf("formats %v: chunks %+v", formats, r.Chunking)
		}
		if r.Document.Text != "" || r.Document.WordCount < 20 {
			t.Errorf("formats %v: text %q, %d words", formats, r.Document.Text, r.Document.WordCount)
		}
	}
	// Without chunking or the text format, the words are counted alone.
	r := (&Pipeline{}).ExtractHTML(context.Background(), []byte(structuredPage), "http://shop.test/k", Options{Formats: []Format{FormatMarkdown}}.WithDefaults())
	if r.Error != nil || r.Document.Text != "" || r.Document.WordCount < 20 || r.Document.Markdown == "" {
		t.Errorf("markdown only: %v, text %q, %d words", r.Error, r.Document.Text, r.Document.WordCount)
	}
}
