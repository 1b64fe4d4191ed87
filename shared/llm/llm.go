// Package llm talks to LLM providers behind one interface: OpenAI-compatible
// chat completions (OpenAI, Azure OpenAI, Ollama, vLLM, LocalAI,
// OpenRouter), the Anthropic Messages API, and AWS Bedrock Converse (its
// adapter lives in shared/llm/bedrock, so this package stays free of the
// AWS SDK). The Service picks the active provider, fails over to the next
// one on a timeout, a 429 or a 5xx, guards each with a circuit breaker and
// accounts tokens and cost per request and per API key. Clients are plain
// net/http: the vendors' Go SDKs cost 10-20 MB of binary and milliseconds
// of init per Lambda for three JSON endpoints (see docs/llm.md).
package llm

import (
	"context"
	"encoding/json"
)

// Role of a chat message.
type Role string

const (
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
)

// Message is one turn of a conversation.
type Message struct {
	Role    Role
	Content string
}

// Request is one completion.
type Request struct {
	// Provider forces a provider (no failover); empty uses the active one
	// and the failover chain.
	Provider string
	// Model overrides the provider's configured model (first provider only).
	Model       string
	System      string
	Messages    []Message
	MaxTokens   int      // default 1024
	Temperature *float64 // nil: the provider's default
	// Structured asks for JSON matching a schema, through each vendor's
	// structured-output mechanism (OpenAI response_format json_schema,
	// Anthropic and Bedrock forced tool use). Response.JSON holds it.
	Structured *Structured
}

// Structured describes the JSON a request asks for.
type Structured struct {
	Name        string // a tool / schema name: letters, digits, _ and -
	Description string
	Schema      json.RawMessage // a JSON Schema of an object
}

// Response is a completion.
type Response struct {
	Provider   string
	Model      string
	Text       string
	JSON       json.RawMessage // the structured output, when asked for
	StopReason string
	Usage      Usage
}

// Client is one provider's API, configured.
type Client interface {
	Complete(ctx context.Context, req Request) (Response, error)
}

// DefaultMaxTokens is the output budget when a request sets none.
const DefaultMaxTokens = 1024

func (r Request) maxTokens() int {
	if r.MaxTokens > 0 {
		return r.MaxTokens
	}
	return DefaultMaxTokens
}

type callerKey struct{}

// WithCaller returns ctx carrying the caller whose usage totals a
// completion adds to (the API key's fingerprint, never the key).
func WithCaller(ctx context.Context, caller string) context.Context {
	return context.WithValue(ctx, callerKey{}, caller)
}

// CallerFrom returns the caller of ctx ("anonymous" when none is set).
func CallerFrom(ctx context.Context) string {
	if c, ok := ctx.Value(callerKey{}).(string); ok && c != "" {
		return c
	}
	return "anonymous"
}
