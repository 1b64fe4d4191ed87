package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/riptidecrawler/riptide/internal/testenv"
)

// TestJobsThroughSQSAndScheduler runs riptide serve the way the workers
// function runs in AWS, against moto_server on loopback: jobs go through
// SQS queues, schedules become EventBridge Scheduler schedules, and a
// firing (the message Scheduler would send to the queue) submits the
// schedule's job.
func TestJobsThroughSQSAndScheduler(t *testing.T) {
	endpoint := testenv.MotoURL(t)
	ctx := context.Background()
	q := motoSQS(endpoint)
	sc := scheduler.New(scheduler.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), Credentials: motoCredentials})
	suffix := fmt.Sprint(time.Now().UnixNano())
	mk := func(name string) (url, arn string) {
		out, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name + "-" + suffix), Attributes: map[string]string{"VisibilityTimeout": "60"}})
		if err != nil {
			t.Fatal(err)
		}
		return *out.QueueUrl, "arn:aws:sqs:us-east-1:123456789012:" + name + "-" + suffix
	}
	mainURL, mainARN := mk("jobs")
	highURL, highARN := mk("jobs-high")
	dlq, _ := mk("jobs-dlq")
	hdlq, _ := mk("jobs-high-dlq")
	group := "riptide-" + suffix
	if _, err := sc.CreateScheduleGroup(ctx, &scheduler.CreateScheduleGroupInput{Name: aws.String(group)}); err != nil {
		t.Fatal(err)
	}
	site := articleSite(t)
	for k, v := range map[string]string{
		"REDIS_URL": "", "RIPTIDE_AUTH": "disabled", "RIPTIDE_ALLOW_CIDRS": "127.0.0.1/32", "RIPTIDE_LOG_LEVEL": "error",
		"RIPTIDE_QUEUE_URL": mainURL, "RIPTIDE_QUEUE_HIGH_URL": highURL, "RIPTIDE_DLQ_URL": dlq, "RIPTIDE_DLQ_HIGH_URL": hdlq,
		"RIPTIDE_QUEUE_ARN": mainARN, "RIPTIDE_QUEUE_HIGH_ARN": highARN,
		"RIPTIDE_SCHEDULE_GROUP": group, "RIPTIDE_SCHEDULER_ROLE_ARN": "arn:aws:iam::123456789012:role/scheduler",
		"AWS_ENDPOINT_URL": endpoint, "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
	} {
		t.Setenv(k, v)
	}
	base := startServe(t)

	// A batch and a high-priority single job, through SQS.
	urls := make([]string, 50)
	for i := range urls {
		urls[i] = fmt.Sprintf("%s/p/%d", site.URL, i)
	}
	quoted, _ := json.Marshal(urls)
	batch := submitJob(t, base, `{"type":"batch_crawl","urls":`+string(quoted)+`}`)
	single := submitJob(t, base, `{"type":"single_crawl","url":"`+site.URL+`/one","priority":"high"}`)
	for _, id := range []string{batch, single} {
		mustComplete(t, base, id)
	}
	code, body := call(t, "GET", base+"/api/v1/workers/stats/queue", "")
	if code != 200 || !strings.Contains(body, `"backend":"sqs"`) || !strings.Contains(body, `"completed":2`) {
		t.Fatalf("stats/queue: %d %s", code, body)
	}

	// A schedule is a Scheduler schedule; its firing submits its job.
	code, body = call(t, "POST", base+"/api/v1/workers/schedule", `{"name":"nightly","expression":"rate(5 minutes)","job_template":{"type":"single_crawl","url":"`+site.URL+`/nightly"}}`)
	var s struct {
		ID string `json:"id"`
	}
	if code != 201 && code != 200 || json.Unmarshal([]byte(body), &s) != nil || s.ID == "" {
		t.Fatalf("create schedule: %d %s", code, body)
	}
	got, err := sc.GetSchedule(ctx, &scheduler.GetScheduleInput{GroupName: aws.String(group), Name: aws.String("riptide-" + s.ID)})
	if err != nil {
		t.Fatalf("the schedule is not in Scheduler: %v", err)
	}
	if aws.ToString(got.ScheduleExpression) != "rate(5 minutes)" || aws.ToString(got.Target.Arn) != mainARN {
		t.Fatalf("schedule in Scheduler: %s -> %s", aws.ToString(got.ScheduleExpression), aws.ToString(got.Target.Arn))
	}
	firing := strings.ReplaceAll(aws.ToString(got.Target.Input), "<aws.scheduler.scheduled-time>", time.Now().UTC().Format(time.RFC3339))
	if _, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(mainURL), MessageBody: aws.String(firing)}); err != nil {
		t.Fatal(err)
	}
	var fired []string
	for deadline := time.Now().Add(60 * time.Second); len(fired) == 0; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the schedule's firing submitted no job within 60 s")
		}
		_, body := call(t, "GET", base+"/api/v1/workers/jobs?search="+s.ID, "")
		var page struct {
			Jobs []struct {
				ID       string `json:"job_id"`
				Schedule string `json:"scheduled_job_id"`
			} `json:"jobs"`
		}
		_ = json.Unmarshal([]byte(body), &page)
		for _, j := range page.Jobs {
			if j.Schedule == s.ID {
				fired = append(fired, j.ID)
			}
		}
	}
	if j := waitJob(t, base, fired[0]); j.Status != "completed" {
		t.Fatalf("scheduled job: %+v", j)
	}
	if code, body := call(t, "DELETE", base+"/api/v1/workers/schedule/"+s.ID, ""); code/100 != 2 {
		t.Fatalf("delete schedule: %d %s", code, body)
	}
	if _, err := sc.GetSchedule(ctx, &scheduler.GetScheduleInput{GroupName: aws.String(group), Name: aws.String("riptide-" + s.ID)}); err == nil {
		t.Fatal("the deleted schedule is still in Scheduler")
	}
}

// motoCredentials are what moto_server accepts.
var motoCredentials = credentials.NewStaticCredentialsProvider("test", "test", "")

// motoSQS is an SQS client of the moto_server at endpoint.
func motoSQS(endpoint string) *sqs.Client {
	return sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), Credentials: motoCredentials})
}
