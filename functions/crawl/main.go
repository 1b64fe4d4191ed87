// Command crawl is the Lambda function of the crawl endpoint group: batch
// crawls, NDJSON and SSE streams (response streaming), and extraction.
// Headless pages go to the render function (RIPTIDE_RENDER_FUNCTION).
package main

import (
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/crawlwire"
)

var function = wire.Func{Name: "crawl", Build: crawlwire.Build}

func main() { function.Start() }
