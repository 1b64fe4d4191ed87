package client

import (
	"net/http"
	"time"
)

// RetryPolicy says when a failed request is sent again. Only requests that
// are safe to repeat are retried: GET and DELETE, and a job submission with
// an idempotency key. Only 429 (rate_limited) and 503 answers are retried:
// every other error means the same request would fail the same way.
type RetryPolicy struct {
	// MaxRetries is how many times a request is sent again (0: never).
	MaxRetries int
	// MaxWait is the longest single wait. When the server's Retry-After
	// asks for longer, the client does not retry and returns the *Error
	// (its RetryAfter says how long to wait) instead of blocking.
	MaxWait time.Duration
	// Backoff is the first wait when the server sent no Retry-After; it
	// doubles at each retry, within MaxWait.
	Backoff time.Duration
}

// DefaultRetryPolicy retries three times, waiting at most 30 s each time.
var DefaultRetryPolicy = RetryPolicy{MaxRetries: 3, MaxWait: 30 * time.Second, Backoff: 500 * time.Millisecond}

// next says whether to retry after the attempt-th try (0-based) failed
// with e, and how long to wait first.
func (p RetryPolicy) next(attempt int, e *Error) (time.Duration, bool) {
	if attempt >= p.MaxRetries || (e.Status != http.StatusTooManyRequests && e.Status != http.StatusServiceUnavailable) {
		return 0, false
	}
	wait := e.RetryAfter
	if wait == 0 {
		wait = p.Backoff << attempt
		if p.MaxWait > 0 {
			wait = min(wait, p.MaxWait)
		}
	}
	if p.MaxWait > 0 && wait > p.MaxWait {
		return 0, false
	}
	return wait, true
}
