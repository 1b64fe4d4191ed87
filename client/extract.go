package client

import (
	"context"
	"encoding/json"
	"net/http"
)

// ExtractRequest is the body of POST /api/v1/extract: one URL to fetch, or
// HTML to extract as it is (URL then resolves its relative links).
type ExtractRequest struct {
	URL     string   `json:"url,omitempty"`
	HTML    string   `json:"html,omitempty"`
	Options *Options `json:"options,omitempty"`
}

// Extract fetches one URL (or takes HTML) and returns its extracted
// content. Unlike Crawl, a page that fails is an *Error.
func (cl *Client) Extract(ctx context.Context, req ExtractRequest) (*Result, error) {
	var out Result
	if _, err := cl.do(ctx, call{method: http.MethodPost, path: "/extract", body: req}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// StrategySpec picks an extraction strategy (css, xpath, regex, json_ld,
// microdata, opengraph, wasm, llm) with its params, or a chain of them
// (docs/strategies.md).
type StrategySpec struct {
	Strategy string         `json:"strategy,omitempty"`
	Params   any            `json:"params,omitempty"`
	Chain    []StrategyStep `json:"chain,omitempty"`
	// Schema is a JSON Schema the extracted data is validated against.
	Schema any `json:"schema,omitempty"`
}

// StrategyStep is one strategy of a chain.
type StrategyStep struct {
	Strategy string `json:"strategy"`
	Params   any    `json:"params,omitempty"`
}

// StrategyResult is the structured data a strategy extracted.
type StrategyResult struct {
	Data        map[string]any    `json:"data"`
	Sources     map[string]string `json:"sources"`
	SchemaValid *bool             `json:"schema_valid,omitempty"`
	Problems    []StrategyProblem `json:"problems"`
	Strategies  []json.RawMessage `json:"strategies"`
}

// StrategyProblem is a field a strategy could not extract or validate.
type StrategyProblem struct {
	Field    string `json:"field"`
	Kind     string `json:"kind"`
	Message  string `json:"message"`
	Strategy string `json:"strategy,omitempty"`
	Value    string `json:"value,omitempty"`
}

// StrategiesRequest is the body of POST /api/v1/strategies/crawl.
type StrategiesRequest struct {
	URL        string        `json:"url,omitempty"`
	HTML       string        `json:"html,omitempty"`
	Extraction *StrategySpec `json:"extraction,omitempty"`
	Chunking   *ChunkOptions `json:"chunking,omitempty"`
	Options    *Options      `json:"options,omitempty"`
}

// ExtractWithStrategy crawls one URL (or takes HTML) and extracts
// structured fields with a strategy; the data is in Result.Extraction.
func (cl *Client) ExtractWithStrategy(ctx context.Context, req StrategiesRequest) (*Result, error) {
	var out Result
	if _, err := cl.do(ctx, call{method: http.MethodPost, path: "/strategies/crawl", body: req}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// StrategiesInfo is the catalogue of extraction strategies.
type StrategiesInfo struct {
	DefaultStrategy string          `json:"default_strategy"`
	MergePolicy     string          `json:"merge_policy"`
	Strategies      []StrategyInfo  `json:"strategies"`
	Chunking        json.RawMessage `json:"chunking"`
}

// StrategyInfo describes one strategy and whether this server can run it.
type StrategyInfo struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Available   bool            `json:"available"`
	Needs       string          `json:"needs,omitempty"`
	Params      json.RawMessage `json:"params"`
}

// Strategies returns the catalogue of extraction strategies.
func (cl *Client) Strategies(ctx context.Context) (*StrategiesInfo, error) {
	var out StrategiesInfo
	if _, err := cl.do(ctx, call{method: http.MethodGet, path: "/strategies/info"}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
