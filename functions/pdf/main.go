// Command pdf is the Lambda function of the pdf endpoint group: PDF text and metadata extraction.
package main

import (
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/pdfwire"
)

var function = wire.Func{Name: "pdf", Build: pdfwire.Build}

func main() { function.Start() }
