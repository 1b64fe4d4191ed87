// Package answer writes the answer of a deep search with an LLM: the
// query and the crawled hits go to the model, which answers with citations
// (indexes of the hits) through structured output. It is apart from the llm
// engine so that engine does not link the search and crawl packages.
package answer

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/riptidecrawler/riptide/shared/llm"
	"github.com/riptidecrawler/riptide/shared/search"
)

// Answerer answers a deep search's query from its results, citing them by
// index (search.Answerer).
type Answerer struct {
	LLM *llm.Service
	// MaxSourceChars caps each source's text (default 6000).
	MaxSourceChars int
}

// Ready implements search.Answerer.
func (a Answerer) Ready(ctx context.Context) error { return a.LLM.Ready(ctx) }

var answerSchema = json.RawMessage(`{"type":"object","properties":{"text":{"type":"string","description":"The answer, in the language of the question"},` +
	`"citations":{"type":"array","items":{"type":"integer"},"description":"Indexes of the sources the answer relies on"}},"required":["text","citations"]}`)

const answerSystem = "You answer questions from web search results. Use only the numbered sources given; if they do not answer the question, say so. " +
	"Cite every source you rely on by its number, in the citations list (and as [n] in the text). Be concise."

// Answer implements search.Answerer.
func (a Answerer) Answer(ctx context.Context, query string, sources []search.Source) (search.Answer, error) {
	per := a.MaxSourceChars
	if per <= 0 {
		per = 6000
	}
	// Fit every source into the smallest context window of the chain, at
	// a conservative 3 characters per token.
	if cw, _, err := a.LLM.Limits(ctx, ""); err == nil && len(sources) > 0 {
		per = max(200, min(per, (cw-2048)*3/len(sources)))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Question: %s\n\nSources:\n", query)
	for _, s := range sources {
		content := s.Content
		if len(content) > per {
			content = content[:per] + " …"
		}
		fmt.Fprintf(&b, "\n[%d] %s\nURL: %s\n%s\n", s.Index, s.Title, s.URL, content)
	}
	resp, err := a.LLM.Complete(ctx, llm.Request{System: answerSystem, Messages: []llm.Message{{Role: llm.RoleUser, Content: b.String()}},
		MaxTokens: 1024, Structured: &llm.Structured{Name: "answer", Description: "The answer to the question with the sources it cites", Schema: answerSchema}})
	if err != nil {
		return search.Answer{}, err
	}
	var out struct {
		Text      string `json:"text"`
		Citations []int  `json:"citations"`
	}
	if resp.JSON == nil || json.Unmarshal(resp.JSON, &out) != nil || out.Text == "" {
		// A model that ignored the tool still answered in text: keep it
		// and take the [n] markers as its citations.
		out.Text, out.Citations = strings.TrimSpace(resp.Text), markers(resp.Text)
	}
	valid := out.Citations[:0]
	for _, c := range out.Citations {
		if c >= 0 && c < len(sources) && !slices.Contains(valid, c) {
			valid = append(valid, c)
		}
	}
	slices.Sort(valid)
	if valid == nil {
		valid = []int{}
	}
	u := resp.Usage
	return search.Answer{Text: out.Text, Citations: valid, Usage: &u}, nil
}

// markerRE is compiled on first use (an answer), not at every cold start.
var markerRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\[(\d{1,2})\]`) })

func markers(text string) []int {
	var out []int
	for _, m := range markerRE().FindAllStringSubmatch(text, -1) {
		n, _ := strconv.Atoi(m[1])
		out = append(out, n)
	}
	return out
}
