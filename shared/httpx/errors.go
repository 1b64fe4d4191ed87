package httpx

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/routes"
)

// statusByType is the one place where error types become HTTP status codes.
var statusByType = map[core.ErrorType]int{
	core.ErrValidation:           http.StatusBadRequest,
	core.ErrInvalidURL:           http.StatusBadRequest,
	core.ErrBlockedURL:           http.StatusBadRequest,
	core.ErrAuthentication:       http.StatusUnauthorized,
	core.ErrPermissionDenied:     http.StatusForbidden,
	core.ErrNotFound:             http.StatusNotFound,
	core.ErrMethodNotAllowed:     http.StatusMethodNotAllowed,
	core.ErrConflict:             http.StatusConflict,
	core.ErrRateLimited:          http.StatusTooManyRequests,
	core.ErrPayloadTooLarge:      http.StatusRequestEntityTooLarge,
	core.ErrUnsupportedMediaType: http.StatusUnsupportedMediaType,
	core.ErrUnsupportedVersion:   http.StatusNotAcceptable,
	core.ErrTimeout:              http.StatusGatewayTimeout,
	core.ErrFetch:                http.StatusBadGateway,
	core.ErrRobotsDisallowed:     http.StatusForbidden,
	core.ErrBlockedByTarget:      http.StatusBadGateway,
	core.ErrRender:               http.StatusBadGateway,
	core.ErrExtraction:           http.StatusUnprocessableEntity,
	core.ErrDependency:           http.StatusServiceUnavailable,
	core.ErrNotImplemented:       http.StatusNotImplemented,
	core.ErrInternal:             http.StatusInternalServerError,
}

// StatusOf returns the HTTP status for an error type (500 for unknown types).
func StatusOf(t core.ErrorType) int {
	if s, ok := statusByType[t]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// ErrorBody is the unified error shape: {"error": {...}}.
type ErrorBody struct {
	Error ErrorPayload `json:"error"`
}

// ErrorPayload is the inside of the unified error shape; stream error
// lines carry it too (crawl streams' "error" lines).
type ErrorPayload struct {
	Type      core.ErrorType `json:"type"`
	Message   string         `json:"message"`
	Retryable bool           `json:"retryable"`
	Status    int            `json:"status"`
	RequestID string         `json:"request_id,omitempty"`
	Details   []core.Detail  `json:"details,omitempty"`
}

// Payload converts err into the error payload a client sees. Untyped errors
// become internal_error with a generic message; their cause is never shown.
func Payload(r *http.Request, err error) ErrorPayload {
	e := core.AsError(err)
	p := ErrorPayload{
		Type:      e.Type,
		Message:   e.Message,
		Retryable: e.Retryable(),
		Status:    StatusOf(e.Type),
		Details:   e.Details,
	}
	if r != nil {
		p.RequestID = RequestID(r.Context())
	}
	return p
}

// WriteError writes err in the unified shape. Server-side failures (5xx) are
// logged with their cause; client errors are not, to keep logs useful.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	p := Payload(r, err)
	e := core.AsError(err)
	switch {
	case p.Type == core.ErrNotImplemented:
		// A planned operation: expected until it is built, not an outage.
		Logger(r.Context()).Info("planned operation requested", slog.String("message", p.Message))
	case p.Status >= 500 && !errors.Is(err, errClientGone):
		Logger(r.Context()).Error("request failed", slog.String("type", string(p.Type)),
			slog.String("message", p.Message), slog.Any("cause", e.Cause))
	}
	if e.RetryAfterSeconds > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfterSeconds))
	}
	if p.Type == core.ErrAuthentication {
		w.Header().Set("WWW-Authenticate", `Bearer realm="riptide"`)
	}
	if rt := routeOf(r); rt != nil && rt.ErrorShape == routes.FirecrawlErrors {
		writeFirecrawlError(w, p)
		return
	}
	WriteJSON(w, p.Status, ErrorBody{Error: p})
}

// errClientGone marks failures caused by the client going away.
var errClientGone = errors.New("client disconnected")

// routeOf returns the route r matched, if any.
func routeOf(r *http.Request) *routes.Route {
	if r == nil {
		return nil
	}
	return Info(r.Context()).Route
}
