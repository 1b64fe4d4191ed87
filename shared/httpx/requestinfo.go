package httpx

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"log/slog"
	"net/http"
	"time"

	"github.com/riptidecrawler/riptide/shared/keys"
	"github.com/riptidecrawler/riptide/shared/routes"
)

// RequestInfo is the per-request state that middleware fills in and that
// outer layers (access log, metrics) read after the handler returns. It is
// a pointer in the context so that values set deep in the chain (the
// matched route, the caller) are visible to the layers around it.
type RequestInfo struct {
	ID        string
	Route     *routes.Route // nil when no route matched
	Legacy    bool          // matched through a deprecated unprefixed path
	Principal string        // caller id for logs: a key fingerprint, never the key
	// Caller is the authenticated principal (nil before auth, on public
	// routes and with auth disabled).
	Caller *Principal
	usage  *usageMeter
	limit  *rateState
	Logger *slog.Logger
}

type infoKey struct{}

// Info returns the request's RequestInfo, or an empty one outside a request.
func Info(ctx context.Context) *RequestInfo {
	if ri, ok := ctx.Value(infoKey{}).(*RequestInfo); ok {
		return ri
	}
	return &RequestInfo{}
}

// WithInfo returns ctx carrying ri.
func WithInfo(ctx context.Context, ri *RequestInfo) context.Context {
	return context.WithValue(ctx, infoKey{}, ri)
}

// Owner is who owns the data a request creates and may read back: jobs,
// schedules, sessions and spider runs. It is the caller's tenant when it
// has one (keys.TenantOwner), else the caller's id: a key without a tenant
// owns its data alone. A job runs with its owner as the caller.
func Owner(ctx context.Context) string {
	ri := Info(ctx)
	if ri.Caller != nil && ri.Caller.Tenant != "" {
		return keys.TenantOwner(ri.Caller.Tenant)
	}
	return ri.Principal
}

// RequestID returns the request id of ctx ("" outside a request).
func RequestID(ctx context.Context) string { return Info(ctx).ID }

// Logger returns the request-scoped logger (with request_id), or the default.
func Logger(ctx context.Context) *slog.Logger {
	if l := Info(ctx).Logger; l != nil {
		return l
	}
	return slog.Default()
}

// validRequestID accepts client-supplied ids that are safe to echo and log.
func validRequestID(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewRequestID returns a ULID: 48 bits of milliseconds then 80 random bits,
// in Crockford base32, so ids sort by time in logs.
func NewRequestID() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(time.Now().UnixMilli())<<16)
	_, _ = rand.Read(b[6:])
	var out [26]byte
	// 128 bits -> 26 base32 chars, most significant first (2 leading pad bits).
	var hi, lo = binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
	for i := 25; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}

// requestIDMiddleware assigns the request id, the RequestInfo and the
// request logger, and echoes the id on the response.
func requestIDMiddleware(base *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := r.Header.Get("X-Request-ID")
			if !validRequestID(id) {
				id = NewRequestID()
			}
			ri := &RequestInfo{ID: id, Logger: base.With(slog.String("request_id", id))}
			w.Header().Set("X-Request-ID", id)
			next.ServeHTTP(w, r.WithContext(WithInfo(r.Context(), ri)))
		})
	}
}
