package health_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/shared/health"
	"github.com/riptidecrawler/riptide/shared/store"
)

func check(name string, required bool, err error, delay time.Duration) health.Checker {
	return health.Func{ComponentName: name, IsRequired: required, Probe: func(ctx context.Context) (string, error) {
		select {
		case <-time.After(delay):
			return "detail", err
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}}
}

func TestOverall(t *testing.T) {
	down := errors.New("down")
	cases := []struct {
		name     string
		checkers []health.Checker
		want     string
	}{
		{"all up", []health.Checker{check("redis", true, nil, 0), check("chromium", false, nil, 0)}, health.StatusHealthy},
		{"optional down", []health.Checker{check("redis", true, nil, 0), check("chromium", false, down, 0)}, health.StatusDegraded},
		{"required down", []health.Checker{check("redis", true, down, 0), check("chromium", false, nil, 0)}, health.StatusUnhealthy},
	}
	for _, c := range cases {
		comps := health.Run(context.Background(), c.checkers)
		if got := health.Overall(comps); got != c.want {
			t.Errorf("%s: %s, want %s (%v)", c.name, got, c.want, comps)
		}
	}
}

func TestHungCheckIsBounded(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	comp := health.RunOne(ctx, check("slow", true, nil, time.Hour))
	if comp.Status != health.StatusUnhealthy || comp.Error == "" {
		t.Fatalf("a check that does not answer must be unhealthy: %+v", comp)
	}
}

// TestLatencyIsIntegerMilliseconds: durations in the API are integer
// milliseconds (api.md); latency_ms was a float.
func TestLatencyIsIntegerMilliseconds(t *testing.T) {
	comp := health.RunOne(context.Background(), check("slow", true, nil, 30*time.Millisecond))
	b, err := json.Marshal(comp)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	_ = json.Unmarshal(b, &raw)
	ms, err := strconv.ParseInt(string(raw["latency_ms"]), 10, 64)
	if err != nil || ms < 30 {
		t.Errorf("latency_ms = %s, want an integer >= 30 (the check slept 30ms)", raw["latency_ms"])
	}
}

func TestRedisFailureDoesNotRevealTheAddress(t *testing.T) {
	// A port nothing listens on: the dial error names the address.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s, err := store.Open(store.Options{URL: "redis://" + addr + "/0"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := health.RunOne(context.Background(), health.Redis(s))
	if c.Status != health.StatusUnhealthy || c.Error == "" || strings.Contains(c.Error+c.Detail, "127.0.0.1") {
		t.Fatalf("component %+v", c)
	}
}
