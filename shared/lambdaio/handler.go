// Package lambdaio adapts Lambda events to RipTide's handlers: API Gateway
// REST (v1) and HTTP API (v2) proxy events and Function URL events to one
// http.Handler (with response streaming for stream routes), and SQS, API
// Gateway WebSocket and plain JSON task events (Step Functions, EventBridge)
// to their own functions. It is the only engine-side package that imports
// aws-lambda-go.
package lambdaio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
	proxycore "github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/routes"
)

// Handler serves every kind of event one RipTide function receives. Fields
// left nil make that kind of event an error.
type Handler struct {
	// HTTP serves API Gateway proxy events and Function URL events.
	HTTP http.Handler
	// Streams reports which requests answer with Lambda response streaming
	// (see StreamMatcher). Nil: none.
	Streams func(method, path string) bool
	// SQS handles SQS batches, reporting partial batch failures.
	SQS func(context.Context, events.SQSEvent) (events.SQSEventResponse, error)
	// WebSocket handles API Gateway WebSocket API events.
	WebSocket func(context.Context, events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error)
	// Authorizer meters API Gateway REST requests (a REQUEST Lambda
	// authorizer): from the request's headers it returns the principal
	// and the usage identifier key (gatewaykeys). Every request is
	// allowed; access is the application's decision.
	Authorizer func(ctx context.Context, header http.Header) (principal, usageKey string)
	// Task handles any other JSON event: Step Functions task input,
	// EventBridge scheduled events, direct invocations.
	Task func(context.Context, json.RawMessage) (any, error)
}

// Start runs h as the Lambda function's handler. It never returns.
func Start(h *Handler) {
	lambda.Start(h.Invoke)
}

// eventProbe holds the fields that tell event shapes apart.
type eventProbe struct {
	Type           string `json:"type"`
	MethodArn      string `json:"methodArn"`
	Version        string `json:"version"`
	HTTPMethod     string `json:"httpMethod"`
	RequestContext struct {
		HTTP         *json.RawMessage `json:"http"`
		EventType    string           `json:"eventType"`
		ConnectionID string           `json:"connectionId"`
		DomainName   string           `json:"domainName"`
	} `json:"requestContext"`
	Records []struct {
		EventSource string `json:"eventSource"`
	} `json:"Records"`
}

// Kind names an event shape.
type Kind string

const (
	KindREST       Kind = "apigateway_rest"
	KindHTTPAPI    Kind = "apigateway_http"
	KindURL        Kind = "function_url"
	KindWebSocket  Kind = "apigateway_websocket"
	KindSQS        Kind = "sqs"
	KindAuthorizer Kind = "apigateway_authorizer"
	KindTask       Kind = "task"
)

// Classify tells which kind of event payload is.
func Classify(payload []byte) Kind {
	var p eventProbe
	if json.Unmarshal(payload, &p) != nil {
		return KindTask
	}
	switch {
	case p.MethodArn != "" && p.Type == "REQUEST":
		// Before REST: a REQUEST authorizer's event has httpMethod too.
		return KindAuthorizer
	case len(p.Records) > 0 && p.Records[0].EventSource == "aws:sqs":
		return KindSQS
	case p.RequestContext.ConnectionID != "" && p.RequestContext.EventType != "":
		return KindWebSocket
	case p.HTTPMethod != "":
		return KindREST
	case p.Version == "2.0" && p.RequestContext.HTTP != nil:
		if strings.Contains(p.RequestContext.DomainName, ".lambda-url.") {
			return KindURL
		}
		return KindHTTPAPI
	}
	return KindTask
}

// ErrUnsupportedEvent is returned for an event kind this function does not serve.
var ErrUnsupportedEvent = errors.New("unsupported event")

// Invoke dispatches one Lambda event.
func (h *Handler) Invoke(ctx context.Context, payload json.RawMessage) (any, error) {
	kind := Classify(payload)
	switch kind {
	case KindREST:
		if h.HTTP == nil {
			break
		}
		var ev events.APIGatewayProxyRequest
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, fmt.Errorf("decode REST API event: %w", err)
		}
		if h.streams(ev.HTTPMethod, ev.Path) {
			req, err := (&proxycore.RequestAccessor{}).EventToRequestWithContext(ctx, ev)
			if err != nil {
				return nil, fmt.Errorf("convert REST API event: %w", err)
			}
			return serveStreaming(h.HTTP, req), nil
		}
		return httpadapter.New(h.HTTP).ProxyWithContext(ctx, ev)
	case KindHTTPAPI, KindURL:
		if h.HTTP == nil {
			break
		}
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, fmt.Errorf("decode HTTP API event: %w", err)
		}
		// HTTP APIs cannot stream; Function URLs in RESPONSE_STREAM mode can.
		if kind == KindURL && h.streams(ev.RequestContext.HTTP.Method, ev.RawPath) {
			req, err := (&proxycore.RequestAccessorV2{}).EventToRequestWithContext(ctx, ev)
			if err != nil {
				return nil, fmt.Errorf("convert Function URL event: %w", err)
			}
			return serveStreaming(h.HTTP, req), nil
		}
		return httpadapter.NewV2(h.HTTP).ProxyWithContext(ctx, ev)
	case KindWebSocket:
		if h.WebSocket == nil {
			break
		}
		var ev events.APIGatewayWebsocketProxyRequest
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, fmt.Errorf("decode WebSocket event: %w", err)
		}
		return h.WebSocket(ctx, ev)
	case KindAuthorizer:
		if h.Authorizer == nil {
			break
		}
		var ev events.APIGatewayCustomAuthorizerRequestTypeRequest
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, fmt.Errorf("decode authorizer event: %w", err)
		}
		return authorize(ctx, h.Authorizer, ev), nil
	case KindSQS:
		if h.SQS == nil {
			break
		}
		var ev events.SQSEvent
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, fmt.Errorf("decode SQS event: %w", err)
		}
		return h.SQS(ctx, ev)
	case KindTask:
		if h.Task == nil {
			break
		}
		out, err := h.Task(ctx, payload)
		var ce *core.Error
		if errors.As(err, &ce) {
			// A typed error travels as the function error's type and
			// message, so the invoker can restore it (see render.Remote).
			return nil, messages.InvokeResponse_Error{Type: string(ce.Type), Message: ce.Message}
		}
		return out, err
	}
	return nil, fmt.Errorf("%w: this function does not handle %s events", ErrUnsupportedEvent, kind)
}

// authorize answers an authorizer event: Allow on the method (the result
// is not cached, so the policy covers this request only) with the usage
// identifier key.
func authorize(ctx context.Context, decide func(context.Context, http.Header) (string, string), ev events.APIGatewayCustomAuthorizerRequestTypeRequest) events.APIGatewayCustomAuthorizerResponse {
	h := http.Header{}
	for k, vs := range ev.MultiValueHeaders {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for k, v := range ev.Headers {
		if h.Get(k) == "" {
			h.Set(k, v)
		}
	}
	principal, key := decide(ctx, h)
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID: principal,
		PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
			Version: "2012-10-17",
			Statement: []events.IAMPolicyStatement{{
				Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: []string{ev.MethodArn},
			}},
		},
		UsageIdentifierKey: key,
	}
}

func (h *Handler) streams(method, path string) bool {
	return h.Streams != nil && h.Streams(method, path)
}

// StreamMatcher reports whether a request matches one of the stream routes
// (by any of their paths).
func StreamMatcher(table []routes.Route) func(method, path string) bool {
	mux := http.NewServeMux()
	n := 0
	for _, r := range table {
		if !r.Stream {
			continue
		}
		for _, p := range r.Paths() {
			mux.Handle(r.Method+" "+p, http.NotFoundHandler())
			n++
		}
	}
	return func(method, path string) bool {
		if n == 0 {
			return false
		}
		req, err := http.NewRequest(method, "http://lambda"+path, nil)
		if err != nil {
			return false
		}
		_, pattern := mux.Handler(req)
		return pattern != ""
	}
}
