// Package lambdainvoke is the Lambda Invoke operation over awsapi: the one
// Lambda API call RipTide makes (the crawl functions invoking the render
// function, crawl-ws handing a WebSocket message to itself), without the
// SDK's Lambda client and its package-init cost (see awsapi).
//
// The wire format is the Invoke API's (REST-JSON, 2015-03-31):
//
//	POST /2015-03-31/functions/{FunctionName}/invocations?Qualifier=...
//	X-Amz-Invocation-Type: RequestResponse | Event | DryRun
//	X-Amz-Log-Type: None | Tail
//	X-Amz-Client-Context: base64 JSON
//	body: the payload
//
// answered with the function's payload and X-Amz-Function-Error,
// X-Amz-Log-Result and X-Amz-Executed-Version headers, or an AWS error
// (X-Amzn-ErrorType) such as TooManyRequestsException with Retry-After.
package lambdainvoke

import (
	"context"
	"net/http"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/riptidecrawler/riptide/shared/awsapi"
)

// Service is AWS Lambda; its endpoint variable is AWS_ENDPOINT_URL_LAMBDA.
var Service = awsapi.Service{ID: "Lambda", EndpointPrefix: "lambda", SigningName: "lambda"}

// InvocationType says whether Invoke waits for the function.
type InvocationType string

// The invocation types of the Invoke API.
const (
	// RequestResponse waits for the function and returns its answer (200).
	RequestResponse InvocationType = "RequestResponse"
	// Event queues the invocation and returns at once (202).
	Event InvocationType = "Event"
	// DryRun checks the caller's permission and the parameters (204).
	DryRun InvocationType = "DryRun"
)

// Input is one invocation.
type Input struct {
	// FunctionName is a name, an ARN, or "name:qualifier" (a version or
	// alias: the Invoke API resolves it like Qualifier).
	FunctionName string
	// Qualifier is a version or alias, sent as ?Qualifier= (optional).
	Qualifier string
	// InvocationType defaults to RequestResponse.
	InvocationType InvocationType
	// LogType "Tail" returns the last 4 KB of the log in Output.LogResult
	// (RequestResponse only).
	LogType string
	// ClientContext is base64-encoded JSON handed to the function.
	ClientContext string
	// Payload is the event, JSON.
	Payload []byte
}

// Output is the answer to an invocation the Lambda service accepted. A
// function that failed is still an Output: FunctionError is set
// ("Unhandled") and Payload holds the runtime's error document.
type Output struct {
	// StatusCode: 200 RequestResponse, 202 Event, 204 DryRun.
	StatusCode int
	// FunctionError is the X-Amz-Function-Error header.
	FunctionError string
	// LogResult is the base64 log tail (LogType Tail).
	LogResult string
	// ExecutedVersion is the version that ran.
	ExecutedVersion string
	Payload         []byte
	// RequestID is the invocation's request id.
	RequestID string
}

// Client invokes Lambda functions.
type Client struct {
	api *awsapi.Client
}

// New returns a client for cfg's region and endpoint (AWS_ENDPOINT_URL_LAMBDA
// and the other SDK endpoint settings apply). Throttling, 5xx and
// connection failures are retried as the SDK's Lambda client retried them
// (retry.Standard from cfg); opts can change that.
func New(ctx context.Context, cfg aws.Config, opts awsapi.Options) (*Client, error) {
	api, err := awsapi.New(ctx, cfg, Service, opts)
	if err != nil {
		return nil, err
	}
	return &Client{api: api}, nil
}

// Invoke calls the function. Errors are those of awsapi.Client.Do: an
// *awsapi.Error when Lambda refused the invocation (Code
// "TooManyRequestsException", "ResourceNotFoundException",
// "RequestTooLargeException", ...).
func (c *Client) Invoke(ctx context.Context, in Input) (*Output, error) {
	req := awsapi.Request{Method: http.MethodPost,
		Path:   "/2015-03-31/functions/" + awsapi.PathLabel(in.FunctionName) + "/invocations",
		Header: http.Header{"Content-Type": {"application/octet-stream"}}, Body: in.Payload}
	typ := in.InvocationType
	if typ == "" {
		typ = RequestResponse
	}
	req.Header.Set("X-Amz-Invocation-Type", string(typ))
	if in.LogType != "" {
		req.Header.Set("X-Amz-Log-Type", in.LogType)
	}
	if in.ClientContext != "" {
		req.Header.Set("X-Amz-Client-Context", in.ClientContext)
	}
	if in.Qualifier != "" {
		req.Query = url.Values{"Qualifier": {in.Qualifier}}
	}
	resp, err := c.api.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	return &Output{StatusCode: resp.StatusCode, FunctionError: resp.Header.Get("X-Amz-Function-Error"),
		LogResult: resp.Header.Get("X-Amz-Log-Result"), ExecutedVersion: resp.Header.Get("X-Amz-Executed-Version"),
		Payload: resp.Body, RequestID: resp.RequestID}, nil
}
