package strategy

// LLMNeeds is what the llm strategy waits for.
const LLMNeeds = "an LLM provider (configure one in the llm group)"

// LLMDeclaration declares the llm strategy without an implementation: the
// catalogue lists it as unavailable until the wiring registers the real
// one (Registry.Register with the same name).
func LLMDeclaration() Definition {
	return Definition{
		Name:        "llm",
		Description: "A language model reads the page's main content and returns the fields of the requested schema",
		Params: []Param{
			{Name: "instructions", Type: "string", Description: "what to extract, in words (the schema says the shape)"},
			{Name: "model", Type: "string", Description: "model name of the configured provider"},
		},
		Needs: LLMNeeds,
	}
}

// BuiltinOptions are the dependencies of the built-in strategies.
type BuiltinOptions struct {
	// Modules runs WASM modules; nil leaves the wasm strategy declared
	// but unavailable.
	Modules ModuleRunner
}

// Builtins returns every strategy of this package plus the llm
// declaration, article first (the default).
func Builtins(opts BuiltinOptions) []Definition {
	return []Definition{
		Article(), CSS(), XPath(), Regex(), JSONLD(), Microdata(), OpenGraph(), WASM(opts.Modules), LLMDeclaration(),
	}
}

// DefaultStrategy is used when a request gives no strategy.
const DefaultStrategy = "article"
