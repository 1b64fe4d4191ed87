// Package structured extracts JSON matching a JSON Schema from a page's
// markdown with an LLM: the `llm` extraction strategy. The markdown is
// chunked to fit the model's context window, each chunk goes to the model
// with the vendor's structured-output mechanism, every answer is validated
// against the schema (santhosh-tekuri/jsonschema v6) with one repair retry,
// and the chunks' answers are merged.
//
// It is its own package because the validator compiles every JSON Schema
// meta-schema at init (about 1.7 MB of allocations): only the function
// that extracts should pay that at cold start, not every function that
// links the llm engine.
package structured

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/llm"
)

// Completer is the LLM service (*llm.Service).
type Completer interface {
	Complete(ctx context.Context, req llm.Request) (llm.Response, error)
	Limits(ctx context.Context, provider string) (contextWindow, maxOutput int, err error)
}

// Extractor runs structured extractions.
type Extractor struct {
	LLM Completer
	// Provider forces a provider (empty: the active one, with failover).
	Provider string
	// MaxChunks caps the model calls per page (default 8); the rest of a
	// longer page is not read and Result.Truncated says so.
	MaxChunks int
	// MaxOutputTokens caps each answer (default 4096, or the model's limit).
	MaxOutputTokens int
}

// Result is an extraction with its accounting.
type Result struct {
	Data      json.RawMessage `json:"data"`
	Usage     llm.Usage       `json:"usage"`
	Chunks    int             `json:"chunks"`
	Truncated bool            `json:"truncated,omitempty"`
	// Repairs counts answers that failed validation and were fixed by the
	// repair retry.
	Repairs int `json:"repairs,omitempty"`
}

// Extract returns JSON that validates against schema, extracted from
// markdown; the usage of every model call; or an error: validation_error
// for a bad schema, extraction_error (with the validator's message) when
// the model's answer is still invalid after one repair, or the provider's
// error (dependency_error, rate_limited, timeout_error).
func (e Extractor) Extract(ctx context.Context, schema json.RawMessage, markdown string) (json.RawMessage, llm.Usage, error) {
	r, err := e.ExtractDetailed(ctx, schema, markdown)
	return r.Data, r.Usage, err
}

const (
	charsPerToken  = 3 // conservative: English runs ~4, code and CJK fewer
	promptOverhead = 600
	systemPrompt   = "You extract structured data from web pages. Use only facts stated in the page. " +
		"Leave a field out (or null) when the page does not give it; never invent values. Answer by calling the tool."
)

// ExtractDetailed is Extract with the chunk count and repairs.
func (e Extractor) ExtractDetailed(ctx context.Context, schema json.RawMessage, markdown string) (Result, error) {
	var res Result
	sch, err := Compile(schema)
	if err != nil {
		return res, err
	}
	cw, maxOut, err := e.LLM.Limits(ctx, e.Provider)
	if err != nil {
		return res, err
	}
	out := e.MaxOutputTokens
	if out <= 0 {
		out = 4096
	}
	out = min(out, maxOut)
	inputTokens := cw - out - promptOverhead - len(schema)/charsPerToken
	if inputTokens < 256 {
		return res, core.Errorf(core.ErrValidation, "the schema leaves no room for the page in the model's %d-token context window", cw)
	}
	chunks := SplitMarkdown(markdown, inputTokens*charsPerToken)
	maxChunks := e.MaxChunks
	if maxChunks <= 0 {
		maxChunks = 8
	}
	if len(chunks) > maxChunks {
		chunks, res.Truncated = chunks[:maxChunks], true
	}
	res.Chunks = len(chunks)
	var merged any
	for i, c := range chunks {
		v, repaired, err := e.chunk(ctx, sch, schema, c, i, len(chunks), out, &res.Usage)
		if err != nil {
			return res, err
		}
		if repaired {
			res.Repairs++
		}
		merged = Merge(merged, v)
	}
	if err := validate(sch, merged); err != nil {
		return res, core.Errorf(core.ErrExtraction, "the answers for the page's %d parts do not match the schema once merged: %s", len(chunks), err)
	}
	data, err := json.Marshal(merged)
	if err != nil {
		return res, core.Wrap(core.ErrInternal, err, "encode extraction")
	}
	res.Data = data
	return res, nil
}

func (e Extractor) chunk(ctx context.Context, sch *jsonschema.Schema, schema json.RawMessage, text string, i, n, maxTokens int, usage *llm.Usage) (any, bool, error) {
	part := ""
	if n > 1 {
		part = fmt.Sprintf(" This is part %d of %d of the page; extract what this part gives.", i+1, n)
	}
	req := llm.Request{Provider: e.Provider, System: systemPrompt, MaxTokens: maxTokens,
		Messages:   []llm.Message{{Role: llm.RoleUser, Content: "Extract the data described by the tool's schema from this page." + part + "\n\n<page>\n" + text + "\n</page>"}},
		Structured: &llm.Structured{Name: "extract", Description: "Record the data extracted from the page", Schema: schema}}
	resp, err := e.LLM.Complete(ctx, req)
	if err != nil {
		return nil, false, err
	}
	usage.Add(resp.Usage)
	v, verr := check(sch, resp)
	if verr == nil {
		return v, false, nil
	}
	// One repair: show the model its answer and the validator's verdict.
	answer := string(resp.JSON)
	if answer == "" {
		answer = resp.Text
	}
	req.Messages = append(req.Messages,
		llm.Message{Role: llm.RoleAssistant, Content: answer},
		llm.Message{Role: llm.RoleUser, Content: "That answer does not match the schema: " + verr.Error() + "\nCall the tool again with corrected data that satisfies the schema."})
	resp, err = e.LLM.Complete(ctx, req)
	if err != nil {
		return nil, false, err
	}
	usage.Add(resp.Usage)
	v, verr = check(sch, resp)
	if verr != nil {
		return nil, false, core.Errorf(core.ErrExtraction, "the model's answer does not match the schema after one repair attempt: %s", verr)
	}
	return v, true, nil
}

// check decodes and validates a model's structured answer.
func check(sch *jsonschema.Schema, resp llm.Response) (any, error) {
	if len(resp.JSON) == 0 {
		return nil, fmt.Errorf("the answer is not JSON (%s)", clip(resp.Text, 120))
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(resp.JSON))
	if err != nil {
		return nil, fmt.Errorf("the answer is not JSON: %v", err)
	}
	return v, validate(sch, v)
}

// Compile compiles a JSON Schema for validation. The schema must describe
// an object (tool inputs are objects); references to other documents are
// refused (nothing is loaded from files or the network).
func Compile(schema json.RawMessage) (sch *jsonschema.Schema, err error) {
	defer func() {
		if r := recover(); r != nil {
			sch, err = nil, core.Errorf(core.ErrValidation, "schema: cannot be compiled: %v", r)
		}
	}()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		return nil, core.Errorf(core.ErrValidation, "schema: not valid JSON: %v", err)
	}
	obj, ok := doc.(map[string]any)
	if !ok || obj["type"] != "object" {
		return nil, core.Errorf(core.ErrValidation, `schema: must be a JSON Schema with "type": "object" at the top`)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("riptide:schema.json", doc); err != nil {
		return nil, core.Errorf(core.ErrValidation, "schema: %v", err)
	}
	sch, err = c.Compile("riptide:schema.json")
	if err != nil {
		return nil, core.Errorf(core.ErrValidation, "schema: %s", oneLine(err.Error()))
	}
	return sch, nil
}

func validate(sch *jsonschema.Schema, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("validator failed: %v", r)
		}
	}()
	if err := sch.Validate(v); err != nil {
		return fmt.Errorf("%s", oneLine(strings.Replace(err.Error(), "jsonschema validation failed with 'riptide:schema.json#'", "", 1)))
	}
	return nil
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
	return strings.TrimLeft(s, "; ")
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n] + "…"
	}
	if s == "" {
		return "empty"
	}
	return s
}
