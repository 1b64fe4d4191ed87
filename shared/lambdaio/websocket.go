package lambdaio

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// ConnectionPoster sends a message to a WebSocket client through the API
// Gateway management API. endpoint is https://{domain}/{stage}.
type ConnectionPoster interface {
	Post(ctx context.Context, endpoint, connectionID string, data []byte) error
}

// ErrGone means the client has disconnected.
var ErrGone = errors.New("websocket connection is gone")

// ManagementPoster posts through the API Gateway management API
// (POST {endpoint}/@connections/{id}, SigV4-signed for execute-api). The
// SDK's apigatewaymanagementapi client is not served by the module proxy
// these machines use, and the call is one signed POST, so it is made here
// with the SDK's own signer and credentials.
type ManagementPoster struct {
	Config aws.Config
	// HTTPClient defaults to a client with a 10 s timeout.
	HTTPClient *http.Client
	// BaseEndpoint overrides the endpoint derived from the event (tests,
	// custom domains).
	BaseEndpoint string
}

// Post implements ConnectionPoster.
func (p *ManagementPoster) Post(ctx context.Context, endpoint, connectionID string, data []byte) error {
	if p.BaseEndpoint != "" {
		endpoint = p.BaseEndpoint
	}
	u := strings.TrimSuffix(endpoint, "/") + "/@connections/" + url.PathEscape(connectionID)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("post to connection: %w", err)
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	creds, err := p.Config.Credentials.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("post to connection: credentials: %w", err)
	}
	sum := sha256.Sum256(data)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "execute-api", p.Config.Region, time.Now()); err != nil {
		return fmt.Errorf("post to connection: sign: %w", err)
	}
	client := p.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("post to connection %s: %w", connectionID, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	switch {
	case resp.StatusCode == http.StatusGone:
		return fmt.Errorf("%w: %s", ErrGone, connectionID)
	case resp.StatusCode >= 300:
		return fmt.Errorf("post to connection %s: HTTP %d %s: %s", connectionID, resp.StatusCode,
			resp.Header.Get("X-Amzn-Errortype"), strings.TrimSpace(string(body)))
	}
	return nil
}

// WebSocketApp serves an API Gateway WebSocket API: $connect authenticates,
// $default hands each message to OnMessage with a send function that posts
// back to the client, $disconnect is acknowledged.
type WebSocketApp struct {
	// Authenticate checks the $connect request (headers and query string
	// as an *http.Request).
	Authenticate func(*http.Request) error
	// Subprotocol is selected on $connect when the client offers it.
	Subprotocol string
	// OnMessage handles one client message.
	OnMessage func(ctx context.Context, requestID string, body []byte, send func(ctx context.Context, data []byte) error) error
	Poster    ConnectionPoster
	// Async, when set, hands each message to an asynchronous invocation
	// (see WSTask) and acknowledges $default at once: API Gateway stops
	// waiting for a WebSocket integration after 29 s, a crawl may run for
	// the function's whole timeout.
	Async  func(ctx context.Context, task WSTask) error
	Logger *slog.Logger
}

// WSTaskKind marks a WSTask among task events.
const WSTaskKind = "websocket_message"

// WSTask is a WebSocket message to process in an asynchronous invocation
// of the same function.
type WSTask struct {
	Kind         string `json:"riptide_task"`
	Endpoint     string `json:"endpoint"`
	ConnectionID string `json:"connection_id"`
	RequestID    string `json:"request_id"`
	Body         string `json:"body"`
}

// RunTask processes a WSTask (the asynchronous half of Handle).
func (a *WebSocketApp) RunTask(ctx context.Context, payload json.RawMessage) (any, error) {
	var t WSTask
	if err := json.Unmarshal(payload, &t); err != nil || t.Kind != WSTaskKind {
		return nil, fmt.Errorf("%w: not a websocket task", ErrUnsupportedEvent)
	}
	a.process(ctx, t)
	return map[string]string{"status": "done"}, nil
}

// process runs one message, posting replies to its connection.
func (a *WebSocketApp) process(ctx context.Context, t WSTask) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	send := func(ctx context.Context, data []byte) error {
		err := a.Poster.Post(ctx, t.Endpoint, t.ConnectionID, data)
		if errors.Is(err, ErrGone) {
			cancel() // the client left: stop the work
		}
		return err
	}
	if err := a.OnMessage(ctx, t.RequestID, []byte(t.Body), send); err != nil && !errors.Is(err, ErrGone) && !errors.Is(err, context.Canceled) {
		a.log().WarnContext(ctx, "websocket message failed", slog.String("connection_id", t.ConnectionID), slog.String("error", err.Error()))
	}
}

// Handle is the Handler.WebSocket function.
func (a *WebSocketApp) Handle(ctx context.Context, ev events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	rc := ev.RequestContext
	switch rc.EventType {
	case "CONNECT":
		req, err := connectRequest(ctx, ev)
		if err != nil {
			return events.APIGatewayProxyResponse{StatusCode: http.StatusBadRequest}, nil
		}
		if err := a.Authenticate(req); err != nil {
			a.log().InfoContext(ctx, "websocket connect refused", slog.String("connection_id", rc.ConnectionID), slog.String("reason", err.Error()))
			return events.APIGatewayProxyResponse{StatusCode: http.StatusUnauthorized, Body: err.Error()}, nil
		}
		resp := events.APIGatewayProxyResponse{StatusCode: http.StatusOK}
		if a.Subprotocol != "" && offers(ev.Headers, a.Subprotocol) {
			resp.Headers = map[string]string{"Sec-WebSocket-Protocol": a.Subprotocol}
		}
		return resp, nil
	case "DISCONNECT":
		return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}, nil
	case "MESSAGE":
		t := WSTask{Kind: WSTaskKind, Endpoint: "https://" + rc.DomainName + "/" + rc.Stage,
			ConnectionID: rc.ConnectionID, RequestID: rc.RequestID, Body: ev.Body}
		if a.Async == nil {
			a.process(ctx, t)
			return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}, nil
		}
		if err := a.Async(ctx, t); err != nil {
			// Could not hand it off: answer here rather than go silent.
			a.log().WarnContext(ctx, "websocket message hand-off failed; processing inline", slog.String("error", err.Error()))
			a.process(ctx, t)
		}
		return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}, nil
	}
	return events.APIGatewayProxyResponse{StatusCode: http.StatusBadRequest}, nil
}

func (a *WebSocketApp) log() *slog.Logger {
	if a.Logger != nil {
		return a.Logger
	}
	return slog.Default()
}

// connectRequest rebuilds the $connect handshake as an http.Request.
func connectRequest(ctx context.Context, ev events.APIGatewayWebsocketProxyRequest) (*http.Request, error) {
	q := url.Values{}
	for k, vs := range ev.MultiValueQueryStringParameters {
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	if len(q) == 0 {
		for k, v := range ev.QueryStringParameters {
			q.Set(k, v)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+ev.RequestContext.DomainName+"/?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	for k, vs := range ev.MultiValueHeaders {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if len(ev.MultiValueHeaders) == 0 {
		for k, v := range ev.Headers {
			req.Header.Set(k, v)
		}
	}
	return req, nil
}

func offers(headers map[string]string, proto string) bool {
	for k, v := range headers {
		if !strings.EqualFold(k, "Sec-WebSocket-Protocol") {
			continue
		}
		for _, p := range strings.Split(v, ",") {
			if strings.TrimSpace(p) == proto {
				return true
			}
		}
	}
	return false
}
