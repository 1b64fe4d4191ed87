package structured_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/llm"
	"github.com/riptidecrawler/riptide/shared/llm/structured"
	"github.com/riptidecrawler/riptide/shared/secrets"
	"github.com/riptidecrawler/riptide/shared/vendorhttp"
)

// fakeOpenAI answers chat completions with the queued contents in turn,
// recording each request body.
type fakeOpenAI struct {
	*httptest.Server
	mu       sync.Mutex
	bodies   []map[string]any
	contents []string
}

func newFakeOpenAI(t *testing.T, contents ...string) *fakeOpenAI {
	f := &fakeOpenAI{contents: contents}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var body map[string]any
		_ = json.Unmarshal(b, &body)
		f.mu.Lock()
		f.bodies = append(f.bodies, body)
		c := f.contents[min(len(f.bodies), len(f.contents))-1]
		f.mu.Unlock()
		cj, _ := json.Marshal(c)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":"chatcmpl-1","object":"chat.completion","model":"gpt-4.1-mini","choices":[{"index":0,"message":{"role":"assistant","content":%s},"finish_reason":"stop"}],"usage":{"prompt_tokens":100,"completion_tokens":20,"total_tokens":120}}`, cj)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeOpenAI) requests() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]any(nil), f.bodies...)
}

func extractor(t *testing.T, f *fakeOpenAI, stored map[string]llm.ProviderConfig) structured.Extractor {
	env := map[string]string{"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": f.URL + "/v1"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	s := &llm.Service{Lookup: lookup, Keys: secrets.VendorKeys{Lookup: lookup}, Store: &llm.MemoryConfigStore{},
		Breaker: &vendorhttp.Breaker{State: &vendorhttp.MemoryBreakerState{}}, HTTP: http.DefaultClient}
	if stored != nil {
		if _, err := s.SetConfig(context.Background(), stored, nil); err != nil {
			t.Fatal(err)
		}
	}
	return structured.Extractor{LLM: s}
}

var productSchema = json.RawMessage(`{"type":"object","properties":{"name":{"type":"string"},"price":{"type":"number","minimum":0},
 "tags":{"type":"array","items":{"type":"string"}}},"required":["name","price"],"additionalProperties":false}`)

const page = "# Widget 3000\n\nThe Widget 3000 costs 19.99 EUR.\n\nTags: tools, garden."

func TestValidFirstAnswer(t *testing.T) {
	f := newFakeOpenAI(t, `{"name":"Widget 3000","price":19.99,"tags":["tools","garden"]}`)
	data, usage, err := extractor(t, f, nil).Extract(context.Background(), productSchema, page)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != `{"name":"Widget 3000","price":19.99,"tags":["tools","garden"]}` || usage.Requests != 1 || usage.InputTokens != 100 || usage.CostUSD == nil {
		t.Fatalf("%s %+v", data, usage)
	}
	body := f.requests()[0]
	rf := body["response_format"].(map[string]any)
	js := rf["json_schema"].(map[string]any)
	if rf["type"] != "json_schema" || js["name"] != "extract" || js["schema"].(map[string]any)["required"] == nil {
		t.Fatalf("response_format %v", rf)
	}
	if msgs := body["messages"].([]any); !strings.Contains(msgs[1].(map[string]any)["content"].(string), "costs 19.99 EUR") {
		t.Fatalf("the page was not sent: %v", msgs)
	}
}

func TestOneRepairRetry(t *testing.T) {
	f := newFakeOpenAI(t, `{"name":"Widget 3000","price":"19.99 EUR"}`, `{"name":"Widget 3000","price":19.99}`)
	r, err := extractor(t, f, nil).ExtractDetailed(context.Background(), productSchema, page)
	if err != nil {
		t.Fatal(err)
	}
	if string(r.Data) != `{"name":"Widget 3000","price":19.99}` || r.Repairs != 1 || r.Usage.Requests != 2 || r.Usage.InputTokens != 200 {
		t.Fatalf("%+v", r)
	}
	msgs := f.requests()[1]["messages"].([]any)
	if len(msgs) != 4 || msgs[2].(map[string]any)["role"] != "assistant" || !strings.Contains(msgs[2].(map[string]any)["content"].(string), `"19.99 EUR"`) ||
		!strings.Contains(msgs[3].(map[string]any)["content"].(string), "/price") {
		t.Fatalf("repair request %v", msgs)
	}
}

func TestInvalidTwiceIsAnExtractionError(t *testing.T) {
	f := newFakeOpenAI(t, `{"name":"Widget 3000"}`, `not json at all`)
	_, _, err := extractor(t, f, nil).Extract(context.Background(), productSchema, page)
	e := core.AsError(err)
	if e.Type != core.ErrExtraction || !strings.Contains(e.Message, "after one repair") || !strings.Contains(e.Message, "not JSON") || len(f.requests()) != 2 {
		t.Fatalf("%v", err)
	}
	f = newFakeOpenAI(t, `{"name":"Widget 3000","price":-1}`)
	_, _, err = extractor(t, f, nil).Extract(context.Background(), productSchema, page)
	if e := core.AsError(err); e.Type != core.ErrExtraction || !strings.Contains(e.Message, "minimum") {
		t.Fatalf("the validator's message must be kept: %v", err)
	}
}

func TestLongPagesAreChunkedAndMerged(t *testing.T) {
	f := newFakeOpenAI(t, `{"name":"Widget 3000","price":19.99,"tags":["tools"]}`, `{"name":"","price":19.99,"tags":["tools","garden"]}`, `{"price":0,"name":"x","tags":["sale"]}`)
	var b strings.Builder
	for i := range 400 {
		fmt.Fprintf(&b, "Paragraph %d about the Widget 3000 and its many uses in the garden.\n\n", i)
	}
	// A 2000-token window leaves ~1000 tokens (3000 characters) per chunk.
	ex := extractor(t, f, map[string]llm.ProviderConfig{"openai": {ContextWindow: 2000}})
	ex.MaxChunks, ex.MaxOutputTokens = 3, 400
	r, err := ex.ExtractDetailed(context.Background(), productSchema, b.String())
	if err != nil {
		t.Fatal(err)
	}
	if r.Chunks != 3 || !r.Truncated || r.Usage.Requests != 3 {
		t.Fatalf("%+v", r)
	}
	if string(r.Data) != `{"name":"Widget 3000","price":19.99,"tags":["tools","garden","sale"]}` {
		t.Fatalf("merged %s", r.Data)
	}
	for i, body := range f.requests() {
		content := body["messages"].([]any)[1].(map[string]any)["content"].(string)
		if len(content) > 3400 || !strings.Contains(content, fmt.Sprintf("part %d of 3", i+1)) {
			t.Fatalf("chunk %d: %d bytes", i, len(content))
		}
	}
}

func TestSchemasAndFieldLists(t *testing.T) {
	f := newFakeOpenAI(t, `{}`)
	ex := extractor(t, f, nil)
	for _, bad := range []string{`{"type":"array"}`, `{"type":"object","properties":{"a":{"type":"strnig"}}}`, `{"$ref":"http://169.254.169.254/x","type":"object"}`, `{`} {
		if _, _, err := ex.Extract(context.Background(), json.RawMessage(bad), page); core.TypeOf(err) != core.ErrValidation {
			t.Errorf("%s: %v", bad, err)
		}
	}
	if len(f.requests()) != 0 {
		t.Fatal("a bad schema must not reach the model")
	}
	s, err := structured.SchemaFromFields([]string{"name", "price:number", "tags:string[]"})
	if err != nil {
		t.Fatal(err)
	}
	f = newFakeOpenAI(t, `{"name":"Widget","price":null,"tags":["a"]}`)
	data, _, err := extractor(t, f, nil).Extract(context.Background(), s, page)
	if err != nil || string(data) != `{"name":"Widget","price":null,"tags":["a"]}` {
		t.Fatalf("%s %v", data, err)
	}
	for _, bad := range [][]string{nil, {"a b"}, {"x:date"}, {"a", "a"}} {
		if _, err := structured.SchemaFromFields(bad); core.TypeOf(err) != core.ErrValidation {
			t.Errorf("%v: %v", bad, err)
		}
	}
}

func TestSplitMarkdown(t *testing.T) {
	md := "# A\n\npara one\n\n" + strings.Repeat("é", 50) + "\n\n## B\n\ntail"
	parts := structured.SplitMarkdown(md, 40)
	for _, p := range parts {
		if len(p) > 40 || !strings.HasPrefix(p, strings.TrimSpace(p)) {
			t.Fatalf("part %q", p)
		}
	}
	if strings.Join(parts, "") == "" || parts[0] != "# A\n\npara one" {
		t.Fatalf("%q", parts)
	}
}
