package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/shared/routes"
)

// jobQueues returns the logical ids of the job queues and their DLQs, read
// from the worker's environment.
func jobQueues(t *testing.T, tmpl map[string]any) (queue, high, dlq, highDLQ string) {
	t.Helper()
	env := functionEnv(tmpl, functionIDs(t, tmpl)[JobsWorker])
	queue, high, dlq, highDLQ = ref(env[QueueURLEnv]), ref(env[QueueHighURLEnv]), ref(env[DLQURLEnv]), ref(env[DLQHighURLEnv])
	qs := resources(tmpl, "AWS::SQS::Queue")
	for _, id := range []string{queue, high, dlq, highDLQ} {
		if qs[id] == nil {
			t.Fatalf("worker environment names %q, not a queue of this stack (%s=%v)", id, QueueURLEnv, env[QueueURLEnv])
		}
	}
	return queue, high, dlq, highDLQ
}

func TestJobQueuesHaveDLQsAndRedrive(t *testing.T) {
	s := shared(t)
	queue, high, dlq, highDLQ := jobQueues(t, s.rootJSON)
	qs := resources(s.rootJSON, "AWS::SQS::Queue")
	worker, _ := routes.LookupFunction(JobsWorker)
	for q, d := range map[string]string{queue: dlq, high: highDLQ} {
		p := props(qs[q])
		if got := dig(p, "RedrivePolicy", "maxReceiveCount"); got != float64(JobsMaxReceiveCount) {
			t.Errorf("queue %s: maxReceiveCount %v, want %d", q, got, JobsMaxReceiveCount)
		}
		if src, _ := getAtt(dig(p, "RedrivePolicy", "deadLetterTargetArn")); src != d {
			t.Errorf("queue %s: dead letters go to %v, want %s", q, dig(p, "RedrivePolicy"), d)
		}
		// 6x the worker's timeout, so a batch still running is never
		// handed to a second worker.
		if got, want := p["VisibilityTimeout"], float64(6*worker.TimeoutSec); got != want {
			t.Errorf("queue %s: VisibilityTimeout %v, want %v (6 x %d s)", q, got, want, worker.TimeoutSec)
		}
	}
	if dlq == highDLQ || queue == high {
		t.Errorf("queues %s/%s and DLQs %s/%s must be distinct", queue, high, dlq, highDLQ)
	}
	policies := map[string]bool{} // queue -> denies plain HTTP
	for _, pol := range resources(s.rootJSON, "AWS::SQS::QueuePolicy") {
		denies := false
		for _, st := range stringStatements(dig(props(pol), "PolicyDocument", "Statement")) {
			if st["Effect"] == "Deny" && dig(st, "Condition", "Bool", "aws:SecureTransport") == "false" {
				denies = true
			}
		}
		for _, q := range stringList(props(pol)["Queues"]) {
			policies[strings.TrimSuffix(strings.TrimPrefix(q, "<Ref:"), ">")] = denies
		}
	}
	for id, q := range qs {
		p := props(q)
		if p["SqsManagedSseEnabled"] != true {
			t.Errorf("queue %s: not encrypted (SqsManagedSseEnabled %v)", id, p["SqsManagedSseEnabled"])
		}
		if !policies[id] {
			t.Errorf("queue %s: no policy refusing requests without TLS", id)
		}
		if p["RedrivePolicy"] == nil && p["MessageRetentionPeriod"] != float64(14*24*3600) {
			t.Errorf("dead-letter queue %s keeps messages %v s, want 14 days", id, p["MessageRetentionPeriod"])
		}
	}
}

// stringStatements returns a policy's statements as maps.
func stringStatements(v any) []map[string]any {
	l, _ := v.([]any)
	var out []map[string]any
	for _, x := range l {
		out = append(out, asMap(x))
	}
	return out
}

func TestWorkerConsumesBothQueuesReportingItemFailures(t *testing.T) {
	s := shared(t)
	queue, high, _, _ := jobQueues(t, s.rootJSON)
	alias := aliasIDs(t, s.rootJSON)[JobsWorker]
	got := map[string]map[string]any{}
	for id, m := range resources(s.rootJSON, "AWS::Lambda::EventSourceMapping") {
		p := props(m)
		src, _ := getAtt(p["EventSourceArn"])
		// The alias's name (<function>:live), built from its ARN.
		if fn := fmt.Sprint(p["FunctionName"]); !strings.Contains(fn, "Ref:"+alias+"]") || !strings.Contains(fn, ":"+LiveAlias) {
			t.Errorf("event source %s feeds %v, want the worker's live alias %s", id, p["FunctionName"], alias)
		}
		got[src] = p
	}
	if len(got) != 2 {
		t.Fatalf("%d event sources, want one per job queue", len(got))
	}
	for q, want := range map[string][2]float64{queue: {JobsBatchSize, JobsMaxConcurrency}, high: {JobsHighBatchSize, JobsHighMaxConcurrency}} {
		p := got[q]
		if p == nil {
			t.Errorf("queue %s has no event source", q)
			continue
		}
		// One bad message never re-runs its batch mates.
		if !slices.Equal(stringList(p["FunctionResponseTypes"]), []string{"ReportBatchItemFailures"}) {
			t.Errorf("queue %s: FunctionResponseTypes %v, want ReportBatchItemFailures", q, p["FunctionResponseTypes"])
		}
		if p["BatchSize"] != want[0] || dig(p, "ScalingConfig", "MaximumConcurrency") != want[1] {
			t.Errorf("queue %s: batch %v, max concurrency %v; want %v", q, p["BatchSize"], dig(p, "ScalingConfig", "MaximumConcurrency"), want)
		}
	}
}

func TestSchedulerGroupRoleAndWorkerPermissions(t *testing.T) {
	s := shared(t)
	queue, high, dlq, highDLQ := jobQueues(t, s.rootJSON)
	groups := resources(s.rootJSON, "AWS::Scheduler::ScheduleGroup")
	groupID := only(t, groups)
	groupName := props(groups[groupID])["Name"]
	if groupName != "Test-jobs" {
		t.Errorf("schedule group %v, want Test-jobs", groupName)
	}
	ids := functionIDs(t, s.rootJSON)
	env := functionEnv(s.rootJSON, ids[JobsWorker])
	if env[ScheduleGroupEnv] != groupName {
		t.Errorf("%s = %v, want the group's name %v", ScheduleGroupEnv, env[ScheduleGroupEnv], groupName)
	}
	roleID, _ := getAtt(env[SchedulerRoleARNEnv])
	role := resources(s.rootJSON, "AWS::IAM::Role")[roleID]
	if role == nil {
		t.Fatalf("%s = %v, not a role of this stack", SchedulerRoleARNEnv, env[SchedulerRoleARNEnv])
	}
	trust := stringStatements(dig(props(role), "AssumeRolePolicyDocument", "Statement"))
	if len(trust) != 1 || dig(trust[0], "Principal", "Service") != "scheduler.amazonaws.com" ||
		ref(dig(trust[0], "Condition", "StringEquals", "aws:SourceAccount")) != "AWS::AccountId" {
		t.Errorf("scheduler role trust %v, want scheduler.amazonaws.com of this account only", trust)
	}
	// Scheduler may send to the four queues and do nothing else.
	var sends []string
	for _, st := range roleStatements(s.rootJSON, roleID) {
		for _, a := range st.actions {
			if !strings.HasPrefix(a, "sqs:SendMessage") && a != "sqs:GetQueueAttributes" && a != "sqs:GetQueueUrl" {
				t.Errorf("scheduler role may %s", a)
			}
		}
		sends = append(sends, st.resources...)
	}
	want := []string{"<GetAtt:" + queue + ".Arn>", "<GetAtt:" + high + ".Arn>", "<GetAtt:" + dlq + ".Arn>", "<GetAtt:" + highDLQ + ".Arn>"}
	if !slices.Equal(sorted(slices.Compact(sorted(sends))), sorted(want)) {
		t.Errorf("scheduler role sends to %v, want %v", sends, want)
	}

	// The worker manages schedules of its group only and passes exactly
	// that role, to Scheduler only.
	manage, list, pass := false, false, false
	for _, st := range functionStatements(t, s.rootJSON)[JobsWorker] {
		for _, a := range st.actions {
			switch {
			case a == "scheduler:ListSchedules":
				list = slices.Equal(st.resources, []string{"*"})
			case strings.HasPrefix(a, "scheduler:"):
				if !slices.Contains([]string{"scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule", "scheduler:GetSchedule"}, a) {
					t.Errorf("worker may %s", a)
				}
				manage = len(st.resources) == 1 && strings.HasSuffix(st.resources[0], ":schedule/Test-jobs/*")
			case a == "iam:PassRole":
				pass = slices.Equal(st.resources, []string{"<GetAtt:" + roleID + ".Arn>"})
			}
		}
	}
	if !manage || !list || !pass {
		t.Errorf("worker: manage schedule/Test-jobs/* %v, list %v, pass the scheduler role %v; want all", manage, list, pass)
	}
	for _, pol := range resources(s.rootJSON, "AWS::IAM::Policy") {
		for _, st := range stringStatements(dig(props(pol), "PolicyDocument", "Statement")) {
			if slices.Contains(stringList(st["Action"]), "iam:PassRole") && dig(st, "Condition", "StringEquals", "iam:PassedToService") != "scheduler.amazonaws.com" {
				t.Errorf("iam:PassRole without the PassedToService=scheduler condition: %v", st)
			}
		}
	}
}

// Only the worker gets the scheduler and ARN variables; crawl and spider
// (producers) get the queue URLs; nobody else gets any.
func TestJobEnvironment(t *testing.T) {
	s := shared(t)
	urls := []string{QueueURLEnv, QueueHighURLEnv, DLQURLEnv, DLQHighURLEnv}
	workerOnly := []string{QueueARNEnv, QueueHighARNEnv, DLQARNEnv, DLQHighARNEnv, ScheduleGroupEnv, SchedulerRoleARNEnv, BackupBucketEnv}
	audit := []string{AuditBucketEnv}
	for name, id := range functionIDs(t, s.rootJSON) {
		env := functionEnv(s.rootJSON, id)
		producer := name == JobsWorker || slices.Contains(JobProducers(), name)
		for _, k := range append(append(urls, audit...), workerOnly...) {
			_, has := env[k]
			want := producer && !slices.Contains(workerOnly, k) || name == JobsWorker ||
				name == "admin" && k == ScheduleGroupEnv // a tenant's deletion removes its schedules
			if has != want {
				t.Errorf("%s: has %s = %v, want %v", name, k, has, want)
			}
		}
	}
	// Producers may send to both queues.
	queue, high, _, _ := jobQueues(t, s.rootJSON)
	for name, stmts := range functionStatements(t, s.rootJSON) {
		sends := map[string]bool{}
		for _, st := range stmts {
			if slices.Contains(st.actions, "sqs:SendMessage") {
				for _, r := range st.resources {
					sends[r] = true
				}
			}
		}
		producer := name == JobsWorker || slices.Contains(JobProducers(), name)
		for _, q := range []string{queue, high} {
			if got := sends["<GetAtt:"+q+".Arn>"]; got != producer {
				t.Errorf("%s may send to %s: %v, want %v", name, q, got, producer)
			}
		}
	}
}

func TestJobAlarms(t *testing.T) {
	s := shared(t)
	queue, high, dlq, highDLQ := jobQueues(t, s.rootJSON)
	failed := failedInvocationsQueue(t, s.rootJSON)
	got := map[string][]string{} // kind -> queues watched
	for _, a := range alarmsOf(s.rootJSON) {
		for _, q := range a.queues {
			got[a.kind] = append(got[a.kind], q+":"+a.metric)
		}
	}
	want := map[string][]string{
		AlarmDLQDepth:         {dlq + ":ApproximateNumberOfMessagesVisible", highDLQ + ":ApproximateNumberOfMessagesVisible"},
		AlarmFailedInvocation: {failed + ":ApproximateNumberOfMessagesVisible"},
		AlarmDLQAge:           {dlq + ":ApproximateAgeOfOldestMessage", highDLQ + ":ApproximateAgeOfOldestMessage", failed + ":ApproximateAgeOfOldestMessage"},
		AlarmQueueAge:         {queue + ":ApproximateAgeOfOldestMessage", high + ":ApproximateAgeOfOldestMessage"},
	}
	for kind, w := range want {
		if !slices.Equal(sorted(got[kind]), sorted(w)) {
			t.Errorf("%s alarms watch %v, want %v", kind, got[kind], w)
		}
	}
	for _, a := range alarmsOf(s.rootJSON) {
		if a.kind == AlarmDLQDepth || a.kind == AlarmFailedInvocation {
			if a.threshold != 0 || a.op != "GreaterThanThreshold" {
				t.Errorf("%s: %s %v, want > 0 (any dead letter)", a.name, a.op, a.threshold)
			}
		}
	}
}
