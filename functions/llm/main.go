// Command llm is the Lambda function of the llm endpoint group: LLM provider management.
package main

import (
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/llmwire"
)

var function = wire.Func{Name: "llm", Build: llmwire.Build}

func main() { function.Start() }
