package ratelimit_test

import (
	"context"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/shared/ratelimit"
)

// clock is a settable time for the local store.
type clock struct{ t time.Time }

func (c *clock) now() time.Time      { return c.t }
func (c *clock) add(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock               { return &clock{t: time.UnixMilli(1_800_000_000_000)} }
func costs(dim ratelimit.Dimension, n float64) ratelimit.Costs {
	var c ratelimit.Costs
	c[dim] = n
	return c
}

func localLimiter(t *testing.T, plans ratelimit.Plans) (*ratelimit.Limiter, *clock) {
	t.Helper()
	c := newClock()
	l := ratelimit.New(nil, plans, nil)
	l.Local.Now = c.now
	return l, c
}

func req(group string, c ratelimit.Costs) ratelimit.Request {
	return ratelimit.Request{Caller: "key_a", Group: group, Cost: c}
}

func TestBurstThenSteadyRateAndRetryAfter(t *testing.T) {
	l, clk := localLimiter(t, ratelimit.Plans{"default": {"*": {"requests": {PerMinute: 60, Burst: 3}}}})
	ctx := context.Background()
	for i := range 3 {
		d := l.Admit(ctx, req("crawl", costs(ratelimit.Requests, 1)))
		if !d.Allowed || d.Cells[0].Remaining != float64(2-i) {
			t.Fatalf("request %d of the burst: %+v", i, d.Cells[0])
		}
	}
	d := l.Admit(ctx, req("crawl", costs(ratelimit.Requests, 1)))
	// 60 per minute: one unit every second; the burst is spent.
	if d.Allowed || d.RetryAfter != time.Second || !d.Cells[0].Refused || d.Cells[0].ResetAfter != 3*time.Second {
		t.Fatalf("over the burst: %+v", d)
	}
	clk.add(999 * time.Millisecond)
	if d := l.Admit(ctx, req("crawl", costs(ratelimit.Requests, 1))); d.Allowed || d.RetryAfter != time.Millisecond {
		t.Fatalf("1 ms early: %+v", d)
	}
	clk.add(time.Millisecond)
	if d := l.Admit(ctx, req("crawl", costs(ratelimit.Requests, 1))); !d.Allowed || d.Cells[0].Remaining != 0 {
		t.Fatalf("Retry-After was not accurate: %+v", d)
	}
	// Another caller has its own cells.
	if d := l.Admit(ctx, ratelimit.Request{Caller: "key_b", Group: "crawl", Cost: costs(ratelimit.Requests, 1)}); !d.Allowed {
		t.Fatalf("callers share cells: %+v", d)
	}
}

func TestCostWeightingIsAllOrNothing(t *testing.T) {
	l, _ := localLimiter(t, ratelimit.Plans{"default": {
		"*":     {"requests": {PerMinute: 100}},
		"crawl": {"urls": {PerMinute: 100}},
	}})
	ctx := context.Background()
	for i := range 10 {
		if d := l.Admit(ctx, req("crawl", costs(ratelimit.URLs, 10))); !d.Allowed {
			t.Fatalf("batch %d of 10 URLs: %+v", i, d)
		}
	}
	d := l.Admit(ctx, req("crawl", ratelimit.Costs{1, 10}))
	if d.Allowed || d.N != 2 {
		t.Fatalf("the 11th batch must be refused: %+v", d)
	}
	b, _ := d.Binding()
	if b.Dim != ratelimit.URLs || !b.Refused || b.Impossible || d.RetryAfter != 6*time.Second {
		t.Fatalf("binding cell: %+v (retry %v)", b, d.RetryAfter)
	}
	// The refused batch spent nothing, not even its request.
	if d.Cells[0].Dim != ratelimit.Requests || d.Cells[0].Remaining != 100 {
		t.Fatalf("a refused decision spent requests: %+v", d.Cells[0])
	}
	// A batch over the whole burst can never pass: it says so.
	d = l.Admit(ctx, req("crawl", costs(ratelimit.URLs, 101)))
	if b, _ := d.Binding(); d.Allowed || !b.Impossible {
		t.Fatalf("a batch over the burst: %+v", b)
	}
	// Other groups do not meter URLs.
	if d := l.Admit(ctx, req("render", costs(ratelimit.URLs, 1000))); !d.Allowed {
		t.Fatalf("render has no URL quota: %+v", d)
	}
}

func TestDebtRefusesUntilRepaid(t *testing.T) {
	l, clk := localLimiter(t, ratelimit.Plans{"default": {"render": {"render_seconds": {PerMinute: 60}}}})
	ctx := context.Background()
	if d := l.Admit(ctx, req("render", ratelimit.Costs{1})); !d.Allowed {
		t.Fatalf("first render: %+v", d)
	}
	// The render took 120 s of browser time: charged after, past the burst.
	if d := l.Charge(ctx, req("render", costs(ratelimit.RenderSeconds, 120))); !d.Allowed || d.Cells[0].Remaining != 0 {
		t.Fatalf("charge: %+v", d)
	}
	d := l.Admit(ctx, req("render", ratelimit.Costs{1}))
	// TAT = now+120 s, burst 60 s; one second must be free: 61 s.
	if d.Allowed || d.RetryAfter != 61*time.Second {
		t.Fatalf("in debt: %+v", d)
	}
	clk.add(61 * time.Second)
	if d := l.Admit(ctx, req("render", ratelimit.Costs{1})); !d.Allowed {
		t.Fatalf("debt repaid: %+v", d)
	}
}

func TestPlansAndKeyOverride(t *testing.T) {
	plans, err := ratelimit.ParsePlans(`{"pro": {"*": {"requests": {"per_minute": 600, "burst": 5}}}}`, ratelimit.DefaultPlans(2))
	if err != nil {
		t.Fatal(err)
	}
	l, _ := localLimiter(t, plans)
	ctx := context.Background()
	pro := ratelimit.Request{Caller: "p", Plan: "pro", Group: "crawl", Cost: ratelimit.Costs{1}}
	for range 5 {
		if d := l.Admit(ctx, pro); !d.Allowed || d.Cells[0].Quota.PerMinute != 600 {
			t.Fatalf("pro plan: %+v", d)
		}
	}
	// The default plan (2 per minute) and a key's own requests quota.
	def := ratelimit.Request{Caller: "d", Group: "crawl", Cost: ratelimit.Costs{1}}
	l.Admit(ctx, def)
	l.Admit(ctx, def)
	if d := l.Admit(ctx, def); d.Allowed {
		t.Fatalf("default plan: %+v", d)
	}
	def.Plan = "gone" // a plan removed from the configuration: the default
	if d := l.Admit(ctx, def); d.Allowed {
		t.Fatalf("unknown plan: %+v", d)
	}
	own := ratelimit.Request{Caller: "e", Group: "crawl", RequestsPerMinute: 10, Cost: ratelimit.Costs{1}}
	for i := range 11 {
		if d := l.Admit(ctx, own); d.Allowed != (i < 10) || d.Cells[0].Quota.PerMinute != 10 {
			t.Fatalf("key override, request %d: %+v", i, d)
		}
	}
	// RIPTIDE_RATE_LIMIT=0 with no plans: nothing is limited.
	off := ratelimit.New(nil, ratelimit.DefaultPlans(0), nil)
	if d := off.Admit(ctx, def); !d.Allowed || d.Limited {
		t.Fatalf("limits off: %+v", d)
	}
	for _, bad := range []string{`{"Pro": {}}`, `{"p": {"*": {"pages": 1}}}`, `{"p": {"*": {"requests": 0}}}`, `{"p": {"*": {"requests": {"per_minute": 1, "x": 2}}}}`, `[]`} {
		if _, err := ratelimit.ParsePlans(bad, nil); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}
