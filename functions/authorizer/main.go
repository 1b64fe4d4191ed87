// Command authorizer is API Gateway's Lambda authorizer: it meters each
// REST request on its caller's API Gateway key (the stack's usage plans),
// never refusing one; the application decides access.
package main

import (
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/authorizerwire"
)

var function = wire.Func{Name: "authorizer", Build: authorizerwire.Build}

func main() { function.Start() }
