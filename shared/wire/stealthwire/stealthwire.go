// Package stealthwire wires the stealth group: presets, configuration and
// detection tests run in the process's renderer.
package stealthwire

import (
	"context"

	stealthapi "github.com/riptidecrawler/riptide/shared/api/stealth"
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/pipelinewire"
)

// Build is the stealth group's Builder.
func Build(ctx context.Context, p *wire.Process) (wire.Group, error) {
	return wire.Group{Handlers: stealthapi.Handlers(stealthapi.Deps{Renderer: pipelinewire.Renderer(ctx, p)})}, nil
}
