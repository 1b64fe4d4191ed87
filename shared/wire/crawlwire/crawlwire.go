// Package crawlwire wires the crawl group (batch, streams, extract, the
// local WebSocket) and the crawl-ws function (the API Gateway WebSocket).
package crawlwire

import (
	"context"
	"log/slog"
	"time"

	crawlapi "github.com/riptidecrawler/riptide/shared/api/crawl"
	spiderapi "github.com/riptidecrawler/riptide/shared/api/spider"
	"github.com/riptidecrawler/riptide/shared/awsapi"
	"github.com/riptidecrawler/riptide/shared/awsapi/lambdainvoke"
	"github.com/riptidecrawler/riptide/shared/lambdaio"
	"github.com/riptidecrawler/riptide/shared/lambdaio/selfinvoke"
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/pipelinewire"
	"github.com/riptidecrawler/riptide/shared/wire/spiderwire"
	"github.com/riptidecrawler/riptide/shared/wire/workerswire"
)

// LambdaSyncDeadline keeps a synchronous batch inside API Gateway's 29 s
// integration timeout, with time left to encode the response.
const LambdaSyncDeadline = 25 * time.Second

func deps(ctx context.Context, p *wire.Process) (crawlapi.Deps, error) {
	pl, err := pipelinewire.Pipeline(ctx, p)
	if err != nil {
		return crawlapi.Deps{}, err
	}
	d := crawlapi.Deps{Pipeline: pl, Tokens: p.Auth}
	if p.InLambda {
		d.SyncDeadline = LambdaSyncDeadline
	}
	return d, nil
}

// Build is the crawl group's Builder. options.use_spider starts spider
// runs through the process's spider service; async (and batches over the
// synchronous limit) become jobs of the process's job system.
func Build(ctx context.Context, p *wire.Process) (wire.Group, error) {
	svc, err := spiderwire.Service(ctx, p, spiderwire.Options{})
	if err != nil {
		return wire.Group{}, err
	}
	d, err := deps(ctx, p)
	if err != nil {
		return wire.Group{}, err
	}
	d.Spider = spiderapi.CrawlDelegate{Service: svc}
	sys, err := workerswire.Jobs(ctx, p)
	if err != nil {
		return wire.Group{}, err
	}
	d.Jobs = workerswire.CrawlSubmitter{Service: sys.Service}
	return wire.Group{Handlers: crawlapi.Handlers(d)}, nil
}

// BuildWebSocket is the crawl-ws function's Builder: $connect
// authenticates (API key header or a short-lived token), $default runs the
// crawl protocol and posts every message back through the management API.
// In Lambda, $default hands each message to an asynchronous invocation of
// this function: API Gateway gives up on a WebSocket integration after
// 29 s, a crawl runs up to the function's timeout.
func BuildWebSocket(ctx context.Context, p *wire.Process) (wire.Group, error) {
	// WebSocket crawls stream their results; spider runs are not started here.
	d, err := deps(ctx, p)
	if err != nil {
		return wire.Group{}, err
	}
	d.SyncDeadline = 0
	awsCfg, err := p.AWS(ctx)
	if err != nil {
		return wire.Group{}, err
	}
	ws := &lambdaio.WebSocketApp{
		Authenticate: p.Auth.AuthenticateUpgrade,
		Subprotocol:  crawlapi.Subprotocol,
		OnMessage:    d.WebSocketMessage,
		Poster:       &lambdaio.ManagementPoster{Config: awsCfg, BaseEndpoint: p.Config.WSEndpoint},
		Logger:       p.Logger,
	}
	if name, ok := p.Lookup("AWS_LAMBDA_FUNCTION_NAME"); ok && name != "" {
		// Without a region (never in Lambda itself; in a bare emulator)
		// messages run in the $default invocation, within API Gateway's
		// 29 s, instead of the function not starting at all.
		if invoker, err := lambdainvoke.New(ctx, awsCfg, awsapi.Options{}); err != nil {
			p.Logger.Warn("crawl-ws cannot invoke itself: crawls run inside the $default invocation (29 s limit)", slog.String("error", err.Error()))
		} else {
			ws.Async = selfinvoke.WebSocket(invoker, selfinvoke.Target(name, p.Config.WSSelfAlias))
		}
	}
	return wire.Group{Events: lambdaio.Handler{WebSocket: ws.Handle, Task: ws.RunTask}}, nil
}
