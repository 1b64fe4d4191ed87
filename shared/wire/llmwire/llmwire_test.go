package llmwire_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/extract"
	"github.com/riptidecrawler/riptide/shared/strategy"
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/pipelinewire"
)

// fakeOpenAI answers chat completions the way OpenAI's API does, with the
// JSON object the test wants as the message content.
func fakeOpenAI(t *testing.T, content string, calls *atomic.Int64, lastBody *atomic.Value) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer sk-test" {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"error":{"message":"unexpected request","type":"invalid_request_error"}}`)
			return
		}
		calls.Add(1)
		b, _ := io.ReadAll(r.Body)
		lastBody.Store(string(b))
		w.Header().Set("Content-Type", "application/json")
		c, _ := json.Marshal(content)
		_, _ = io.WriteString(w, `{"id":"chatcmpl-1","object":"chat.completion","model":"gpt-4.1-mini","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":`+string(c)+`}}],"usage":{"prompt_tokens":120,"completion_tokens":12,"total_tokens":132}}`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func registry(t *testing.T, env map[string]string) *strategy.Registry {
	env["RIPTIDE_LOG_LEVEL"] = "error"
	p, err := wire.New(context.Background(), "test", config.FromMap(env))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	reg, err := pipelinewire.Strategies(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func page(t *testing.T) *strategy.Input {
	html := []byte(`<html><head><title>Harbour</title></head><body><article><h1>Harbour morning</h1>
<p>The fishermen came back at dawn with a full catch, and the market opened early for the first time this year.</p>
<p>Prices fell by a third before noon as buyers from three towns crowded the quay.</p></article></body></html>`)
	pg, err := extract.Parse(context.Background(), html, "https://news.example/harbour", 0)
	if err != nil {
		t.Fatal(err)
	}
	return strategy.NewInput(pg, html, nil)
}

// TestLLMStrategyThroughTheRegistry: the process's registry runs the llm
// strategy on the configured provider, sends the page's main content with
// the schema, and returns the schema-valid answer as fields.
func TestLLMStrategyThroughTheRegistry(t *testing.T) {
	var calls atomic.Int64
	var body atomic.Value
	srv := fakeOpenAI(t, `{"headline":"Harbour morning","price_change":"fell by a third"}`, &calls, &body)
	reg := registry(t, map[string]string{"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": srv.URL + "/v1", "RIPTIDE_LLM_PROVIDER": "openai"})
	schema := json.RawMessage(`{"type":"object","properties":{"headline":{"type":"string"},"price_change":{"type":"string"}},"required":["headline"]}`)
	plan, err := reg.Compile(strategy.Spec{Strategy: "llm", Schema: schema}, "options.extraction")
	if err != nil {
		t.Fatal(err)
	}
	res, err := plan.Run(context.Background(), page(t))
	if err != nil {
		t.Fatal(err)
	}
	if res.Data["headline"] != "Harbour morning" || res.Sources["headline"] != "llm" || calls.Load() != 1 {
		t.Fatalf("result %+v after %d calls", res, calls.Load())
	}
	sent, _ := body.Load().(string)
	if !strings.Contains(sent, "fishermen came back at dawn") || !strings.Contains(sent, "json_schema") {
		t.Fatalf("the request did not carry the page and the schema: %s", sent)
	}
}

// TestLLMStrategyNeedsAProvider: with no provider configured the strategy
// says what to configure instead of answering empty.
func TestLLMStrategyNeedsAProvider(t *testing.T) {
	reg := registry(t, map[string]string{})
	plan, err := reg.Compile(strategy.Spec{Strategy: "llm", Params: json.RawMessage(`{"fields":["headline"]}`)}, "options.extraction")
	if err != nil {
		t.Fatal(err)
	}
	_, err = plan.Run(context.Background(), page(t))
	if ce := core.AsError(err); err == nil || ce.Type != core.ErrDependency {
		t.Fatalf("want dependency_error naming what to configure, got %v", err)
	}
}
