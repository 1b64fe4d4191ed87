// Command monitoring is the Lambda function of the monitoring endpoint
// group: the service-wide health score, metrics, performance report,
// pipeline phases and alert rules, read from the Redis minute buckets
// every function writes.
package main

import (
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/monitoringwire"
)

var function = wire.Func{Name: "monitoring", Build: monitoringwire.Build}

func main() { function.Start() }
