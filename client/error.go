package client

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Error is an error answer of the API in its unified shape (docs/errors.md),
// plus what the response's headers said.
type Error struct {
	// Type is the error's kind: "validation_error", "authentication_error",
	// "rate_limited", "not_found", ... (docs/errors.md lists them).
	Type      string `json:"type"`
	Message   string `json:"message"`
	Retryable bool   `json:"retryable"`
	// Status is the HTTP status of the answer.
	Status    int           `json:"status"`
	RequestID string        `json:"request_id,omitempty"`
	Details   []ErrorDetail `json:"details,omitempty"`
	// RetryAfter is the wait the server asked for (Retry-After header on 429
	// and 503), zero when it asked for none.
	RetryAfter time.Duration `json:"-"`
}

// ErrorDetail names one invalid field of a request.
type ErrorDetail struct {
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "riptide: %d %s: %s", e.Status, e.Type, e.Message)
	for _, d := range e.Details {
		if d.Field != "" {
			fmt.Fprintf(&b, "; %s: %s", d.Field, d.Message)
		} else {
			fmt.Fprintf(&b, "; %s", d.Message)
		}
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request %s)", e.RequestID)
	}
	return b.String()
}

// errorBody is the envelope of an error answer.
type errorBody struct {
	Error *Error `json:"error"`
}

// maxErrorBody bounds what is read of an error answer.
const maxErrorBody = 64 << 10

// decodeError reads an error answer and closes its body. An answer that is
// not in the unified shape (a proxy's HTML page, an API Gateway message)
// still becomes an *Error, typed by its status, with the start of the body
// as its message.
func decodeError(resp *http.Response) *Error {
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var body errorBody
	e := &Error{}
	if json.Unmarshal(raw, &body) == nil && body.Error != nil && body.Error.Type != "" {
		e = body.Error
	} else {
		e.Type = typeForStatus(resp.StatusCode)
		e.Message = strings.TrimSpace(string(raw))
		if len(e.Message) > 200 {
			e.Message = e.Message[:200] + "..."
		}
		if e.Message == "" {
			e.Message = http.StatusText(resp.StatusCode)
		}
		e.Retryable = resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
	}
	e.Status = resp.StatusCode
	if e.RequestID == "" {
		e.RequestID = resp.Header.Get("X-Request-ID")
	}
	e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	return e
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		return time.Duration(max(0, s)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, t.Sub(now))
	}
	return 0
}

// typeForStatus names the error type of an answer without the unified body.
func typeForStatus(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "validation_error"
	case http.StatusUnauthorized:
		return "authentication_error"
	case http.StatusForbidden:
		return "permission_denied"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusConflict:
		return "conflict"
	case http.StatusRequestEntityTooLarge:
		return "payload_too_large"
	case http.StatusTooManyRequests:
		return "rate_limited"
	case http.StatusGatewayTimeout:
		return "timeout_error"
	case http.StatusBadGateway, http.StatusServiceUnavailable:
		return "dependency_error"
	}
	return "internal_error"
}
