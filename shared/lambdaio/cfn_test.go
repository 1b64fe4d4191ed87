package lambdaio_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/cfn"

	"github.com/riptidecrawler/riptide/shared/lambdaio"
)

// cfnEndpoint stands in for the pre-signed S3 URL CloudFormation hands a
// custom resource: it records each PUT and answers with the scripted
// statuses (then 200).
type cfnEndpoint struct {
	mu       sync.Mutex
	statuses []int
	puts     []recordedPut
	url      string
}

type recordedPut struct {
	Method, Path, Query, ContentType string
	Body                             map[string]any
}

func newCFNEndpoint(t *testing.T, statuses ...int) *cfnEndpoint {
	e := &cfnEndpoint{statuses: statuses}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var body map[string]any
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Errorf("answer is not JSON: %q", raw)
		}
		e.mu.Lock()
		e.puts = append(e.puts, recordedPut{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type"), body})
		status := 200
		if len(e.statuses) > 0 {
			status, e.statuses = e.statuses[0], e.statuses[1:]
		}
		e.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	e.url = srv.URL + "/cloudformation-custom-resource-response-euwest1/arn%3Aaws%3Acloudformation%3Astack%7CMigration%7Creq-1?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc"
	return e
}

func (e *cfnEndpoint) last(t *testing.T) recordedPut {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.puts) == 0 {
		t.Fatal("no answer was PUT to the ResponseURL")
	}
	return e.puts[len(e.puts)-1]
}

// event is a custom-resource event as CloudFormation sends it to a
// function that is the service token itself.
func event(requestType, responseURL string) []byte {
	ev := map[string]any{
		"RequestType": requestType, "ServiceToken": "arn:aws:lambda:eu-west-1:111122223333:function:riptide-workers",
		"ResponseURL": responseURL, "StackId": "arn:aws:cloudformation:eu-west-1:111122223333:stack/riptide/guid",
		"RequestId": "req-1", "LogicalResourceId": "OpsMigration1234", "ResourceType": "Custom::RiptideMigration",
		"ResourceProperties": map[string]any{"ServiceToken": "arn:aws:lambda:eu-west-1:111122223333:function:riptide-workers",
			"riptide_task": "migrate", "Version": "7"},
	}
	if requestType != "Create" {
		ev["PhysicalResourceId"] = "riptide-schema:riptide:"
		ev["OldResourceProperties"] = map[string]any{"riptide_task": "migrate", "Version": "6"}
	}
	b, _ := json.Marshal(ev)
	return b
}

func TestCustomResourceAnswersCloudFormation(t *testing.T) {
	ctx := context.Background()
	var seen cfn.Event
	cr := lambdaio.CustomResource{Run: func(ctx context.Context, ev cfn.Event) (string, map[string]any, error) {
		seen = ev
		if ev.ResourceProperties["Version"] == "bad" {
			return "", nil, errors.New("migrate schema 1 -> 2: boom")
		}
		return "riptide-schema:riptide:", map[string]any{"SchemaVersion": 2}, nil
	}}
	tasks := lambdaio.Tasks{"migrate": cr.Handle}
	h := &lambdaio.Handler{Task: tasks.Handle}

	e := newCFNEndpoint(t)
	if _, err := h.Invoke(ctx, event("Create", e.url)); err != nil {
		t.Fatal(err)
	}
	put := e.last(t)
	if put.Method != http.MethodPut || !strings.HasPrefix(put.Path, "/cloudformation-custom-resource-response") ||
		!strings.Contains(put.Query, "X-Amz-Signature=abc") || put.ContentType != "" {
		t.Fatalf("answer sent as %s %s?%s (Content-Type %q)", put.Method, put.Path, put.Query, put.ContentType)
	}
	want := map[string]any{"Status": "SUCCESS", "RequestId": "req-1", "LogicalResourceId": "OpsMigration1234",
		"StackId": "arn:aws:cloudformation:eu-west-1:111122223333:stack/riptide/guid", "PhysicalResourceId": "riptide-schema:riptide:",
		"Data": map[string]any{"SchemaVersion": float64(2)}}
	for k, v := range want {
		if got, _ := json.Marshal(put.Body[k]); string(got) != mustJSON(v) {
			t.Errorf("%s = %s, want %s", k, got, mustJSON(v))
		}
	}
	if seen.RequestType != cfn.RequestCreate || seen.ResourceProperties["Version"] != "7" {
		t.Fatalf("the function saw %+v", seen)
	}

	// A failure answers FAILED with the reason, keeping the physical id
	// (a changed id on Update would make CloudFormation replace the
	// resource and send a Delete for the old one).
	bad := strings.Replace(string(event("Update", e.url)), `"Version":"7"`, `"Version":"bad"`, 1)
	if _, err := h.Invoke(ctx, []byte(bad)); err != nil {
		t.Fatalf("a delivered FAILED answer is not an invocation error: %v", err)
	}
	put = e.last(t)
	if put.Body["Status"] != "FAILED" || put.Body["Reason"] != "migrate schema 1 -> 2: boom" || put.Body["PhysicalResourceId"] != "riptide-schema:riptide:" {
		t.Fatalf("failure answer %v", put.Body)
	}

	// A panic answers FAILED too, instead of leaving the stack waiting.
	panicky := lambdaio.CustomResource{Run: func(context.Context, cfn.Event) (string, map[string]any, error) { panic("nil map") }}
	if _, err := panicky.Handle(ctx, event("Create", e.url)); err != nil {
		t.Fatal(err)
	}
	if put = e.last(t); put.Body["Status"] != "FAILED" || !strings.Contains(put.Body["Reason"].(string), "nil map") || put.Body["PhysicalResourceId"] != "req-1" {
		t.Fatalf("panic answer %v", put.Body)
	}
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestCustomResourceDelivery(t *testing.T) {
	ctx := context.Background()
	ok := lambdaio.CustomResource{RetryDelay: time.Millisecond, Run: func(context.Context, cfn.Event) (string, map[string]any, error) { return "", nil, nil }}

	// A 503 from S3 is retried; the answer arrives once.
	e := newCFNEndpoint(t, 503)
	if _, err := ok.Handle(ctx, event("Delete", e.url)); err != nil {
		t.Fatal(err)
	}
	if len(e.puts) != 2 || e.last(t).Body["Status"] != "SUCCESS" || e.last(t).Body["PhysicalResourceId"] != "riptide-schema:riptide:" {
		t.Fatalf("puts %+v", e.puts)
	}

	// An expired URL (403) is not retried, and the invocation fails so
	// Lambda's own retry (a fresh attempt) can run.
	e = newCFNEndpoint(t, 403)
	if _, err := ok.Handle(ctx, event("Create", e.url)); err == nil || !strings.Contains(err.Error(), "403") || len(e.puts) != 1 {
		t.Fatalf("403: %v after %d puts", err, len(e.puts))
	}

	// Nothing listening: an error, not a hang.
	if _, err := ok.Handle(ctx, event("Create", "http://127.0.0.1:1/x")); err == nil {
		t.Fatal("an undeliverable answer must fail the invocation")
	}

	// Not a custom-resource event.
	if _, err := ok.Handle(ctx, []byte(`{"riptide_task":"migrate"}`)); !errors.Is(err, lambdaio.ErrUnsupportedEvent) {
		t.Fatalf("plain task event: %v", err)
	}
}

// The function's work ends a margin before the invocation's deadline, so
// a step that overruns still gets its FAILED answer out.
func TestCustomResourceKeepsAMarginForTheAnswer(t *testing.T) {
	e := newCFNEndpoint(t)
	cr := lambdaio.CustomResource{Margin: 2 * time.Second, Run: func(ctx context.Context, _ cfn.Event) (string, map[string]any, error) {
		<-ctx.Done()
		return "", nil, ctx.Err()
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := cr.Handle(ctx, event("Update", e.url)); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatalf("answered after %v, past the margin", time.Since(start))
	}
	if put := e.last(t); put.Body["Status"] != "FAILED" || !strings.Contains(put.Body["Reason"].(string), "deadline") {
		t.Fatalf("answer %v", put.Body)
	}
}

func TestTasksDispatchByName(t *testing.T) {
	ctx := context.Background()
	tasks := lambdaio.Tasks{"backup": func(context.Context, json.RawMessage) (any, error) { return "backed up", nil }}
	if out, err := tasks.Handle(ctx, []byte(`{"riptide_task":"backup"}`)); err != nil || out != "backed up" {
		t.Fatalf("%v %v", out, err)
	}
	if _, err := tasks.Handle(ctx, []byte(`{"riptide_task":"evaluate_alerts"}`)); !errors.Is(err, lambdaio.ErrUnsupportedEvent) ||
		!strings.Contains(err.Error(), "runs backup") {
		t.Fatalf("unknown task: %v", err)
	}
	if n := lambdaio.TaskName(event("Create", "http://127.0.0.1/")); n != "migrate" {
		t.Fatalf("custom resource task name %q", n)
	}
}
