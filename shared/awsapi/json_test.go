package awsapi_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/shared/awsapi"
)

var (
	queueSvc  = awsapi.Service{ID: "SQS", EndpointPrefix: "sqs", SigningName: "sqs", TargetPrefix: "AmazonSQS", JSONVersion: "1.0", QueryCompatible: true}
	statesSvc = awsapi.Service{ID: "SFN", EndpointPrefix: "states", SigningName: "states", TargetPrefix: "AWSStepFunctions", JSONVersion: "1.0"}
)

func newServiceClient(t *testing.T, svc awsapi.Service, endpoint string, opts awsapi.Options) *awsapi.Client {
	t.Helper()
	opts.Endpoint = endpoint
	c, err := awsapi.New(context.Background(), testConfig(fastRetries), svc, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The request is the AWS JSON protocol's (the SDK's request snapshots):
// POST /, the operation in X-Amz-Target, the version in the content type,
// X-Amzn-Query-Mode for a query-compatible service only.
func TestCallJSONWireFormat(t *testing.T) {
	s := newServer(t, "sqs", func(_ int32, w http.ResponseWriter) {
		w.Header().Set("X-Amzn-RequestId", "rq")
		io.WriteString(w, `{"MessageId":"m-1","Extra":{"x":1}}`)
	})
	type in struct {
		QueueURL string `json:"QueueUrl"`
		N        int    `json:"N,omitempty"`
	}
	var out struct{ MessageId string }
	resp, err := newServiceClient(t, queueSvc, s.URL, awsapi.Options{}).CallJSON(context.Background(), "SendMessage", in{QueueURL: "http://q/1"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if out.MessageId != "m-1" || resp.RequestID != "rq" {
		t.Fatalf("out %+v, resp %+v", out, resp)
	}
	s.mu.Lock()
	r, body := s.last, string(s.body)
	s.mu.Unlock()
	if r.Method != "POST" || r.URL.Path != "/" || r.Header.Get("X-Amz-Target") != "AmazonSQS.SendMessage" ||
		r.Header.Get("Content-Type") != "application/x-amz-json-1.0" || r.Header.Get("X-Amzn-Query-Mode") != "true" || body != `{"QueueUrl":"http://q/1"}` {
		t.Errorf("request %s %s %v %s", r.Method, r.URL, r.Header, body)
	}

	// No input is "{}"; an empty answer is an empty output; no query mode
	// for a service that is not query-compatible.
	s2 := newServer(t, "states", func(_ int32, w http.ResponseWriter) {})
	if _, err := newServiceClient(t, statesSvc, s2.URL, awsapi.Options{}).CallJSON(context.Background(), "ListStateMachines", nil, &out); err != nil {
		t.Fatal(err)
	}
	s2.mu.Lock()
	defer s2.mu.Unlock()
	if string(s2.body) != "{}" || s2.last.Header.Get("X-Amz-Target") != "AWSStepFunctions.ListStateMachines" || s2.last.Header["X-Amzn-Query-Mode"] != nil {
		t.Errorf("request %v %s", s2.last.Header, s2.body)
	}
}

func TestCallJSONNeedsAJSONService(t *testing.T) {
	c := newServiceClient(t, lambdaSvc, "http://127.0.0.1:1", awsapi.Options{})
	if _, err := c.CallJSON(context.Background(), "Invoke", nil, nil); err == nil || !strings.Contains(err.Error(), "JSON protocol") {
		t.Fatalf("%v", err)
	}
}

// SQS sends its JSON error shape and, in X-Amzn-Query-Error, the old query
// code the SDK reports as ErrorCode (moto and SQS answer so).
func TestQueryCompatibleErrors(t *testing.T) {
	reply := func(_ int32, w http.ResponseWriter) {
		w.Header().Set("X-Amzn-ErrorType", "com.amazonaws.sqs#QueueDoesNotExist")
		w.Header().Set("X-Amzn-Query-Error", "AWS.SimpleQueueService.NonExistentQueue;Sender")
		w.WriteHeader(400)
		io.WriteString(w, `{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}`)
	}
	s := newServer(t, "sqs", reply)
	_, err := newServiceClient(t, queueSvc, s.URL, awsapi.Options{}).CallJSON(context.Background(), "GetQueueAttributes", nil, nil)
	var ae *awsapi.Error
	if !errors.As(err, &ae) || ae.Code != "QueueDoesNotExist" || ae.QueryCode != "AWS.SimpleQueueService.NonExistentQueue" || ae.Fault != "Sender" ||
		ae.ErrorCode() != "AWS.SimpleQueueService.NonExistentQueue" || ae.Message != "The specified queue does not exist." || s.calls.Load() != 1 {
		t.Fatalf("%#v (%d calls)", err, s.calls.Load())
	}
	if !awsapi.IsCode(err, "QueueDoesNotExist") || !awsapi.IsCode(err, "AWS.SimpleQueueService.NonExistentQueue") || awsapi.IsCode(err, "Other") || awsapi.IsCode(err, "") {
		t.Error("IsCode")
	}
	if !strings.Contains(err.Error(), "QueueDoesNotExist (AWS.SimpleQueueService.NonExistentQueue)") {
		t.Errorf("Error() %q", err.Error())
	}
	// A service that is not query-compatible ignores the header.
	s2 := newServer(t, "states", reply)
	_, err = newServiceClient(t, statesSvc, s2.URL, awsapi.Options{}).CallJSON(context.Background(), "StartExecution", nil, nil)
	if !errors.As(err, &ae) || ae.QueryCode != "" || ae.ErrorCode() != "QueueDoesNotExist" {
		t.Fatalf("%#v", err)
	}
	if awsapi.IsCode(errors.New("QueueDoesNotExist"), "QueueDoesNotExist") {
		t.Error("IsCode of a plain error")
	}
}

// The retryer sees the code the SDK would: a throttling query code is
// retried whatever the JSON shape says.
func TestQueryCodeThrottlingIsRetried(t *testing.T) {
	s := newServer(t, "sqs", func(n int32, w http.ResponseWriter) {
		if n < 3 {
			w.Header().Set("X-Amzn-Query-Error", "RequestThrottled;Sender")
			w.WriteHeader(400)
			io.WriteString(w, `{"__type":"com.amazonaws.sqs#RequestThrottledShape","message":"slow down"}`)
			return
		}
		io.WriteString(w, `{"Attributes":{"A":"1"}}`)
	})
	var out struct{ Attributes map[string]string }
	resp, err := newServiceClient(t, queueSvc, s.URL, awsapi.Options{}).CallJSON(context.Background(), "GetQueueAttributes", nil, &out)
	if err != nil || resp.Attempts != 3 || out.Attributes["A"] != "1" {
		t.Fatalf("%v %+v %+v", err, resp, out)
	}
}

// A 2xx answer that is not the operation's JSON is a ResponseError, and
// not retried (the operation ran).
func TestMalformedSuccessBody(t *testing.T) {
	for _, body := range []string{"<html>ok</html>", `{"Attributes":"not a map"}`, `{"Attributes":`} {
		s := newServer(t, "sqs", func(_ int32, w http.ResponseWriter) { io.WriteString(w, body) })
		var out struct{ Attributes map[string]string }
		_, err := newServiceClient(t, queueSvc, s.URL, awsapi.Options{}).CallJSON(context.Background(), "GetQueueAttributes", nil, &out)
		var re *awsapi.ResponseError
		if !errors.As(err, &re) || re.StatusCode != 200 || s.calls.Load() != 1 || !strings.Contains(err.Error(), "GetQueueAttributes") {
			t.Errorf("%q: %T %v, %d calls", body, err, err, s.calls.Load())
		}
	}
}

// DoJSON is REST-JSON: the caller's method, path and query, the input as
// an application/json body, no body without input.
func TestDoJSON(t *testing.T) {
	s := newServer(t, "scheduler", func(n int32, w http.ResponseWriter) {
		if n == 3 {
			w.Header().Set("X-Amzn-ErrorType", "ConflictException")
			w.WriteHeader(409)
			io.WriteString(w, `{"Message":"exists"}`)
			return
		}
		io.WriteString(w, `{"ScheduleArn":"arn:x"}`)
	})
	svc := awsapi.Service{ID: "Scheduler", EndpointPrefix: "scheduler", SigningName: "scheduler"}
	c := newServiceClient(t, svc, s.URL, awsapi.Options{})
	var out struct{ ScheduleArn string }
	_, err := c.DoJSON(context.Background(), awsapi.Request{Method: "POST", Path: "/schedules/" + awsapi.PathLabel("a b"),
		Query: map[string][]string{"groupName": {"g"}}}, map[string]string{"ScheduleExpression": "rate(1 hour)"}, &out)
	if err != nil || out.ScheduleArn != "arn:x" {
		t.Fatalf("%v %+v", err, out)
	}
	s.mu.Lock()
	if s.last.URL.EscapedPath() != "/schedules/a%20b" || s.last.URL.RawQuery != "groupName=g" || s.last.Header.Get("Content-Type") != "application/json" ||
		string(s.body) != `{"ScheduleExpression":"rate(1 hour)"}` {
		t.Errorf("request %s %v %s", s.last.URL, s.last.Header, s.body)
	}
	s.mu.Unlock()
	if _, err := c.DoJSON(context.Background(), awsapi.Request{Method: "DELETE", Path: "/schedules/x"}, nil, nil); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	if s.last.Method != "DELETE" || len(s.body) != 0 || s.last.Header.Get("Content-Type") != "" {
		t.Errorf("request %s %v %q", s.last.Method, s.last.Header, s.body)
	}
	s.mu.Unlock()
	_, err = c.DoJSON(context.Background(), awsapi.Request{Method: "POST", Path: "/schedules/x"}, struct{}{}, &out)
	if !awsapi.IsCode(err, "ConflictException") {
		t.Fatalf("%v", err)
	}
}

func TestEpochSeconds(t *testing.T) {
	for in, want := range map[awsapi.EpochSeconds]time.Time{
		1733126400:      time.Date(2024, 12, 2, 8, 0, 0, 0, time.UTC),
		1733126400.123:  time.Date(2024, 12, 2, 8, 0, 0, 123e6, time.UTC),
		1733126400.9996: time.Date(2024, 12, 2, 8, 0, 1, 0, time.UTC),
		0:               time.Unix(0, 0).UTC(),
	} {
		if got := in.Time(); !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("%v: %v, want %v", float64(in), got, want)
		}
	}
}
