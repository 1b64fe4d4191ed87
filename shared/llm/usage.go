package llm

import (
	"context"
	"math"
)

// Usage is the token and cost accounting of one or more completions.
type Usage struct {
	Provider     string `json:"provider,omitempty"`
	Model        string `json:"model,omitempty"`
	Requests     int    `json:"requests"`
	InputTokens  int    `json:"input_tokens"`
	OutputTokens int    `json:"output_tokens"`
	TotalTokens  int    `json:"total_tokens"`
	// CostUSD is null when a model's price is unknown (configure it with
	// input_cost_per_mtok / output_cost_per_mtok).
	CostUSD *float64 `json:"cost_usd"`
	// Failover lists the providers tried before the one that answered.
	Failover []FailedAttempt `json:"failover,omitempty"`
}

// FailedAttempt is a provider that failed and was skipped.
type FailedAttempt struct {
	Provider  string `json:"provider"`
	ErrorType string `json:"error_type"`
	Message   string `json:"message"`
}

// Add accumulates o into u (several calls of one extraction).
func (u *Usage) Add(o Usage) {
	if u.Provider == "" {
		u.Provider, u.Model = o.Provider, o.Model
	} else if u.Provider != o.Provider || u.Model != o.Model {
		u.Provider, u.Model = "mixed", "mixed"
	}
	first := u.Requests == 0
	u.Requests += o.Requests
	u.InputTokens += o.InputTokens
	u.OutputTokens += o.OutputTokens
	u.TotalTokens += o.TotalTokens
	switch {
	case first:
		u.CostUSD = o.CostUSD
	case u.CostUSD != nil && o.CostUSD != nil:
		c := round6(*u.CostUSD + *o.CostUSD)
		u.CostUSD = &c
	default:
		u.CostUSD = nil
	}
	u.Failover = append(u.Failover, o.Failover...)
}

// Price is a model's price per million tokens, in USD.
type Price struct {
	InputPerMTok  float64 `json:"input_token_cost"`
	OutputPerMTok float64 `json:"output_token_cost"`
	Currency      string  `json:"currency"` // "USD"
}

// cost prices a completion; nil when the price is unknown.
func cost(p *Price, in, out int) *float64 {
	if p == nil {
		return nil
	}
	c := round6((float64(in)*p.InputPerMTok + float64(out)*p.OutputPerMTok) / 1e6)
	return &c
}

func round6(f float64) float64 { return math.Round(f*1e6) / 1e6 }

// UsageTotals are the accumulated usage of one caller.
type UsageTotals struct {
	Requests     int64   `json:"requests"`
	InputTokens  int64   `json:"input_tokens"`
	OutputTokens int64   `json:"output_tokens"`
	CostUSD      float64 `json:"cost_usd"` // of the requests whose price was known
	// UnpricedRequests had no known price and are not in CostUSD.
	UnpricedRequests int64 `json:"unpriced_requests"`
}

// UsageStore keeps usage totals per caller across instances
// (shared/store.LLMUsage in Redis).
type UsageStore interface {
	Add(ctx context.Context, caller string, u Usage) error
	Totals(ctx context.Context, caller string) (UsageTotals, error)
}
