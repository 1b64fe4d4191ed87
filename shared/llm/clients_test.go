package llm_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/llm"
)

var extractReq = llm.Request{Model: "gpt-4.1-mini", System: "sys", MaxTokens: 300, Messages: []llm.Message{{Role: llm.RoleUser, Content: "Extract."}},
	Structured: &llm.Structured{Name: "extract", Description: "Record it", Schema: json.RawMessage(`{"type":"object","properties":{"title":{"type":"string"}},"required":["title"]}`)}}

func sameJSON(t *testing.T, got []byte, file string) {
	t.Helper()
	want, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("body is not JSON: %s", got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("request body\n got %s\nwant %s", got, bytes.Join(bytes.Fields(want), []byte(" ")))
	}
}

func TestOpenAIRequestAndStructuredOutput(t *testing.T) {
	f := newFake(t, openAIAnswer("gpt-4.1-mini-2025-04-14", `{"title":"Alpha"}`, 120, 8))
	c := &llm.OpenAIClient{Provider: "openai", BaseURL: f.URL + "/v1", APIKey: "sk-test", KeyVar: "OPENAI_API_KEY", AuthHeader: "bearer"}
	resp, err := c.Complete(context.Background(), extractReq)
	if err != nil {
		t.Fatal(err)
	}
	r := f.calls()[0]
	if r.Method != "POST" || r.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer sk-test" || r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("%s %s %v", r.Method, r.Path, r.Header)
	}
	sameJSON(t, r.Body, "openai_request.json")
	if string(resp.JSON) != `{"title":"Alpha"}` || resp.Usage.InputTokens != 120 || resp.Usage.OutputTokens != 8 || resp.Usage.TotalTokens != 128 || resp.Model != "gpt-4.1-mini-2025-04-14" {
		t.Fatalf("%+v", resp)
	}
}

func TestOpenAICompatibleFlavours(t *testing.T) {
	// Azure: api-key header. Ollama: no key, max_tokens, a fenced answer.
	f := newFake(t, openAIAnswer("llama3.2", "```json\n{\"title\":\"Alpha\"}\n```", 10, 5))
	az := &llm.OpenAIClient{Provider: "azure_openai", BaseURL: f.URL + "/openai/v1/", APIKey: "az-key", AuthHeader: "api-key"}
	if _, err := az.Complete(context.Background(), extractReq); err != nil {
		t.Fatal(err)
	}
	r := f.calls()[0]
	if r.Path != "/openai/v1/chat/completions" || r.Header.Get("api-key") != "az-key" || r.Header.Get("Authorization") != "" {
		t.Fatalf("azure: %s %v", r.Path, r.Header)
	}
	ol := &llm.OpenAIClient{Provider: "ollama", BaseURL: f.URL + "/v1", LegacyMaxTokens: true}
	resp, err := ol.Complete(context.Background(), extractReq)
	if err != nil {
		t.Fatal(err)
	}
	r = f.calls()[1]
	var body map[string]any
	_ = json.Unmarshal(r.Body, &body)
	if r.Header.Get("Authorization") != "" || body["max_tokens"] != 300.0 || body["max_completion_tokens"] != nil {
		t.Fatalf("ollama: %v %s", r.Header, r.Body)
	}
	if string(resp.JSON) != `{"title":"Alpha"}` {
		t.Fatalf("fenced JSON: %q", resp.JSON)
	}
}

func TestAnthropicRequestAndToolUse(t *testing.T) {
	f := newFake(t, anthropicToolAnswer("claude-sonnet-4-5-20250929", "extract", `{"title":"Alpha"}`, 200, 30))
	c := &llm.AnthropicClient{BaseURL: f.URL, APIKey: "sk-ant-test"}
	req := extractReq
	req.Model = "claude-sonnet-4-5"
	resp, err := c.Complete(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	r := f.calls()[0]
	if r.Method != "POST" || r.Path != "/v1/messages" || r.Header.Get("x-api-key") != "sk-ant-test" || r.Header.Get("anthropic-version") != "2023-06-01" ||
		r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Authorization") != "" {
		t.Fatalf("%s %s %v", r.Method, r.Path, r.Header)
	}
	sameJSON(t, r.Body, "anthropic_request.json")
	if string(resp.JSON) != `{"title":"Alpha"}` || resp.Text != "Here is the data." || resp.Usage.TotalTokens != 230 || resp.StopReason != "tool_use" {
		t.Fatalf("%+v", resp)
	}
}

func TestClientFailures(t *testing.T) {
	ctx := context.Background()
	clients := map[string]func(url string, hc *http.Client) llm.Client{
		"openai": func(url string, hc *http.Client) llm.Client {
			return &llm.OpenAIClient{Provider: "openai", BaseURL: url, APIKey: "k", KeyVar: "OPENAI_API_KEY", AuthHeader: "bearer", HTTP: hc}
		},
		"anthropic": func(url string, hc *http.Client) llm.Client {
			return &llm.AnthropicClient{BaseURL: url, APIKey: "k", HTTP: hc}
		},
	}
	errBody := map[string]func(int, string, string, http.Header) answer{"openai": openAIError, "anthropic": anthropicError}
	for name, mk := range clients {
		t.Run(name, func(t *testing.T) {
			check := func(what string, a answer, typ core.ErrorType, retryable bool, contains string) *core.Error {
				t.Helper()
				f := newFake(t, a)
				_, err := mk(f.URL, &http.Client{Timeout: 200 * time.Millisecond}).Complete(ctx, extractReq)
				e := core.AsError(err)
				if err == nil || e.Type != typ || e.Retryable() != retryable || !strings.Contains(e.Message, contains) {
					t.Fatalf("%s: %v (retryable %v)", what, err, e.Retryable())
				}
				return e
			}
			check("bad key", errBody[name](401, "authentication_error", "invalid x-api-key", nil), core.ErrDependency, false, "invalid x-api-key")
			e := check("429", errBody[name](429, "rate_limit_error", "Number of requests has exceeded your rate limit",
				http.Header{"Retry-After": {"12"}}), core.ErrRateLimited, true, "rate limit")
			if e.RetryAfterSeconds != 12 {
				t.Fatalf("retry-after %d", e.RetryAfterSeconds)
			}
			check("overloaded", errBody[name](529, "overloaded_error", "Overloaded", nil), core.ErrDependency, true, "529")
			check("500", errBody[name](500, "api_error", "Internal server error", nil), core.ErrDependency, true, "Internal server error")
			check("malformed", answer{status: 200, body: `{"choices": [`}, core.ErrDependency, true, "cannot read")
			check("timeout", answer{status: 200, body: `{}`, delay: 2 * time.Second}, core.ErrTimeout, true, "did not answer in time")
		})
	}
}
