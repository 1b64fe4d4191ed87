// Package searchwire wires the deepsearch group: web search through the
// configured vendors, the hits crawled through the process's pipeline,
// optional chunking and an LLM answer with citations.
package searchwire

import (
	"context"
	"encoding/json"
	"time"

	deepsearchapi "github.com/riptidecrawler/riptide/shared/api/deepsearch"
	"github.com/riptidecrawler/riptide/shared/chunk"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/llm/answer"
	"github.com/riptidecrawler/riptide/shared/search"
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/llmwire"
	"github.com/riptidecrawler/riptide/shared/wire/pipelinewire"
)

// LambdaSyncDeadline keeps POST /deepsearch inside API Gateway's 29 s.
const LambdaSyncDeadline = 20 * time.Second

// Service returns the process's search service.
func Service(p *wire.Process) *search.Service {
	keys := llmwire.Keys(p)
	return &search.Service{Default: p.Config.SearchProvider, Breaker: llmwire.Breaker(p), Providers: []search.Provider{
		search.NewSerper(keys, nil), search.NewBrave(keys, nil), search.NewTavily(keys, nil), search.NewSearXNG(p.Config.SearXNGURL, nil),
	}}
}

// Build is the deepsearch group's Builder.
func Build(ctx context.Context, p *wire.Process) (wire.Group, error) {
	pl, err := pipelinewire.Pipeline(ctx, p)
	if err != nil {
		return wire.Group{}, err
	}
	d := deepsearchapi.Deps{Search: Service(p), Crawler: pl, Chunker: chunker{}, Answerer: answer.Answerer{LLM: llmwire.Service(ctx, p)}}
	if p.InLambda {
		d.SyncDeadline = LambdaSyncDeadline
	}
	return wire.Group{Handlers: deepsearchapi.Handlers(d)}, nil
}

// chunker splits deep search results with the chunk engine; options is
// the request's chunking object (the same one /content/chunk takes).
type chunker struct{}

func (chunker) Chunk(ctx context.Context, text string, options json.RawMessage) ([]search.Chunk, error) {
	var opts chunk.Options
	if len(options) > 0 {
		if err := httpx.DecodeBytes(options, &opts, false); err != nil {
			return nil, err
		}
	}
	res, err := chunk.Split(ctx, text, opts)
	if err != nil {
		return nil, err
	}
	out := make([]search.Chunk, len(res.Chunks))
	for i, c := range res.Chunks {
		out[i] = search.Chunk{Index: c.Index, Text: c.Text, StartOffset: c.ByteStart, EndOffset: c.ByteEnd}
	}
	return out, nil
}
