package httpx

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/monitor"
)

// recoverMiddleware turns a panic in a handler into a 500 internal_error
// (when nothing was written yet) and logs the stack. http.ErrAbortHandler
// is re-raised: it is net/http's way to abort a response on purpose.
func recoverMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recorder{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			Logger(r.Context()).Error("panic in handler", slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
			if !rec.wroteHeader {
				WriteError(rec, r, &core.Error{Type: core.ErrInternal, Message: "internal error", Cause: fmt.Errorf("panic: %v", v)})
			}
		}()
		next.ServeHTTP(rec, r)
	})
}

// accessLogMiddleware writes one JSON log line per request and records the
// request metrics. The query string is not logged: it can carry tokens.
func accessLogMiddleware(m RequestMetrics, requests RequestRecorder) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rec := &recorder{ResponseWriter: w}
			if m != nil {
				defer m.BeginRequest()()
			}
			next.ServeHTTP(rec, r)
			elapsed := time.Since(start)
			ri := Info(r.Context())
			op := "unmatched"
			if ri.Route != nil {
				op = ri.Route.Op
			}
			if m != nil {
				m.ObserveRequest(op, r.Method, rec.statusCode(), elapsed)
			}
			if requests != nil {
				requests.RecordRequest(monitor.Request{Route: op, Method: r.Method, Status: rec.statusCode(), Duration: elapsed})
			}
			attrs := []slog.Attr{
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.String("op", op),
				slog.Int("status", rec.statusCode()),
				slog.Int64("bytes", rec.bytes),
				slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
			}
			if ri.Principal != "" {
				attrs = append(attrs, slog.String("principal", ri.Principal))
			}
			if ri.Legacy {
				attrs = append(attrs, slog.Bool("legacy_path", true))
			}
			Logger(r.Context()).LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
		})
	}
}

// CORSConfig configures cross-origin access. Auth is by header (no ambient
// cookies), so allowing any origin does not expose callers to CSRF.
type CORSConfig struct {
	AllowedOrigins []string // "*" allows any origin; empty disables CORS headers
	MaxAgeSeconds  int
}

func (c CORSConfig) allow(origin string) (string, bool) {
	for _, o := range c.AllowedOrigins {
		if o == "*" {
			return "*", true
		}
		if strings.EqualFold(o, origin) {
			return origin, true
		}
	}
	return "", false
}

const corsAllowHeaders = "Authorization, Content-Type, X-API-Key, X-Request-ID, API-Version, Last-Event-ID"

// corsExposeHeaders are the response headers a cross-origin page may read:
// the request id to quote in a report, where a 202 says to follow the work
// (Location), and the rate-limit and deprecation signals.
const corsExposeHeaders = "X-Request-ID, API-Version, Location, Deprecation, Sunset, Link, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, RateLimit-Policy, RateLimit"

// corsMiddleware answers preflight requests itself (before routing, so they
// need no API key) and adds CORS headers to allowed origins.
func corsMiddleware(c CORSConfig) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			origin := r.Header.Get("Origin")
			allowed, ok := "", false
			if origin != "" {
				allowed, ok = c.allow(origin)
			}
			if ok {
				h := w.Header()
				h.Set("Access-Control-Allow-Origin", allowed)
				if allowed != "*" {
					h.Add("Vary", "Origin")
				}
				h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
				if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
					h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS")
					h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
					if c.MaxAgeSeconds > 0 {
						h.Set("Access-Control-Max-Age", strconv.Itoa(c.MaxAgeSeconds))
					}
					w.WriteHeader(http.StatusNoContent)
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// APIVersion is the only API version this server speaks.
const APIVersion = "1"

// versionMiddleware negotiates the API version. A client may ask with
// `Accept: application/vnd.riptide.vN+json` or `API-Version: N`; anything
// but 1 gets 406 unsupported_version. Every response says API-Version: 1.
func versionMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("API-Version", APIVersion)
		if v := strings.TrimSpace(r.Header.Get("API-Version")); v != "" && v != APIVersion && v != "v"+APIVersion {
			WriteError(w, r, unsupportedVersion(v))
			return
		}
		if v, ok := acceptedVendorVersion(r.Header.Values("Accept")); ok && v != APIVersion {
			WriteError(w, r, unsupportedVersion(v))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func unsupportedVersion(v string) *core.Error {
	return core.Errorf(core.ErrUnsupportedVersion, "API version %q is not supported; supported versions: [\"1\"]", v).
		WithDetails(core.Detail{Field: "supported_versions", Message: "1"})
}

// acceptedVendorVersion returns the version an Accept header asks for: "1"
// when v1 or a generic JSON type is acceptable, else the first vendor
// version named. ok is false when Accept names no vendor media type.
func acceptedVendorVersion(accept []string) (string, bool) {
	first, generic := "", false
	for _, header := range accept {
		for _, part := range strings.Split(header, ",") {
			mt, _, _ := strings.Cut(strings.TrimSpace(part), ";")
			mt = strings.ToLower(strings.TrimSpace(mt))
			rest, ok := strings.CutPrefix(mt, "application/vnd.riptide.v")
			if !ok {
				generic = generic || mt == "*/*" || mt == "application/*" || mt == "application/json"
				continue
			}
			v, _, _ := strings.Cut(rest, "+")
			if v == APIVersion {
				return APIVersion, true
			}
			if first == "" {
				first = v
			}
		}
	}
	switch {
	case first == "":
		return "", false
	case generic:
		return APIVersion, true
	}
	return first, true
}
