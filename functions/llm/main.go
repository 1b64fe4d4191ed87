// Command llm is the Lambda function of the llm endpoint group: LLM provider management.
// Its engine is not built yet, so every route answers 501 not_implemented
// (and is marked x-status: planned in the OpenAPI document).
package main

import "github.com/riptidecrawler/riptide/shared/wire"

var function = wire.Func{Name: "llm", Build: wire.Planned}

func main() { function.Start() }
