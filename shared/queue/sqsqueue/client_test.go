package sqsqueue_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/riptidecrawler/riptide/internal/sigv4test"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/jobs"
	"github.com/riptidecrawler/riptide/shared/queue/sqsqueue"
)

var fakeCreds = aws.Credentials{AccessKeyID: "AKIDSQSFAKE", SecretAccessKey: "sqs-secret"}

// fakeSQS stands in for SQS on loopback where moto cannot: error answers,
// throttling, broken bodies. It checks each request's signature and
// records the operation and JSON body; reply answers the nth request.
type fakeSQS struct {
	*httptest.Server
	mu    sync.Mutex
	ops   []string
	reqs  []map[string]any
	reply func(n int, op string, w http.ResponseWriter, r *http.Request)
}

func newFakeSQS(t *testing.T, reply func(n int, op string, w http.ResponseWriter, r *http.Request)) *fakeSQS {
	f := &fakeSQS{reply: reply}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS.")
		var req map[string]any
		_ = json.Unmarshal(body, &req)
		f.mu.Lock()
		f.ops = append(f.ops, op)
		f.reqs = append(f.reqs, req)
		n := len(f.ops)
		f.mu.Unlock()
		if msg := sigv4test.Verify(r, body, fakeCreds, "eu-west-1", "sqs"); msg != "" || r.URL.Path != "/" || r.Header.Get("X-Amzn-Query-Mode") != "true" ||
			r.Header.Get("Content-Type") != "application/x-amz-json-1.0" {
			w.Header().Set("X-Amzn-ErrorType", "InvalidSignatureException")
			w.WriteHeader(403)
			io.WriteString(w, `{"message":"bad request: `+msg+`"}`)
			return
		}
		f.reply(n, op, w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeSQS) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.ops)
}

func (f *fakeSQS) request(i int) (string, map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ops[i], f.reqs[i]
}

// fakeQueue is a Queue on f, retrying as the SDK does with a 1 ms backoff.
func fakeQueue(t *testing.T, f *fakeSQS) *sqsqueue.Queue {
	cfg := aws.Config{Region: "eu-west-1", BaseEndpoint: aws.String(f.URL),
		Credentials: credentials.NewStaticCredentialsProvider(fakeCreds.AccessKeyID, fakeCreds.SecretAccessKey, ""),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
			})
		}}
	return &sqsqueue.Queue{Client: client(t, cfg), URL: "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs",
		HighURL: "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs-high"}
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// The requests carry what the SQS API reference and the SDK's request
// snapshots say: QueueUrl in the body, the priority as a String message
// attribute, WaitTimeSeconds and VisibilityTimeout even when 0.
func TestRequestsOnTheWire(t *testing.T) {
	f := newFakeSQS(t, func(_ int, op string, w http.ResponseWriter, _ *http.Request) {
		switch op {
		case "SendMessage":
			io.WriteString(w, `{"MessageId":"m1","MD5OfMessageBody":"`+md5Hex(`{"job_id":"a"}`)+`"}`)
		case "ReceiveMessage":
			io.WriteString(w, `{"Messages":[{"MessageId":"m1","ReceiptHandle":"rh","Body":"{\"job_id\":\"a\"}","MD5OfBody":"`+md5Hex(`{"job_id":"a"}`)+
				`","Attributes":{"ApproximateReceiveCount":"3","SentTimestamp":"1733126400123"},"MessageAttributes":{"priority":{"DataType":"String","StringValue":"high"}}}]}`)
		default:
			io.WriteString(w, `{}`)
		}
	})
	q := fakeQueue(t, f)
	ctx := context.Background()
	if err := q.Send(ctx, jobs.PriorityHigh, []byte(`{"job_id":"a"}`), 90*time.Second); err != nil {
		t.Fatal(err)
	}
	ds, err := q.Receive(ctx, 5, 3*time.Second)
	if err != nil || len(ds) != 1 {
		t.Fatalf("%+v %v", ds, err)
	}
	d := ds[0]
	if d.ID != "m1" || d.Receipt != "rh" || string(d.Body) != `{"job_id":"a"}` || d.ReceiveCount != 3 || d.Priority != jobs.PriorityHigh ||
		!d.SentAt.Equal(time.UnixMilli(1733126400123)) {
		t.Errorf("delivery %+v", d)
	}
	if err := q.Extend(ctx, d, 0); err != nil {
		t.Fatal(err)
	}
	if err := q.Delete(ctx, d); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		op   string
		body string
	}{
		{"SendMessage", `{"DelaySeconds":90,"MessageAttributes":{"priority":{"DataType":"String","StringValue":"high"}},"MessageBody":"{\"job_id\":\"a\"}","QueueUrl":"https://sqs.eu-west-1.amazonaws.com/123456789012/jobs-high"}`},
		{"ReceiveMessage", `{"MaxNumberOfMessages":5,"MessageAttributeNames":["priority"],"MessageSystemAttributeNames":["ApproximateReceiveCount","SentTimestamp"],"QueueUrl":"https://sqs.eu-west-1.amazonaws.com/123456789012/jobs-high","WaitTimeSeconds":0}`},
		{"ChangeMessageVisibility", `{"QueueUrl":"https://sqs.eu-west-1.amazonaws.com/123456789012/jobs-high","ReceiptHandle":"rh","VisibilityTimeout":0}`},
		{"DeleteMessage", `{"QueueUrl":"https://sqs.eu-west-1.amazonaws.com/123456789012/jobs-high","ReceiptHandle":"rh"}`},
	}
	if f.calls() != len(want) {
		t.Fatalf("%d calls, want %d", f.calls(), len(want))
	}
	for i, w := range want {
		op, req := f.request(i)
		got, _ := json.Marshal(req) // map keys sorted: a canonical form
		if op != w.op || string(got) != w.body {
			t.Errorf("request %d: %s %s\nwant %s %s", i, op, got, w.op, w.body)
		}
	}
}

func TestErrorAnswers(t *testing.T) {
	ctx := context.Background()
	t.Run("queue does not exist", func(t *testing.T) {
		f := newFakeSQS(t, func(_ int, _ string, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("X-Amzn-ErrorType", "com.amazonaws.sqs#QueueDoesNotExist")
			w.Header().Set("X-Amzn-Query-Error", "AWS.SimpleQueueService.NonExistentQueue;Sender")
			w.WriteHeader(400)
			io.WriteString(w, `{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}`)
		})
		_, err := fakeQueue(t, f).Stats(ctx)
		if core.TypeOf(err) != core.ErrDependency || !strings.Contains(err.Error(), "queue does not exist") || f.calls() != 1 {
			t.Fatalf("%v after %d calls", err, f.calls())
		}
	})
	t.Run("throttled, then answered", func(t *testing.T) {
		f := newFakeSQS(t, func(n int, _ string, w http.ResponseWriter, _ *http.Request) {
			if n <= 2 {
				w.Header().Set("X-Amzn-Query-Error", "RequestThrottled;Sender")
				w.WriteHeader(400)
				io.WriteString(w, `{"__type":"com.amazonaws.sqs#RequestThrottled","message":"Rate exceeded"}`)
				return
			}
			io.WriteString(w, `{"MessageId":"m","MD5OfMessageBody":"`+md5Hex("{}")+`"}`)
		})
		if err := fakeQueue(t, f).Send(ctx, jobs.PriorityNormal, []byte("{}"), 0); err != nil || f.calls() != 3 {
			t.Fatalf("%v after %d calls", err, f.calls())
		}
	})
	t.Run("a 5xx that is not JSON", func(t *testing.T) {
		f := newFakeSQS(t, func(_ int, _ string, w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(503)
			io.WriteString(w, "<html><body>Service Unavailable</body></html>")
		})
		err := fakeQueue(t, f).Delete(ctx, jobs.Delivery{Receipt: "rh"})
		if core.TypeOf(err) != core.ErrDependency || !strings.Contains(err.Error(), "HTTP 503") || f.calls() != 3 {
			t.Fatalf("%v after %d calls; want a dependency error after the standard 3 attempts", err, f.calls())
		}
	})
	t.Run("a success body that is not JSON", func(t *testing.T) {
		f := newFakeSQS(t, func(_ int, _ string, w http.ResponseWriter, _ *http.Request) {
			io.WriteString(w, `{"Messages":[{"MessageId":`)
		})
		_, err := fakeQueue(t, f).Receive(ctx, 1, 0)
		if core.TypeOf(err) != core.ErrDependency || f.calls() != 1 {
			t.Fatalf("%v after %d calls", err, f.calls())
		}
	})
	t.Run("a body changed in transit", func(t *testing.T) {
		f := newFakeSQS(t, func(_ int, op string, w http.ResponseWriter, _ *http.Request) {
			if op == "SendMessage" {
				io.WriteString(w, `{"MessageId":"m","MD5OfMessageBody":"`+md5Hex("other")+`"}`)
				return
			}
			io.WriteString(w, `{"Messages":[{"MessageId":"m","ReceiptHandle":"r","Body":"{}","MD5OfBody":"`+md5Hex("{ }")+`"}]}`)
		})
		q := fakeQueue(t, f)
		if err := q.Send(ctx, jobs.PriorityNormal, []byte("{}"), 0); core.TypeOf(err) != core.ErrDependency || !strings.Contains(err.Error(), "checksum") {
			t.Errorf("send: %v", err)
		}
		if _, err := q.Receive(ctx, 1, 0); core.TypeOf(err) != core.ErrDependency || !strings.Contains(err.Error(), "checksum") {
			t.Errorf("receive: %v", err)
		}
	})
}

// A long poll ends when the caller's context does: the worker pool stops
// without waiting out SQS's 20 seconds.
func TestReceiveEndsWithItsContext(t *testing.T) {
	f := newFakeSQS(t, func(_ int, _ string, w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(30 * time.Second):
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err := fakeQueue(t, f).Receive(ctx, 1, 20*time.Second)
	if !errors.Is(err, context.Canceled) || f.calls() != 1 {
		t.Fatalf("%v after %d calls", err, f.calls())
	}
}
