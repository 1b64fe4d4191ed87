package ratelimit

import (
	"context"
	"sync"
	"time"
)

// Local is a Store in process memory: the fallback that keeps limits (per
// instance) and headers while the shared store is unreachable, and a
// reference for the Redis script. It forgets cells that are full again.
type Local struct {
	// Now is the clock (time.Now when nil).
	Now func() time.Time

	mu    sync.Mutex
	tats  map[localKey]float64
	sweep int
}

type localKey struct {
	caller, scope string
	dim           Dimension
}

// NewLocal returns an empty in-process store.
func NewLocal() *Local { return &Local{tats: map[localKey]float64{}} }

// Spend implements Store.
func (l *Local) Spend(_ context.Context, caller string, cells []Cell) (Outcome, error) {
	now := time.Now
	if l.Now != nil {
		now = l.Now
	}
	out := Outcome{Now: float64(now().UnixMicro()) / 1000}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.tats == nil {
		l.tats = map[localKey]float64{}
	}
	for i := range cells {
		out.TAT[i] = max(l.tats[localKey{caller, cells[i].Scope, cells[i].Dim}], out.Now)
	}
	var next [MaxCells]float64
	out.Allowed, next = decide(cells, &out.TAT, out.Now)
	if out.Allowed {
		for i := range cells {
			if cells[i].Take > 0 {
				l.tats[localKey{caller, cells[i].Scope, cells[i].Dim}] = next[i]
			}
		}
	}
	if l.sweep++; l.sweep >= 1024 {
		l.sweep = 0
		for k, tat := range l.tats {
			if tat <= out.Now {
				delete(l.tats, k)
			}
		}
	}
	return out, nil
}
