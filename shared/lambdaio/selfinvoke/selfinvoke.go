// Package selfinvoke hands work to an asynchronous invocation of the
// running function (InvocationType Event). It is its own package so that
// only the functions that need it link the Lambda Invoke client
// (awsapi/lambdainvoke).
package selfinvoke

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/riptidecrawler/riptide/shared/awsapi/lambdainvoke"
	"github.com/riptidecrawler/riptide/shared/lambdaio"
)

// Invoker is the one Lambda call used here; *lambdainvoke.Client
// satisfies it.
type Invoker interface {
	Invoke(ctx context.Context, in lambdainvoke.Input) (*lambdainvoke.Output, error)
}

// Target names what a function invokes to reach itself: the alias when one
// is set (FunctionName "name:alias" invokes the version the alias serves, so
// hand-offs follow a canary deployment), else the bare name ($LATEST).
func Target(name, alias string) string {
	if alias == "" {
		return name
	}
	return name + ":" + alias
}

// WebSocket returns the WebSocketApp.Async of a function: each message goes
// to an asynchronous invocation of function name.
func WebSocket(client Invoker, name string) func(context.Context, lambdaio.WSTask) error {
	return func(ctx context.Context, task lambdaio.WSTask) error {
		payload, err := json.Marshal(task)
		if err != nil {
			return err
		}
		out, err := client.Invoke(ctx, lambdainvoke.Input{FunctionName: name,
			InvocationType: lambdainvoke.Event, Payload: payload})
		if err != nil {
			return fmt.Errorf("invoke %s asynchronously: %w", name, err)
		}
		if out.StatusCode != http.StatusAccepted {
			return fmt.Errorf("invoke %s asynchronously: status %d", name, out.StatusCode)
		}
		return nil
	}
}
