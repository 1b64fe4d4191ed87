package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sync"
	"time"

	"github.com/riptidecrawler/riptide/shared/chunk"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/extract"
	"github.com/riptidecrawler/riptide/shared/monitor"
	"github.com/riptidecrawler/riptide/shared/strategy"
)

// Structured output after extraction: options.extraction runs a strategy
// plan on the page's one parse (result.extraction) and options.chunking
// splits the document (result.chunking): its markdown when the formats
// include markdown (so chunks keep heading paths), else its text.

// defaultRegistry serves pipelines built without one: the built-in
// strategies, without WASM modules or an LLM.
var defaultRegistry = sync.OnceValue(func() *strategy.Registry {
	return strategy.NewRegistry(strategy.Builtins(strategy.BuiltinOptions{})...)
})

func (p *Pipeline) registry() *strategy.Registry {
	if p != nil && p.Strategies != nil {
		return p.Strategies
	}
	return defaultRegistry()
}

// PrepareStructured validates options.extraction against the pipeline's
// strategies (the built-ins when p is nil) (a bad spec is a 400 before anything is fetched) and keeps
// the compiled plan in opts. prefix names the options object in errors.
func (p *Pipeline) PrepareStructured(opts *Options, prefix string) error {
	if opts.Extraction == nil {
		return nil
	}
	plan, err := p.registry().Compile(*opts.Extraction, prefix+".extraction")
	if err != nil {
		return err
	}
	opts.plan = plan
	return nil
}

// structuredKey is the part of the cache key that extraction and
// chunking options add ("" without them, so existing keys stay valid).
func structuredKey(opts Options) string {
	if opts.Extraction == nil && opts.Chunking == nil {
		return ""
	}
	b, _ := json.Marshal(struct {
		E *strategy.Spec `json:"e"`
		C *chunk.Options `json:"c"`
	}{opts.Extraction, opts.Chunking})
	sum := sha256.Sum256(b)
	return "\n" + hex.EncodeToString(sum[:12])
}

// structured applies options.extraction and options.chunking to an
// extracted page; page is nil for non-HTML bodies (extraction then does
// not apply and says so in a note). text is the page's text from before
// shape dropped it when not asked for: chunking splits the markdown when
// asked for, else the text.
func (p *Pipeline) structured(ctx context.Context, page *extract.Page, raw []byte, doc *extract.Document, text string, opts Options, r *Result) error {
	if opts.Extraction != nil {
		if page == nil {
			r.Notes = append(r.Notes, "options.extraction applies to HTML pages; this body is "+r.ContentType)
		} else {
			plan := opts.plan
			if plan == nil {
				var err error
				if plan, err = p.registry().Compile(*opts.Extraction, "options.extraction"); err != nil {
					return err
				}
			}
			t := p.now()
			r.obs.FailedPhase = monitor.PhaseExtract
			res, err := plan.Run(ctx, strategy.NewInput(page, raw, doc))
			d := p.now().Sub(t)
			r.Timings.ExtractMS += d.Milliseconds()
			// WASM module steps are their own phase; the rest of the plan
			// is extraction.
			wasm := wasmTime(res)
			if wasm > 0 {
				r.obs.Observe(monitor.PhaseWasm, wasm)
			}
			r.obs.Observe(monitor.PhaseExtract, max(0, d-wasm))
			if err != nil {
				return err
			}
			r.Extraction = res
		}
	}
	if opts.Chunking != nil {
		if opts.Has(FormatMarkdown) && doc.Markdown != "" {
			text = doc.Markdown
		}
		res, err := chunk.Split(ctx, text, *opts.Chunking)
		if err != nil {
			return core.Wrap(core.AsError(err).Type, err, "options.chunking")
		}
		r.Chunking = res
	}
	return nil
}

// wasmTime sums the durations of the plan's wasm steps (their reports
// carry milliseconds).
func wasmTime(res *strategy.Result) time.Duration {
	if res == nil {
		return 0
	}
	var d time.Duration
	for _, st := range res.Strategies {
		if st.Strategy == "wasm" {
			d += time.Duration(st.DurationMS) * time.Millisecond
		}
	}
	return d
}
