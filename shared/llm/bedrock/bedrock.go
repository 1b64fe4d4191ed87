// Package bedrock is the llm engine's AWS Bedrock adapter: the Converse API
// (POST /model/{modelId}/converse) called through awsapi, signed with
// SigV4 and IAM credentials from the function's role. Structured output is
// a forced tool call, as with Anthropic.
//
// It speaks the wire format itself rather than through the SDK's
// bedrockruntime client: that client's generated schemas package costs
// ~2.5 ms and ~2,000 allocations at package init in every function that
// links the llm strategy, against a 30 ms init budget, for one operation
// whose JSON is small and documented. The AWS client is built on first
// use, never at init, and there is one attempt per call: retries are left
// to the llm failover chain.
package bedrock

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/riptidecrawler/riptide/shared/awsapi"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/llm"
	"github.com/riptidecrawler/riptide/shared/vendorhttp"
)

// Service is Bedrock Runtime; it signs as "bedrock" and its endpoint
// variable is AWS_ENDPOINT_URL_BEDROCK_RUNTIME.
var Service = awsapi.Service{ID: "Bedrock Runtime", EndpointPrefix: "bedrock-runtime", SigningName: "bedrock"}

// Options configure the adapter.
type Options struct {
	// LoadConfig loads the AWS configuration (credentials), on first use:
	// the process's one configuration (wire.Process.AWS). Required.
	LoadConfig func(ctx context.Context) (aws.Config, error)
	// HTTPClient, when set, sends the requests (tests).
	HTTPClient *http.Client
}

// Factory returns the function llm.Service.Bedrock expects: one client per
// region and endpoint, built lazily and reused. An endpoint set through
// the API comes with the SSRF-guarded client (guarded), which then sends
// its requests: the caller who chose the URL must not reach what the
// guard refuses, least of all with requests signed by the server's role.
func Factory(opts Options) func(cfg llm.ProviderConfig, guarded *http.Client) (llm.Client, error) {
	var (
		mu      sync.Mutex
		clients = map[string]*Client{}
	)
	return func(cfg llm.ProviderConfig, guarded *http.Client) (llm.Client, error) {
		key := cfg.Region + "|" + cfg.BaseURL
		o := opts
		if guarded != nil {
			key += "|guarded"
			o.HTTPClient = guarded
		}
		mu.Lock()
		defer mu.Unlock()
		if c, ok := clients[key]; ok {
			return c, nil
		}
		c := &Client{region: cfg.Region, endpoint: cfg.BaseURL, opts: o}
		clients[key] = c
		return c, nil
	}
}

// Client is a Bedrock Converse client.
type Client struct {
	region, endpoint string
	opts             Options

	once sync.Once
	api  *awsapi.Client
	err  error
}

func (c *Client) client(ctx context.Context) (*awsapi.Client, error) {
	c.once.Do(func() {
		if c.opts.LoadConfig == nil {
			c.err = core.Errorf(core.ErrInternal, "bedrock: no AWS configuration loader is wired")
			return
		}
		cfg, err := c.opts.LoadConfig(ctx)
		if err != nil {
			c.err = core.Wrap(core.ErrDependency, err, "bedrock: could not load AWS credentials")
			return
		}
		ao := awsapi.Options{Endpoint: c.endpoint, Region: c.region, SingleAttempt: true}
		if c.opts.HTTPClient != nil {
			ao.HTTPClient = c.opts.HTTPClient
		}
		api, err := awsapi.New(ctx, cfg, Service, ao)
		if err != nil {
			c.err = &core.Error{Type: core.ErrDependency, Permanent: true, Cause: err, Message: "bedrock is not configured: " + err.Error()}
			return
		}
		c.api = api
	})
	return c.api, c.err
}

// The Converse request and response, as the Bedrock Runtime API reference
// documents them (and the SDK serialises them): only the members RipTide
// sends or reads.
type (
	converseRequest struct {
		Messages        []message        `json:"messages,omitempty"`
		System          []textBlock      `json:"system,omitempty"`
		InferenceConfig *inferenceConfig `json:"inferenceConfig,omitempty"`
		ToolConfig      *toolConfig      `json:"toolConfig,omitempty"`
	}
	message struct {
		Role    string         `json:"role"`
		Content []contentBlock `json:"content"`
	}
	textBlock struct {
		Text string `json:"text"`
	}
	// contentBlock is a union: exactly one member is set.
	contentBlock struct {
		Text    *string  `json:"text,omitempty"`
		ToolUse *toolUse `json:"toolUse,omitempty"`
	}
	toolUse struct {
		ToolUseID string          `json:"toolUseId"`
		Name      string          `json:"name"`
		Input     json.RawMessage `json:"input"`
	}
	inferenceConfig struct {
		MaxTokens   int32    `json:"maxTokens,omitempty"`
		Temperature *float32 `json:"temperature,omitempty"`
	}
	toolConfig struct {
		Tools      []tool      `json:"tools"`
		ToolChoice *toolChoice `json:"toolChoice,omitempty"`
	}
	tool struct {
		ToolSpec toolSpec `json:"toolSpec"`
	}
	toolSpec struct {
		Name        string      `json:"name"`
		Description string      `json:"description,omitempty"`
		InputSchema inputSchema `json:"inputSchema"`
	}
	inputSchema struct {
		JSON json.RawMessage `json:"json"`
	}
	toolChoice struct {
		Tool *specificTool `json:"tool,omitempty"`
	}
	specificTool struct {
		Name string `json:"name"`
	}

	converseResponse struct {
		// Output is a union; message is its only member today.
		Output struct {
			Message *message `json:"message"`
		} `json:"output"`
		StopReason string `json:"stopReason"`
		Usage      *struct {
			InputTokens  int `json:"inputTokens"`
			OutputTokens int `json:"outputTokens"`
			TotalTokens  int `json:"totalTokens"`
		} `json:"usage"`
	}
)

// Complete implements llm.Client.
func (c *Client) Complete(ctx context.Context, req llm.Request) (llm.Response, error) {
	api, err := c.client(ctx)
	if err != nil {
		return llm.Response{}, err
	}
	if req.Model == "" {
		return llm.Response{}, &core.Error{Type: core.ErrDependency, Permanent: true, Message: "bedrock: no model id configured"}
	}
	body, err := converseBody(req)
	if err != nil {
		return llm.Response{}, err
	}
	resp, err := api.Do(ctx, awsapi.Request{Method: http.MethodPost, Path: "/model/" + awsapi.PathLabel(req.Model) + "/converse",
		Header: http.Header{"Content-Type": {"application/json"}}, Body: body})
	if err != nil {
		return llm.Response{}, classify(ctx, err)
	}
	var out converseResponse
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		return llm.Response{}, vendor.Malformed(err)
	}
	if out.Output.Message == nil {
		return llm.Response{}, vendor.Malformed(errors.New("the response has no output.message"))
	}
	r := llm.Response{Provider: "bedrock", Model: req.Model, StopReason: out.StopReason}
	r.Usage = llm.Usage{Provider: "bedrock", Model: req.Model, Requests: 1}
	if u := out.Usage; u != nil {
		r.Usage.InputTokens, r.Usage.OutputTokens, r.Usage.TotalTokens = u.InputTokens, u.OutputTokens, u.TotalTokens
		if r.Usage.TotalTokens == 0 {
			r.Usage.TotalTokens = r.Usage.InputTokens + r.Usage.OutputTokens
		}
	}
	for _, b := range out.Output.Message.Content {
		switch {
		case b.Text != nil:
			r.Text += *b.Text
		case b.ToolUse != nil:
			if req.Structured != nil && b.ToolUse.Name == req.Structured.Name && json.Valid(b.ToolUse.Input) && string(b.ToolUse.Input) != "null" {
				r.JSON = compact(b.ToolUse.Input)
			}
		}
	}
	return r, nil
}

// converseBody builds the request body of req.
func converseBody(req llm.Request) ([]byte, error) {
	var in converseRequest
	max := req.MaxTokens
	if max <= 0 {
		max = llm.DefaultMaxTokens
	}
	in.InferenceConfig = &inferenceConfig{MaxTokens: int32(max)}
	if req.Temperature != nil {
		t := float32(*req.Temperature)
		in.InferenceConfig.Temperature = &t
	}
	if req.System != "" {
		in.System = []textBlock{{Text: req.System}}
	}
	for _, m := range req.Messages {
		role := "user"
		if m.Role == llm.RoleAssistant {
			role = "assistant"
		}
		text := m.Content
		in.Messages = append(in.Messages, message{Role: role, Content: []contentBlock{{Text: &text}}})
	}
	if s := req.Structured; s != nil {
		var schema any
		if err := json.Unmarshal(s.Schema, &schema); err != nil {
			return nil, core.Errorf(core.ErrValidation, "schema: not valid JSON: %v", err)
		}
		in.ToolConfig = &toolConfig{
			Tools:      []tool{{ToolSpec: toolSpec{Name: s.Name, Description: s.Description, InputSchema: inputSchema{JSON: compact(s.Schema)}}}},
			ToolChoice: &toolChoice{Tool: &specificTool{Name: s.Name}},
		}
	}
	body, err := json.Marshal(in)
	if err != nil {
		return nil, core.Wrap(core.ErrInternal, err, "bedrock: encode the Converse request")
	}
	return body, nil
}

// compact returns valid JSON without insignificant whitespace.
func compact(raw json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return raw
	}
	return b.Bytes()
}

var vendor = vendorhttp.Vendor{Name: "bedrock", KeyVar: "the AWS credentials (IAM role) and BEDROCK_REGION"}

// classify turns a failed call into RipTide's types, the same way the HTTP
// vendors' statuses are (vendorhttp.StatusError): Bedrock's status codes
// mean the same things (403 AccessDenied, 429 Throttling, 408 model
// timeout, 5xx outages). The AWS error code leads the quoted message.
func classify(ctx context.Context, err error) error {
	var ae *awsapi.Error
	if errors.As(err, &ae) {
		msg := ae.Message
		if ae.Code != "" {
			msg = ae.Code + ": " + msg
		}
		body, _ := json.Marshal(map[string]string{"message": msg})
		return vendor.StatusError(ae.StatusCode, ae.Header, body)
	}
	var ce *awsapi.CredentialsError
	if errors.As(err, &ce) {
		return &core.Error{Type: core.ErrDependency, Permanent: true, Cause: err,
			Message: "bedrock: no usable AWS credentials (check " + vendor.KeyVar + ")"}
	}
	var re *awsapi.ResponseError
	if errors.As(err, &re) && ctx.Err() == nil && !isTimeout(err) {
		return vendor.Malformed(err)
	}
	return vendor.TransportError(ctx, err)
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
