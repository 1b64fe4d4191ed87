package sqsqueue_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/blob"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/jobs"
	"github.com/riptidecrawler/riptide/shared/queue/sqsqueue"
	"github.com/riptidecrawler/riptide/shared/store"
	"github.com/riptidecrawler/riptide/shared/store/jobstore"
)

// The queue speaks the real SQS protocol to moto_server on loopback:
// queues with DLQs and a redrive policy, as infra/cdk/jobs.go creates them.

func client(endpoint string) *sqs.Client {
	return sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
}

func newQueue(t *testing.T, c *sqs.Client, maxReceives int) *sqsqueue.Queue {
	t.Helper()
	ctx := context.Background()
	suffix := jobs.NewID()[:8]
	mk := func(name string, attrs map[string]string) (url, arn string) {
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
	return &sqsqueue.Queue{Client: c, URL: main, HighURL: high, DLQURL: dlq, DLQHighURL: hdlq}
}

func TestQueueAgainstMoto(t *testing.T) {
	c := client(testenv.MotoURL(t))
	q := newQueue(t, c, 2)
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
}

func TestQueueErrorsAreDependencyErrors(t *testing.T) {
	ctx := context.Background()
	dead := &sqsqueue.Queue{Client: sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: aws.String(fmt.Sprintf("http://127.0.0.1:%d", testenv.FreePort(t))),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), RetryMaxAttempts: 1}), URL: "http://127.0.0.1:1/q"}
	if err := dead.Send(ctx, jobs.PriorityNormal, []byte(`{}`), 0); core.TypeOf(err) != core.ErrDependency {
		t.Errorf("send to a dead endpoint: %v", err)
	}
	c := client(testenv.MotoURL(t))
	missing := &sqsqueue.Queue{Client: c, URL: "http://sqs.us-east-1.localhost/123456789012/nope"}
	if _, err := missing.Stats(ctx); core.TypeOf(err) != core.ErrDependency {
		t.Errorf("stats of a missing queue: %v", err)
	}
	if _, err := missing.Redrive(ctx); core.TypeOf(err) != core.ErrNotImplemented {
		t.Errorf("redrive without a DLQ: %v", err)
	}
}

// TestJobsRunThroughSQS runs the job engine's worker pool on the SQS queue.
func TestJobsRunThroughSQS(t *testing.T) {
	c := client(testenv.MotoURL(t))
	q := newQueue(t, c, 5)
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
