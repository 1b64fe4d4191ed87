package fetch

import (
	"bytes"
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
