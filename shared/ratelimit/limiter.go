package ratelimit

import (
	"context"
	"math"
	"sync/atomic"
	"time"
)

// DefaultCooldown is how long decisions stay with the local fallback after
// the shared store failed, before it is tried again; it is also the
// Retry-After of a fail-closed refusal.
const DefaultCooldown = 2 * time.Second

// Limiter decides requests against plans: the shared Store when it
// answers, else the Local fallback, except for fail-closed groups, which
// are refused while the shared store is unreachable (they cost money, and
// per-instance limits multiplied by every Lambda instance would not
// bound the spending).
type Limiter struct {
	Shared Store
	Local  *Local
	// FailClosed names the route groups refused while Shared fails.
	FailClosed map[string]bool
	// Cooldown: see DefaultCooldown.
	Cooldown time.Duration

	plans     map[string]map[string][]spec
	downUntil atomic.Int64 // Unix nanoseconds
}

// spec is one quota of a plan, compiled for a decision.
type spec struct {
	scope               string
	dim                 Dimension
	quota               Quota
	interval, tolerance float64
}

func newSpec(scope string, dim Dimension, q Quota) spec {
	iv := 60_000 / q.PerMinute
	return spec{scope: scope, dim: dim, quota: q, interval: iv, tolerance: q.Capacity() * iv}
}

// New returns a Limiter over shared (nil: Local only) with plans; groups
// in failClosed are refused while shared is unreachable.
func New(shared Store, plans Plans, failClosed []string) *Limiter {
	l := &Limiter{Shared: shared, Local: NewLocal(), FailClosed: map[string]bool{}, Cooldown: DefaultCooldown,
		plans: map[string]map[string][]spec{}}
	for _, g := range failClosed {
		l.FailClosed[g] = true
	}
	for name, p := range plans {
		var star []spec
		for dim, q := range p[AllGroups] {
			if d, ok := ParseDimension(dim); ok {
				star = append(star, newSpec(AllGroups, d, q))
			}
		}
		sortSpecs(star)
		byGroup := map[string][]spec{AllGroups: star}
		for g, qs := range p {
			if g == AllGroups {
				continue
			}
			own := append([]spec(nil), star...)
			var mine []spec
			for dim, q := range qs {
				if d, ok := ParseDimension(dim); ok {
					mine = append(mine, newSpec(g, d, q))
				}
			}
			sortSpecs(mine)
			byGroup[g] = append(own, mine...)
		}
		l.plans[name] = byGroup
	}
	return l
}

// sortSpecs orders a scope's quotas by dimension, so that a decision's
// cells (and headers) come in a stable order.
func sortSpecs(s []spec) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j].dim < s[j-1].dim; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// HasPlan reports whether name is a configured plan.
func (l *Limiter) HasPlan(name string) bool {
	_, ok := l.plans[name]
	return ok
}

// Request is one decision's question.
type Request struct {
	Caller string
	// Plan names the caller's plan ("" or unknown: DefaultPlan).
	Plan  string
	Group string
	// RequestsPerMinute, when more than 0, replaces the plan's requests
	// quota shared by every group (a managed key's rate_limit_per_minute).
	RequestsPerMinute int
	Cost              Costs
}

// Decision is the answer.
type Decision struct {
	// Limited: some quota applies (else no headers are due).
	Limited bool
	Allowed bool
	Cells   [MaxCells]CellState
	N       int
	// RetryAfter is when the refused cells will have what was needed.
	RetryAfter time.Duration
	// Degraded: the shared store failed (Err) and the local fallback
	// decided, per instance.
	Degraded bool
	// Unavailable: refused because the shared store failed and the group
	// fails closed.
	Unavailable bool
	Err         error
}

// States returns the decision's cells.
func (d *Decision) States() []CellState { return d.Cells[:d.N] }

// Binding is the cell that headers report: the refused cell that takes
// longest to recover, else the one with the least of its burst left.
func (d *Decision) Binding() (CellState, bool) {
	best, found, score := CellState{}, false, math.Inf(1)
	for _, c := range d.States() {
		s := c.Remaining / c.Quota.Capacity()
		if c.Refused {
			s = -c.RetryAfter.Seconds()
		}
		if !found || s < score {
			best, found, score = c, true, s
		}
	}
	return best, found
}

// postPaid dimensions are known only after the work; a request is
// admitted only when each has at least one unit left (no debt).
func postPaid(d Dimension) bool { return d == RenderSeconds || d == LLMTokens }

// Admit decides a request before its work: it spends what the request
// costs up front (one request, the URLs of a batch) when every quota has
// it, and spends nothing when one has not.
func (l *Limiter) Admit(ctx context.Context, r Request) Decision {
	return l.run(ctx, r, true)
}

// Charge spends a cost known after the work (render seconds, tokens):
// unconditionally, so the caller may end in debt.
func (l *Limiter) Charge(ctx context.Context, r Request) Decision {
	return l.run(ctx, r, false)
}

func (l *Limiter) specs(r *Request) []spec {
	byGroup, ok := l.plans[r.Plan]
	if !ok {
		byGroup = l.plans[DefaultPlan]
	}
	if s, ok := byGroup[r.Group]; ok {
		return s
	}
	return byGroup[AllGroups]
}

func (l *Limiter) run(ctx context.Context, r Request, admit bool) Decision {
	var d Decision
	var cells [MaxCells]Cell
	var quotas [MaxCells]Quota
	n := 0
	add := func(s spec) {
		cost := r.Cost[s.dim]
		need := 0.0
		if admit {
			need = cost
			if postPaid(s.dim) && need < 1 {
				need = 1
			}
		} else if cost <= 0 {
			return // charging: only what was spent
		}
		cells[n] = Cell{Scope: s.scope, Dim: s.dim, Interval: s.interval, Tolerance: s.tolerance, Need: need, Take: cost}
		quotas[n] = s.quota
		n++
	}
	overridden := false
	for _, s := range l.specs(&r) {
		if r.RequestsPerMinute > 0 && s.scope == AllGroups && s.dim == Requests {
			s, overridden = newSpec(AllGroups, Requests, Quota{PerMinute: float64(r.RequestsPerMinute)}), true
		}
		add(s)
	}
	if r.RequestsPerMinute > 0 && !overridden {
		add(newSpec(AllGroups, Requests, Quota{PerMinute: float64(r.RequestsPerMinute)}))
	}
	if n == 0 {
		return Decision{Allowed: true} // no quota applies
	}
	d.Limited = true
	if l.Shared != nil && time.Now().UnixNano() >= l.downUntil.Load() {
		out, err := l.Shared.Spend(ctx, r.Caller, cells[:n])
		if err == nil {
			settle(cells[:n], quotas[:n], &out, &d)
			return d
		}
		d.Err = err
		if ctx.Err() == nil { // the caller leaving is not an outage
			l.downUntil.Store(time.Now().Add(l.cooldown()).UnixNano())
		}
	} else if l.Shared != nil {
		d.Err = errCoolingDown
	}
	d.Degraded = l.Shared != nil
	if d.Degraded && admit && l.FailClosed[r.Group] {
		// Refuse, with the local state for headers (nothing spent).
		for i := range cells[:n] {
			cells[i].Need, cells[i].Take = 0, 0
		}
		out, _ := l.Local.Spend(ctx, r.Caller, cells[:n])
		settle(cells[:n], quotas[:n], &out, &d)
		d.Allowed, d.Unavailable, d.RetryAfter = false, true, l.cooldown()
		return d
	}
	out, _ := l.Local.Spend(ctx, r.Caller, cells[:n])
	settle(cells[:n], quotas[:n], &out, &d)
	return d
}

func (l *Limiter) cooldown() time.Duration {
	if l.Cooldown > 0 {
		return l.Cooldown
	}
	return DefaultCooldown
}

type coolingDown struct{}

func (coolingDown) Error() string { return "rate limit store failed recently; deciding locally" }

var errCoolingDown error = coolingDown{}
