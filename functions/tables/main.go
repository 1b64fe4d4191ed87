// Command tables is the Lambda function of the tables endpoint group: Table extraction and export.
// Its engine is not built yet, so every route answers 501 not_implemented
// (and is marked x-status: planned in the OpenAPI document).
package main

import "github.com/riptidecrawler/riptide/shared/app"

var newHandler = app.PlannedFunction("tables")

func main() { app.StartFunction("tables", newHandler) }
