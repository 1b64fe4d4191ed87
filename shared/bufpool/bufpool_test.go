package bufpool

import "testing"

// A buffer put back serves the next Get: filling, releasing and getting
// again allocates nothing once the buffer has grown.
func TestPutBuffersAreReused(t *testing.T) {
	p := New(1 << 20)
	fill := func() {
		b := p.Get()
		if len(*b) != 0 {
			t.Fatalf("Get returned %d bytes, want an empty buffer", len(*b))
		}
		for range 100 {
			*b = append(*b, "0123456789"...)
		}
		p.Put(b)
	}
	fill()
	if allocs := testing.AllocsPerRun(100, fill); allocs != 0 {
		t.Fatalf("%.1f allocations per reuse, want 0", allocs)
	}
}

// A buffer over the pool's max is not kept; nil is ignored.
func TestHugeBuffersAreNotKept(t *testing.T) {
	p := New(64)
	big := make([]byte, 0, 65)
	p.Put(&big)
	p.Put(nil)
	if b := p.Get(); cap(*b) != 0 {
		t.Fatalf("Get after putting a %d-byte buffer into a pool of max 64: capacity %d", cap(big), cap(*b))
	}
}
