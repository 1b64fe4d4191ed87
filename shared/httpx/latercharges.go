package httpx

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/keys"
	"github.com/riptidecrawler/riptide/shared/ratelimit"
)

// payer is who pays for work a request starts and that goes on after it
// (a spider run's pages): the caller as the rate limiter and the usage
// counters know it. It is stored with the work, so its JSON names are short.
type payer struct {
	Caller string `json:"c,omitempty"`
	Plan   string `json:"p,omitempty"`
	RPM    int    `json:"r,omitempty"`
	Group  string `json:"g,omitempty"`
	KeyID  string `json:"k,omitempty"`
}

// BillingOf says who pays for work started by ctx's request and done
// after its response (LaterCharges charges it): the request's rate-limit
// caller and plan, and its managed key. "" when nobody does (no limit and
// no managed key, or outside a request).
func BillingOf(ctx context.Context) string {
	// Work started by a job or a schedule's firing carries its payer
	// (core.WithPayer): no request is there to ask.
	if b := core.PayerOf(ctx); b != "" {
		return b
	}
	ri := Info(ctx)
	var p payer
	if st := ri.limit; st != nil {
		p.Caller, p.Plan, p.RPM, p.Group = st.req.Caller, st.req.Plan, st.req.RequestsPerMinute, st.req.Group
	}
	if ri.Caller != nil {
		p.KeyID = ri.Caller.KeyID
	}
	if p.Caller == "" && p.KeyID == "" {
		return ""
	}
	b, _ := json.Marshal(p) // strings and an int: cannot fail
	return string(b)
}

// LaterCharges charges work done after its request to whoever BillingOf
// named: URLs to the rate-limit plan, as debt (the work is done: the next
// requests wait until time repays it), and to the managed key's counters.
// Failures are logged; the work is not undone.
type LaterCharges struct {
	Limiter RateLimiter   // nil: no plan is charged
	Usage   UsageRecorder // nil: no counter is written
	Logger  *slog.Logger
}

// ChargePages charges pages fetched (URLs) to billing (spider.PageMeter).
func (c LaterCharges) ChargePages(ctx context.Context, billing string, pages int) {
	if billing == "" || pages <= 0 {
		return
	}
	log := c.Logger
	if log == nil {
		log = slog.Default()
	}
	var p payer
	if err := json.Unmarshal([]byte(billing), &p); err != nil {
		log.Warn("pages not charged: unreadable billing", slog.String("error", err.Error()))
		return
	}
	if c.Limiter != nil && p.Caller != "" {
		req := ratelimit.Request{Caller: p.Caller, Plan: p.Plan, Group: p.Group, RequestsPerMinute: p.RPM}
		req.Cost[ratelimit.URLs] = float64(pages)
		if d := c.Limiter.Charge(ctx, req); d.Err != nil && d.Limited {
			log.Warn("rate limit store unavailable; pages charged locally", slog.String("error", d.Err.Error()))
		}
	}
	if c.Usage != nil && p.KeyID != "" {
		if err := c.Usage.Record(ctx, p.KeyID, keys.Delta{URLs: int64(pages)}); err != nil {
			log.Warn("key usage not recorded", slog.String("key_id", p.KeyID), slog.String("error", err.Error()))
		}
	}
}
