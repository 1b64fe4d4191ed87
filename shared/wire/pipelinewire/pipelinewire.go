// Package pipelinewire builds the crawl pipeline of a process and the
// renderer behind it, once each: every group that crawls (crawl, render,
// spider, stealth, and the groups built on them) gets the same pipeline,
// with the process's one fetcher, its result cache, its browser and its
// sessions (sessionswire.Service).
package pipelinewire

import (
	"context"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"

	"github.com/riptidecrawler/riptide/shared/awsapi"
	"github.com/riptidecrawler/riptide/shared/awsapi/lambdainvoke"
	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/health"
	"github.com/riptidecrawler/riptide/shared/pipeline"
	"github.com/riptidecrawler/riptide/shared/render"
	"github.com/riptidecrawler/riptide/shared/render/lambdarender"
	"github.com/riptidecrawler/riptide/shared/store"
	"github.com/riptidecrawler/riptide/shared/strategy"
	"github.com/riptidecrawler/riptide/shared/wasm"
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/llmwire"
	"github.com/riptidecrawler/riptide/shared/wire/sessionswire"
)

// Shared keys.
const (
	rendererKey = "renderer"
	pipelineKey = "pipeline"
)

// Renderer returns the process's renderer: the render function when
// RIPTIDE_RENDER_FUNCTION is set (AWS: only the render function carries
// Chromium), else a local Chromium started on first use, whose every
// request passes the fetcher's SSRF guard. With neither it returns nil
// and logs why: the process then serves without headless rendering. The
// headless health check (alias chromium) is added to the process either way.
func Renderer(ctx context.Context, p *wire.Process) render.Renderer {
	r, _ := wire.Shared(p, rendererKey, func() (render.Renderer, error) {
		r, err := buildRenderer(ctx, p)
		if err != nil {
			p.Logger.Warn("headless rendering unavailable: /render answers dependency_error and headless pages are extracted raw",
				slog.String("reason", err.Error()))
			r = nil
		}
		p.AddChecker(health.Func{ComponentName: "headless", Probe: render.HealthProbe(r)})
		return r, nil
	})
	return r
}

// ProvideRenderer makes r the process's renderer (the render function
// renders itself, and must never invoke a render function).
func ProvideRenderer(p *wire.Process, r render.Renderer) {
	wire.Provide(p, rendererKey, r)
	p.AddChecker(health.Func{ComponentName: "headless", Probe: render.HealthProbe(r)})
}

func buildRenderer(ctx context.Context, p *wire.Process) (render.Renderer, error) {
	if fn := p.Config.RenderFunction; fn != "" {
		cfg, err := p.AWS(ctx)
		if err != nil {
			return nil, err
		}
		client, err := lambdainvoke.New(ctx, cfg, awsapi.Options{})
		if err != nil {
			return nil, err
		}
		return lambdarender.New(client, lambdarender.Options{FunctionName: fn})
	}
	return LocalBrowser(p)
}

// LocalBrowser starts (lazily: on the first render) a Chromium of this
// process behind the fetcher's SSRF guard; it is closed with the process.
func LocalBrowser(p *wire.Process) (*render.Local, error) {
	opts := localBrowserOptions(p.Fetcher())
	opts.ExecPath, opts.Logger = p.Config.ChromiumPath, p.Logger
	if p.InLambda {
		opts.MaxConcurrent = 1
		opts.ExtraFlags = render.LambdaFlags()
		opts.TempDir = "/tmp"
	}
	l, err := render.NewLocal(opts)
	if err != nil {
		return nil, err
	}
	p.OnClose(func() { _ = l.Close() })
	return l, nil
}

// localBrowserOptions put the browser behind the fetcher's guard twice:
// every request the browser reports is checked before it leaves
// (interception), and every connection it opens goes through an egress
// proxy dialling with the fetcher's guarded dialer, which catches what
// interception cannot see (WebSockets, preconnects, DNS rebinding).
func localBrowserOptions(f *fetch.Fetcher) render.LocalOptions {
	return render.LocalOptions{Guard: fetchGuard(f), Egress: fetchEgress(f)}
}

// fetchEgress opens egress proxies on the fetcher's guarded dialer.
func fetchEgress(f *fetch.Fetcher) render.Egress {
	return render.EgressFunc(func() (render.EgressRoute, error) {
		p, err := f.ListenEgress()
		if err != nil {
			return nil, err
		}
		return p, nil
	})
}

// fetchGuard checks browser requests with the fetch layer's SSRF guard:
// one policy (and one allowlist) for every URL the service loads.
func fetchGuard(f *fetch.Fetcher) render.Guard {
	return render.GuardFunc(func(ctx context.Context, u *url.URL) error {
		_, err := f.CheckURL(ctx, u.String())
		return err
	})
}

// Pipeline returns the process's crawl pipeline.
func Pipeline(ctx context.Context, p *wire.Process) (*pipeline.Pipeline, error) {
	return wire.Shared(p, pipelineKey, func() (*pipeline.Pipeline, error) {
		reg, err := Strategies(ctx, p)
		if err != nil {
			return nil, err
		}
		return &pipeline.Pipeline{Fetcher: p.Fetcher(), Cache: store.NewCache(p.Store), Browser: Renderer(ctx, p),
			Sessions: sessionswire.Service(p), Strategies: reg, Logger: p.Logger, Recorder: p.Recorder}, nil
	})
}

// WASM returns the process's WASM engine: modules stored by sha256 in the
// blob store, compiled on first use into a disk cache, instances pooled.
func WASM(ctx context.Context, p *wire.Process) (*wasm.Engine, error) {
	return wire.Shared(p, "wasm", func() (*wasm.Engine, error) {
		modules, err := p.Blob(ctx, "modules/")
		if err != nil {
			return nil, err
		}
		dir := p.Config.WASMCacheDir
		if dir == "" {
			dir = filepath.Join(os.TempDir(), "riptide-wasm")
		}
		eng := wasm.New(wasm.Options{Store: modules, CacheDir: dir, Logger: p.Logger})
		p.OnClose(func() { _ = eng.Close(context.Background()) })
		return eng, nil
	})
}

// Strategies returns the process's extraction strategy registry (the
// built-ins, WASM modules, and whatever other wiring registers, e.g. llm).
func Strategies(ctx context.Context, p *wire.Process) (*strategy.Registry, error) {
	return wire.Shared(p, "strategies", func() (*strategy.Registry, error) {
		eng, err := WASM(ctx, p)
		if err != nil {
			return nil, err
		}
		reg := strategy.NewRegistry(strategy.Builtins(strategy.BuiltinOptions{Modules: eng})...)
		reg.Register(llmwire.Strategy(llmwire.Service(ctx, p)))
		return reg, nil
	})
}
