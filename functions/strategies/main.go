// Command strategies is the Lambda function of the strategies endpoint group: Structured extraction strategies (CSS, regex, LLM, WASM).
package main

import (
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/strategieswire"
)

var function = wire.Func{Name: "strategies", Build: strategieswire.Build}

func main() { function.Start() }
