// Command crawl-ws is the Lambda function behind the API Gateway WebSocket
// API: $connect authenticates (API key header or a short-lived token),
// $default runs the crawl protocol and posts every message back to the
// client through the management API.
package main

import (
	"context"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	crawlapi "github.com/riptidecrawler/riptide/shared/api/crawl"
	"github.com/riptidecrawler/riptide/shared/app"
	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/lambdaio"
	"github.com/riptidecrawler/riptide/shared/lambdaio/selfinvoke"
	"github.com/riptidecrawler/riptide/shared/render"
)

func main() { app.StartFunction("crawl-ws", newHandler) }

func newHandler(ctx context.Context, lookup config.LookupFunc) (*lambdaio.Handler, error) {
	b, err := app.New(ctx, "crawl-ws", lookup)
	if err != nil {
		return nil, err
	}
	// WebSocket crawls stream their results; spider runs are not started here.
	d, err := crawlapi.NewDeps(b, render.PipelineRenderer(render.Optional(ctx, b.Config, b.InLambda, b.Logger)), nil)
	if err != nil {
		return nil, err
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	ws := &lambdaio.WebSocketApp{
		Authenticate: b.Auth.AuthenticateUpgrade,
		Subprotocol:  crawlapi.Subprotocol,
		OnMessage:    d.WebSocketMessage,
		Poster:       &lambdaio.ManagementPoster{Config: awsCfg, BaseEndpoint: b.Config.WSEndpoint},
		Logger:       b.Logger,
	}
	// In Lambda, $default hands each message to an asynchronous invocation
	// of this function: API Gateway gives up on a WebSocket integration
	// after 29 s, a crawl runs up to the function's timeout.
	if name, ok := lookup("AWS_LAMBDA_FUNCTION_NAME"); ok && name != "" {
		ws.Async = selfinvoke.WebSocket(lambda.NewFromConfig(awsCfg), name)
	}
	return &lambdaio.Handler{WebSocket: ws.Handle, Task: ws.RunTask}, nil
}
