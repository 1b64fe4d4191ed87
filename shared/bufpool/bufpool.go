// Package bufpool keeps byte buffers for reuse by work that makes one
// large buffer per item and is done with it soon after: a fetched body, an
// encoded document, a spider result record, a batch's blob object. Reusing
// them spares the collector an allocation of the item's size each time,
// which on a spider run is most of what it allocates.
package bufpool

import "sync"

// Pool is a sync.Pool of byte buffers that does not keep huge ones.
type Pool struct {
	max int
	p   sync.Pool
}

// New returns a pool that keeps buffers of at most max bytes of capacity:
// a rare huge buffer is left to the collector rather than kept for items
// that never need it.
func New(max int) *Pool { return &Pool{max: max} }

// Get returns an empty buffer, with the capacity of one put back earlier
// when there is one.
func (p *Pool) Get() *[]byte {
	if b, ok := p.p.Get().(*[]byte); ok {
		return b
	}
	return new([]byte)
}

// Put empties b and keeps it for a later Get, unless its capacity is over
// the pool's max. b may be nil. The caller must hold no reference into
// *b afterwards.
func (p *Pool) Put(b *[]byte) {
	if b == nil || cap(*b) > p.max {
		return
	}
	*b = (*b)[:0]
	p.p.Put(b)
}
