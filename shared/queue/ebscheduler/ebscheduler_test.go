package ebscheduler_test

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
	"github.com/aws/aws-sdk-go-v2/service/scheduler/types"

	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/awsapi"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/jobs"
	"github.com/riptidecrawler/riptide/shared/queue/ebscheduler"
)

func motoConfig(endpoint string) aws.Config {
	return aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
}

func client(t *testing.T, cfg aws.Config) *ebscheduler.APIClient {
	t.Helper()
	c, err := ebscheduler.NewClient(context.Background(), cfg, awsapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTriggerAgainstMoto arms, changes, pauses and deletes a schedule
// through the real Scheduler protocol (moto_server on loopback), reading
// each state back with the SDK's own Scheduler client.
func TestTriggerAgainstMoto(t *testing.T) {
	ctx := context.Background()
	endpoint := testenv.MotoURL(t)
	c := scheduler.NewFromConfig(motoConfig(endpoint))
	group := "riptide-" + jobs.NewID()[:8]
	if _, err := c.CreateScheduleGroup(ctx, &scheduler.CreateScheduleGroupInput{Name: aws.String(group)}); err != nil {
		t.Fatal(err)
	}
	tr := &ebscheduler.Trigger{Client: client(t, motoConfig(endpoint)), Group: group, RoleARN: "arn:aws:iam::123456789012:role/sched",
		QueueARN: "arn:aws:sqs:us-east-1:123456789012:jobs", HighQueueARN: "arn:aws:sqs:us-east-1:123456789012:jobs-high"}
	s := &jobs.Schedule{ID: jobs.NewID(), Expression: "0 0 9 * * 2", Timezone: "Europe/Berlin", Template: jobs.Spec{Type: jobs.TypeSingleCrawl}}
	if err := tr.Put(ctx, s); err != nil {
		t.Fatal(err)
	}
	got := get(t, c, group, s.ID)
	if aws.ToString(got.ScheduleExpression) != "cron(0 9 ? * 2 *)" || aws.ToString(got.ScheduleExpressionTimezone) != "Europe/Berlin" ||
		got.State != types.ScheduleStateEnabled || aws.ToString(got.Target.Arn) != tr.QueueARN || aws.ToString(got.Target.RoleArn) != tr.RoleARN {
		t.Fatalf("schedule in Scheduler: %+v target %+v", got, got.Target)
	}
	// The firing message carries Scheduler's time placeholder unescaped.
	input := aws.ToString(got.Target.Input)
	var env map[string]string
	if err := json.Unmarshal([]byte(input), &env); err != nil || env["riptide_schedule"] != s.ID || env["scheduled_time"] != jobs.SchedulerTimePlaceholder ||
		!strings.Contains(input, "<aws.scheduler.scheduled-time>") {
		t.Fatalf("target input %s", input)
	}
	// A change replaces it; a high-priority template targets the high queue.
	s.Expression, s.Paused, s.Template.Priority = "rate(5 minutes)", true, jobs.PriorityHigh
	if err := tr.Put(ctx, s); err != nil {
		t.Fatal(err)
	}
	got = get(t, c, group, s.ID)
	if aws.ToString(got.ScheduleExpression) != "rate(5 minutes)" || got.State != types.ScheduleStateDisabled || aws.ToString(got.Target.Arn) != tr.HighQueueARN {
		t.Fatalf("updated schedule: %+v", got)
	}
	// What Scheduler cannot express is a validation error, not a 500.
	bad := &jobs.Schedule{ID: jobs.NewID(), Expression: "*/30 * * * * *", Timezone: "UTC"}
	if err := tr.Put(ctx, bad); core.TypeOf(err) != core.ErrValidation {
		t.Errorf("seconds-level expression: %v", err)
	}
	if err := tr.Delete(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String(ebscheduler.Name(s.ID)), GroupName: aws.String(group)}); err == nil {
		t.Error("deleted schedule still in Scheduler")
	}
	if err := tr.Delete(ctx, s.ID); err != nil {
		t.Errorf("deleting a schedule already gone: %v", err)
	}
	// Through the job service: creating a schedule arms it in Scheduler.
	dead := &ebscheduler.Trigger{Client: client(t, motoConfig(fmt.Sprintf("http://127.0.0.1:%d", testenv.FreePort(t)))), Group: group, QueueARN: tr.QueueARN}
	if err := dead.Put(ctx, &jobs.Schedule{ID: jobs.NewID(), Expression: "rate(1 hour)"}); core.TypeOf(err) != core.ErrDependency {
		t.Errorf("unreachable Scheduler: %v", err)
	}
}

func get(t *testing.T, c *scheduler.Client, group, id string) *scheduler.GetScheduleOutput {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := c.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String(ebscheduler.Name(id)), GroupName: aws.String(group)})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
