package httpx

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
)

// RateLimiter counts requests per caller in fixed windows shared by every
// instance (Redis in production: Lambdas are many short-lived processes).
type RateLimiter interface {
	// Take counts one request of key and reports the window's state.
	Take(ctx context.Context, key string) (core.RateDecision, error)
}

// PlanLimiter is a RateLimiter that can also count against a per-key
// limit (a managed key's plan) instead of its default.
type PlanLimiter interface {
	TakeLimit(ctx context.Context, key string, limit int) (core.RateDecision, error)
}

// rateLimit applies the limiter to an authenticated request: headers on
// every response, 429 rate_limited with Retry-After when over. A limiter
// failure lets the request through (logged): an outage of the counter store
// must not take the API down with it.
func rateLimit(rl RateLimiter, w http.ResponseWriter, r *http.Request, now time.Time) bool {
	key := Info(r.Context()).Principal
	if key == "" {
		key = "anonymous"
	}
	var d core.RateDecision
	var err error
	if c := Info(r.Context()).Caller; c != nil && c.RateLimit > 0 {
		if pl, ok := rl.(PlanLimiter); ok {
			d, err = pl.TakeLimit(r.Context(), key, c.RateLimit)
		} else {
			d, err = rl.Take(r.Context(), key)
		}
	} else {
		d, err = rl.Take(r.Context(), key)
	}
	if err != nil {
		Logger(r.Context()).Warn("rate limiter unavailable; request allowed", slog.String("error", err.Error()))
		return true
	}
	if d.Limit <= 0 {
		return true // no limit applies to this caller
	}
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(d.Limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(0, d.Remaining)))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(d.Reset.Unix(), 10))
	if d.Allowed {
		return true
	}
	retry := int(d.Reset.Sub(now).Seconds() + 0.999)
	if retry < 1 {
		retry = 1
	}
	refuseUnread(w, r, &core.Error{Type: core.ErrRateLimited, RetryAfterSeconds: retry,
		Message: "rate limit of " + strconv.Itoa(d.Limit) + " requests per window exceeded; retry after " + strconv.Itoa(retry) + " s"})
	return false
}
