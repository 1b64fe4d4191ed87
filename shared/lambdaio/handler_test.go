package lambdaio_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/riptidecrawler/riptide/shared/lambdaio"
	"github.com/riptidecrawler/riptide/shared/routes"
)

var testRoutes = []routes.Route{
	{Op: "x.get", Method: "GET", Path: "/api/v1/items/{id}", Legacy: []string{"/items/{id}"}},
	{Op: "x.stream", Method: "POST", Path: "/api/v1/stream", Legacy: []string{"/stream"}, Stream: true},
}

// app answers items with JSON and streams three NDJSON lines with flushes.
func app(started chan<- struct{}) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Add("Set-Cookie", "a=1")
		fmt.Fprintf(w, `{"id":%q,"q":%q}`, r.PathValue("id"), r.URL.Query().Get("q"))
	})
	stream := func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/x-ndjson")
		w.WriteHeader(200)
		if started != nil {
			close(started)
		}
		for i := 0; i < 3; i++ {
			fmt.Fprintf(w, `{"type":"result","i":%d,"body":%q}`+"\n", i, body)
			_ = http.NewResponseController(w).Flush()
		}
	}
	mux.HandleFunc("POST /api/v1/stream", stream)
	mux.HandleFunc("POST /stream", stream)
	return mux
}

func invoke(t *testing.T, h *lambdaio.Handler, ev any) any {
	t.Helper()
	payload, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	out, err := h.Invoke(context.Background(), payload)
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	return out
}

func TestRESTEvent(t *testing.T) {
	h := &lambdaio.Handler{HTTP: app(nil), Streams: lambdaio.StreamMatcher(testRoutes)}
	out := invoke(t, h, events.APIGatewayProxyRequest{
		HTTPMethod: "GET", Path: "/api/v1/items/7", Resource: "/api/v1/items/{id}",
		MultiValueQueryStringParameters: map[string][]string{"q": {"x y"}},
		RequestContext:                  events.APIGatewayProxyRequestContext{Stage: "prod", DomainName: "abc.execute-api.eu-west-1.amazonaws.com"},
	})
	resp, ok := out.(events.APIGatewayProxyResponse)
	if !ok {
		t.Fatalf("REST event must give a proxy response, got %T", out)
	}
	if resp.StatusCode != 200 || resp.Body != `{"id":"7","q":"x y"}` {
		t.Fatalf("response %+v", resp)
	}
	if got := resp.MultiValueHeaders["Set-Cookie"]; len(got) != 1 || got[0] != "a=1" {
		t.Errorf("cookies: %v", resp.MultiValueHeaders)
	}
}

func TestHTTPAPIEvent(t *testing.T) {
	h := &lambdaio.Handler{HTTP: app(nil), Streams: lambdaio.StreamMatcher(testRoutes)}
	ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RawPath: "/api/v1/items/8", RawQueryString: "q=z"}
	ev.RequestContext.HTTP.Method = "GET"
	ev.RequestContext.HTTP.Path = "/api/v1/items/8"
	ev.RequestContext.DomainName = "abc.execute-api.eu-west-1.amazonaws.com"
	resp, ok := invoke(t, h, ev).(events.APIGatewayV2HTTPResponse)
	if !ok || resp.StatusCode != 200 || resp.Body != `{"id":"8","q":"z"}` {
		t.Fatalf("response %+v", resp)
	}
	// HTTP APIs cannot stream: a stream route is answered buffered, whole.
	ev = events.APIGatewayV2HTTPRequest{Version: "2.0", RawPath: "/api/v1/stream", Body: "hi"}
	ev.RequestContext.HTTP.Method = "POST"
	ev.RequestContext.HTTP.Path = "/api/v1/stream"
	resp, ok = invoke(t, h, ev).(events.APIGatewayV2HTTPResponse)
	if !ok || strings.Count(resp.Body, "\n") != 3 {
		t.Fatalf("buffered stream %+v", resp)
	}
}

// readStream splits a Lambda streaming response into its prelude and body.
func readStream(t *testing.T, r io.Reader) (map[string]any, string) {
	t.Helper()
	raw, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(raw, make([]byte, 8))
	if i < 0 {
		t.Fatalf("no 8-NUL delimiter in %q", raw)
	}
	var prelude map[string]any
	if err := json.Unmarshal(raw[:i], &prelude); err != nil {
		t.Fatalf("prelude %q: %v", raw[:i], err)
	}
	return prelude, string(raw[i+8:])
}

func TestRESTStreamRouteUsesResponseStreaming(t *testing.T) {
	started := make(chan struct{})
	h := &lambdaio.Handler{HTTP: app(started), Streams: lambdaio.StreamMatcher(testRoutes)}
	for _, path := range []string{"/api/v1/stream", "/stream"} {
		if path == "/stream" {
			started = nil
			h.HTTP = app(nil)
		}
		out := invoke(t, h, events.APIGatewayProxyRequest{HTTPMethod: "POST", Path: path, Body: `{"urls":[]}`})
		resp, ok := out.(*events.LambdaFunctionURLStreamingResponse)
		if !ok {
			t.Fatalf("%s: want a streaming response, got %T", path, out)
		}
		if resp.ContentType() != "application/vnd.awslambda.http-integration-response" {
			t.Errorf("content type %q", resp.ContentType())
		}
		prelude, body := readStream(t, resp)
		if prelude["statusCode"] != float64(200) {
			t.Errorf("prelude %v", prelude)
		}
		hdrs, _ := prelude["headers"].(map[string]any)
		if hdrs["Content-Type"] != "application/x-ndjson" {
			t.Errorf("headers %v", hdrs)
		}
		lines := strings.Split(strings.TrimSpace(body), "\n")
		if len(lines) != 3 || !strings.Contains(lines[2], `"i":2`) || !strings.Contains(lines[0], `{\"urls\":[]}`) {
			t.Errorf("%s body %q", path, body)
		}
		resp.Close()
	}
}

func TestStreamingIsIncrementalAndCancelsOnClose(t *testing.T) {
	// The handler writes one line, then waits until the reader is closed;
	// the first line must be readable before the handler finishes, and
	// closing the response must cancel the request context.
	cancelled := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/stream", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, `{"type":"metadata"}`)
		select {
		case <-r.Context().Done():
			close(cancelled)
		case <-time.After(5 * time.Second):
		}
	})
	h := &lambdaio.Handler{HTTP: mux, Streams: lambdaio.StreamMatcher(testRoutes)}
	resp := invoke(t, h, events.APIGatewayProxyRequest{HTTPMethod: "POST", Path: "/api/v1/stream"}).(*events.LambdaFunctionURLStreamingResponse)
	buf := make([]byte, 4096)
	got := ""
	for !strings.Contains(got, "metadata") {
		n, err := resp.Read(buf)
		if err != nil {
			t.Fatalf("read: %v (got %q)", err, got)
		}
		got += string(buf[:n])
	}
	resp.Close()
	select {
	case <-cancelled:
	case <-time.After(2 * time.Second):
		t.Fatal("closing the stream did not cancel the handler's context")
	}
}

func TestFunctionURLStreams(t *testing.T) {
	h := &lambdaio.Handler{HTTP: app(nil), Streams: lambdaio.StreamMatcher(testRoutes)}
	ev := events.LambdaFunctionURLRequest{Version: "2.0", RawPath: "/api/v1/stream", Body: "b"}
	ev.RequestContext.HTTP.Method = "POST"
	ev.RequestContext.HTTP.Path = "/api/v1/stream"
	ev.RequestContext.DomainName = "xyz.lambda-url.eu-west-1.on.aws"
	resp, ok := invoke(t, h, ev).(*events.LambdaFunctionURLStreamingResponse)
	if !ok {
		t.Fatal("function URL stream route must stream")
	}
	_, body := readStream(t, resp)
	if strings.Count(body, "\n") != 3 {
		t.Errorf("body %q", body)
	}
}

func TestOtherEventKinds(t *testing.T) {
	var gotSQS, gotWS, gotTask bool
	h := &lambdaio.Handler{
		SQS: func(_ context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
			gotSQS = len(ev.Records) == 2
			return events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{{ItemIdentifier: ev.Records[1].MessageId}}}, nil
		},
		WebSocket: func(_ context.Context, ev events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
			gotWS = ev.RequestContext.RouteKey == "$connect"
			return events.APIGatewayProxyResponse{StatusCode: 200}, nil
		},
		Task: func(_ context.Context, raw json.RawMessage) (any, error) {
			gotTask = strings.Contains(string(raw), "spider_id")
			return map[string]string{"ok": "yes"}, nil
		},
	}
	sqs := invoke(t, h, events.SQSEvent{Records: []events.SQSMessage{{MessageId: "m1", EventSource: "aws:sqs"}, {MessageId: "m2", EventSource: "aws:sqs"}}})
	if r := sqs.(events.SQSEventResponse); !gotSQS || len(r.BatchItemFailures) != 1 || r.BatchItemFailures[0].ItemIdentifier != "m2" {
		t.Errorf("sqs: %v %+v", gotSQS, r)
	}
	ws := events.APIGatewayWebsocketProxyRequest{}
	ws.RequestContext.RouteKey = "$connect"
	ws.RequestContext.EventType = "CONNECT"
	ws.RequestContext.ConnectionID = "c1"
	invoke(t, h, ws)
	invoke(t, h, map[string]string{"spider_id": "s1"})
	if !gotWS || !gotTask {
		t.Errorf("ws %v task %v", gotWS, gotTask)
	}
	// A kind the function does not serve is an error, not silence.
	_, err := (&lambdaio.Handler{}).Invoke(context.Background(), []byte(`{"httpMethod":"GET","path":"/"}`))
	if !errors.Is(err, lambdaio.ErrUnsupportedEvent) {
		t.Errorf("unsupported event: %v", err)
	}
}

func TestClassify(t *testing.T) {
	cases := map[string]lambdaio.Kind{
		`{"httpMethod":"GET","path":"/x"}`: lambdaio.KindREST,
		`{"version":"2.0","requestContext":{"http":{"method":"GET"},"domainName":"a.execute-api.x.amazonaws.com"}}`:    lambdaio.KindHTTPAPI,
		`{"version":"2.0","requestContext":{"http":{"method":"GET"},"domainName":"a.lambda-url.x.on.aws"}}`:            lambdaio.KindURL,
		`{"requestContext":{"eventType":"MESSAGE","connectionId":"c"}}`:                                                lambdaio.KindWebSocket,
		`{"Records":[{"eventSource":"aws:sqs"}]}`:                                                                      lambdaio.KindSQS,
		`{"type":"REQUEST","methodArn":"arn:aws:execute-api:eu-west-1:1:a/prod/GET/x","httpMethod":"GET","path":"/x"}`: lambdaio.KindAuthorizer,
		`{"spider_id":"x"}`: lambdaio.KindTask,
		`not json`:          lambdaio.KindTask,
	}
	for in, want := range cases {
		if got := lambdaio.Classify([]byte(in)); got != want {
			t.Errorf("Classify(%s) = %s, want %s", in, got, want)
		}
	}
}

// A REQUEST authorizer's event (which has httpMethod, like a proxy event)
// goes to Authorizer with its headers, and the answer allows the method
// with the usage identifier key.
func TestAuthorizerEvent(t *testing.T) {
	var got http.Header
	h := &lambdaio.Handler{
		HTTP: http.NotFoundHandler(),
		Authorizer: func(_ context.Context, hd http.Header) (string, string) {
			got = hd
			return "rtk_a", "usage-key-0123456789abcdef"
		},
	}
	arn := "arn:aws:execute-api:eu-west-1:111122223333:abc/prod/POST/api/v1/crawl"
	out := invoke(t, h, events.APIGatewayCustomAuthorizerRequestTypeRequest{Type: "REQUEST", MethodArn: arn, HTTPMethod: "POST",
		Path: "/api/v1/crawl", Headers: map[string]string{"x-api-key": "secret-key", "authorization": "Bearer t"}})
	resp, ok := out.(events.APIGatewayCustomAuthorizerResponse)
	if !ok {
		t.Fatalf("answer %T, want an authorizer response", out)
	}
	if got.Get("X-API-Key") != "secret-key" || got.Get("Authorization") != "Bearer t" {
		t.Fatalf("headers passed: %v", got)
	}
	st := resp.PolicyDocument.Statement
	if resp.PrincipalID != "rtk_a" || resp.UsageIdentifierKey != "usage-key-0123456789abcdef" || len(st) != 1 ||
		st[0].Effect != "Allow" || len(st[0].Resource) != 1 || st[0].Resource[0] != arn {
		t.Fatalf("answer %+v", resp)
	}
	raw, _ := json.Marshal(resp)
	if !strings.Contains(string(raw), `"usageIdentifierKey":"usage-key-0123456789abcdef"`) {
		t.Fatalf("wire form %s", raw)
	}
}
