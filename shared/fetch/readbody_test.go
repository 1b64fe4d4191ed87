package fetch

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// A body of known length is read into one buffer of about its size: the
// read that finds the end must not double the buffer (and copy the body),
// which it did for most page sizes when less than bytes.MinRead was free.
func TestReadBodyOfKnownLengthFitsItsBuffer(t *testing.T) {
	for _, n := range []int{1, 511, 512, 8191, 20_000, 65_535, 80_000, 131_071, 150_000} {
		body := strings.Repeat("x", n)
		// A reader without WriteTo, as an HTTP response body is, so the
		// buffer's own ReadFrom does the reading.
		b, truncated, err := readBody(struct{ io.Reader }{strings.NewReader(body)}, int64(n), 1<<20)
		if err != nil || truncated || string(b) != body {
			t.Fatalf("n=%d: %d bytes, truncated %v, %v", n, len(b), truncated, err)
		}
		if c := cap(b); c > n+n/8+2*bytes.MinRead {
			t.Errorf("n=%d: buffer of %d bytes, want at most %d", n, c, n+n/8+2*bytes.MinRead)
		}
	}
	// A body longer than its limit is cut there and says so.
	b, truncated, err := readBody(strings.NewReader(strings.Repeat("y", 100)), 100, 10)
	if err != nil || !truncated || len(b) != 10 {
		t.Fatalf("limit: %d bytes, truncated %v, %v", len(b), truncated, err)
	}
}

// A body of unknown length (chunked) is read into a slice of its own size,
// whatever its size against the read unit, and a body over its limit is
// cut there and says so. A reader that fails mid-body returns what came and
// the error.
func TestReadBodyOfUnknownLengthFitsItsSize(t *testing.T) {
	for _, n := range []int{0, 1, bodyChunk - 1, bodyChunk, bodyChunk + 1, 80_000, 3*bodyChunk + 7} {
		body := strings.Repeat("z", n)
		b, truncated, err := readBody(struct{ io.Reader }{strings.NewReader(body)}, -1, 1<<20)
		if err != nil || truncated || string(b) != body {
			t.Fatalf("n=%d: %d bytes, truncated %v, %v", n, len(b), truncated, err)
		}
		if cap(b) != n {
			t.Errorf("n=%d: buffer of %d bytes, want %d", n, cap(b), n)
		}
	}
	b, truncated, err := readBody(strings.NewReader(strings.Repeat("y", 100_000)), -1, 70_000)
	if err != nil || !truncated || len(b) != 70_000 {
		t.Fatalf("limit: %d bytes, truncated %v, %v", len(b), truncated, err)
	}
	boom := errors.New("connection reset")
	b, _, err = readBody(io.MultiReader(strings.NewReader(strings.Repeat("w", 40_000)), errReader{boom}), -1, 1<<20)
	if !errors.Is(err, boom) || len(b) != 40_000 {
		t.Fatalf("failing reader: %d bytes, %v", len(b), err)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
