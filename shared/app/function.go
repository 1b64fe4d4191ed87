package app

import (
	"context"
	"net/http"
	"os"

	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/lambdaio"
	"github.com/riptidecrawler/riptide/shared/routes"
)

// Handlers builds a group's HTTP handlers (keyed by operation id) from the
// base. A group whose engine is planned returns nil: its routes answer 501.
type Handlers func(b *Base) (map[string]http.Handler, error)

// NewHTTPFunction wires the Lambda handler of the function serving the
// route group name: every route of the group (ready ones with handlers,
// planned ones with 501), streaming for stream routes.
func NewHTTPFunction(ctx context.Context, name string, lookup config.LookupFunc, handlers Handlers) (*lambdaio.Handler, *Base, error) {
	b, err := New(ctx, name, lookup)
	if err != nil {
		return nil, nil, err
	}
	var hs map[string]http.Handler
	if handlers != nil {
		if hs, err = handlers(b); err != nil {
			return nil, nil, err
		}
	}
	group := routes.Group(name)
	h, err := b.HTTPHandler(group, hs)
	if err != nil {
		return nil, nil, err
	}
	return &lambdaio.Handler{HTTP: h, Streams: lambdaio.StreamMatcher(group)}, b, nil
}

// StartFunction builds the handler with the process environment and starts
// the Lambda runtime loop; it exits the process when wiring fails.
func StartFunction(name string, build func(context.Context, config.LookupFunc) (*lambdaio.Handler, error)) {
	h, err := build(context.Background(), os.LookupEnv)
	if err != nil {
		Fatal(name, err)
	}
	lambdaio.Start(h)
}

// PlannedFunction is the wiring of a function whose group's engine is not
// built yet: every route answers 501 not_implemented.
func PlannedFunction(name string) func(context.Context, config.LookupFunc) (*lambdaio.Handler, error) {
	return func(ctx context.Context, lookup config.LookupFunc) (*lambdaio.Handler, error) {
		h, _, err := NewHTTPFunction(ctx, name, lookup, nil)
		return h, err
	}
}
