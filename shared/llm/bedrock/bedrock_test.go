package bedrock_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/riptidecrawler/riptide/internal/sigv4test"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/llm"
	"github.com/riptidecrawler/riptide/shared/llm/bedrock"
	"github.com/riptidecrawler/riptide/shared/vendorhttp"
)

var creds = aws.Credentials{AccessKeyID: "AKIDRIPTIDETEST", SecretAccessKey: "riptide-test-secret"}

// fakeBedrock answers like bedrock-runtime and verifies each request's
// SigV4 signature by signing the received request again with the same
// credentials and time.
type fakeBedrock struct {
	*httptest.Server
	mu        sync.Mutex
	bodies    [][]byte
	paths     []string
	sigErrors []string
	status    int
	header    http.Header
	body      string
}

func newFakeBedrock(t *testing.T) *fakeBedrock {
	f := &fakeBedrock{status: 200}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		defer f.mu.Unlock()
		f.bodies = append(f.bodies, body)
		f.paths = append(f.paths, r.URL.EscapedPath())
		if msg := sigv4test.Verify(r, body, creds, "us-east-1", "bedrock"); msg != "" {
			f.sigErrors = append(f.sigErrors, msg)
			w.Header().Set("X-Amzn-ErrorType", "InvalidSignatureException")
			w.WriteHeader(403)
			_, _ = io.WriteString(w, `{"message":"The request signature we calculated does not match the signature you provided."}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		for k, v := range f.header {
			w.Header()[k] = v
		}
		w.WriteHeader(f.status)
		_, _ = io.WriteString(w, f.body)
	}))
	t.Cleanup(f.Close)
	return f
}

func client(f *fakeBedrock) llm.Client {
	factory := bedrock.Factory(bedrock.Options{LoadConfig: func(context.Context) (aws.Config, error) {
		return aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, "")}, nil
	}})
	c, _ := factory(llm.ProviderConfig{Region: "us-east-1", BaseURL: f.URL}, nil)
	return c
}

var req = llm.Request{Model: "amazon.nova-lite-v1:0", System: "sys", MaxTokens: 300, Messages: []llm.Message{{Role: llm.RoleUser, Content: "Extract."}},
	Structured: &llm.Structured{Name: "extract", Description: "Record it", Schema: json.RawMessage(`{"type":"object","properties":{"title":{"type":"string"}},"required":["title"]}`)}}

func TestConverseSignedAndToolUse(t *testing.T) {
	f := newFakeBedrock(t)
	f.body = `{"output":{"message":{"role":"assistant","content":[{"text":"Extracting."},{"toolUse":{"toolUseId":"tooluse_1","name":"extract","input":{"title":"Alpha"}}}]}},
		"stopReason":"tool_use","usage":{"inputTokens":50,"outputTokens":10,"totalTokens":60},"metrics":{"latencyMs":120}}`
	resp, err := client(f).Complete(context.Background(), req)
	if err != nil {
		t.Fatal(err, f.sigErrors)
	}
	if len(f.sigErrors) > 0 {
		t.Fatalf("SigV4: %v", f.sigErrors)
	}
	if f.paths[0] != "/model/amazon.nova-lite-v1%3A0/converse" {
		t.Fatalf("path %s", f.paths[0])
	}
	want, _ := os.ReadFile("../testdata/bedrock_request.json")
	var g, w any
	_ = json.Unmarshal(f.bodies[0], &g)
	_ = json.Unmarshal(want, &w)
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("body\n got %s\nwant %s", f.bodies[0], want)
	}
	if string(resp.JSON) != `{"title":"Alpha"}` || resp.Text != "Extracting." || resp.Usage.InputTokens != 50 || resp.Usage.TotalTokens != 60 || resp.StopReason != "tool_use" {
		t.Fatalf("%+v", resp)
	}
}

func TestConverseErrors(t *testing.T) {
	for _, c := range []struct {
		status    int
		errType   string
		msg       string
		want      core.ErrorType
		retryable bool
	}{
		{429, "ThrottlingException", "Too many requests, please wait before trying again.", core.ErrRateLimited, true},
		{403, "AccessDeniedException", "You don't have access to the model with the specified model ID.", core.ErrDependency, false},
		{400, "ValidationException", "The provided model identifier is invalid.", core.ErrDependency, false},
		{503, "ServiceUnavailableException", "Service unavailable", core.ErrDependency, true},
		{408, "ModelTimeoutException", "Model timed out", core.ErrTimeout, true},
	} {
		f := newFakeBedrock(t)
		f.status, f.body = c.status, `{"message":"`+c.msg+`"}`
		f.header = http.Header{"X-Amzn-Errortype": {c.errType + ":http://internal.amazon.com/coral/com.amazon.bedrock/"}}
		_, err := client(f).Complete(context.Background(), req)
		e := core.AsError(err)
		if e.Type != c.want || e.Retryable() != c.retryable || !strings.Contains(e.Message, c.msg) || !strings.Contains(e.Message, c.errType) {
			t.Errorf("%s: %v (retryable %v)", c.errType, err, e.Retryable())
		}
		if len(f.bodies) != 1 {
			t.Errorf("%s: %d attempts; retries are the failover chain's job", c.errType, len(f.bodies))
		}
	}
}

func TestTheFakeRejectsAWrongSignature(t *testing.T) {
	f := newFakeBedrock(t)
	factory := bedrock.Factory(bedrock.Options{LoadConfig: func(context.Context) (aws.Config, error) {
		return aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(creds.AccessKeyID, "another-secret", "")}, nil
	}})
	c, _ := factory(llm.ProviderConfig{Region: "us-east-1", BaseURL: f.URL}, nil)
	_, err := c.Complete(context.Background(), req)
	if e := core.AsError(err); e.Type != core.ErrDependency || e.Retryable() || len(f.sigErrors) != 1 {
		t.Fatalf("%v %v", err, f.sigErrors)
	}
}

// The model id travels as an escaped path label and the temperature as a
// number; a configured BaseURL wins, else AWS_ENDPOINT_URL_BEDROCK_RUNTIME
// (the SDK's per-service variable) is honoured.
func TestConverseEndpointAndInferenceConfig(t *testing.T) {
	f := newFakeBedrock(t)
	f.body = `{"output":{"message":{"role":"assistant","content":[{"text":"Hi"}]}},"stopReason":"end_turn","usage":{"inputTokens":3,"outputTokens":1}}`
	t.Setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", f.URL)
	factory := bedrock.Factory(bedrock.Options{LoadConfig: func(ctx context.Context) (aws.Config, error) {
		return config.LoadDefaultConfig(ctx, config.WithRegion("us-east-1"),
			config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, "")))
	}})
	c, _ := factory(llm.ProviderConfig{Region: "us-east-1"}, nil)
	temp := 0.2
	resp, err := c.Complete(context.Background(), llm.Request{Model: "arn:aws:bedrock:us-east-1:1:inference-profile/us.anthropic.claude-v1:0", Temperature: &temp,
		Messages: []llm.Message{{Role: llm.RoleUser, Content: "Hello"}, {Role: llm.RoleAssistant, Content: "Hi"}, {Role: llm.RoleUser, Content: "Again"}}})
	if err != nil || len(f.sigErrors) > 0 {
		t.Fatal(err, f.sigErrors)
	}
	if f.paths[0] != "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Ainference-profile%2Fus.anthropic.claude-v1%3A0/converse" {
		t.Fatalf("path %s", f.paths[0])
	}
	want := `{"messages":[{"role":"user","content":[{"text":"Hello"}]},{"role":"assistant","content":[{"text":"Hi"}]},{"role":"user","content":[{"text":"Again"}]}],"inferenceConfig":{"maxTokens":` +
		strconv.Itoa(llm.DefaultMaxTokens) + `,"temperature":0.2}}`
	if string(f.bodies[0]) != want {
		t.Fatalf("body\n got %s\nwant %s", f.bodies[0], want)
	}
	if resp.Text != "Hi" || resp.JSON != nil || resp.Usage.TotalTokens != 4 || resp.StopReason != "end_turn" {
		t.Fatalf("%+v", resp)
	}
}

// Failures that are not AWS error documents: a proxy's text 5xx, a 2xx
// body that is not the Converse shape, a reset connection, a slow answer.
func TestConverseFailuresBesideAWSErrors(t *testing.T) {
	cases := []struct {
		name      string
		status    int
		body      string
		want      core.ErrorType
		retryable bool
		msg       string
	}{
		{"text 502", 502, "Bad Gateway", core.ErrDependency, true, "HTTP 502: Bad Gateway"},
		{"html 503", 503, "<html>down</html>", core.ErrDependency, true, "HTTP 503"},
		{"not JSON", 200, "{\"output\":", core.ErrDependency, true, "cannot read"},
		{"no message", 200, `{"output":{"somethingNew":{}},"stopReason":"end_turn"}`, core.ErrDependency, true, "no output.message"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeBedrock(t)
			f.status, f.body = c.status, c.body
			_, err := client(f).Complete(context.Background(), req)
			e := core.AsError(err)
			if e.Type != c.want || e.Retryable() != c.retryable || !strings.Contains(e.Message, c.msg) || len(f.bodies) != 1 {
				t.Fatalf("%v (type %s, retryable %v, %d attempts)", err, e.Type, e.Retryable(), len(f.bodies))
			}
		})
	}

	t.Run("connection reset", func(t *testing.T) {
		var attempts atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			attempts.Add(1)
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		}))
		defer srv.Close()
		_, err := client(&fakeBedrock{Server: srv}).Complete(context.Background(), req)
		e := core.AsError(err)
		if e.Type != core.ErrDependency || !e.Retryable() || !strings.Contains(e.Message, "could not reach bedrock") || attempts.Load() != 1 {
			t.Fatalf("%v, %d attempts", err, attempts.Load())
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close() // nothing listens there any more
		_, err := client(&fakeBedrock{Server: srv}).Complete(context.Background(), req)
		if e := core.AsError(err); e.Type != core.ErrDependency || !e.Retryable() {
			t.Fatalf("%v", err)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
		defer srv.Close()
		defer close(release)
		ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := client(&fakeBedrock{Server: srv}).Complete(ctx, req)
		if e := core.AsError(err); e.Type != core.ErrTimeout || !e.Retryable() || time.Since(start) > 5*time.Second {
			t.Fatalf("%v after %v", err, time.Since(start))
		}
	})
	t.Run("body cut off", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			conn, buf, _ := w.(http.Hijacker).Hijack()
			buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"output\":")
			buf.Flush()
			conn.Close()
		}))
		defer srv.Close()
		_, err := client(&fakeBedrock{Server: srv}).Complete(context.Background(), req)
		if e := core.AsError(err); e.Type != core.ErrDependency || !e.Retryable() {
			t.Fatalf("%v", err)
		}
	})
}

func TestConverseRefusesBeforeSending(t *testing.T) {
	f := newFakeBedrock(t)
	bad := req
	bad.Structured = &llm.Structured{Name: "extract", Schema: json.RawMessage(`{"type":`)}
	if _, err := client(f).Complete(context.Background(), bad); core.TypeOf(err) != core.ErrValidation {
		t.Errorf("invalid schema: %v", err)
	}
	noModel := req
	noModel.Model = ""
	if _, err := client(f).Complete(context.Background(), noModel); core.TypeOf(err) != core.ErrDependency {
		t.Errorf("no model: %v", err)
	}
	noRegion := bedrock.Factory(bedrock.Options{LoadConfig: func(context.Context) (aws.Config, error) {
		return aws.Config{Credentials: credentials.NewStaticCredentialsProvider("a", "b", "")}, nil
	}})
	c, _ := noRegion(llm.ProviderConfig{}, nil)
	_, err := c.Complete(context.Background(), req)
	if e := core.AsError(err); e.Type != core.ErrDependency || e.Retryable() || !strings.Contains(e.Message, "region") {
		t.Errorf("no region: %v", err)
	}
	noCreds := bedrock.Factory(bedrock.Options{LoadConfig: func(context.Context) (aws.Config, error) {
		return aws.Config{Region: "us-east-1", Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{}, errors.New("no EC2 IMDS role found")
		})}, nil
	}})
	c, _ = noCreds(llm.ProviderConfig{Region: "us-east-1", BaseURL: f.URL}, nil)
	_, err = c.Complete(context.Background(), req)
	if e := core.AsError(err); e.Type != core.ErrDependency || e.Retryable() || !strings.Contains(e.Message, "credentials") {
		t.Errorf("no credentials: %v", err)
	}
	if len(f.bodies) != 0 {
		t.Errorf("%d requests sent", len(f.bodies))
	}
}

// An endpoint set through the API goes out through the SSRF-guarded client
// it comes with: the fake on loopback, which the guard refuses without an
// allowlist, never sees a request; the same endpoint from configuration
// (no guarded client) is reached.
func TestAnEndpointSetThroughTheAPIPassesTheGuard(t *testing.T) {
	f := newFakeBedrock(t)
	f.body = `{"output":{"message":{"role":"assistant","content":[{"text":"Hi"}]}},"stopReason":"end_turn","usage":{"inputTokens":3,"outputTokens":1}}`
	factory := bedrock.Factory(bedrock.Options{LoadConfig: func(context.Context) (aws.Config, error) {
		return aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, "")}, nil
	}})
	cfg := llm.ProviderConfig{Region: "us-east-1", BaseURL: f.URL}
	guarded, _ := factory(cfg, vendorhttp.GuardedClient(fetch.NewGuard(nil).Check, 5*time.Second))
	_, err := guarded.Complete(context.Background(), req)
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1") || len(f.bodies) != 0 {
		t.Fatalf("guarded call to loopback: %v, %d requests reached the fake", err, len(f.bodies))
	}
	plain, _ := factory(cfg, nil)
	if _, err := plain.Complete(context.Background(), req); err != nil || len(f.bodies) != 1 {
		t.Fatalf("configured endpoint: %v, %d requests", err, len(f.bodies))
	}
}
