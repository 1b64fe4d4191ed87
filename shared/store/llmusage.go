package store

import (
	"context"
	"fmt"
	"strconv"

	"github.com/riptidecrawler/riptide/shared/llm"
)

// LLMUsage keeps LLM usage totals per caller (API key fingerprint) in one
// hash each, <prefix>llm:usage:<caller>, updated with atomic increments so
// concurrent Lambda instances add up. Cost is counted in micro-dollars to
// stay an integer.
type LLMUsage struct{ s *Store }

// NewLLMUsage returns the usage store of s (llm.UsageStore).
func NewLLMUsage(s *Store) *LLMUsage { return &LLMUsage{s: s} }

func (u *LLMUsage) key(caller string) string { return u.s.Key("llm", "usage", caller) }

// Add implements llm.UsageStore.
func (u *LLMUsage) Add(ctx context.Context, caller string, usage llm.Usage) error {
	k := u.key(caller)
	pipe := u.s.Client.TxPipeline()
	pipe.HIncrBy(ctx, k, "requests", int64(usage.Requests))
	pipe.HIncrBy(ctx, k, "input_tokens", int64(usage.InputTokens))
	pipe.HIncrBy(ctx, k, "output_tokens", int64(usage.OutputTokens))
	if usage.CostUSD != nil {
		pipe.HIncrBy(ctx, k, "cost_micro_usd", int64(*usage.CostUSD*1e6+0.5))
	} else {
		pipe.HIncrBy(ctx, k, "unpriced_requests", int64(usage.Requests))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("llm usage: %w", err)
	}
	return nil
}

// Totals implements llm.UsageStore.
func (u *LLMUsage) Totals(ctx context.Context, caller string) (llm.UsageTotals, error) {
	m, err := u.s.Client.HGetAll(ctx, u.key(caller)).Result()
	if err != nil {
		return llm.UsageTotals{}, fmt.Errorf("llm usage: %w", err)
	}
	n := func(f string) int64 { v, _ := strconv.ParseInt(m[f], 10, 64); return v }
	return llm.UsageTotals{Requests: n("requests"), InputTokens: n("input_tokens"), OutputTokens: n("output_tokens"),
		CostUSD: float64(n("cost_micro_usd")) / 1e6, UnpricedRequests: n("unpriced_requests")}, nil
}
