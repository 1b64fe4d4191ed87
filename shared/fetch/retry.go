package fetch

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy says when a failed attempt is repeated: on 429 and 503
// responses (unless they are challenge pages) and on connection failures
// (refused, reset, closed early, connect timeout). A first-byte timeout is
// not retried: the server is up but slow, and asking again multiplies the
// load. Waits grow exponentially with jitter, or follow Retry-After.
type RetryPolicy struct {
	MaxAttempts   int           // attempts in all, default 3; 1 disables retries
	BaseDelay     time.Duration // first backoff, default 500ms
	MaxDelay      time.Duration // backoff cap, default 10s
	MaxRetryAfter time.Duration // longest Retry-After honoured, default 30s; longer gives up at once
}

// backoff is the wait before attempt n+1 after n failed attempts: an
// exponential step with "equal jitter" (half fixed, half random), so
// retries from many fetches spread out but never come back immediately.
func (p RetryPolicy) backoff(n int) time.Duration {
	d := p.BaseDelay
	for i := 1; i < n && d < p.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, p.MaxDelay)
	half := d / 2
	return half + rand.N(half+1)
}

func retryableStatus(code int) bool {
	return code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP-date
// (RFC 9110 section 10.2.3). ok is false when the header is absent or
// unreadable.
func parseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(365*24*time.Hour/time.Second) {
			secs = int64(365 * 24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
