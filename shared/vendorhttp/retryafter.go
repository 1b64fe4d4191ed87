package vendorhttp

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryAfter reads how long a vendor asks callers to wait, in whole seconds
// (rounded up): Retry-After (seconds or an HTTP date), OpenAI's
// retry-after-ms, or Brave's X-RateLimit-Reset for the window whose
// X-RateLimit-Remaining is exhausted.
func RetryAfter(h http.Header, now time.Time) (int, bool) {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 {
			return int(math.Ceil(secs)), true
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(0, int(math.Ceil(t.Sub(now).Seconds()))), true
		}
	}
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 {
			return int(math.Ceil(ms / 1000)), true
		}
	}
	// Brave: "X-RateLimit-Remaining: 0, 1000" and "X-RateLimit-Reset: 1, 1419704"
	// list one value per window; wait for the exhausted one.
	remaining, reset := splitInts(h.Get("X-RateLimit-Remaining")), splitInts(h.Get("X-RateLimit-Reset"))
	best, found := 0, false
	for i := range min(len(remaining), len(reset)) {
		if remaining[i] <= 0 && (!found || reset[i] > best) {
			best, found = reset[i], true
		}
	}
	return best, found
}

func splitInts(s string) []int {
	var out []int
	for _, p := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return nil
		}
		out = append(out, n)
	}
	return out
}
