// Package strategieswire wires the strategies group: structured
// extraction with the process's strategy registry (built-ins, WASM
// modules, llm) over its pipeline, and WASM module management.
package strategieswire

import (
	"context"

	strategiesapi "github.com/riptidecrawler/riptide/shared/api/strategies"
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/pipelinewire"
)

// Build is the strategies group's Builder.
func Build(ctx context.Context, p *wire.Process) (wire.Group, error) {
	pl, err := pipelinewire.Pipeline(ctx, p)
	if err != nil {
		return wire.Group{}, err
	}
	eng, err := pipelinewire.WASM(ctx, p)
	if err != nil {
		return wire.Group{}, err
	}
	return wire.Group{Handlers: strategiesapi.Handlers(strategiesapi.Deps{Pipeline: pl, Registry: pl.Strategies, Modules: eng})}, nil
}
