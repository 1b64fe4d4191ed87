package workerswire_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/awsapi"
	"github.com/riptidecrawler/riptide/shared/blob"
	"github.com/riptidecrawler/riptide/shared/jobs"
	"github.com/riptidecrawler/riptide/shared/queue/sqsqueue"
	"github.com/riptidecrawler/riptide/shared/store"
	"github.com/riptidecrawler/riptide/shared/store/jobstore"
	"github.com/riptidecrawler/riptide/shared/wire/workerswire"
)

type scripted struct{ runs atomic.Int32 }

func (s *scripted) Prepare(context.Context, *jobs.Spec) error { return nil }
func (s *scripted) Run(_ context.Context, r *jobs.Run) (*jobs.Outcome, error) {
	s.runs.Add(1)
	if r.Job.Input.URL == "http://127.0.0.1/poison" {
		panic("poison")
	}
	return &jobs.Outcome{Success: true}, nil
}

// TestSQSEventReportsOnlyFailedMessages feeds the Lambda entry point a
// real SQS event (messages received from moto_server with their system
// attributes): the poison message alone is a batch item failure, and a
// redelivered message of a finished job runs nothing.
func TestSQSEventReportsOnlyFailedMessages(t *testing.T) {
	ctx := context.Background()
	endpoint := testenv.MotoURL(t)
	c := sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	out, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("jobs-" + jobs.NewID()[:8])})
	if err != nil {
		t.Fatal(err)
	}
	arn, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: out.QueueUrl, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(store.Options{URL: testenv.RedisURL(t), Prefix: "t" + jobs.NewID()[:10] + ":"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	st := jobstore.New(s)
	ex := &scripted{}
	qc, err := sqsqueue.NewClient(ctx, aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}, awsapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	svc := &jobs.Service{Store: st, Queue: &sqsqueue.Queue{Client: qc, URL: *out.QueueUrl}, Results: blob.NewMemory(),
		Executors: map[jobs.Type]jobs.Executor{jobs.TypeSingleCrawl: ex}}
	ids := map[string]string{}
	for _, u := range []string{"http://127.0.0.1/ok", "http://127.0.0.1/poison"} {
		sub, err := svc.Submit(ctx, "a", jobs.Spec{Type: jobs.TypeSingleCrawl, Input: jobs.Input{URL: u}})
		if err != nil {
			t.Fatal(err)
		}
		ids[u] = sub.Job.ID
	}
	recv, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: out.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll}})
	if err != nil || len(recv.Messages) != 2 {
		t.Fatalf("receive: %v %v", recv, err)
	}
	ev := events.SQSEvent{}
	poisonID := ""
	for _, m := range recv.Messages {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: *m.MessageId, ReceiptHandle: *m.ReceiptHandle, Body: *m.Body,
			Attributes: m.Attributes, EventSource: "aws:sqs", EventSourceARN: arn.Attributes["QueueArn"]})
		if *m.Body == fmt.Sprintf(`{"job_id":%q}`, ids["http://127.0.0.1/poison"]) {
			poisonID = *m.MessageId
		}
	}
	handle := workerswire.SQSHandler(&jobs.Worker{Service: svc, Home: "lambda"}, "")
	resp, err := handle(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != poisonID {
		t.Fatalf("batch item failures %+v, want only %s", resp.BatchItemFailures, poisonID)
	}
	if j, _ := st.Get(ctx, ids["http://127.0.0.1/ok"]); j.Status != jobs.StateCompleted {
		t.Errorf("good job: %s", j.Status)
	}
	runs := ex.runs.Load()
	var okOnly events.SQSEvent
	for _, r := range ev.Records {
		if r.MessageId != poisonID {
			okOnly.Records = append(okOnly.Records, r)
		}
	}
	resp, _ = handle(ctx, okOnly)
	if len(resp.BatchItemFailures) != 0 || ex.runs.Load() != runs {
		t.Errorf("a redelivered finished job ran again (failures %+v)", resp.BatchItemFailures)
	}
	w, _ := svc.WorkerReport(ctx)
	if w.HealthyWorkers != 1 || w.Workers[0].Home != "lambda" {
		t.Errorf("Lambda worker heartbeat: %+v", w)
	}
}
