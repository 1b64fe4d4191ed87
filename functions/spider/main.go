// Command spider is the Lambda function of the spider endpoint group: the
// HTTP API of deep crawls, and the Init / CrawlBatch / Finalize steps the
// spider state machine invokes as task events.
package main

import (
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/spiderwire"
)

var function = wire.Func{Name: "spider", Build: spiderwire.Build}

func main() { function.Start() }
