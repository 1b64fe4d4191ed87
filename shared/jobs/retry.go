package jobs

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
)

// RetryPolicy says how often a failing job runs again and how long it
// waits between runs. Only retryable failures (timeouts, fetch and
// dependency errors) are retried; a validation error fails at once.
type RetryPolicy struct {
	// MaxAttempts counts every run, the first included (1 = no retry).
	MaxAttempts       int     `json:"max_attempts,omitempty"`
	InitialDelayMS    int64   `json:"initial_delay_ms,omitempty"`
	BackoffMultiplier float64 `json:"backoff_multiplier,omitempty"`
	MaxDelayMS        int64   `json:"max_delay_ms,omitempty"`
	// Jitter spreads each delay over +-20 %, so jobs that failed together
	// do not all come back at once. Default true.
	Jitter *bool `json:"jitter,omitempty"`
}

// Retry defaults (the original's: 3 attempts, 30 s, x2, at most 300 s).
const (
	DefaultMaxAttempts = 3
	DefaultInitial     = 30 * time.Second
	DefaultMultiplier  = 2.0
	DefaultMaxDelay    = 5 * time.Minute
	MaxAttemptsLimit   = 10
	MaxDelayLimit      = time.Hour
)

// DefaultRetry is the policy of a job that names none.
func DefaultRetry() RetryPolicy { return RetryPolicy{}.withDefaults() }

func (r RetryPolicy) withDefaults() RetryPolicy {
	if r.MaxAttempts == 0 {
		r.MaxAttempts = DefaultMaxAttempts
	}
	if r.InitialDelayMS == 0 {
		r.InitialDelayMS = DefaultInitial.Milliseconds()
	}
	if r.BackoffMultiplier == 0 {
		r.BackoffMultiplier = DefaultMultiplier
	}
	if r.MaxDelayMS == 0 {
		r.MaxDelayMS = DefaultMaxDelay.Milliseconds()
	}
	if r.Jitter == nil {
		t := true
		r.Jitter = &t
	}
	return r
}

func (r RetryPolicy) validate(prefix string) error {
	var details []core.Detail
	bad := func(field, format string, args ...any) {
		details = append(details, core.Detail{Field: prefix + "." + field, Message: fmt.Sprintf(format, args...)})
	}
	if r.MaxAttempts < 1 || r.MaxAttempts > MaxAttemptsLimit {
		bad("max_attempts", "must be between 1 and %d", MaxAttemptsLimit)
	}
	if r.InitialDelayMS < 0 || r.InitialDelayMS > MaxDelayLimit.Milliseconds() {
		bad("initial_delay_ms", "must be between 0 and %d", MaxDelayLimit.Milliseconds())
	}
	if r.BackoffMultiplier < 1 || r.BackoffMultiplier > 10 {
		bad("backoff_multiplier", "must be between 1 and 10")
	}
	if r.MaxDelayMS < r.InitialDelayMS || r.MaxDelayMS > MaxDelayLimit.Milliseconds() {
		bad("max_delay_ms", "must be between initial_delay_ms and %d", MaxDelayLimit.Milliseconds())
	}
	if len(details) > 0 {
		return core.Errorf(core.ErrValidation, "%s: %s", details[0].Field, details[0].Message).WithDetails(details...)
	}
	return nil
}

// Delay is the wait before retry number n (1 for the first retry):
// initial x multiplier^(n-1), capped at the maximum, then jittered.
// random returns a float in [0, 1).
func (r RetryPolicy) Delay(n int, random func() float64) time.Duration {
	r = r.withDefaults()
	d := float64(r.InitialDelayMS) * math.Pow(r.BackoffMultiplier, float64(max(0, n-1)))
	d = math.Min(d, float64(r.MaxDelayMS))
	if *r.Jitter {
		if random == nil {
			random = rand.Float64
		}
		d *= 0.8 + 0.4*random()
	}
	return time.Duration(d) * time.Millisecond
}
