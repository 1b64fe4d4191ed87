// Package bedrock is the llm engine's AWS Bedrock adapter: the Converse API
// through aws-sdk-go-v2's bedrockruntime (SigV4 signing, IAM credentials
// from the function's role). Structured output is a forced tool call, as
// with Anthropic. The SDK client is built on first use, never at init, and
// retries are left to the llm failover chain (one attempt per provider).
package bedrock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/llm"
	"github.com/riptidecrawler/riptide/shared/vendorhttp"
)

// ConverseAPI is the part of the bedrockruntime client used.
type ConverseAPI interface {
	Converse(ctx context.Context, in *bedrockruntime.ConverseInput, optFns ...func(*bedrockruntime.Options)) (*bedrockruntime.ConverseOutput, error)
}

// Options configure the adapter.
type Options struct {
	// LoadConfig loads the AWS configuration (credentials), on first use:
	// the process's one configuration (wire.Process.AWS). Required.
	LoadConfig func(ctx context.Context) (aws.Config, error)
	// HTTPClient, when set, sends the SDK's requests (tests).
	HTTPClient *http.Client
}

// Factory returns the function llm.Service.Bedrock expects: one SDK client
// per region and endpoint, built lazily and reused.
func Factory(opts Options) func(cfg llm.ProviderConfig) (llm.Client, error) {
	var (
		mu      sync.Mutex
		clients = map[string]*Client{}
	)
	return func(cfg llm.ProviderConfig) (llm.Client, error) {
		key := cfg.Region + "|" + cfg.BaseURL
		mu.Lock()
		defer mu.Unlock()
		if c, ok := clients[key]; ok {
			return c, nil
		}
		c := &Client{region: cfg.Region, endpoint: cfg.BaseURL, opts: opts}
		clients[key] = c
		return c, nil
	}
}

// Client is a Bedrock Converse client.
type Client struct {
	region, endpoint string
	opts             Options

	once sync.Once
	api  ConverseAPI
	err  error
}

// NewWithAPI wraps an existing Converse client (tests, custom wiring).
func NewWithAPI(api ConverseAPI) *Client {
	c := &Client{api: api}
	c.once.Do(func() {})
	return c
}

func (c *Client) client(ctx context.Context) (ConverseAPI, error) {
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
		c.api = bedrockruntime.NewFromConfig(cfg, func(o *bedrockruntime.Options) {
			if c.region != "" {
				o.Region = c.region
			}
			if c.endpoint != "" {
				o.BaseEndpoint = aws.String(c.endpoint)
			}
			if c.opts.HTTPClient != nil {
				o.HTTPClient = c.opts.HTTPClient
			}
			// The failover chain moves on instead of retrying here.
			o.RetryMaxAttempts = 1
		})
	})
	return c.api, c.err
}

// Complete implements llm.Client.
func (c *Client) Complete(ctx context.Context, req llm.Request) (llm.Response, error) {
	api, err := c.client(ctx)
	if err != nil {
		return llm.Response{}, err
	}
	in := &bedrockruntime.ConverseInput{ModelId: aws.String(req.Model)}
	max := req.MaxTokens
	if max <= 0 {
		max = llm.DefaultMaxTokens
	}
	in.InferenceConfig = &types.InferenceConfiguration{MaxTokens: aws.Int32(int32(max))}
	if req.Temperature != nil {
		in.InferenceConfig.Temperature = aws.Float32(float32(*req.Temperature))
	}
	if req.System != "" {
		in.System = []types.SystemContentBlock{&types.SystemContentBlockMemberText{Value: req.System}}
	}
	for _, m := range req.Messages {
		role := types.ConversationRoleUser
		if m.Role == llm.RoleAssistant {
			role = types.ConversationRoleAssistant
		}
		in.Messages = append(in.Messages, types.Message{Role: role, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: m.Content}}})
	}
	if s := req.Structured; s != nil {
		var schema any
		if err := json.Unmarshal(s.Schema, &schema); err != nil {
			return llm.Response{}, core.Errorf(core.ErrValidation, "schema: not valid JSON: %v", err)
		}
		spec := types.ToolSpecification{Name: aws.String(s.Name), InputSchema: &types.ToolInputSchemaMemberJson{Value: document.NewLazyDocument(schema)}}
		if s.Description != "" {
			spec.Description = aws.String(s.Description)
		}
		in.ToolConfig = &types.ToolConfiguration{Tools: []types.Tool{&types.ToolMemberToolSpec{Value: spec}},
			ToolChoice: &types.ToolChoiceMemberTool{Value: types.SpecificToolChoice{Name: aws.String(s.Name)}}}
	}
	out, err := api.Converse(ctx, in)
	if err != nil {
		return llm.Response{}, classify(ctx, err)
	}
	resp := llm.Response{Provider: "bedrock", Model: req.Model, StopReason: string(out.StopReason)}
	resp.Usage = llm.Usage{Provider: "bedrock", Model: req.Model, Requests: 1}
	if u := out.Usage; u != nil {
		resp.Usage.InputTokens, resp.Usage.OutputTokens = int(aws.ToInt32(u.InputTokens)), int(aws.ToInt32(u.OutputTokens))
		resp.Usage.TotalTokens = int(aws.ToInt32(u.TotalTokens))
		if resp.Usage.TotalTokens == 0 {
			resp.Usage.TotalTokens = resp.Usage.InputTokens + resp.Usage.OutputTokens
		}
	}
	msg, ok := out.Output.(*types.ConverseOutputMemberMessage)
	if !ok {
		return llm.Response{}, vendor.Malformed(fmt.Errorf("unexpected output %T", out.Output))
	}
	for _, b := range msg.Value.Content {
		switch v := b.(type) {
		case *types.ContentBlockMemberText:
			resp.Text += v.Value
		case *types.ContentBlockMemberToolUse:
			if req.Structured != nil && aws.ToString(v.Value.Name) == req.Structured.Name && v.Value.Input != nil {
				if raw, err := v.Value.Input.MarshalSmithyDocument(); err == nil && json.Valid(raw) {
					resp.JSON = raw
				}
			}
		}
	}
	return resp, nil
}

var vendor = vendorhttp.Vendor{Name: "bedrock", KeyVar: "the AWS credentials (IAM role) and BEDROCK_REGION"}

// classify turns an SDK error into RipTide's types, the same way the HTTP
// vendors' statuses are (vendorhttp.StatusError): Bedrock's status codes
// mean the same things (403 AccessDenied, 429 Throttling, 5xx outages).
func classify(ctx context.Context, err error) error {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		msg := ""
		var ae smithy.APIError
		if errors.As(err, &ae) {
			msg = ae.ErrorCode() + ": " + ae.ErrorMessage()
		}
		body, _ := json.Marshal(map[string]string{"message": msg})
		return vendor.StatusError(re.HTTPStatusCode(), re.Response.Header, body)
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return &core.Error{Type: core.ErrDependency, Permanent: true, Cause: err, Message: "bedrock refused the request: " + ae.ErrorCode() + ": " + ae.ErrorMessage()}
	}
	return vendor.TransportError(ctx, err)
}
