package llmapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	llmapi "github.com/riptidecrawler/riptide/shared/api/llm"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/llm"
	"github.com/riptidecrawler/riptide/shared/routes"
	"github.com/riptidecrawler/riptide/shared/secrets"
	"github.com/riptidecrawler/riptide/shared/store"
	"github.com/riptidecrawler/riptide/shared/vendorhttp"
)

const apiKey = "test-key"

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

type env struct {
	api  *httptest.Server
	svc  *llm.Service
	logs *syncBuffer
}

func setup(t *testing.T, vars map[string]string) env {
	t.Helper()
	st, err := store.Open(store.Options{Prefix: "t:"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	svc := &llm.Service{Lookup: lookup, Keys: secrets.VendorKeys{Lookup: lookup}, Store: store.NewLLMConfig(st), Usage: store.NewLLMUsage(st),
		Breaker: &vendorhttp.Breaker{State: store.NewVendorBreaker(st)}, HTTP: http.DefaultClient, GuardedHTTP: http.DefaultClient}
	logs := &syncBuffer{}
	h, err := httpx.NewHandler(httpx.Options{Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Auth: httpx.AuthConfig{Authenticator: httpx.NewStaticKeys([]string{apiKey})}}, routes.Group("llm"), llmapi.Handlers(llmapi.Deps{LLM: svc}))
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(h)
	t.Cleanup(api.Close)
	return env{api: api, svc: svc, logs: logs}
}

func (e env) do(t *testing.T, method, path, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, e.api.URL+path, strings.NewReader(body))
	req.Header.Set("X-API-Key", apiKey)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestProvidersListAndFilters(t *testing.T) {
	e := setup(t, map[string]string{"OPENAI_API_KEY": "sk-env"})
	code, body := e.do(t, "GET", "/api/v1/llm/providers?include_cost=true&include_models=true", "")
	var out llmapi.ProvidersResponse
	_ = json.Unmarshal([]byte(body), &out)
	if code != 200 || out.CurrentProvider != "openai" || out.TotalProviders != len(llm.Specs) {
		t.Fatalf("%d %s", code, body)
	}
	for _, p := range out.Providers {
		switch p.Name {
		case "openai":
			if p.Status != "healthy" || !p.Available || p.CostInfo == nil || p.CostInfo.InputPerMTok != 0.40 || len(p.Models) == 0 || p.Models[0].ContextWindow == 0 {
				t.Fatalf("%+v", p)
			}
		case "anthropic":
			if p.Status != "unavailable" || !strings.Contains(p.StatusReason, "ANTHROPIC_API_KEY") {
				t.Fatalf("%+v", p)
			}
		}
	}
	code, body = e.do(t, "GET", "/api/v1/llm/providers?available_only=true", "")
	out = llmapi.ProvidersResponse{}
	_ = json.Unmarshal([]byte(body), &out)
	if code != 200 || out.TotalProviders != 1 || out.Providers[0].CostInfo != nil || out.Providers[0].Models != nil {
		t.Fatalf("%d %s", code, body)
	}
	for _, q := range []string{"?available_only=maybe", "?sort=name"} {
		if code, body := e.do(t, "GET", "/api/v1/llm/providers"+q, ""); code != 400 || !strings.Contains(body, "validation_error") {
			t.Fatalf("%s: %d %s", q, code, body)
		}
	}
}

func TestConfigKeysAreWriteOnly(t *testing.T) {
	e := setup(t, nil)
	secret := "sk-ant-api03-VERY-SECRET"
	code, body := e.do(t, "POST", "/api/v1/llm/config", `{"provider_configs":{"anthropic":{"api_key":"`+secret+`","model":"claude-haiku-4-5"}},"global_config":{"failover_chain":["openai"]}}`)
	if code != 200 || strings.Contains(body, secret) || !strings.Contains(body, `"api_key_set":true`) || !strings.Contains(body, `"validation_results":{"anthropic":"ok"}`) {
		t.Fatalf("%d %s", code, body)
	}
	code, body = e.do(t, "GET", "/api/v1/llm/config", "")
	if code != 200 || strings.Contains(body, secret) || !strings.Contains(body, `"active_provider":"anthropic"`) || !strings.Contains(body, `"api_key_source":"api"`) {
		t.Fatalf("%d %s", code, body)
	}
	if strings.Contains(e.logs.String(), secret) || !strings.Contains(e.logs.String(), "llm configuration updated") {
		t.Fatalf("logs: %s", e.logs.String())
	}
	for _, bad := range []string{
		`{"provider_configs":{"anthropic":{"api_key":"k","temperature":1}}}`,
		`{"provider_configs":{"bing":{"api_key":"k"}}}`,
		`{"provider_configs":{"ollama":{"base_url":"ftp://x"}}}`,
		`{"provider_configs":{"openai":{"region":"us-east-1"}}}`,
		`{"provider_configs":{}}`,
		`{"global_config":{"active_provider":"bing"}}`,
	} {
		if code, body := e.do(t, "POST", "/api/v1/llm/config", bad); code != 400 || !strings.Contains(body, "validation_error") {
			t.Errorf("%s: %d %s", bad, code, body)
		}
	}
}

func TestSwitchAndUsageTotals(t *testing.T) {
	oa := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":"c","object":"chat.completion","model":"gpt-4.1-mini","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1000,"completion_tokens":500,"total_tokens":1500}}`)
	}))
	t.Cleanup(oa.Close)
	e := setup(t, map[string]string{"OPENAI_API_KEY": "sk-env", "OPENAI_BASE_URL": oa.URL})
	code, body := e.do(t, "POST", "/api/v1/llm/providers/switch", `{"provider_name":"anthropic","config_updates":{"api_key":"sk-ant-x"}}`)
	if code != 200 || !strings.Contains(body, `"previous_provider":"openai"`) || !strings.Contains(body, `"new_provider":"anthropic"`) || strings.Contains(body, "sk-ant-x") {
		t.Fatalf("%d %s", code, body)
	}
	for _, bad := range []string{`{"provider_name":"vllm"}`, `{"provider_name":"bing"}`, `{"provider_name":""}`, `{"provider_name":"openai","gradual_rollout":true}`} {
		if code, body := e.do(t, "POST", "/api/v1/llm/providers/switch", bad); code != 400 {
			t.Errorf("%s: %d %s", bad, code, body)
		}
	}
	if code, body = e.do(t, "POST", "/api/v1/llm/providers/switch", `{"provider_name":"openai"}`); code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	ctx := llm.WithCaller(context.Background(), httpx.KeyFingerprint(apiKey))
	if _, err := e.svc.Complete(ctx, llm.Request{Messages: []llm.Message{{Role: llm.RoleUser, Content: "hello"}}}); err != nil {
		t.Fatal(err)
	}
	_, body = e.do(t, "GET", "/api/v1/llm/config", "")
	var cfg llmapi.ConfigResponse
	_ = json.Unmarshal([]byte(body), &cfg)
	// gpt-4.1-mini: 1000 x $0.40 + 500 x $1.60 per million.
	if cfg.Usage.Requests != 1 || cfg.Usage.InputTokens != 1000 || cfg.Usage.OutputTokens != 500 || cfg.Usage.CostUSD != 0.0012 {
		t.Fatalf("usage %+v", cfg.Usage)
	}
}
