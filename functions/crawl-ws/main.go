// Command crawl-ws is the Lambda function behind the API Gateway WebSocket
// API: $connect authenticates (API key header or a short-lived token),
// $default runs the crawl protocol and posts every message back to the
// client through the management API.
package main

import (
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/crawlwire"
)

var function = wire.Func{Name: "crawl-ws", Build: crawlwire.BuildWebSocket}

func main() { function.Start() }
