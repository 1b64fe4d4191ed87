package sqsqueue_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/awsapi"
	"github.com/riptidecrawler/riptide/shared/blob"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/jobs"
	"github.com/riptidecrawler/riptide/shared/queue/sqsqueue"
	"github.com/riptidecrawler/riptide/shared/store"
	"github.com/riptidecrawler/riptide/shared/store/jobstore"
)

// The queue speaks the real SQS protocol to moto_server on loopback:
// queues with DLQs and a redrive policy, as infra/cdk/jobs.go creates them.
// The queues are made, and some answers read back, with the SDK's own SQS
// client: an independent reader of what the queue's client wrote.

func sdkClient(endpoint string) *sqs.Client {
	return sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
}

func motoConfig(endpoint string) aws.Config {
	return aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
}

func client(t *testing.T, cfg aws.Config) *sqsqueue.Client {
	t.Helper()
	c, err := sqsqueue.NewClient(context.Background(), cfg, awsapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newQueue makes the four queues as infra/cdk/jobs.go does (20-second
// long polling by default, a DLQ after maxReceives receives).
func newQueue(t *testing.T, endpoint string, maxReceives int) *sqsqueue.Queue {
	t.Helper()
	ctx := context.Background()
	c := sdkClient(endpoint)
	suffix := jobs.NewID()[:8]
	mk := func(name string, attrs map[string]string) (url, arn string) {
		if attrs == nil {
			attrs = map[string]string{}
		}
		attrs["ReceiveMessageWaitTimeSeconds"] = "20"
		out, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name + "-" + suffix), Attributes: attrs})
		if err != nil {
			t.Fatal(err)
		}
		a, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: out.QueueUrl, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
		if err != nil {
			t.Fatal(err)
		}
		return *out.QueueUrl, a.Attributes["QueueArn"]
	}
	dlq, dlqARN := mk("jobs-dlq", nil)
	hdlq, hdlqARN := mk("jobs-high-dlq", nil)
	redrive := func(arn string) map[string]string {
		return map[string]string{"VisibilityTimeout": "30", "RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"%d"}`, arn, maxReceives)}
	}
	main, _ := mk("jobs", redrive(dlqARN))
	high, _ := mk("jobs-high", redrive(hdlqARN))
	return &sqsqueue.Queue{Client: client(t, motoConfig(endpoint)), URL: main, HighURL: high, DLQURL: dlq, DLQHighURL: hdlq}
}

func TestQueueAgainstMoto(t *testing.T) {
	endpoint := testenv.MotoURL(t)
	q := newQueue(t, endpoint, 2)
	ctx := context.Background()
	for _, p := range []jobs.Priority{jobs.PriorityLow, jobs.PriorityNormal, jobs.PriorityHigh} {
		if err := q.Send(ctx, p, []byte(`{"job_id":"`+string(p)+`"}`), 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Send(ctx, jobs.PriorityNormal, []byte(`{"job_id":"later"}`), 30*time.Second); err != nil {
		t.Fatal(err)
	}
	st, err := q.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Backend != "sqs" || st.Visible[jobs.PriorityHigh] != 1 || st.Visible[jobs.PriorityNormal] != 2 || st.Delayed != 1 {
		t.Errorf("stats: %+v", st)
	}
	ds, err := q.Receive(ctx, 10, time.Second)
	if err != nil || len(ds) != 1 || ds[0].Priority != jobs.PriorityHigh || string(ds[0].Body) != `{"job_id":"high"}` || ds[0].ReceiveCount != 1 {
		t.Fatalf("first receive must be the high-priority job alone: %+v %v", ds, err)
	}
	if err := q.Delete(ctx, ds[0]); err != nil {
		t.Fatal(err)
	}
	ds, err = q.Receive(ctx, 10, time.Second)
	if err != nil || len(ds) != 2 {
		t.Fatalf("second receive: %+v %v", ds, err)
	}
	prios := map[jobs.Priority]bool{}
	for _, d := range ds {
		prios[d.Priority] = true
	}
	if !prios[jobs.PriorityLow] || !prios[jobs.PriorityNormal] {
		t.Errorf("priorities lost on the main queue: %+v", ds)
	}
	// A released message comes back with its receive count; after
	// maxReceiveCount receives SQS moves it to the DLQ.
	low := ds[0]
	if low.Priority != jobs.PriorityLow {
		low = ds[1]
	}
	other := ds[0]
	if other.ID == low.ID {
		other = ds[1]
	}
	if err := q.Delete(ctx, other); err != nil {
		t.Fatal(err)
	}
	if err := q.Release(ctx, low, 0, "boom"); err != nil {
		t.Fatal(err)
	}
	ds, err = q.Receive(ctx, 10, time.Second)
	if err != nil || len(ds) != 1 || ds[0].ID != low.ID || ds[0].ReceiveCount != 2 {
		t.Fatalf("redelivery: %+v %v", ds, err)
	}
	if err := q.Extend(ctx, ds[0], 0); err != nil {
		t.Fatal(err)
	}
	if ds, _ = q.Receive(ctx, 10, time.Second); len(ds) != 0 {
		t.Fatalf("a message received maxReceiveCount times was delivered again: %+v", ds)
	}
	st, _ = q.Stats(ctx)
	if st.DeadLetter != 1 {
		t.Fatalf("DLQ depth %d, want 1", st.DeadLetter)
	}
	n, err := q.Redrive(ctx)
	if err != nil || n != 1 {
		t.Fatalf("redrive: %d %v", n, err)
	}
	ds, err = q.Receive(ctx, 10, time.Second)
	if err != nil || len(ds) != 1 || ds[0].Priority != jobs.PriorityLow || ds[0].ReceiveCount != 1 {
		t.Fatalf("after redrive: %+v %v", ds, err)
	}

	// What the queue sent reads back through the SDK's client as sent.
	// (non-ASCII and the characters encoding/json escapes as \u003c...)
	body := `{"job_id":"sdk","note":"é ✓ <a&b>"}`
	if err := q.Send(ctx, jobs.PriorityHigh, []byte(body), 0); err != nil {
		t.Fatal(err)
	}
	got, err := sdkClient(endpoint).ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q.HighURL), MessageAttributeNames: []string{"All"}})
	if err != nil || len(got.Messages) != 1 || aws.ToString(got.Messages[0].Body) != body ||
		aws.ToString(got.Messages[0].MessageAttributes["priority"].StringValue) != "high" {
		t.Fatalf("read back with the SDK: %+v %v", got, err)
	}
}

// An empty high-priority queue is short-polled: the queues long-poll for
// 20 s by default (as deployed), and a receive that left WaitTimeSeconds
// out (as the SDK's client does for 0) would sit there before looking at
// the main queue. The bound is far from both 1 s and 20 s.
func TestReceiveShortPollsTheHighQueue(t *testing.T) {
	q := newQueue(t, testenv.MotoURL(t), 2)
	ctx := context.Background()
	start := time.Now()
	ds, err := q.Receive(ctx, 10, time.Second)
	if err != nil || len(ds) != 0 {
		t.Fatalf("%+v %v", ds, err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("an empty receive with a 1 s wait took %v: the high queue was long-polled", took)
	}
	if n, err := q.Redrive(ctx); err != nil || n != 0 {
		t.Fatalf("redrive of empty DLQs: %d %v", n, err)
	}
	if took := time.Since(start); took > 15*time.Second {
		t.Fatalf("redriving empty DLQs took %v: they were long-polled", took)
	}
}

func TestQueueErrorsAreDependencyErrors(t *testing.T) {
	ctx := context.Background()
	cfg := motoConfig(fmt.Sprintf("http://127.0.0.1:%d", testenv.FreePort(t)))
	cfg.RetryMaxAttempts = 1
	dead := &sqsqueue.Queue{Client: client(t, cfg), URL: "http://127.0.0.1:1/q"}
	if err := dead.Send(ctx, jobs.PriorityNormal, []byte(`{}`), 0); core.TypeOf(err) != core.ErrDependency {
		t.Errorf("send to a dead endpoint: %v", err)
	}
	missing := &sqsqueue.Queue{Client: client(t, motoConfig(testenv.MotoURL(t))), URL: "http://sqs.us-east-1.localhost/123456789012/nope"}
	_, err := missing.Stats(ctx)
	if core.TypeOf(err) != core.ErrDependency || !awsapi.IsCode(err, sqsqueue.CodeQueueDoesNotExist) ||
		!awsapi.IsCode(err, "AWS.SimpleQueueService.NonExistentQueue") || !strings.Contains(err.Error(), "RIPTIDE_QUEUE_URL") {
		t.Errorf("stats of a missing queue: %v", err)
	}
	if _, err := missing.Redrive(ctx); core.TypeOf(err) != core.ErrNotImplemented {
		t.Errorf("redrive without a DLQ: %v", err)
	}
}

// TestJobsRunThroughSQS runs the job engine's worker pool on the SQS queue.
func TestJobsRunThroughSQS(t *testing.T) {
	q := newQueue(t, testenv.MotoURL(t), 5)
	s, err := store.Open(store.Options{URL: testenv.RedisURL(t), Prefix: "t" + jobs.NewID()[:10] + ":"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	st := jobstore.New(s)
	svc := &jobs.Service{Store: st, Queue: q, Results: blob.NewMemory(), Executors: map[jobs.Type]jobs.Executor{jobs.TypeSingleCrawl: echo{}}}
	pool := &jobs.Pool{Worker: &jobs.Worker{Service: svc}, Concurrency: 2, Wait: time.Second}
	pool.Start(context.Background())
	t.Cleanup(pool.Close)
	var ids []string
	for i := 0; i < 5; i++ {
		sub, err := svc.Submit(context.Background(), "a", jobs.Spec{Type: jobs.TypeSingleCrawl, Input: jobs.Input{URL: fmt.Sprintf("http://127.0.0.1/%d", i)}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, sub.Job.ID)
	}
	deadline := time.Now().Add(20 * time.Second)
	for _, id := range ids {
		for {
			j, err := st.Get(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if j.Status == jobs.StateCompleted {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("job %s still %s", id, j.Status)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

type echo struct{}

func (echo) Prepare(context.Context, *jobs.Spec) error { return nil }
func (echo) Run(context.Context, *jobs.Run) (*jobs.Outcome, error) {
	return &jobs.Outcome{Success: true}, nil
}
