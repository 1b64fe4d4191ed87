// Command firecrawl is the Lambda function of the Firecrawl-compatible
// facade (/v1/scrape, /v1/map, /v1/crawl, /v1/batch/scrape). Its crawls
// and batch scrapes are spider runs, executed by the spider state machine.
package main

import (
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/firecrawlwire"
)

var function = wire.Func{Name: "firecrawl", Build: firecrawlwire.Build}

func main() { function.Start() }
