package llm_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// fakeLLM is a loopback server speaking one vendor's wire format. Each
// request is recorded; answers come from a queue (the last one repeats).
type fakeLLM struct {
	*httptest.Server
	mu       sync.Mutex
	requests []seen
	answers  []answer
}

type seen struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

type answer struct {
	status int
	header http.Header
	body   string
	delay  time.Duration
}

func newFake(t *testing.T, answers ...answer) *fakeLLM {
	t.Helper()
	f := &fakeLLM{answers: answers}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.requests = append(f.requests, seen{r.Method, r.URL.EscapedPath(), r.Header.Clone(), b})
		a := f.answers[min(len(f.requests), len(f.answers))-1]
		f.mu.Unlock()
		if a.delay > 0 {
			select {
			case <-time.After(a.delay):
			case <-r.Context().Done():
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		for k, v := range a.header {
			w.Header()[k] = v
		}
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.body)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeLLM) calls() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.requests...)
}

// openAIAnswer is a chat.completion whose message content is content.
func openAIAnswer(model, content string, in, out int) answer {
	c, _ := json.Marshal(content)
	return answer{status: 200, body: fmt.Sprintf(`{"id":"chatcmpl-1","object":"chat.completion","created":1764000000,"model":%q,
	 "choices":[{"index":0,"message":{"role":"assistant","content":%s,"refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],
	 "usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}},
	 "service_tier":"default","system_fingerprint":"fp_1"}`, model, c, in, out, in+out)}
}

// anthropicToolAnswer is a Messages response calling tool with input.
func anthropicToolAnswer(model, tool, input string, in, out int) answer {
	return answer{status: 200, body: fmt.Sprintf(`{"id":"msg_01","type":"message","role":"assistant","model":%q,
	 "content":[{"type":"text","text":"Here is the data."},{"type":"tool_use","id":"toolu_01","name":%q,"input":%s}],
	 "stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":%d,"output_tokens":%d,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}`,
		model, tool, input, in, out)}
}

func openAIError(status int, typ, msg string, header http.Header) answer {
	return answer{status: status, header: header, body: fmt.Sprintf(`{"error":{"message":%q,"type":%q,"param":null,"code":null}}`, msg, typ)}
}

func anthropicError(status int, typ, msg string, header http.Header) answer {
	return answer{status: status, header: header, body: fmt.Sprintf(`{"type":"error","error":{"type":%q,"message":%q},"request_id":"req_1"}`, typ, msg)}
}
