package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/riptidecrawler/riptide/internal/functest"
	"github.com/riptidecrawler/riptide/shared/config"
)

// managementAPI is a local server speaking API Gateway's management API
// wire format: POST /{stage}/@connections/{id} with the raw message body,
// 410 GoneException for a closed connection.
type managementAPI struct {
	mu    sync.Mutex
	posts map[string][]string
	gone  map[string]bool
	auth  []string
}

func (m *managementAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutPrefix(r.URL.Path, "/prod/@connections/")
	if r.Method != http.MethodPost || !ok {
		http.Error(w, `{"message":"not found"}`, http.StatusNotFound)
		return
	}
	body, _ := io.ReadAll(r.Body)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.auth = append(m.auth, r.Header.Get("Authorization"))
	if m.gone[id] {
		w.Header().Set("X-Amzn-Errortype", "GoneException")
		w.WriteHeader(http.StatusGone)
		_, _ = w.Write([]byte(`{"message":null}`))
		return
	}
	m.posts[id] = append(m.posts[id], string(body))
	w.WriteHeader(http.StatusOK)
}

func (m *managementAPI) types(id string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, p := range m.posts[id] {
		var msg struct{ Type string }
		_ = json.Unmarshal([]byte(p), &msg)
		out = append(out, msg.Type)
	}
	return out
}

func load(t *testing.T, name string) events.APIGatewayWebsocketProxyRequest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(functest.RepoRoot(t), "events", "crawl-ws", name))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayWebsocketProxyRequest
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

func invoke(t *testing.T, h interface {
	Invoke(context.Context, json.RawMessage) (any, error)
}, ev events.APIGatewayWebsocketProxyRequest) events.APIGatewayProxyResponse {
	t.Helper()
	b, _ := json.Marshal(ev)
	out, err := h.Invoke(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	return out.(events.APIGatewayProxyResponse)
}

func TestWebSocketEvents(t *testing.T) {
	mgmt := &managementAPI{posts: map[string][]string{}, gone: map[string]bool{}}
	srv := httptest.NewServer(mgmt)
	defer srv.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_REGION", "eu-west-1")
	h, err := function.Handler(context.Background(), config.FromMap(map[string]string{
		"RIPTIDE_API_KEYS": functest.SampleKey, "RIPTIDE_WS_ENDPOINT": srv.URL + "/prod", "RIPTIDE_LOG_LEVEL": "error",
	}))
	if err != nil {
		t.Fatal(err)
	}
	connect := load(t, "ws-connect.json")
	resp := invoke(t, h, connect)
	if resp.StatusCode != 200 || resp.Headers["Sec-WebSocket-Protocol"] != "riptide.crawl.v1" {
		t.Fatalf("$connect: %+v", resp)
	}
	connect.Headers, connect.MultiValueHeaders = nil, nil
	if resp := invoke(t, h, connect); resp.StatusCode != 401 {
		t.Fatalf("$connect without credentials: %d", resp.StatusCode)
	}
	id := connect.RequestContext.ConnectionID
	if resp := invoke(t, h, load(t, "ws-ping.json")); resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
	if got := mgmt.types(id); len(got) != 1 || got[0] != "pong" {
		t.Fatalf("ping replies %v", got)
	}
	invoke(t, h, load(t, "ws-crawl.json"))
	got := mgmt.types(id)
	if strings.Join(got, ",") != "pong,metadata,result,summary" {
		t.Fatalf("crawl replies %v", got)
	}
	// The sample crawls a loopback address: the SSRF guard refuses it
	// without sending a packet, and the result says so.
	if !strings.Contains(mgmt.posts[id][2], `"type":"blocked_url"`) {
		t.Fatalf("result %s", mgmt.posts[id][2])
	}
	for _, a := range mgmt.auth {
		if !strings.HasPrefix(a, "AWS4-HMAC-SHA256 ") || !strings.Contains(a, "/eu-west-1/execute-api/aws4_request") {
			t.Fatalf("replies must be SigV4-signed for execute-api: %q", a)
		}
	}
	bad := load(t, "ws-ping.json")
	bad.Body = "{not json"
	invoke(t, h, bad)
	if got := mgmt.types(id); got[len(got)-1] != "error" {
		t.Fatalf("invalid message must get an error reply: %v", got)
	}
	// A client that left: the post fails with 410 and the work stops.
	mgmt.gone[id] = true
	before := len(mgmt.auth)
	invoke(t, h, load(t, "ws-crawl.json"))
	if n := len(mgmt.auth) - before; n != 1 {
		t.Fatalf("after GoneException the function kept posting (%d posts)", n)
	}
	if resp := invoke(t, h, load(t, "ws-disconnect.json")); resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
}

// lambdaAPI records asynchronous invocations the way the Lambda Invoke API
// receives them (POST /2015-03-31/functions/{name}/invocations with
// X-Amz-Invocation-Type: Event, answered 202).
type lambdaAPI struct {
	mu       sync.Mutex
	payloads [][]byte
	names    []string
}

func (l *lambdaAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutPrefix(r.URL.Path, "/2015-03-31/functions/")
	if !ok || r.Header.Get("X-Amz-Invocation-Type") != "Event" {
		http.Error(w, `{"message":"unexpected call"}`, http.StatusBadRequest)
		return
	}
	body, _ := io.ReadAll(r.Body)
	l.mu.Lock()
	l.payloads = append(l.payloads, body)
	l.names = append(l.names, strings.TrimSuffix(name, "/invocations"))
	l.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

// TestMessagesAreHandedOffInLambda: in Lambda, $default returns at once and
// the message runs in an asynchronous invocation of the same function.
func TestMessagesAreHandedOffInLambda(t *testing.T) {
	mgmt := &managementAPI{posts: map[string][]string{}, gone: map[string]bool{}}
	msrv := httptest.NewServer(mgmt)
	defer msrv.Close()
	lam := &lambdaAPI{}
	lsrv := httptest.NewServer(lam)
	defer lsrv.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ENDPOINT_URL_LAMBDA", lsrv.URL)
	h, err := function.Handler(context.Background(), config.FromMap(map[string]string{
		"RIPTIDE_API_KEYS": functest.SampleKey, "RIPTIDE_WS_ENDPOINT": msrv.URL + "/prod", "RIPTIDE_LOG_LEVEL": "error",
		"AWS_LAMBDA_FUNCTION_NAME": "riptide-crawl-ws",
	}))
	if err != nil {
		t.Fatal(err)
	}
	msg := load(t, "ws-crawl.json")
	if resp := invoke(t, h, msg); resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
	id := msg.RequestContext.ConnectionID
	if len(mgmt.types(id)) != 0 || len(lam.payloads) != 1 || lam.names[0] != "riptide-crawl-ws" {
		t.Fatalf("$default must hand off, not crawl: posts %v, invocations %d", mgmt.types(id), len(lam.payloads))
	}
	// The asynchronous invocation runs the crawl and posts back.
	out, err := h.Invoke(context.Background(), lam.payloads[0])
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(mgmt.types(id), ","); got != "metadata,result,summary" || out == nil {
		t.Fatalf("task replies %s", got)
	}
}
