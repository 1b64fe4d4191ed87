package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/llm"
	"github.com/riptidecrawler/riptide/shared/store"
	"github.com/riptidecrawler/riptide/shared/vendorhttp"
)

func TestLLMUsageTotals(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := store.NewLLMUsage(s)
		c1, c2 := 0.0045, 0.000123
		for _, usage := range []llm.Usage{
			{Requests: 1, InputTokens: 1000, OutputTokens: 100, CostUSD: &c1},
			{Requests: 2, InputTokens: 10, OutputTokens: 5, CostUSD: &c2},
			{Requests: 1, InputTokens: 7, OutputTokens: 3},
		} {
			if err := u.Add(ctx, "key_a", usage); err != nil {
				t.Fatal(err)
			}
		}
		got, err := u.Totals(ctx, "key_a")
		if err != nil {
			t.Fatal(err)
		}
		want := llm.UsageTotals{Requests: 4, InputTokens: 1017, OutputTokens: 108, CostUSD: 0.004623, UnpricedRequests: 1}
		if got != want {
			t.Fatalf("got %+v, want %+v", got, want)
		}
		if other, _ := u.Totals(ctx, "key_b"); other != (llm.UsageTotals{}) {
			t.Fatalf("callers share totals: %+v", other)
		}
	})
}

func TestLLMConfigRoundTrip(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := store.NewLLMConfig(s)
		empty, err := c.Load(ctx)
		if err != nil || empty.Active != "" {
			t.Fatalf("%+v %v", empty, err)
		}
		in := llm.StoredConfig{Active: "anthropic", Failover: []string{"openai"}, Providers: map[string]llm.ProviderConfig{"anthropic": {APIKey: "k", Model: "claude-haiku-4-5"}},
			UpdatedAt: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
		if err := c.Save(ctx, in); err != nil {
			t.Fatal(err)
		}
		out, err := c.Load(ctx)
		if err != nil || out.Active != "anthropic" || out.Providers["anthropic"].Model != "claude-haiku-4-5" || !out.UpdatedAt.Equal(in.UpdatedAt) {
			t.Fatalf("%+v %v", out, err)
		}
	})
}

func TestVendorBreakerSharedState(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		// Two breakers over one Redis behave as one: instance B sees the
		// circuit instance A opened.
		a := &vendorhttp.Breaker{State: store.NewVendorBreaker(s), Threshold: 2, Cooldown: 30 * time.Second}
		b := &vendorhttp.Breaker{State: store.NewVendorBreaker(s), Threshold: 2, Cooldown: 30 * time.Second}
		fail := core.Errorf(core.ErrDependency, "serper failed with HTTP 502")
		a.Record(ctx, "serper", fail)
		if err := b.Allow(ctx, "serper"); err != nil {
			t.Fatal("one failure must not open the circuit")
		}
		b.Record(ctx, "serper", fail)
		err := a.Allow(ctx, "serper")
		if e := core.AsError(err); err == nil || e.RetryAfterSeconds < 29 || e.RetryAfterSeconds > 30 {
			t.Fatalf("open circuit: %v", err)
		}
		if err := a.Allow(ctx, "brave"); err != nil {
			t.Fatal("circuits are per vendor")
		}
		b.Record(ctx, "tavily", &core.Error{Type: core.ErrRateLimited, RetryAfterSeconds: 5})
		if e := core.AsError(a.Allow(ctx, "tavily")); e == nil || e.RetryAfterSeconds > 5 {
			t.Fatalf("429 opens for its Retry-After: %v", e)
		}
		if ttl := s.Client.PTTL(ctx, s.Prefix()+"breaker:serper:open").Val(); ttl <= 0 || ttl > 30*time.Second {
			t.Fatalf("open key TTL %v", ttl)
		}
	})
}
