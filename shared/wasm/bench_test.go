package wasm_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/examples/wasm/headings/outline"
	"github.com/riptidecrawler/riptide/shared/wasm"
)

// benchPage is a ~100 KB article page: 120 sections of headings,
// paragraphs and links.
func benchPage() []byte {
	var b strings.Builder
	b.WriteString(`<!doctype html><html><head><title>Benchmark page</title><meta name="description" content="A long page."></head><body><main>`)
	for i := range 120 {
		fmt.Fprintf(&b, `<h2>Section %d</h2><p>Paragraph %d of the benchmark page, with <a href="/s/%d">a link</a> and enough words to look like prose that a reader would actually read on a page like this one.</p>`, i, i, i)
		fmt.Fprintf(&b, `<h3>Detail %d</h3><p>More text follows here, a second paragraph of the section, again with words and <a href="/d/%d">another link</a> for good measure and realism.</p>`, i, i)
		b.WriteString(`<ul><li>one</li><li>two</li><li>three</li></ul>`)
	}
	b.WriteString(`</main></body></html>`)
	return []byte(b.String())
}

// BenchmarkWASM reports, on the same ~100 KB page and in the same run:
//
//	native    the example extractor's Go code called directly
//	example   the same code as a warm WASM module through Engine.Run
//	noop      a warm module that returns at once: the per-call overhead
//	          (copying the page in, the call, reading and decoding the
//	          output, the instance pool) without any work of its own
//
// `make bench-wasm` runs it; docs/wasm.md has the numbers.
func BenchmarkWASM(b *testing.B) {
	page := benchPage()
	ctx := context.Background()
	e := newEngine(b, wasm.Options{})
	example := register(b, e, example(b))
	noop := register(b, e, hostile(b))
	b.Run("native", func(b *testing.B) {
		for b.Loop() {
			out := outline.Extract(page, []byte(`{}`))
			if _, err := json.Marshal(out); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, c := range []struct {
		name, id, opts string
	}{{"example", example, `{}`}, {"noop", noop, `{"do":"ok"}`}} {
		b.Run(c.name, func(b *testing.B) {
			if _, _, err := e.Run(ctx, c.id, page, json.RawMessage(c.opts)); err != nil { // warm up
				b.Fatal(err)
			}
			b.SetBytes(int64(len(page)))
			for b.Loop() {
				if _, _, err := e.Run(ctx, c.id, page, json.RawMessage(c.opts)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
