// Command strategies is the Lambda function of the strategies endpoint group: Structured extraction strategies (CSS, regex, LLM, WASM).
// Its engine is not built yet, so every route answers 501 not_implemented
// (and is marked x-status: planned in the OpenAPI document).
package main

import "github.com/riptidecrawler/riptide/shared/wire"

var function = wire.Func{Name: "strategies", Build: wire.Planned}

func main() { function.Start() }
