package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/riptidecrawler/riptide/shared/vendorhttp"
)

// AnthropicVersion is the Messages API version RipTide speaks.
const AnthropicVersion = "2023-06-01"

// AnthropicClient speaks the Anthropic Messages API (POST {base}/v1/messages).
// Structured output is a forced tool call: the schema is the tool's
// input_schema and the tool's input is the JSON.
type AnthropicClient struct {
	BaseURL string // default https://api.anthropic.com
	APIKey  string
	HTTP    *http.Client
}

type anthropicMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type anthropicTool struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	InputSchema json.RawMessage `json:"input_schema"`
}

type anthropicRequest struct {
	Model       string             `json:"model"`
	MaxTokens   int                `json:"max_tokens"`
	System      string             `json:"system,omitempty"`
	Messages    []anthropicMessage `json:"messages"`
	Temperature *float64           `json:"temperature,omitempty"`
	Tools       []anthropicTool    `json:"tools,omitempty"`
	ToolChoice  *anthropicChoice   `json:"tool_choice,omitempty"`
}

type anthropicChoice struct {
	Type string `json:"type"` // "tool"
	Name string `json:"name"`
}

type anthropicResponse struct {
	Model   string `json:"model"`
	Content []struct {
		Type  string          `json:"type"`
		Text  string          `json:"text"`
		Name  string          `json:"name"`
		Input json.RawMessage `json:"input"`
	} `json:"content"`
	StopReason string `json:"stop_reason"`
	Usage      struct {
		InputTokens  int `json:"input_tokens"`
		OutputTokens int `json:"output_tokens"`
	} `json:"usage"`
}

var errNoChoices = errors.New("the response has no choices")

// Complete implements Client.
func (c *AnthropicClient) Complete(ctx context.Context, req Request) (Response, error) {
	v := vendorhttp.Vendor{Name: "anthropic", KeyVar: "ANTHROPIC_API_KEY"}
	body := anthropicRequest{Model: req.Model, MaxTokens: req.maxTokens(), System: req.System, Temperature: req.Temperature}
	for _, m := range req.Messages {
		body.Messages = append(body.Messages, anthropicMessage{Role: string(m.Role), Content: m.Content})
	}
	if s := req.Structured; s != nil {
		body.Tools = []anthropicTool{{Name: s.Name, Description: s.Description, InputSchema: s.Schema}}
		body.ToolChoice = &anthropicChoice{Type: "tool", Name: s.Name}
	}
	buf, err := json.Marshal(body)
	if err != nil {
		return Response{}, v.Malformed(err)
	}
	base := c.BaseURL
	if base == "" {
		base = "https://api.anthropic.com"
	}
	hreq, err := http.NewRequest(http.MethodPost, strings.TrimRight(base, "/")+"/v1/messages", bytes.NewReader(buf))
	if err != nil {
		return Response{}, v.Malformed(err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("x-api-key", c.APIKey)
	hreq.Header.Set("anthropic-version", AnthropicVersion)
	raw, _, err := v.Do(ctx, httpClient(c.HTTP), hreq)
	if err != nil {
		return Response{}, err
	}
	var ar anthropicResponse
	if err := v.DecodeJSON(raw, &ar); err != nil {
		return Response{}, err
	}
	out := Response{Provider: "anthropic", Model: orString(ar.Model, req.Model), StopReason: ar.StopReason,
		Usage: Usage{Provider: "anthropic", Model: orString(ar.Model, req.Model), Requests: 1, InputTokens: ar.Usage.InputTokens,
			OutputTokens: ar.Usage.OutputTokens, TotalTokens: ar.Usage.InputTokens + ar.Usage.OutputTokens}}
	var text []string
	for _, b := range ar.Content {
		switch b.Type {
		case "text":
			text = append(text, b.Text)
		case "tool_use":
			if req.Structured != nil && b.Name == req.Structured.Name && json.Valid(b.Input) {
				out.JSON = b.Input
			}
		}
	}
	out.Text = strings.Join(text, "")
	if req.Structured != nil && out.JSON == nil {
		out.JSON = jsonIn(out.Text)
	}
	return out, nil
}

// defaultHTTP serves clients built without one; the Service passes its own.
var defaultHTTP = &http.Client{Timeout: 120 * time.Second}

func httpClient(c *http.Client) *http.Client {
	if c != nil {
		return c
	}
	return defaultHTTP
}
