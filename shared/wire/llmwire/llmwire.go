// Package llmwire wires the LLM providers of a process (one llm.Service:
// configuration, failover, usage per key) into the llm group, the llm
// extraction strategy and deep search answers.
package llmwire

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	llmapi "github.com/riptidecrawler/riptide/shared/api/llm"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/llm"
	"github.com/riptidecrawler/riptide/shared/llm/bedrock"
	"github.com/riptidecrawler/riptide/shared/llm/structured"
	"github.com/riptidecrawler/riptide/shared/secrets"
	"github.com/riptidecrawler/riptide/shared/store"
	"github.com/riptidecrawler/riptide/shared/strategy"
	"github.com/riptidecrawler/riptide/shared/vendorhttp"
	"github.com/riptidecrawler/riptide/shared/wire"
)

// vendorTimeout bounds one vendor call (an LLM answer can take a while).
const vendorTimeout = 2 * time.Minute

// Keys returns the process's vendor keys: the environment first, then the
// JSON secret RIPTIDE_VENDOR_KEYS_SECRET_ARN (through the process's
// cached secrets source).
func Keys(p *wire.Process) secrets.VendorKeys {
	return secrets.VendorKeys{Lookup: p.Lookup, Source: p.Secrets, SecretName: p.Config.VendorKeysSecret}
}

// Breaker returns the per-vendor circuit breaker, shared through Redis.
func Breaker(p *wire.Process) *vendorhttp.Breaker {
	b, _ := wire.Shared(p, "vendor.breaker", func() (*vendorhttp.Breaker, error) {
		return &vendorhttp.Breaker{State: store.NewVendorBreaker(p.Store)}, nil
	})
	return b
}

// Service returns the process's LLM service. Clients are built on first
// use (Bedrock's SDK client included), never at start.
func Service(ctx context.Context, p *wire.Process) *llm.Service {
	s, _ := wire.Shared(p, "llm", func() (*llm.Service, error) {
		return &llm.Service{
			Lookup: p.Lookup, Keys: Keys(p), Store: store.NewLLMConfig(p.Store), Usage: keyTokens{store.NewLLMUsage(p.Store)},
			Breaker: Breaker(p), HTTP: &http.Client{Timeout: vendorTimeout},
			// Base URLs set through the API are user input: their dials
			// pass the SSRF guard.
			GuardedHTTP: vendorhttp.GuardedClient(fetch.NewGuard(p.Config.AllowCIDRs).Check, vendorTimeout),
			Bedrock:     bedrock.Factory(bedrock.Options{LoadConfig: func(ctx context.Context) (aws.Config, error) { return p.AWS(ctx) }}),
		}, nil
	})
	return s
}

// Build is the llm group's Builder.
func Build(ctx context.Context, p *wire.Process) (wire.Group, error) {
	return wire.Group{Handlers: llmapi.Handlers(llmapi.Deps{LLM: Service(ctx, p)})}, nil
}

// Strategy is the llm extraction strategy over svc: the page's main
// content as markdown goes to the active provider with the requested
// schema (or one built from a field list), the answer is validated.
func Strategy(svc *llm.Service) strategy.Definition {
	d := strategy.LLMDeclaration()
	d.Params = append(d.Params, strategy.Param{Name: "fields", Type: "array", Description: "field names, when no schema is given"},
		strategy.Param{Name: "provider", Type: "string", Description: "a configured provider instead of the active one"})
	d.Needs = ""
	d.New = func(params json.RawMessage) (strategy.Strategy, error) {
		var ps struct {
			Instructions string   `json:"instructions"`
			Model        string   `json:"model"`
			Fields       []string `json:"fields"`
			Provider     string   `json:"provider"`
		}
		if len(params) > 0 {
			if err := httpx.DecodeBytes(params, &ps, false); err != nil {
				return nil, err
			}
		}
		return llmStrategy{ex: structured.Extractor{LLM: svc, Provider: ps.Provider}, fields: ps.Fields, instructions: ps.Instructions}, nil
	}
	return d
}

type llmStrategy struct {
	ex           structured.Extractor
	fields       []string
	instructions string
}

func (s llmStrategy) Extract(ctx context.Context, in *strategy.Input) (*strategy.Output, error) {
	schema := in.Schema
	if len(schema) == 0 {
		if len(s.fields) == 0 {
			return nil, core.Errorf(core.ErrValidation, "the llm strategy needs a schema or params.fields")
		}
		var err error
		if schema, err = structured.SchemaFromFields(s.fields); err != nil {
			return nil, err
		}
	}
	doc, err := in.Article(ctx)
	if err != nil {
		return nil, err
	}
	text := doc.Markdown
	if text == "" {
		text = doc.Text
	}
	if s.instructions != "" {
		text = "Instructions: " + s.instructions + "\n\n" + text
	}
	// Tokens are counted against the caller's key.
	ctx = llm.WithCaller(ctx, httpx.Info(ctx).Principal)
	raw, _, err := s.ex.Extract(ctx, schema, text)
	if err != nil {
		return nil, err
	}
	var fields map[string]any
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, core.Wrap(core.ErrExtraction, err, "the model's answer is not a JSON object")
	}
	return &strategy.Output{Fields: fields}, nil
}

// keyTokens also counts an LLM call's tokens against the calling managed
// key's usage (httpx.AddUsage; a no-op outside such a request).
type keyTokens struct{ llm.UsageStore }

func (k keyTokens) Add(ctx context.Context, caller string, u llm.Usage) error {
	httpx.AddUsage(ctx, 0, 0, int64(u.InputTokens+u.OutputTokens))
	return k.UsageStore.Add(ctx, caller, u)
}
