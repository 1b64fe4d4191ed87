// Command admin is the Lambda function of the admin endpoint group: API keys as data.
package main

import (
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/adminwire"
)

var function = wire.Func{Name: "admin", Build: adminwire.Build}

func main() { function.Start() }
