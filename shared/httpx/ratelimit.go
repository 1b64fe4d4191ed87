package httpx

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/ratelimit"
)

// RateLimiter decides an authenticated request against its caller's plan
// (ratelimit.Limiter: GCRA in Redis shared by every instance, a local
// fallback while Redis is unreachable).
type RateLimiter interface {
	// Admit spends what is known before the work, all or nothing.
	Admit(ctx context.Context, r ratelimit.Request) ratelimit.Decision
	// Charge spends what is known after it (the caller may end in debt).
	Charge(ctx context.Context, r ratelimit.Request) ratelimit.Decision
}

// rateState is what the limiter needs again after admission: for costs
// declared by the handler (SpendUpfront) and charged after the response.
type rateState struct {
	rl      RateLimiter
	req     ratelimit.Request
	header  http.Header
	upfront ratelimit.Costs // already spent by SpendUpfront
}

// rateLimit admits an authenticated request: one request from the
// caller's plan (per route group), headers on every response, 429
// rate_limited with Retry-After when over, 503 dependency_error when the
// shared store is down and the route group fails closed. It returns false
// when it answered the request.
func rateLimit(rl RateLimiter, w http.ResponseWriter, r *http.Request, group string) bool {
	ri := Info(r.Context())
	req := ratelimit.Request{Caller: ri.Principal, Group: group}
	if req.Caller == "" {
		req.Caller = "anonymous"
	}
	if c := ri.Caller; c != nil {
		req.Plan, req.RequestsPerMinute = c.Plan, c.RateLimit
	}
	req.Cost[ratelimit.Requests] = 1
	d := rl.Admit(r.Context(), req)
	ri.limit = &rateState{rl: rl, req: req, header: w.Header()}
	if d.Err != nil && d.Limited {
		Logger(r.Context()).Warn("rate limit store unavailable; deciding locally", slog.String("group", group),
			slog.Bool("refused", d.Unavailable), slog.String("error", d.Err.Error()))
	}
	if err := limitHeaders(w.Header(), &d, &req); err != nil {
		refuseUnread(w, r, err)
		return false
	}
	return true
}

// SpendUpfront spends a cost the handler knows before doing the work
// (the URLs of a batch), all or nothing. It returns a 429 rate_limited
// error when the plan cannot afford it now, naming when it can; one that
// no wait can make affordable (over the burst) says to split the batch.
// Outside a limited request it does nothing.
func SpendUpfront(ctx context.Context, dim ratelimit.Dimension, units float64) error {
	ri := Info(ctx)
	st := ri.limit
	if st == nil || units <= 0 {
		return nil
	}
	req := st.req
	req.Cost = ratelimit.Costs{}
	req.Cost[dim] = units
	d := st.rl.Admit(ctx, req)
	if err := limitHeaders(st.header, &d, &req); err != nil {
		return err
	}
	st.upfront[dim] += units
	return nil
}

// chargeAfter spends what the handler reported with AddUsage beyond what
// it spent up front: render seconds, tokens, URLs of streams. Like usage
// it runs synchronously after the handler.
func chargeAfter(r *http.Request) {
	ri := Info(r.Context())
	st := ri.limit
	if st == nil || ri.usage == nil {
		return
	}
	ri.usage.mu.Lock()
	u := ri.usage.d
	ri.usage.mu.Unlock()
	req := st.req
	req.Cost = ratelimit.Costs{}
	req.Cost[ratelimit.URLs] = math.Max(0, float64(u.URLs)-st.upfront[ratelimit.URLs])
	req.Cost[ratelimit.RenderSeconds] = u.RenderSeconds
	req.Cost[ratelimit.LLMTokens] = float64(u.Tokens)
	if req.Cost.Zero() {
		return
	}
	d := st.rl.Charge(context.WithoutCancel(r.Context()), req)
	if d.Err != nil && d.Limited {
		Logger(r.Context()).Warn("rate limit store unavailable; charged locally", slog.String("error", d.Err.Error()))
	}
}

// limitHeaders writes the decision's headers and returns the error that
// refuses it, if it is refused. X-RateLimit-* report the binding cell (the
// one that refused, else the one with the least left); RateLimit-Policy
// and RateLimit (the IETF httpapi draft) list every cell.
func limitHeaders(h http.Header, d *ratelimit.Decision, req *ratelimit.Request) error {
	if !d.Limited {
		return nil
	}
	b, _ := d.Binding()
	now := time.Now()
	h.Set("X-RateLimit-Limit", strconv.FormatInt(int64(b.Quota.PerMinute), 10))
	h.Set("X-RateLimit-Remaining", strconv.FormatInt(int64(b.Remaining), 10))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(now.Add(b.ResetAfter+time.Second-1).Unix(), 10))
	var policy, state strings.Builder
	for i, c := range d.States() {
		if i > 0 {
			policy.WriteString(", ")
			state.WriteString(", ")
		}
		name := cellName(&c)
		fmt.Fprintf(&policy, "%q;q=%d;w=60", name, int64(c.Quota.PerMinute))
		fmt.Fprintf(&state, "%q;r=%d;t=%d", name, int64(c.Remaining), ceilSeconds(c.ResetAfter, 0))
	}
	h.Set("RateLimit-Policy", policy.String())
	h.Set("RateLimit", state.String())
	if d.Allowed {
		return nil
	}
	if d.Unavailable {
		return &core.Error{Type: core.ErrDependency, RetryAfterSeconds: ceilSeconds(d.RetryAfter, 1), Cause: d.Err,
			Message: "the rate limit store is unreachable and " + req.Group + " routes fail closed (they spend money); retry after " +
				strconv.Itoa(ceilSeconds(d.RetryAfter, 1)) + " s"}
	}
	need := req.Cost[b.Dim]
	if b.Impossible {
		return &core.Error{Type: core.ErrRateLimited, RetryAfterSeconds: ceilSeconds(b.ResetAfter, 1),
			Message: fmt.Sprintf("this request needs %s %s but the %s plan allows at most %s at once; split it",
				fmtUnits(need), b.Dim, planName(req), fmtUnits(b.Quota.Capacity()))}
	}
	retry := ceilSeconds(d.RetryAfter, 1)
	return &core.Error{Type: core.ErrRateLimited, RetryAfterSeconds: retry,
		Message: fmt.Sprintf("rate limit of %s %s per minute (%s) exceeded; retry after %d s",
			fmtUnits(b.Quota.PerMinute), b.Dim, cellName(&b), retry)}
}

func cellName(c *ratelimit.CellState) string {
	scope := c.Scope
	if scope == ratelimit.AllGroups {
		scope = "all"
	}
	return scope + "." + c.Dim.String()
}

func planName(req *ratelimit.Request) string {
	if req.Plan == "" {
		return ratelimit.DefaultPlan
	}
	return req.Plan
}

func fmtUnits(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// ceilSeconds rounds d up to whole seconds, at least min.
func ceilSeconds(d time.Duration, min int) int {
	s := int((d + time.Second - 1) / time.Second)
	if s < min {
		return min
	}
	return s
}
