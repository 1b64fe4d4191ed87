package llm

import "strings"

// Kind is the wire protocol a provider speaks.
type Kind string

const (
	KindOpenAI    Kind = "openai_compatible"
	KindAnthropic Kind = "anthropic"
	KindBedrock   Kind = "bedrock"
)

// EnumValues lists the protocols for the API's JSON Schemas.
func (Kind) EnumValues() []string {
	return []string{string(KindOpenAI), string(KindAnthropic), string(KindBedrock)}
}

// Spec is what RipTide knows about a provider before any configuration:
// its protocol, the variables that configure it and its defaults.
type Spec struct {
	Name        string
	Kind        Kind
	Description string
	KeyVar      string // credential variable; "" when the provider takes none
	KeyOptional bool   // a key is accepted but not required (vLLM, LocalAI)
	BaseURLVar  string
	ModelVar    string
	RegionVar   string // Bedrock
	// DefaultBaseURL and DefaultModel apply when the variables are unset.
	DefaultBaseURL string
	DefaultModel   string
	// Required lists the settings without which the provider is not
	// configured (config_required in GET /llm/providers).
	Required []string
	// AuthHeader is how the key is sent: "bearer" (Authorization) or
	// "api-key" (Azure).
	AuthHeader string
	// SelfHosted providers cost nothing per token.
	SelfHosted bool
}

// Specs lists the supported providers, in the default failover order.
var Specs = []Spec{
	{Name: "openai", Kind: KindOpenAI, Description: "OpenAI chat completions", KeyVar: "OPENAI_API_KEY", BaseURLVar: "OPENAI_BASE_URL", ModelVar: "OPENAI_MODEL",
		DefaultBaseURL: "https://api.openai.com/v1", DefaultModel: "gpt-4.1-mini", Required: []string{"api_key"}, AuthHeader: "bearer"},
	{Name: "anthropic", Kind: KindAnthropic, Description: "Anthropic Messages API", KeyVar: "ANTHROPIC_API_KEY", BaseURLVar: "ANTHROPIC_BASE_URL", ModelVar: "ANTHROPIC_MODEL",
		DefaultBaseURL: "https://api.anthropic.com", DefaultModel: "claude-sonnet-4-5", Required: []string{"api_key"}},
	{Name: "azure_openai", Kind: KindOpenAI, Description: "Azure OpenAI (v1 API; model = deployment name)", KeyVar: "AZURE_OPENAI_API_KEY", BaseURLVar: "AZURE_OPENAI_BASE_URL", ModelVar: "AZURE_OPENAI_MODEL",
		Required: []string{"api_key", "base_url", "model"}, AuthHeader: "api-key"},
	{Name: "bedrock", Kind: KindBedrock, Description: "AWS Bedrock Converse (IAM credentials)", BaseURLVar: "BEDROCK_BASE_URL", ModelVar: "BEDROCK_MODEL_ID", RegionVar: "BEDROCK_REGION",
		Required: []string{"model", "region"}},
	{Name: "openrouter", Kind: KindOpenAI, Description: "OpenRouter (OpenAI-compatible)", KeyVar: "OPENROUTER_API_KEY", BaseURLVar: "OPENROUTER_BASE_URL", ModelVar: "OPENROUTER_MODEL",
		DefaultBaseURL: "https://openrouter.ai/api/v1", DefaultModel: "openai/gpt-4.1-mini", Required: []string{"api_key"}, AuthHeader: "bearer"},
	{Name: "ollama", Kind: KindOpenAI, Description: "Ollama (OpenAI-compatible /v1)", BaseURLVar: "OLLAMA_BASE_URL", ModelVar: "OLLAMA_MODEL",
		DefaultBaseURL: "http://127.0.0.1:11434/v1", Required: []string{"model"}, AuthHeader: "bearer", SelfHosted: true},
	{Name: "vllm", Kind: KindOpenAI, Description: "vLLM (OpenAI-compatible server)", KeyVar: "VLLM_API_KEY", KeyOptional: true, BaseURLVar: "VLLM_BASE_URL", ModelVar: "VLLM_MODEL",
		Required: []string{"base_url", "model"}, AuthHeader: "bearer", SelfHosted: true},
	{Name: "localai", Kind: KindOpenAI, Description: "LocalAI (OpenAI-compatible server)", KeyVar: "LOCALAI_API_KEY", KeyOptional: true, BaseURLVar: "LOCALAI_BASE_URL", ModelVar: "LOCALAI_MODEL",
		Required: []string{"base_url", "model"}, AuthHeader: "bearer", SelfHosted: true},
}

// SpecOf returns the spec of a provider name.
func SpecOf(name string) (Spec, bool) {
	for _, s := range Specs {
		if s.Name == name {
			return s, true
		}
	}
	return Spec{}, false
}

// SpecNames lists the provider names.
func SpecNames() []string {
	out := make([]string, len(Specs))
	for i, s := range Specs {
		out[i] = s.Name
	}
	return out
}

// Model is a model RipTide knows the limits and price of.
type Model struct {
	Name            string `json:"name"`
	ContextWindow   int    `json:"context_window"`
	MaxOutputTokens int    `json:"max_output_tokens"`
	SupportsTools   bool   `json:"supports_functions"`
	Price           *Price `json:"-"`
}

// PricesAsOf dates the catalogue below; vendors change prices, so any
// model's price can be overridden with input_cost_per_mtok and
// output_cost_per_mtok in the provider's configuration.
const PricesAsOf = "2025-11"

func usd(in, out float64) *Price {
	return &Price{InputPerMTok: in, OutputPerMTok: out, Currency: "USD"}
}

// Catalog lists known models per protocol family (OpenAI models are also
// served by Azure and OpenRouter, under the same or prefixed names).
var Catalog = map[string][]Model{
	"openai": {
		{"gpt-5", 400000, 128000, true, usd(1.25, 10)},
		{"gpt-5-mini", 400000, 128000, true, usd(0.25, 2)},
		{"gpt-5-nano", 400000, 128000, true, usd(0.05, 0.40)},
		{"gpt-4.1", 1047576, 32768, true, usd(2, 8)},
		{"gpt-4.1-mini", 1047576, 32768, true, usd(0.40, 1.60)},
		{"gpt-4.1-nano", 1047576, 32768, true, usd(0.10, 0.40)},
		{"gpt-4o", 128000, 16384, true, usd(2.50, 10)},
		{"gpt-4o-mini", 128000, 16384, true, usd(0.15, 0.60)},
		{"o4-mini", 200000, 100000, true, usd(1.10, 4.40)},
	},
	"anthropic": {
		{"claude-opus-4-5", 200000, 64000, true, usd(5, 25)},
		{"claude-opus-4-1", 200000, 32000, true, usd(15, 75)},
		{"claude-sonnet-4-5", 200000, 64000, true, usd(3, 15)},
		{"claude-haiku-4-5", 200000, 64000, true, usd(1, 5)},
		{"claude-3-5-haiku-latest", 200000, 8192, true, usd(0.80, 4)},
	},
	"bedrock": {
		{"amazon.nova-micro-v1:0", 128000, 10000, true, usd(0.035, 0.14)},
		{"amazon.nova-lite-v1:0", 300000, 10000, true, usd(0.06, 0.24)},
		{"amazon.nova-pro-v1:0", 300000, 10000, true, usd(0.80, 3.20)},
		{"us.anthropic.claude-sonnet-4-5-20250929-v1:0", 200000, 64000, true, usd(3, 15)},
		{"us.anthropic.claude-haiku-4-5-20251001-v1:0", 200000, 64000, true, usd(1, 5)},
	},
}

// catalogFamily is the catalogue list that describes a provider's models.
func catalogFamily(provider string) string {
	switch provider {
	case "openai", "azure_openai", "openrouter":
		return "openai"
	case "anthropic":
		return "anthropic"
	case "bedrock":
		return "bedrock"
	}
	return ""
}

// DefaultContextWindow is assumed for models RipTide does not know (a
// self-hosted model), unless configured with context_window.
const DefaultContextWindow = 8192

// lookupModel finds a model of provider by name. OpenRouter names carry a
// vendor prefix ("openai/gpt-4.1-mini") and are matched without it.
func lookupModel(provider, name string) (Model, bool) {
	fam := catalogFamily(provider)
	if provider == "openrouter" {
		if v, rest, ok := strings.Cut(name, "/"); ok {
			fam, name = v, rest
		}
	}
	for _, m := range Catalog[fam] {
		if m.Name == name {
			return m, true
		}
	}
	return Model{}, false
}
