package wire

import (
	"context"
	"net/http"
	"os"

	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/lambdaio"
	"github.com/riptidecrawler/riptide/shared/routes"
	"github.com/riptidecrawler/riptide/shared/store"
)

// Group is what a group's wiring hands its home.
type Group struct {
	// Handlers serve the group's HTTP operations, by operation id. A group
	// whose engine is planned has none: its routes answer 501.
	Handlers map[string]http.Handler
	// Events are the function's other entry points (Task, SQS, WebSocket);
	// Function fills in HTTP and Streams.
	Events lambdaio.Handler
}

// Builder wires one endpoint group on a process.
type Builder func(ctx context.Context, p *Process) (Group, error)

// Planned is the Builder of a group whose engine is not built yet.
func Planned(context.Context, *Process) (Group, error) { return Group{}, nil }

// HTTPOptions returns the options of the HTTP core.
func (p *Process) HTTPOptions() httpx.Options {
	cors := httpx.CORSConfig{AllowedOrigins: p.Config.CORSOrigins, MaxAgeSeconds: 600}
	o := httpx.Options{Logger: p.Logger, Metrics: p.Metrics, Recorder: p.Recorder, Auth: p.Auth, CORS: cors, Sunset: p.Config.LegacySunset}
	o.RateLimit = p.RateLimiter()
	if p.Keys != nil {
		o.Usage = httpx.KeyUsage{Keys: p.Keys}
	}
	if !p.Config.AuthDisabled {
		o.Audit = p.AuditLog()
	}
	return o
}

// LaterCharges charges work done after its request (a spider run's pages,
// a schedule's firings) on the process's rate limiter and key counters.
func (p *Process) LaterCharges() httpx.LaterCharges {
	c := httpx.LaterCharges{Limiter: p.RateLimiter(), Logger: p.Logger}
	if p.Keys != nil {
		c.Usage = httpx.KeyUsage{Keys: p.Keys}
	}
	return c
}

// HTTPHandler mounts routes with handlers behind the middleware stack. It
// is where a home starts serving HTTP, so it also announces an
// authentication setup that lets everyone in or no one.
func (p *Process) HTTPHandler(table []routes.Route, handlers map[string]http.Handler) (http.Handler, error) {
	p.announceAuth()
	return httpx.NewHandler(p.HTTPOptions(), table, handlers)
}

// Function wires the Lambda handler of the function serving the route
// group name: every route of the group (ready ones with the group's
// handlers, planned ones with 501), streaming for stream routes, and the
// group's other entry points.
func Function(ctx context.Context, name string, lookup config.LookupFunc, build Builder) (*lambdaio.Handler, *Process, error) {
	p, err := New(ctx, name, lookup)
	if err != nil {
		return nil, nil, err
	}
	g, err := build(ctx, p)
	if err != nil {
		p.Close()
		return nil, nil, err
	}
	h := g.Events
	if group := routes.Group(name); len(group) > 0 {
		if h.HTTP, err = p.HTTPHandler(group, g.Handlers); err != nil {
			p.Close()
			return nil, nil, err
		}
		h.Streams = lambdaio.StreamMatcher(group)
	}
	return &h, p, nil
}

// Func is one Lambda function of the bundle: its name (the route group it
// serves) and its group's Builder. A function's main is one line:
// wire.Func{...}.Start().
type Func struct {
	Name  string
	Build Builder
}

// Handler wires the function with configuration from lookup (tests drive
// it with sample events).
func (f Func) Handler(ctx context.Context, lookup config.LookupFunc) (*lambdaio.Handler, error) {
	h, _, err := Function(ctx, f.Name, lookup, f.Build)
	return h, err
}

// Start builds the function with the process environment and starts the
// Lambda runtime loop; it exits the process when wiring fails.
func (f Func) Start() {
	h, err := f.Handler(context.Background(), os.LookupEnv)
	if err != nil {
		Fatal(f.Name, err)
	}
	lambdaio.Start(h)
}

// AuditLog returns the process's audit trail (one per process: its appends
// are serialised in process before they contend in Redis).
func (p *Process) AuditLog() *store.AuditLog {
	a, _ := Shared(p, "audit.log", func() (*store.AuditLog, error) { return store.NewAuditLog(p.Store), nil })
	return a
}
