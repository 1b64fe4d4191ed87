// Command health is the Lambda function of the health endpoint group:
// dependency health, Prometheus metrics and the OpenAPI document.
package main

import (
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/healthwire"
)

var function = wire.Func{Name: "health", Build: healthwire.Build}

func main() { function.Start() }
