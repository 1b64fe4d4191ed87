package ratelimit

import (
	"context"
	"math"
	"time"
)

// MaxCells bounds the cells of one decision: every dimension in the
// AllGroups scope and in the group's own.
const MaxCells = 2 * int(numDimensions)

// Cell is one GCRA meter of a decision, all in milliseconds and units.
type Cell struct {
	// Scope is the route group the quota belongs to, or AllGroups.
	Scope string
	Dim   Dimension
	// Interval is the emission interval: a minute divided by the quota.
	Interval float64
	// Tolerance is how far ahead of now the TAT may run: burst × Interval.
	Tolerance float64
	// Need is what must be available for the decision to pass; Take is
	// what it spends when it passes. Charging a cost known after the work
	// needs nothing and takes the cost (the debt may pass the burst).
	Need, Take float64
}

// Outcome is what a Store reports of one atomic decision.
type Outcome struct {
	// Now is the store's clock in Unix milliseconds.
	Now float64
	// TAT holds each cell's theoretical arrival time before the decision
	// (never earlier than Now).
	TAT [MaxCells]float64
	// Allowed: every cell had its Need, and every Take was spent.
	Allowed bool
}

// Store keeps TATs and decides atomically: either every cell has what it
// needs and every cell takes its cost, or nothing changes. The key of a
// cell is the caller, its Scope and its Dim.
type Store interface {
	Spend(ctx context.Context, caller string, cells []Cell) (Outcome, error)
}

// fits is the GCRA test of one cell at now with TAT tat (≥ now).
func fits(c *Cell, tat, now float64) bool {
	return c.Need <= 0 || tat+c.Need*c.Interval-c.Tolerance <= now+1e-6
}

// decide is the whole algorithm on TATs already read (never earlier than
// now): it reports whether every cell fits and the TATs to store. The
// Redis script (shared/store/gcra.go) is the same arithmetic in Lua.
func decide(cells []Cell, tats *[MaxCells]float64, now float64) (allowed bool, next [MaxCells]float64) {
	allowed = true
	for i := range cells {
		if !fits(&cells[i], tats[i], now) {
			allowed = false
		}
	}
	for i := range cells {
		next[i] = tats[i]
		if allowed {
			next[i] += cells[i].Take * cells[i].Interval
		}
	}
	return allowed, next
}

// CellState is a cell after a decision, for headers and messages.
type CellState struct {
	Scope string
	Dim   Dimension
	Quota Quota
	// Remaining is the units that can be spent at once now (0 in debt).
	Remaining float64
	// ResetAfter is when the cell is full again; RetryAfter, for a cell
	// that refused, is when it will have what was needed.
	ResetAfter, RetryAfter time.Duration
	Refused                bool
	// Impossible: the need is more than the burst, so waiting never helps.
	Impossible bool
}

func ms(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }

// settle turns an outcome into cell states.
func settle(cells []Cell, quotas []Quota, out *Outcome, d *Decision) {
	d.Allowed = out.Allowed
	d.N = len(cells)
	for i := range cells {
		c := &cells[i]
		after := out.TAT[i]
		if out.Allowed {
			after += c.Take * c.Interval
		}
		st := CellState{Scope: c.Scope, Dim: c.Dim, Quota: quotas[i],
			Remaining:  math.Max(0, math.Floor((out.Now+c.Tolerance-after)/c.Interval+1e-9)),
			ResetAfter: ms(math.Max(0, after-out.Now))}
		if !out.Allowed && !fits(c, out.TAT[i], out.Now) {
			st.Refused = true
			st.Impossible = c.Need*c.Interval > c.Tolerance+1e-6
			st.RetryAfter = ms(out.TAT[i] + c.Need*c.Interval - c.Tolerance - out.Now)
			if st.RetryAfter > d.RetryAfter {
				d.RetryAfter = st.RetryAfter
			}
		}
		d.Cells[i] = st
	}
}
