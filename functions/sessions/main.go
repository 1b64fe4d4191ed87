// Command sessions is the Lambda function of the sessions endpoint group: Browser sessions and cookie jars.
// Its engine is not built yet, so every route answers 501 not_implemented
// (and is marked x-status: planned in the OpenAPI document).
package main

import "github.com/riptidecrawler/riptide/shared/app"

var newHandler = app.PlannedFunction("sessions")

func main() { app.StartFunction("sessions", newHandler) }
