package httpx

import (
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/monitor"
	"github.com/riptidecrawler/riptide/shared/routes"
)

// Options configures the HTTP core shared by every home.
type Options struct {
	Logger *slog.Logger
	// Metrics receives this instance's request metrics (/metrics); nil
	// records none.
	Metrics RequestMetrics
	// Recorder receives one record per request (the monitoring group's
	// route latencies, CloudWatch); nil records nothing.
	Recorder RequestRecorder
	Auth     AuthConfig
	CORS     CORSConfig
	// RateLimit, when set, limits every authenticated route per caller,
	// plan and route group.
	RateLimit RateLimiter
	// BodyReadTimeout bounds the wait for a request body once the route
	// has accepted the request (default DefaultBodyReadTimeout; negative:
	// none).
	BodyReadTimeout time.Duration
	// MaxUnauthenticated caps the requests in flight that have not
	// authenticated (public routes included); over it a request gets 429
	// at once (default DefaultMaxUnauthenticated; negative: no cap).
	MaxUnauthenticated int
	// Audit, when set, receives every state-changing call and every
	// authentication or authorization failure.
	Audit Auditor
	// Usage, when set, counts each managed key's requests and what its
	// handlers report with AddUsage.
	Usage UsageRecorder
	// Deprecated and Sunset are announced on legacy unprefixed paths.
	Deprecated time.Time
	Sunset     time.Time
}

// RequestRecorder is the monitor's recorder port as the HTTP core uses it.
type RequestRecorder interface {
	RecordRequest(monitor.Request)
}

// Default dates of the legacy-path deprecation (docs/api-versioning.md).
var (
	DefaultDeprecated = time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	DefaultSunset     = time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC)
)

// NewHandler mounts routes with their handlers (keyed by operation id) and
// wraps them in the middleware stack. A ready route without a handler, a
// handler for an unknown or planned operation, or a path conflict is an
// error: the route table and the code must agree.
//
// Order, outermost first: request id, panic recovery, access log and
// metrics, CORS (preflight answered here), version negotiation, routing
// (404/405), then per route: auth, rate limit, content type and body limit.
// Rate limiting runs after auth so that unauthenticated calls cannot spend
// a caller's budget (the original counted them first).
func NewHandler(opts Options, table []routes.Route, handlers map[string]http.Handler) (http.Handler, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Deprecated.IsZero() {
		opts.Deprecated = DefaultDeprecated
	}
	if opts.Sunset.IsZero() {
		opts.Sunset = DefaultSunset
	}
	if opts.BodyReadTimeout == 0 {
		opts.BodyReadTimeout = DefaultBodyReadTimeout
	}
	if opts.MaxUnauthenticated == 0 {
		opts.MaxUnauthenticated = DefaultMaxUnauthenticated
	}
	gate := newAdmission(opts.MaxUnauthenticated)
	mux := http.NewServeMux()
	legacy := &legacyPaths{mux: mux, routes: map[string]routes.Route{},
		deprecation: "@" + fmt.Sprint(opts.Deprecated.Unix()), sunset: opts.Sunset.UTC().Format(http.TimeFormat)}
	used := map[string]bool{}
	for _, rt := range table {
		h, ok := handlers[rt.Op]
		switch {
		case rt.Status == routes.Ready && !ok:
			return nil, fmt.Errorf("route %s (%s %s) is ready but has no handler", rt.Op, rt.Method, rt.Path)
		case rt.Status == routes.Planned && ok:
			return nil, fmt.Errorf("route %s has a handler but is marked planned in the route table", rt.Op)
		case !ok:
			h = notImplemented(rt)
		}
		used[rt.Op] = true
		for _, p := range rt.Paths() {
			isLegacy := slices.Contains(rt.Legacy, p)
			if err := register(mux, rt.Method+" "+p, routeHandler(opts, gate, rt, isLegacy, h)); err != nil {
				return nil, err
			}
			if isLegacy {
				legacy.routes[rt.Method+" "+p] = rt
			}
		}
		for _, m := range rt.LegacyMethods {
			for _, p := range rt.Legacy {
				if err := register(mux, m+" "+p, routeHandler(opts, gate, rt, true, legacyMethodHandler(rt, h))); err != nil {
					return nil, err
				}
				legacy.routes[m+" "+p] = rt
			}
		}
	}
	for op := range handlers {
		if !used[op] {
			return nil, fmt.Errorf("handler for %q has no route in this route set", op)
		}
	}
	mux.Handle("/", unmatched(mux))

	var h http.Handler = mux
	h = versionMiddleware(h)
	h = corsMiddleware(opts.CORS)(h)
	h = legacy.middleware(h)
	h = accessLogMiddleware(opts.Metrics, opts.Recorder)(h)
	h = recoverMiddleware(h)
	h = requestIDMiddleware(opts.Logger)(h)
	return contractRecorder(h), nil
}

// register adds a pattern, turning ServeMux's conflict panic into an error.
func register(mux *http.ServeMux, pattern string, h http.Handler) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("route pattern %q: %v", pattern, v)
		}
	}()
	mux.Handle(pattern, h)
	return nil
}

// unmatched answers requests no route took: 405 with Allow when the path
// exists for other methods (found by asking the mux about each method),
// else 404.
func unmatched(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var allowed []string
		for _, m := range probeMethods {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "" && pattern != "/" {
				allowed = append(allowed, m)
			}
		}
		if len(allowed) == 0 {
			WriteError(w, r, core.Errorf(core.ErrNotFound, "no route for %s %s", r.Method, r.URL.Path))
			return
		}
		allow := strings.Join(allowed, ", ")
		w.Header().Set("Allow", allow)
		WriteError(w, r, core.Errorf(core.ErrMethodNotAllowed, "method %s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, allow))
	})
}

// notImplemented answers a planned route. A 501 here is the route table
// speaking, not a failure of the service: it is logged at info level
// (WriteError logs other 5xx as errors).
func notImplemented(rt routes.Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, r, core.Errorf(core.ErrNotImplemented,
			"%s %s is planned but not implemented yet (operation %s); see /api/v1/openapi.json (x-status: planned)", rt.Method, rt.Path, rt.Op))
	})
}

// routeHandler applies the per-route middleware: route info for logs,
// deprecation headers, auth, content type and body limit.
//
// Everything that can refuse a request is decided on its headers, before
// a byte of the body is read: auth, the rate limit, the content type and
// the announced size. The body is then read under a deadline
// (bodyDeadline). A request on a public route holds a slot of gate
// (MaxUnauthenticated) while it runs; one that fails authentication is
// answered at once and its connection closed, so neither kind can pile
// up, and anonymous traffic never takes the place of authenticated work.
func routeHandler(opts Options, gate *admission, rt routes.Route, isLegacy bool, next http.Handler) http.Handler {
	route := rt
	// /metrics is public unless configured otherwise (it can reveal traffic).
	public := rt.Public && !(rt.Path == "/metrics" && !opts.Auth.PublicMetrics)
	// The deprecation headers of legacy paths are set before routing
	// (legacyPaths.middleware), so that 405s and 406s carry them too.
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ri := Info(r.Context())
		ri.Route = &route
		ri.Legacy = isLegacy
		if public {
			// An anonymous request holds a slot for as long as it runs.
			if !gate.enter() {
				refuseBusy(w, r, opts.MaxUnauthenticated)
				return
			}
			defer gate.leave()
		} else {
			authenticate := opts.Auth.authenticate
			if route.WebSocket {
				authenticate = opts.Auth.AuthenticateUpgrade
			}
			if err := authenticate(r); err != nil {
				auditFailure(opts.Audit, r, &route, err)
				refuseUnread(w, r, err)
				return
			}
			if err := authorize(r, &route); err != nil {
				auditFailure(opts.Audit, r, &route, err)
				refuseUnread(w, r, err)
				return
			}
			defer recordUsage(opts.Usage, r)
			if opts.Audit != nil && stateChanging(r) {
				rec := &recorder{ResponseWriter: w}
				w = rec
				defer auditCall(opts.Audit, r, &route, rec)
			}
			if opts.RateLimit != nil {
				if !rateLimit(opts.RateLimit, w, r, route.Group) {
					return
				}
				defer chargeAfter(r)
			}
		}
		if route.Body != routes.NoBody && hasBody(r) {
			if ct := r.Header.Get("Content-Type"); !IsJSONContentType(ct) && !rawAllowed(&route, ct) {
				refuseUnread(w, r, core.Errorf(core.ErrUnsupportedMediaType,
					"Content-Type must be application/json, got %q", r.Header.Get("Content-Type")))
				return
			}
		}
		limit := route.BodyLimit()
		if r.ContentLength > limit {
			// Refuse early when the client announces too much; bodies
			// without a length are still capped on bytes read below.
			refuseUnread(w, r, core.Errorf(core.ErrPayloadTooLarge, "request body exceeds the limit of %d bytes for this route", limit))
			return
		}
		if !route.WebSocket {
			bodyDeadline(w, r, opts.BodyReadTimeout)
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		if isLegacy && len(route.LegacyFields) > 0 {
			if err := moveLegacyFields(r, route.LegacyFields); err != nil {
				WriteError(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// rawAllowed reports whether the route accepts ct besides JSON.
func rawAllowed(rt *routes.Route, ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && slices.Contains(rt.RawContentTypes, mt)
}

func hasBody(r *http.Request) bool {
	return r.ContentLength > 0 || (r.ContentLength == -1 && r.Body != nil && r.Body != http.NoBody)
}
