// Command pdf is the Lambda function of the pdf endpoint group: PDF text and metadata extraction.
// Its engine is not built yet, so every route answers 501 not_implemented
// (and is marked x-status: planned in the OpenAPI document).
package main

import "github.com/riptidecrawler/riptide/shared/app"

var newHandler = app.PlannedFunction("pdf")

func main() { app.StartFunction("pdf", newHandler) }
