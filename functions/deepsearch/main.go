// Command deepsearch is the Lambda function of the deepsearch endpoint group: Web search and crawl of the hits.
package main

import (
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/searchwire"
)

var function = wire.Func{Name: "deepsearch", Build: searchwire.Build}

func main() { function.Start() }
