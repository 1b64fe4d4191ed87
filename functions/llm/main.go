// Command llm is the Lambda function of the llm endpoint group: LLM provider management.
// Its engine is not built yet, so every route answers 501 not_implemented
// (and is marked x-status: planned in the OpenAPI document).
package main

import "github.com/riptidecrawler/riptide/shared/app"

var newHandler = app.PlannedFunction("llm")

func main() { app.StartFunction("llm", newHandler) }
