// Command render is the Lambda function of the render endpoint group. It
// carries Chromium (the layer built by `make layers`) and serves both
// POST /api/v1/render and the render tasks other functions send it
// (the lambdarender adapter invokes it with a render.Request as the event).
package main

import (
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/renderwire"
)

var function = wire.Func{Name: "render", Build: renderwire.BuildFunction}

func main() { function.Start() }
