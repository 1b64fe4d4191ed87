package llm_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/llm"
	"github.com/riptidecrawler/riptide/shared/secrets"
	"github.com/riptidecrawler/riptide/shared/vendorhttp"
)

// memUsage is a UsageStore for engine tests (the Redis one is tested in
// shared/store).
type memUsage struct {
	mu     sync.Mutex
	totals map[string]llm.UsageTotals
}

func (m *memUsage) Add(_ context.Context, caller string, u llm.Usage) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.totals == nil {
		m.totals = map[string]llm.UsageTotals{}
	}
	t := m.totals[caller]
	t.Requests += int64(u.Requests)
	t.InputTokens += int64(u.InputTokens)
	t.OutputTokens += int64(u.OutputTokens)
	if u.CostUSD != nil {
		t.CostUSD += *u.CostUSD
	}
	m.totals[caller] = t
	return nil
}

func (m *memUsage) Totals(_ context.Context, caller string) (llm.UsageTotals, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.totals[caller], nil
}

func service(env map[string]string) *llm.Service {
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	return &llm.Service{Lookup: lookup, Keys: secrets.VendorKeys{Lookup: lookup}, Store: &llm.MemoryConfigStore{}, Usage: &memUsage{},
		Breaker: &vendorhttp.Breaker{State: &vendorhttp.MemoryBreakerState{}}, HTTP: http.DefaultClient, GuardedHTTP: http.DefaultClient}
}

func TestFailoverOn429ThenUsageAndCost(t *testing.T) {
	oa := newFake(t, openAIError(429, "rate_limit_exceeded", "Rate limit reached", http.Header{"Retry-After": {"20"}}))
	an := newFake(t, anthropicToolAnswer("claude-sonnet-4-5", "extract", `{"title":"Alpha"}`, 1000, 100))
	s := service(map[string]string{"OPENAI_API_KEY": "sk-1", "OPENAI_BASE_URL": oa.URL + "/v1", "ANTHROPIC_API_KEY": "sk-ant", "ANTHROPIC_BASE_URL": an.URL})
	ctx := llm.WithCaller(context.Background(), "key_abc")
	req := extractReq
	req.Model = ""
	resp, err := s.Complete(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Provider != "anthropic" || len(resp.Usage.Failover) != 1 || resp.Usage.Failover[0].Provider != "openai" || resp.Usage.Failover[0].ErrorType != "rate_limited" {
		t.Fatalf("%+v", resp.Usage)
	}
	// claude-sonnet-4-5: $3 in, $15 out per million tokens.
	if resp.Usage.CostUSD == nil || *resp.Usage.CostUSD != 0.0045 {
		t.Fatalf("cost %v", resp.Usage.CostUSD)
	}
	var body map[string]any
	_ = json.Unmarshal(oa.calls()[0].Body, &body)
	if body["model"] != "gpt-4.1-mini" {
		t.Fatalf("openai default model: %v", body["model"])
	}
	tot, _ := s.Totals(ctx, "key_abc")
	if tot.Requests != 1 || tot.InputTokens != 1000 || tot.CostUSD != 0.0045 {
		t.Fatalf("totals %+v", tot)
	}
	// The 429 opened openai's circuit for its Retry-After: the next
	// request goes straight to anthropic.
	if _, err := s.Complete(ctx, req); err != nil {
		t.Fatal(err)
	}
	if len(oa.calls()) != 1 {
		t.Fatalf("openai called %d times while its circuit was open", len(oa.calls()))
	}
}

func TestNoFailoverOnBadKeyAndAllFailing(t *testing.T) {
	oa := newFake(t, openAIError(401, "invalid_request_error", "Incorrect API key provided", nil))
	an := newFake(t, anthropicError(500, "api_error", "Internal server error", nil))
	s := service(map[string]string{"OPENAI_API_KEY": "sk-bad", "OPENAI_BASE_URL": oa.URL, "ANTHROPIC_API_KEY": "k", "ANTHROPIC_BASE_URL": an.URL})
	_, err := s.Complete(context.Background(), extractReq)
	if e := core.AsError(err); e.Type != core.ErrDependency || e.Retryable() || !strings.Contains(e.Message, "OPENAI_API_KEY") || len(an.calls()) != 0 {
		t.Fatalf("a bad key is not a reason to fail over: %v, anthropic calls %d", err, len(an.calls()))
	}
	oa2 := newFake(t, openAIError(503, "server_error", "The server is overloaded", nil))
	s = service(map[string]string{"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": oa2.URL, "ANTHROPIC_API_KEY": "k", "ANTHROPIC_BASE_URL": an.URL})
	_, err = s.Complete(context.Background(), extractReq)
	if e := core.AsError(err); e.Type != core.ErrDependency || !e.Retryable() || !strings.Contains(e.Message, "openai:") || !strings.Contains(e.Message, "anthropic:") {
		t.Fatalf("all failing: %v", err)
	}
}

func TestNothingConfigured(t *testing.T) {
	s := service(nil)
	_, err := s.Complete(context.Background(), extractReq)
	if e := core.AsError(err); e.Type != core.ErrDependency || e.Retryable() || !strings.Contains(e.Message, "OPENAI_API_KEY") {
		t.Fatalf("%v", err)
	}
	_, err = s.Complete(context.Background(), llm.Request{Provider: "vllm"})
	if e := core.AsError(err); !strings.Contains(e.Message, "VLLM_BASE_URL") || !strings.Contains(e.Message, "VLLM_MODEL") {
		t.Fatalf("%v", err)
	}
}

func TestConfigIsWriteOnlyAndSwitches(t *testing.T) {
	ol := newFake(t, openAIAnswer("llama3.2", `{"title":"x"}`, 5, 5))
	s := service(map[string]string{"OPENAI_API_KEY": "sk-env-secret"})
	ctx := context.Background()
	res, err := s.SetConfig(ctx, map[string]llm.ProviderConfig{"anthropic": {APIKey: "sk-ant-posted-secret", Model: "claude-haiku-4-5"},
		"ollama": {BaseURL: ol.URL + "/v1", Model: "llama3.2"}}, &llm.GlobalConfig{FailoverChain: []string{"ollama"}})
	if err != nil || res["anthropic"] != "ok" {
		t.Fatalf("%v %v", res, err)
	}
	sum := s.Config(ctx)
	b, _ := json.Marshal(sum)
	if strings.Contains(string(b), "secret") {
		t.Fatalf("a key leaked into the summary: %s", b)
	}
	if a := sum.Providers["anthropic"]; !a.Configured || !a.APIKeySet || a.APIKeySource != "api" || a.Model != "claude-haiku-4-5" {
		t.Fatalf("anthropic %+v", a)
	}
	if o := sum.Providers["openai"]; o.APIKeySource != "environment" || sum.ActiveProvider != "openai" || strings.Join(sum.FailoverChain, ",") != "ollama" {
		t.Fatalf("%+v", sum)
	}
	if _, err := s.SetConfig(ctx, map[string]llm.ProviderConfig{"ollama": {BaseURL: "file:///etc/passwd"}, "bing": {}}, nil); core.TypeOf(err) != core.ErrValidation {
		t.Fatalf("invalid config accepted: %v", err)
	}
	prev, err := s.Switch(ctx, "ollama", nil)
	if err != nil || prev != "openai" {
		t.Fatalf("%q %v", prev, err)
	}
	resp, err := s.Complete(ctx, extractReq)
	if err != nil || resp.Provider != "ollama" || resp.Usage.CostUSD == nil || *resp.Usage.CostUSD != 0 {
		t.Fatalf("%+v %v", resp, err)
	}
	if _, err := s.Switch(ctx, "vllm", nil); core.TypeOf(err) != core.ErrValidation || !strings.Contains(err.Error(), "VLLM_BASE_URL") {
		t.Fatalf("switch to an unconfigured provider: %v", err)
	}
	list, active := s.Providers(ctx)
	if active != "ollama" || len(list) != len(llm.Specs) {
		t.Fatalf("%s %d", active, len(list))
	}
	for _, p := range list {
		if p.Name == "vllm" && (p.Status != "unavailable" || p.Available) || p.Name == "ollama" && p.Status != "healthy" {
			t.Fatalf("%+v", p)
		}
	}
}

func TestAPIBaseURLNeedsTheGuardedClient(t *testing.T) {
	s := service(nil)
	s.GuardedHTTP = nil
	ctx := context.Background()
	if _, err := s.SetConfig(ctx, map[string]llm.ProviderConfig{"ollama": {BaseURL: "http://169.254.169.254/v1", Model: "m"}}, nil); err != nil {
		t.Fatal(err)
	}
	_, err := s.Complete(ctx, extractReq)
	if e := core.AsError(err); !strings.Contains(e.Message, "SSRF") {
		t.Fatalf("%v", err)
	}
}
