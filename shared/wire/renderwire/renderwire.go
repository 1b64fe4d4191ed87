// Package renderwire wires the render group and the render function's task
// entry point (other functions invoke it with a render.Request).
package renderwire

import (
	"context"
	"time"

	renderapi "github.com/riptidecrawler/riptide/shared/api/render"
	"github.com/riptidecrawler/riptide/shared/render/lambdarender"
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/pipelinewire"
)

// Build is the render group's Builder for a process that may render
// through the render function (the local server).
func Build(ctx context.Context, p *wire.Process) (wire.Group, error) {
	artifacts, err := p.Blob(ctx, "artifacts/")
	if err != nil {
		return wire.Group{}, err
	}
	pl, err := pipelinewire.Pipeline(ctx, p)
	if err != nil {
		return wire.Group{}, err
	}
	d := renderapi.Deps{Pipeline: pl, Blob: artifacts, InlineMax: p.Config.ArtifactInlineMax, LinkTTL: time.Hour}
	return wire.Group{Handlers: renderapi.Handlers(d)}, nil
}

// BuildFunction is the render function's Builder: it carries Chromium and
// renders itself (it never invokes a render function, whatever the
// configuration says), and answers render tasks from other functions.
func BuildFunction(ctx context.Context, p *wire.Process) (wire.Group, error) {
	local, err := pipelinewire.LocalBrowser(p)
	if err != nil {
		p.Logger.Warn("no Chromium in the render function: renders answer dependency_error", "reason", err.Error())
		pipelinewire.ProvideRenderer(p, nil)
	} else {
		pipelinewire.ProvideRenderer(p, local)
	}
	g, err := Build(ctx, p)
	if err != nil {
		return g, err
	}
	g.Events.Task = lambdarender.HandleTask(pipelinewire.Renderer(ctx, p))
	return g, nil
}
