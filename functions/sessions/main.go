// Command sessions is the Lambda function of the sessions endpoint group: Browser sessions and cookie jars.
// Its engine is not built yet, so every route answers 501 not_implemented
// (and is marked x-status: planned in the OpenAPI document).
package main

import "github.com/riptidecrawler/riptide/shared/wire"

var function = wire.Func{Name: "sessions", Build: wire.Planned}

func main() { function.Start() }
