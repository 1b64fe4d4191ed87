// Command tables is the Lambda function of the tables endpoint group: Table extraction and export.
package main

import (
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/tableswire"
)

var function = wire.Func{Name: "tables", Build: tableswire.Build}

func main() { function.Start() }
