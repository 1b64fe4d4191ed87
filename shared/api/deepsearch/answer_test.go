package deepsearchapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	deepsearchapi "github.com/riptidecrawler/riptide/shared/api/deepsearch"
	"github.com/riptidecrawler/riptide/shared/llm"
	"github.com/riptidecrawler/riptide/shared/llm/answer"
	"github.com/riptidecrawler/riptide/shared/secrets"
	"github.com/riptidecrawler/riptide/shared/vendorhttp"
)

func TestAnswerWithCitationsFromCrawledPages(t *testing.T) {
	var (
		mu     sync.Mutex
		prompt string
	)
	oa := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var body struct {
			Messages []struct{ Content string } `json:"messages"`
		}
		_ = json.Unmarshal(b, &body)
		mu.Lock()
		prompt = body.Messages[len(body.Messages)-1].Content
		mu.Unlock()
		content, _ := json.Marshal(`{"text":"Alpha and Gamma describe it [0][2].","citations":[2,0,7,0]}`)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":"c1","object":"chat.completion","model":"gpt-4.1-mini","choices":[{"index":0,"message":{"role":"assistant","content":%s},"finish_reason":"stop"}],"usage":{"prompt_tokens":900,"completion_tokens":40,"total_tokens":940}}`, content)
	}))
	t.Cleanup(oa.Close)
	env := map[string]string{"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": oa.URL + "/v1"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	svc := &llm.Service{Lookup: lookup, Keys: secrets.VendorKeys{Lookup: lookup}, Breaker: &vendorhttp.Breaker{State: &vendorhttp.MemoryBreakerState{}}, HTTP: http.DefaultClient}
	e := setup(t, withSerper, threeHits, func(d *deepsearchapi.Deps) { d.Answerer = answer.Answerer{LLM: svc} })

	resp := e.do(t, "POST", "/api/v1/deepsearch", `{"query":"what are the pages about","limit":3,"answer":true}`)
	out := decode[deepsearchapi.Response](t, resp)
	if resp.StatusCode != 200 || out.Answer == nil || out.AnswerError != nil {
		t.Fatalf("%d %+v", resp.StatusCode, out.DeepSummary)
	}
	if out.Answer.Text != "Alpha and Gamma describe it [0][2]." || fmt.Sprint(out.Answer.Citations) != "[0 2]" {
		t.Fatalf("answer %+v", out.Answer)
	}
	usage, _ := json.Marshal(out.Answer.Usage)
	if !strings.Contains(string(usage), `"input_tokens":900`) || !strings.Contains(string(usage), `"cost_usd":0.000424`) {
		t.Fatalf("usage %s", usage)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(prompt, "[0] Hit 1") || !strings.Contains(prompt, "Alpha page") || !strings.Contains(prompt, "Gamma page") {
		t.Fatalf("the crawled pages must be the sources: %s", prompt)
	}
}
