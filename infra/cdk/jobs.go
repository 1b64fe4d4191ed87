package main

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Environment variables of the jobs infrastructure (shared/config).
const (
	QueueURLEnv         = "RIPTIDE_QUEUE_URL"
	QueueHighURLEnv     = "RIPTIDE_QUEUE_HIGH_URL"
	DLQURLEnv           = "RIPTIDE_DLQ_URL"
	DLQHighURLEnv       = "RIPTIDE_DLQ_HIGH_URL"
	QueueARNEnv         = "RIPTIDE_QUEUE_ARN"
	QueueHighARNEnv     = "RIPTIDE_QUEUE_HIGH_ARN"
	DLQARNEnv           = "RIPTIDE_DLQ_ARN"
	DLQHighARNEnv       = "RIPTIDE_DLQ_HIGH_ARN"
	ScheduleGroupEnv    = "RIPTIDE_SCHEDULE_GROUP"
	SchedulerRoleARNEnv = "RIPTIDE_SCHEDULER_ROLE_ARN"
)

// Job queue settings (docs/deploy.md, "Jobs").
const (
	// JobsWorker is the function consuming the job queues.
	JobsWorker = "workers"
	// JobsMaxReceiveCount: a message received this many times without
	// being deleted (the worker crashed, timed out, or reported it failed)
	// moves to the DLQ. The job's own retry policy (attempts, backoff) runs
	// inside the worker; this catches what that cannot: poison messages and
	// workers that die mid-job.
	JobsMaxReceiveCount = 5
	// JobsVisibilityFactor: visibility timeout = 6 x the worker's timeout,
	// AWS's advice for a Lambda SQS source, so a batch still running is not
	// handed to a second worker.
	JobsVisibilityFactor = 6
	// Batch sizes: normal jobs in batches of 5 (the worker runs a batch's
	// jobs concurrently); high-priority ones singly, for latency.
	JobsBatchSize     = 5
	JobsHighBatchSize = 1
	// Concurrency caps per event source: high-priority work keeps its own
	// pollers, so a backlog of normal jobs cannot starve it.
	JobsMaxConcurrency     = 20
	JobsHighMaxConcurrency = 10
	// JobsRetentionDays of a queue; a DLQ keeps messages the SQS maximum.
	JobsRetentionDays = 4
	DLQRetentionDays  = 14
)

// JobProducers are the functions besides the worker that enqueue jobs:
// crawl (POST /crawl with async, or a batch over the synchronous limit) and
// spider (job-backed spider work).
func JobProducers() []string { return []string{"crawl", "spider"} }

// JobsProps configures the job queues.
type JobsProps struct {
	Functions *Functions
}

// Jobs is the job system's AWS side: a normal and a high-priority queue,
// each with a DLQ; the worker's SQS event sources; and the EventBridge
// Scheduler group (with the role Scheduler sends as) in which the worker
// keeps one schedule per user schedule.
type Jobs struct {
	constructs.Construct
	Queue, HighQueue, DLQ, HighDLQ awssqs.Queue
	ScheduleGroup                  awsscheduler.ScheduleGroup
	// ScheduleGroupName is the group's name, <stack>-jobs.
	ScheduleGroupName string
	SchedulerRole     awsiam.Role
}

// Queues lists the queues with a name for alarms and dashboards.
func (j *Jobs) Queues() []NamedQueue {
	return []NamedQueue{{"Jobs", j.Queue, false}, {"JobsHigh", j.HighQueue, false}, {"JobsDLQ", j.DLQ, true}, {"JobsHighDLQ", j.HighDLQ, true}}
}

// NamedQueue is a queue with a name and whether it is a DLQ.
type NamedQueue struct {
	Name  string
	Queue awssqs.IQueue
	DLQ   bool
}

// NewJobs makes the queues, event sources, schedule group and role, and
// wires the worker and the producers (environment and IAM). Nil when the
// function table has no worker function.
func NewJobs(scope constructs.Construct, id string, props *JobsProps) (*Jobs, error) {
	worker := props.Functions.Alias(JobsWorker)
	if worker == nil {
		return nil, nil
	}
	def := props.Functions.Def(JobsWorker)
	c := constructs.NewConstruct(scope, jsii.String(id))
	stackName := *awscdk.Stack_Of(scope).StackName()

	queue := func(id string, dlq awssqs.IQueue) awssqs.Queue {
		p := &awssqs.QueueProps{
			Encryption:             awssqs.QueueEncryption_SQS_MANAGED,
			EnforceSSL:             jsii.Bool(true),
			ReceiveMessageWaitTime: awscdk.Duration_Seconds(jsii.Number(20)),
			RemovalPolicy:          awscdk.RemovalPolicy_DESTROY,
		}
		if dlq != nil {
			p.VisibilityTimeout = awscdk.Duration_Seconds(jsii.Number(float64(JobsVisibilityFactor * def.TimeoutSec)))
			p.RetentionPeriod = awscdk.Duration_Days(jsii.Number(JobsRetentionDays))
			p.DeadLetterQueue = &awssqs.DeadLetterQueue{Queue: dlq, MaxReceiveCount: jsii.Number(JobsMaxReceiveCount)}
		} else {
			p.RetentionPeriod = awscdk.Duration_Days(jsii.Number(DLQRetentionDays))
		}
		return awssqs.NewQueue(c, jsii.String(id), p)
	}
	j := &Jobs{Construct: c}
	j.DLQ = queue("DLQ", nil)
	j.HighDLQ = queue("HighDLQ", nil)
	j.Queue = queue("Queue", j.DLQ)
	j.HighQueue = queue("HighQueue", j.HighDLQ)

	for _, src := range []struct {
		q                awssqs.Queue
		batch, maxConcur float64
	}{{j.Queue, JobsBatchSize, JobsMaxConcurrency}, {j.HighQueue, JobsHighBatchSize, JobsHighMaxConcurrency}} {
		// ReportBatchItemFailures: the worker names the messages that
		// failed; the rest of the batch is deleted and never re-run.
		worker.AddEventSource(awslambdaeventsources.NewSqsEventSource(src.q, &awslambdaeventsources.SqsEventSourceProps{
			BatchSize:               jsii.Number(src.batch),
			ReportBatchItemFailures: jsii.Bool(true),
			MaxConcurrency:          jsii.Number(src.maxConcur),
		}))
	}

	j.ScheduleGroupName = stackName + "-jobs"
	j.ScheduleGroup = awsscheduler.NewScheduleGroup(c, jsii.String("Schedules"), &awsscheduler.ScheduleGroupProps{
		ScheduleGroupName: jsii.String(j.ScheduleGroupName),
		// Schedules are recreated from the store (the worker's source of
		// truth); a retained group would block a new stack of the same name.
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	// Scheduler sends each firing's job template straight to a queue (the
	// DLQ catches what it cannot deliver), as this role, which only
	// Scheduler of this account may assume.
	j.SchedulerRole = awsiam.NewRole(c, jsii.String("SchedulerRole"), &awsiam.RoleProps{
		Description: jsii.String("RipTide: EventBridge Scheduler sends scheduled jobs to the job queues"),
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("scheduler.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Aws_ACCOUNT_ID()}},
		}),
	})
	for _, q := range []awssqs.Queue{j.Queue, j.HighQueue, j.DLQ, j.HighDLQ} {
		q.GrantSendMessages(j.SchedulerRole)
	}

	j.wireWorker(props.Functions.Get(JobsWorker))
	for _, name := range JobProducers() {
		fn := props.Functions.Get(name)
		if fn == nil {
			return nil, fmt.Errorf("job producer %s (JobProducers in infra/cdk/jobs.go) is not in the function table", name)
		}
		j.wireProducer(fn)
	}
	return j, nil
}

// WireTenantDeletion lets fn (the admin function) delete a tenant's
// schedules: their EventBridge schedules go with the records, so none
// keeps firing the tenant's job template.
func (j *Jobs) WireTenantDeletion(fn awslambda.Function) {
	fn.AddEnvironment(jsii.String(ScheduleGroupEnv), j.ScheduleGroup.ScheduleGroupName(), nil)
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:     jsii.String("DeleteTenantSchedules"),
		Actions: jsii.Strings("scheduler:DeleteSchedule"),
		Resources: &[]*string{awscdk.Stack_Of(j.Construct).FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("scheduler"), Resource: jsii.String("schedule"),
			ResourceName: jsii.String(j.ScheduleGroupName + "/*"), ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME,
		})},
	}))
	suppress(fn.Role(), true, nagRule{
		ID:        "AwsSolutions-IAM5",
		Reason:    "Schedules are named per user schedule at run time; the role may only delete schedules of the jobs group.",
		AppliesTo: []string{"Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/" + j.ScheduleGroupName + "/*"},
	})
}

func (j *Jobs) queueEnv(fn awslambda.Function) {
	for env, q := range map[string]awssqs.Queue{QueueURLEnv: j.Queue, QueueHighURLEnv: j.HighQueue, DLQURLEnv: j.DLQ, DLQHighURLEnv: j.HighDLQ} {
		fn.AddEnvironment(jsii.String(env), q.QueueUrl(), nil)
	}
}

// wireProducer lets fn enqueue jobs (both queues) and read queue depths.
func (j *Jobs) wireProducer(fn awslambda.Function) {
	j.queueEnv(fn)
	for _, q := range []awssqs.Queue{j.Queue, j.HighQueue} {
		q.GrantSendMessages(fn)
	}
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("JobQueueDepths"),
		Actions:   jsii.Strings("sqs:GetQueueAttributes"),
		Resources: &[]*string{j.Queue.QueueArn(), j.HighQueue.QueueArn(), j.DLQ.QueueArn(), j.HighDLQ.QueueArn()},
	}))
}

// wireWorker gives the worker the queues (the event sources already let it
// receive and delete), the DLQs (inspect and redrive), and the schedule
// group (manage schedules there, passing the Scheduler role).
func (j *Jobs) wireWorker(fn awslambda.Function) {
	j.wireProducer(fn)
	for env, q := range map[string]awssqs.Queue{QueueARNEnv: j.Queue, QueueHighARNEnv: j.HighQueue, DLQARNEnv: j.DLQ, DLQHighARNEnv: j.HighDLQ} {
		fn.AddEnvironment(jsii.String(env), q.QueueArn(), nil)
	}
	fn.AddEnvironment(jsii.String(ScheduleGroupEnv), j.ScheduleGroup.ScheduleGroupName(), nil)
	fn.AddEnvironment(jsii.String(SchedulerRoleARNEnv), j.SchedulerRole.RoleArn(), nil)
	for _, dlq := range []awssqs.Queue{j.DLQ, j.HighDLQ} {
		dlq.GrantConsumeMessages(fn)
		// A redrive (riptide jobs redrive) is an SQS message move task
		// from the DLQ back to its source queue.
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("sqs:StartMessageMoveTask", "sqs:ListMessageMoveTasks", "sqs:CancelMessageMoveTask"),
			Resources: &[]*string{dlq.QueueArn()},
		}))
	}
	schedules := awscdk.Stack_Of(j.Construct).FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("scheduler"), Resource: jsii.String("schedule"),
		ResourceName: jsii.String(j.ScheduleGroupName + "/*"),
		ArnFormat:    awscdk.ArnFormat_SLASH_RESOURCE_NAME,
	})
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ManageJobSchedules"),
		Actions:   jsii.Strings("scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule", "scheduler:GetSchedule"),
		Resources: &[]*string{schedules},
	}))
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ListJobSchedules"),
		Actions:   jsii.Strings("scheduler:ListSchedules"),
		Resources: jsii.Strings("*"),
	}))
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("PassSchedulerRole"),
		Actions:    jsii.Strings("iam:PassRole"),
		Resources:  &[]*string{j.SchedulerRole.RoleArn()},
		Conditions: &map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "scheduler.amazonaws.com"}},
	}))
	suppress(fn.Role(), true, nagRule{
		ID: "AwsSolutions-IAM5",
		Reason: "The worker creates one schedule per user schedule, named at run time, so it may manage schedule/<group>/* of the jobs group only; " +
			"scheduler:ListSchedules supports no resource-level permission (resource '*'; the worker filters by group name).",
		AppliesTo: []string{
			"Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/" + j.ScheduleGroupName + "/*",
			"Resource::*",
		},
	})
}
