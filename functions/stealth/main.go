// Command stealth is the Lambda function of the stealth endpoint group.
// It has no browser: detection tests run on the render function.
package main

import (
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/stealthwire"
)

var function = wire.Func{Name: "stealth", Build: stealthwire.Build}

func main() { function.Start() }
