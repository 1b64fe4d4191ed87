// Package core holds RipTide's error model: the error types of the API
// vocabulary, with their HTTP status and retryability. It imports nothing
// outside the standard library so every layer can depend on it.
package core

import (
	"errors"
	"fmt"
	"time"
)

// ErrorType is the machine-readable class of a failure. The same values are
// used in HTTP error bodies, in per-URL results inside a batch, in stream
// error lines and in job records, so a client handles one vocabulary.
type ErrorType string

// The error types of the API (see docs/errors.md). Only shared/httpx maps
// them to HTTP status codes.
const (
	ErrValidation           ErrorType = "validation_error"
	ErrInvalidURL           ErrorType = "invalid_url"
	ErrBlockedURL           ErrorType = "blocked_url"
	ErrAuthentication       ErrorType = "authentication_error"
	ErrPermissionDenied     ErrorType = "permission_denied"
	ErrNotFound             ErrorType = "not_found"
	ErrMethodNotAllowed     ErrorType = "method_not_allowed"
	ErrConflict             ErrorType = "conflict"
	ErrRateLimited          ErrorType = "rate_limited"
	ErrPayloadTooLarge      ErrorType = "payload_too_large"
	ErrUnsupportedMediaType ErrorType = "unsupported_media_type"
	ErrUnsupportedVersion   ErrorType = "unsupported_version"
	ErrTimeout              ErrorType = "timeout_error"
	ErrFetch                ErrorType = "fetch_error"
	ErrRobotsDisallowed     ErrorType = "robots_disallowed"
	ErrBlockedByTarget      ErrorType = "blocked_by_target"
	ErrRender               ErrorType = "render_error"
	ErrExtraction           ErrorType = "extraction_error"
	ErrDependency           ErrorType = "dependency_error"
	ErrNotImplemented       ErrorType = "not_implemented"
	ErrInternal             ErrorType = "internal_error"
)

// AllErrorTypes lists every error type, for documentation and the OpenAPI enum.
var AllErrorTypes = []ErrorType{
	ErrValidation, ErrInvalidURL, ErrBlockedURL, ErrAuthentication, ErrPermissionDenied,
	ErrNotFound, ErrMethodNotAllowed, ErrConflict, ErrRateLimited, ErrPayloadTooLarge,
	ErrUnsupportedMediaType, ErrUnsupportedVersion, ErrTimeout, ErrFetch, ErrRobotsDisallowed,
	ErrBlockedByTarget, ErrRender, ErrExtraction, ErrDependency, ErrNotImplemented, ErrInternal,
}

// Retryable reports whether a request failing with this type may succeed
// when repeated unchanged: the cause is transient (network, rate limit,
// a dependency that is down), not the request itself.
func (t ErrorType) Retryable() bool {
	switch t {
	case ErrRateLimited, ErrTimeout, ErrFetch, ErrDependency:
		return true
	}
	return false
}

// Detail points at one offending part of a request, such as a field path.
type Detail struct {
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// Error is a failure with a type the client can act on. Message is safe to
// show to the client; Cause (if any) is for logs only.
type Error struct {
	Type    ErrorType
	Message string
	Details []Detail
	// RetryAfterSeconds, when positive, becomes a Retry-After header.
	RetryAfterSeconds int
	// Permanent marks a failure that repeating will not fix although its
	// type usually is transient (an HTTP 404 is a fetch_error too).
	Permanent bool
	Cause     error
}

// Retryable reports whether repeating the failed request unchanged may
// succeed.
func (e *Error) Retryable() bool { return e.Type.Retryable() && !e.Permanent }

func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Type, e.Message, e.Cause)
	}
	return fmt.Sprintf("%s: %s", e.Type, e.Message)
}

func (e *Error) Unwrap() error { return e.Cause }

// Errorf builds an Error of the given type with a formatted client-facing message.
func Errorf(t ErrorType, format string, args ...any) *Error {
	return &Error{Type: t, Message: fmt.Sprintf(format, args...)}
}

// Wrap builds an Error whose client message is msg and whose cause (logged,
// never shown) is err.
func Wrap(t ErrorType, err error, msg string) *Error {
	return &Error{Type: t, Message: msg, Cause: err}
}

// WithDetails returns e with details appended.
func (e *Error) WithDetails(d ...Detail) *Error {
	e.Details = append(e.Details, d...)
	return e
}

// AsError returns the *Error inside err, or an internal_error wrapping err
// when it carries no type. A nil err gives nil.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Type: ErrInternal, Message: "internal error", Cause: err}
}

// TypeOf returns the error type of err (internal_error when untyped).
func TypeOf(err error) ErrorType {
	if e := AsError(err); e != nil {
		return e.Type
	}
	return ""
}

// RateDecision is the state of a caller's rate-limit window after one
// request.
type RateDecision struct {
	Limit     int
	Remaining int
	Reset     time.Time // end of the window
	Allowed   bool
}
