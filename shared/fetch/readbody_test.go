package fetch

import (
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
)

// A body of known length is read into one buffer that holds it and the
// byte that shows the end: the read that finds the end must not grow the
// buffer (and copy the body). A body longer than its limit is cut there
// and says so.
func TestReadBodyOfKnownLengthFitsItsBuffer(t *testing.T) {
	for _, n := range []int{1, 511, 512, 8191, 20_000, 65_535, 80_000, 131_071, 150_000} {
		body := strings.Repeat("x", n)
		// A reader without WriteTo, as an HTTP response body is.
		b, pooled, truncated, err := readBody(struct{ io.Reader }{strings.NewReader(body)}, int64(n), 1<<20)
		if err != nil || truncated || string(b) != body || !sameArray(b, *pooled) {
			t.Fatalf("n=%d: %d bytes, truncated %v, %v", n, len(b), truncated, err)
		}
		if c := cap(b); c > n+1 {
			t.Errorf("n=%d: buffer of %d bytes from an empty pool, want %d", n, c, n+1)
		}
	}
	b, _, truncated, err := readBody(strings.NewReader(strings.Repeat("y", 100)), 100, 10)
	if err != nil || !truncated || len(b) != 10 {
		t.Fatalf("limit: %d bytes, truncated %v, %v", len(b), truncated, err)
	}
}

// A body of unknown length (chunked) of any size against the first
// buffer reads whole; one over its limit is cut there and says so; a
// reader that fails mid-body returns what came and the error.
func TestReadBodyOfUnknownLength(t *testing.T) {
	for _, n := range []int{0, 1, bodyChunk - 1, bodyChunk, bodyChunk + 1, 80_000, 3*bodyChunk + 7} {
		body := strings.Repeat("z", n)
		b, _, truncated, err := readBody(struct{ io.Reader }{strings.NewReader(body)}, -1, 1<<20)
		if err != nil || truncated || string(b) != body {
			t.Fatalf("n=%d: %d bytes, truncated %v, %v", n, len(b), truncated, err)
		}
	}
	b, _, truncated, err := readBody(strings.NewReader(strings.Repeat("y", 100_000)), -1, 70_000)
	if err != nil || !truncated || len(b) != 70_000 {
		t.Fatalf("limit: %d bytes, truncated %v, %v", len(b), truncated, err)
	}
	boom := errors.New("connection reset")
	b, _, _, err = readBody(io.MultiReader(strings.NewReader(strings.Repeat("w", 40_000)), errReader{boom}), -1, 1<<20)
	if !errors.Is(err, boom) || len(b) != 40_000 {
		t.Fatalf("failing reader: %d bytes, %v", len(b), err)
	}
}

// A released body's buffer serves the next body read: reading page after
// page allocates nothing once the buffer has grown to the pages' size.
func TestReleasedBodiesAreReused(t *testing.T) {
	body := strings.Repeat("p", 90_000)
	read := func() {
		b, pooled, _, err := readBody(struct{ io.Reader }{strings.NewReader(body)}, -1, 1<<20)
		if err != nil || string(b) != body {
			t.Fatalf("%d bytes, %v", len(b), err)
		}
		bodyBuffers.Put(pooled)
	}
	read()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 100 {
		read()
	}
	runtime.ReadMemStats(&after)
	// A collection empties the pool at most once or twice here; without
	// reuse each read allocates the body's size and more.
	if perRead := (after.TotalAlloc - before.TotalAlloc) / 100; perRead > uint64(len(body))/10 {
		t.Fatalf("%d bytes allocated per released read of a %d-byte body, want the buffer reused", perRead, len(body))
	}
}

// sameArray tells slices of the pooled buffer from slices of their own.
func TestSameArray(t *testing.T) {
	a := make([]byte, 10, 16)
	if !sameArray(a, a[3:]) || !sameArray(a[:2], a) || sameArray(a, make([]byte, 10, 16)) || sameArray(nil, a) || sameArray(a, a[:0:0]) {
		t.Fatal("sameArray")
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
