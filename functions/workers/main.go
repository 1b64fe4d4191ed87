// Command workers is the Lambda function of the workers endpoint group:
// the async jobs API, the SQS worker (event source on the job queues, with
// partial batch failures) and the target of scheduled crawls.
package main

import (
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/workerswire"
)

var function = wire.Func{Name: "workers", Build: workerswire.Build}

func main() { function.Start() }
