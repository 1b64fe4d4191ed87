// Command sessions is the Lambda function of the sessions endpoint group:
// sessions and their cookie jars, in Redis.
package main

import (
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/sessionswire"
)

var function = wire.Func{Name: "sessions", Build: sessionswire.Build}

func main() { function.Start() }
