package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/riptidecrawler/riptide/shared/vendorhttp"
)

// OpenAIClient speaks the OpenAI chat completions API
// (POST {base}/chat/completions), which OpenAI, Azure OpenAI (v1 API),
// OpenRouter, Ollama, vLLM and LocalAI all serve.
type OpenAIClient struct {
	Provider string // for errors and usage ("ollama")
	BaseURL  string // ends before /chat/completions, e.g. https://api.openai.com/v1
	APIKey   string
	KeyVar   string
	// AuthHeader is "bearer" (Authorization: Bearer) or "api-key" (Azure).
	AuthHeader string
	// LegacyMaxTokens sends max_tokens instead of max_completion_tokens
	// (OpenAI's reasoning models refuse the former; some self-hosted
	// servers only know it).
	LegacyMaxTokens bool
	HTTP            *http.Client
}

type openAIMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type openAIRequest struct {
	Model               string          `json:"model"`
	Messages            []openAIMessage `json:"messages"`
	MaxCompletionTokens int             `json:"max_completion_tokens,omitempty"`
	MaxTokens           int             `json:"max_tokens,omitempty"`
	Temperature         *float64        `json:"temperature,omitempty"`
	ResponseFormat      *openAIFormat   `json:"response_format,omitempty"`
}

type openAIFormat struct {
	Type       string           `json:"type"` // "json_schema"
	JSONSchema openAIJSONSchema `json:"json_schema"`
}

type openAIJSONSchema struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Schema      json.RawMessage `json:"schema"`
	// Strict is off: strict mode refuses schemas with optional properties
	// or open objects, which user schemas often have; RipTide validates the
	// output itself and repairs once.
	Strict bool `json:"strict"`
}

type openAIResponse struct {
	Model   string `json:"model"`
	Choices []struct {
		Message struct {
			Content *string `json:"content"`
			Refusal *string `json:"refusal"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
		TotalTokens      int `json:"total_tokens"`
	} `json:"usage"`
}

// Complete implements Client.
func (c *OpenAIClient) Complete(ctx context.Context, req Request) (Response, error) {
	v := vendorhttp.Vendor{Name: c.Provider, KeyVar: c.KeyVar}
	body := openAIRequest{Model: req.Model, Temperature: req.Temperature}
	if c.LegacyMaxTokens {
		body.MaxTokens = req.maxTokens()
	} else {
		body.MaxCompletionTokens = req.maxTokens()
	}
	if req.System != "" {
		body.Messages = append(body.Messages, openAIMessage{Role: "system", Content: req.System})
	}
	for _, m := range req.Messages {
		body.Messages = append(body.Messages, openAIMessage{Role: string(m.Role), Content: m.Content})
	}
	if s := req.Structured; s != nil {
		body.ResponseFormat = &openAIFormat{Type: "json_schema", JSONSchema: openAIJSONSchema{Name: s.Name, Description: s.Description, Schema: s.Schema}}
	}
	buf, err := json.Marshal(body)
	if err != nil {
		return Response{}, v.Malformed(err)
	}
	hreq, err := http.NewRequest(http.MethodPost, strings.TrimRight(c.BaseURL, "/")+"/chat/completions", bytes.NewReader(buf))
	if err != nil {
		return Response{}, v.Malformed(err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "application/json")
	if c.APIKey != "" {
		if c.AuthHeader == "api-key" {
			hreq.Header.Set("api-key", c.APIKey)
		} else {
			hreq.Header.Set("Authorization", "Bearer "+c.APIKey)
		}
	}
	raw, _, err := v.Do(ctx, httpClient(c.HTTP), hreq)
	if err != nil {
		return Response{}, err
	}
	var or openAIResponse
	if err := v.DecodeJSON(raw, &or); err != nil {
		return Response{}, err
	}
	if len(or.Choices) == 0 {
		return Response{}, v.Malformed(errNoChoices)
	}
	ch := or.Choices[0]
	out := Response{Provider: c.Provider, Model: orString(or.Model, req.Model), StopReason: ch.FinishReason,
		Usage: Usage{Provider: c.Provider, Model: orString(or.Model, req.Model), Requests: 1, InputTokens: or.Usage.PromptTokens,
			OutputTokens: or.Usage.CompletionTokens, TotalTokens: or.Usage.TotalTokens}}
	if out.Usage.TotalTokens == 0 {
		out.Usage.TotalTokens = out.Usage.InputTokens + out.Usage.OutputTokens
	}
	switch {
	case ch.Message.Content != nil:
		out.Text = *ch.Message.Content
	case ch.Message.Refusal != nil:
		out.Text, out.StopReason = *ch.Message.Refusal, "refusal"
	}
	if req.Structured != nil {
		out.JSON = jsonIn(out.Text)
	}
	return out, nil
}

// jsonIn returns the JSON value in a model's text answer (some self-hosted
// models wrap it in a ``` fence), or nil when there is none.
func jsonIn(text string) json.RawMessage {
	t := strings.TrimSpace(text)
	if strings.HasPrefix(t, "```") {
		t = strings.TrimPrefix(t, "```json")
		t = strings.TrimPrefix(t, "```")
		t = strings.TrimSuffix(strings.TrimSpace(t), "```")
		t = strings.TrimSpace(t)
	}
	if t == "" || !json.Valid([]byte(t)) {
		return nil
	}
	return json.RawMessage(t)
}

func orString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
