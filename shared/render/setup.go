package render

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/pipeline"
	"github.com/riptidecrawler/riptide/shared/stealth"
)

// Setup says how a process renders.
type Setup struct {
	// FunctionName selects the remote renderer (the render Lambda).
	FunctionName string
	// ChromiumPath for the local renderer ("" searches PATH).
	ChromiumPath string
	// InLambda adds the Lambda Chromium flags and renders one page at a time.
	InLambda bool
	Guard    Guard
	Logger   *slog.Logger
}

// New builds the renderer of this process: remote when a function name is
// set, else a lazily started local Chromium. The closer stops the local
// browser. With no function and no Chromium it returns an error (callers
// then serve without headless rendering and say so).
func New(ctx context.Context, s Setup) (Renderer, io.Closer, error) {
	if s.FunctionName != "" {
		cfg, err := awsconfig.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, nil, err
		}
		r, err := NewRemote(lambda.NewFromConfig(cfg), RemoteOptions{FunctionName: s.FunctionName})
		return r, io.NopCloser(nil), err
	}
	opts := LocalOptions{ExecPath: s.ChromiumPath, Guard: s.Guard, Logger: s.Logger}
	if s.InLambda {
		opts.MaxConcurrent = 1
		opts.ExtraFlags = LambdaFlags()
		opts.TempDir = "/tmp"
	}
	l, err := NewLocal(opts)
	if err != nil {
		return nil, nil, err
	}
	return l, l, nil
}

// FetchGuard checks browser requests with the fetch layer's SSRF guard:
// one policy (and one allowlist) for every URL the service loads.
func FetchGuard(f *fetch.Fetcher) Guard {
	return GuardFunc(func(ctx context.Context, u *url.URL) error {
		_, err := f.CheckURL(ctx, u.String())
		return err
	})
}

// DefaultWait is what a render waits for when the request names nothing:
// the load event, then a quiet network, so content written by scripts
// shortly after load is there.
func DefaultWait() []WaitCondition {
	return []WaitCondition{{Type: WaitLoad}, {Type: WaitNetworkIdle, IdleMS: 800}}
}

// ForPipeline lets the crawl pipeline send headless pages to a Renderer.
type ForPipeline struct {
	Renderer Renderer
	// Stealth applied to crawl renders (nil: none).
	Stealth *stealth.Options
}

// RenderPage implements pipeline.Renderer.
func (p ForPipeline) RenderPage(ctx context.Context, req pipeline.RenderRequest) (*pipeline.RenderedPage, error) {
	headers := map[string]string{}
	for k, v := range req.Headers {
		headers[k] = v
	}
	if req.UserAgent != "" {
		headers["User-Agent"] = req.UserAgent
	}
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	res, err := p.Renderer.Render(ctx, Request{URL: req.URL, HTML: string(req.HTML), TimeoutMS: int(timeout.Milliseconds()), Headers: headers,
		Wait: DefaultWait(), Stealth: p.Stealth, Block: Block{Media: true, Fonts: true, Trackers: true}})
	if err != nil {
		return nil, err
	}
	return &pipeline.RenderedPage{FinalURL: res.FinalURL, Status: res.Status, HTML: []byte(res.HTML)}, nil
}

// FromConfig builds the renderer a RipTide process uses: the render
// function when RIPTIDE_RENDER_FUNCTION is set, else a local Chromium
// (RIPTIDE_CHROMIUM_PATH or PATH) behind the fetch layer's SSRF guard
// with the same allowlist.
func FromConfig(ctx context.Context, cfg config.Config, inLambda bool, logger *slog.Logger) (Renderer, io.Closer, error) {
	f, err := fetch.New(fetch.Options{AllowCIDRs: cfg.AllowCIDRs, Logger: logger})
	if err != nil {
		return nil, nil, err
	}
	return New(ctx, Setup{FunctionName: cfg.RenderFunction, ChromiumPath: cfg.ChromiumPath, InLambda: inLambda, Guard: FetchGuard(f), Logger: logger})
}

// Optional is FromConfig for processes that can work without a browser:
// when none is available it logs why and returns nil.
func Optional(ctx context.Context, cfg config.Config, inLambda bool, logger *slog.Logger) Renderer {
	r, _, err := FromConfig(ctx, cfg, inLambda, logger)
	if err != nil {
		if logger != nil {
			logger.Warn("headless rendering unavailable: headless pages are extracted from raw HTML", slog.String("reason", err.Error()))
		}
		return nil
	}
	return r
}

// PipelineRenderer adapts r for the crawl pipeline; nil stays nil (an
// interface holding a nil renderer would look like a working one).
func PipelineRenderer(r Renderer) pipeline.Renderer {
	if r == nil {
		return nil
	}
	return ForPipeline{Renderer: r}
}

// HealthProbe reports the renderer's state for the health endpoint: the
// local browser's binary and lifecycle counters, or the remote function.
func HealthProbe(r Renderer) func(context.Context) (string, error) {
	return func(context.Context) (string, error) {
		switch v := r.(type) {
		case nil:
			return "", errors.New("no Chromium found and no render function configured")
		case *Local:
			if _, err := os.Stat(v.opts.ExecPath); err != nil {
				return v.opts.ExecPath, err
			}
			s := v.Stats()
			return fmt.Sprintf("local %s (launches %d, renders %d, crashes %d)", v.opts.ExecPath, s.Launches, s.Renders, s.Crashes), nil
		case *Remote:
			return "remote: function " + v.opts.FunctionName, nil
		}
		return fmt.Sprintf("%T", r), nil
	}
}

// HandleTask serves render requests sent as Lambda task events by Remote:
// the payload is a Request, the answer a Result; a failure is a typed error
// that lambdaio turns into a Lambda function error Remote can read back.
func HandleTask(r Renderer) func(context.Context, json.RawMessage) (any, error) {
	return func(ctx context.Context, payload json.RawMessage) (any, error) {
		if r == nil {
			return nil, core.Errorf(core.ErrDependency, "this render function has no browser")
		}
		var req Request
		dec := json.NewDecoder(bytes.NewReader(payload))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			return nil, core.Errorf(core.ErrValidation, "render task: %v", err)
		}
		if err := req.Validate(); err != nil {
			return nil, err
		}
		return r.Render(ctx, req)
	}
}
