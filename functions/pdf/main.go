// Command pdf is the Lambda function of the pdf endpoint group: PDF text and metadata extraction.
// Its engine is not built yet, so every route answers 501 not_implemented
// (and is marked x-status: planned in the OpenAPI document).
package main

import "github.com/riptidecrawler/riptide/shared/wire"

var function = wire.Func{Name: "pdf", Build: wire.Planned}

func main() { function.Start() }
