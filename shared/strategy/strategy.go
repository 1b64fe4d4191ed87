// Package strategy extracts structured fields from a page with named
// strategies (article, css, xpath, regex, jsonld, microdata, opengraph,
// wasm, llm), alone or chained, and checks the result against an optional
// JSON Schema.
//
// Every strategy works on the one parse of the page that the extractor
// already made (extract.Page): CSS selectors (cascadia) and XPath
// (htmlquery) run on Page.Node(), the article strategy reuses the
// extractor's Document, and nothing parses the HTML a second time.
//
// # Writing a strategy
//
// A strategy is three small things:
//
//	// Strategy extracts fields from one page.
//	type Strategy interface {
//		Extract(ctx context.Context, in *Input) (*Output, error)
//	}
//
//	// Factory validates a request's params and builds the strategy. It runs
//	// when the request is decoded, before anything is fetched, so a bad
//	// parameter is a 400, not a failed crawl. Errors should be
//	// core.ErrValidation; the registry prefixes the field path.
//	type Factory func(params json.RawMessage) (Strategy, error)
//
//	// Definition names a strategy for the registry and GET /strategies/info.
//	type Definition struct {
//		Name, Description string
//		Params []Param
//		Needs  string  // what must be configured for New to exist ("an LLM provider")
//		New    Factory // nil: declared, not available in this deployment
//	}
//
// Input gives the parsed page (Page.Node() is the root of the x/net/html
// tree; Page.Base resolves relative URLs), the raw HTML, the article the
// extractor derived (Article, computed at most once per page), the fields
// that earlier steps of a chain found (Found) and the requested JSON Schema
// (Schema; an LLM strategy uses it to shape its answer). Output is a flat
// map of field name to JSON value (string, float64, bool, nil, []any,
// map[string]any) plus per-field Problems. Extract returns an error only
// when the strategy could not run at all (a module trapped, a provider was
// down); a field it could not read is a Problem, and the other fields
// still count.
//
// The registry is filled at wiring time: Builtins returns the strategies
// of this package, and another package adds its own with Register (the LLM
// strategy does: `llm` is declared here with New == nil, so the catalogue
// lists it as "needs an LLM provider", and the wiring replaces the
// declaration once a provider is configured). The engine never needs
// editing to add one.
//
// # Chains and the merge policy
//
// A Spec is one strategy or a chain of up to MaxChain. Steps run in order;
// a field keeps the first non-empty value any step gave it (null, "",
// empty lists and empty objects are empty), so earlier steps take
// precedence and later ones fill gaps: [css, article] means "my selectors,
// and the article extractor for whatever they did not find". Objects are
// not merged deeply. Result.Sources says which step gave each field. A step
// that fails is reported (Result.Steps and a step_error problem) and the
// chain goes on; only when every step fails is the extraction an error.
//
// # Schema
//
// With Spec.Schema (JSON Schema, draft 2020-12 unless $schema says
// otherwise; no remote or file $refs), the merged data is validated and
// every violation is a schema_violation problem naming the field (JSON
// pointer); Result.SchemaValid says whether it passed. Nothing is dropped or
// coerced to make data fit.
package strategy

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/riptidecrawler/riptide/shared/extract"
)

// Strategy extracts fields from one page. An implementation must be safe
// for concurrent use: one compiled plan serves every page of a batch.
type Strategy interface {
	Extract(ctx context.Context, in *Input) (*Output, error)
}

// Factory validates params (the step's "params" object, nil when absent)
// and builds a Strategy. Errors should be core.ErrValidation.
type Factory func(params json.RawMessage) (Strategy, error)

// Definition describes one strategy.
type Definition struct {
	Name        string
	Description string
	Params      []Param
	// Needs says what must be configured for the strategy to be available
	// ("an LLM provider"); shown by the catalogue while New is nil.
	Needs string
	// New builds the strategy; nil declares a strategy this deployment
	// cannot run (a request naming it is refused with not_implemented).
	New Factory
}

// Param documents one parameter of a strategy (for the catalogue).
type Param struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Required    bool   `json:"required"`
	Default     string `json:"default,omitempty"`
	Description string `json:"description"`
}

// Input is one page as every step of a chain sees it.
type Input struct {
	// Page is the one parse of the page. It must be treated as read-only.
	Page *extract.Page
	// HTML is the bytes Page was parsed from.
	HTML []byte
	// Schema is the JSON Schema of the requested output, if any.
	Schema json.RawMessage
	// Found holds the fields earlier steps of the chain found (read-only).
	Found map[string]any

	once       sync.Once
	article    *extract.Document
	articleErr error
}

// NewInput prepares a page for a plan. article is the extractor's Document
// when the caller already has it (the pipeline does); nil makes the article
// strategy derive it on first use.
func NewInput(page *extract.Page, html []byte, article *extract.Document) *Input {
	in := &Input{Page: page, HTML: html, article: article}
	if article != nil {
		in.once.Do(func() {})
	}
	return in
}

// Article returns the main content the extractor finds on the page,
// computing it once.
func (in *Input) Article(ctx context.Context) (*extract.Document, error) {
	in.once.Do(func() {
		in.article, in.articleErr = in.Page.Extract(ctx, extract.Options{SkipHTML: true, SkipLinks: true, SkipMedia: true})
	})
	return in.article, in.articleErr
}

// Output is what one strategy found.
type Output struct {
	Fields   map[string]any
	Problems []Problem
}

// Problem kinds.
const (
	// ProblemParse: a value was found but is not of the field's type.
	ProblemParse = "parse_error"
	// ProblemMissing: a required field was not found.
	ProblemMissing = "missing"
	// ProblemStep: a step of the chain failed as a whole.
	ProblemStep = "step_error"
	// ProblemSchema: the merged data violates the requested schema.
	ProblemSchema = "schema_violation"
	// ProblemModule: a WASM module reported a problem with a field.
	ProblemModule = "module"
	// ProblemSource: structured data on the page could not be read
	// (invalid JSON-LD, say).
	ProblemSource = "source_error"
)

// Problem is one thing that went wrong with one field.
type Problem struct {
	// Field is the field's name, or path ("items[2].price", "/offers/price"
	// for schema violations); empty when it concerns no single field.
	Field    string `json:"field"`
	Strategy string `json:"strategy,omitempty"`
	Kind     string `json:"kind"`
	Message  string `json:"message"`
	// Value is the raw text that could not be read, when there was one.
	Value string `json:"value,omitempty"`
}
