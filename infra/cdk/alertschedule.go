package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsschedulertargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// The application's alert rules (the monitoring group's CRUD rules, with
// evaluation and cooldown: docs/monitoring.md) are evaluated by the
// monitoring function every minute, whether or not anyone reads
// /alerts/active.
const (
	TaskEvaluateAlerts      = "evaluate_alerts"
	AlertsFunction          = "monitoring"
	AlertEvaluationSchedule = "rate(1 minute)"
)

// NewAlertEvaluation schedules the evaluate_alerts task event on the
// monitoring function's live alias. Nil when the table has no monitoring
// function. A missed minute is not retried (the next one supersedes it);
// undeliverable invocations go to dlq.
func NewAlertEvaluation(scope constructs.Construct, id string, fns *Functions, dlq awssqs.IQueue) awsscheduler.Schedule {
	if fns.Get(AlertsFunction) == nil {
		return nil
	}
	return awsscheduler.NewSchedule(scope, jsii.String(id), &awsscheduler.ScheduleProps{
		Description: jsii.String("RipTide alert rule evaluation (monitoring function, evaluate_alerts task)"),
		Schedule:    awsscheduler.ScheduleExpression_Expression(jsii.String(AlertEvaluationSchedule), nil),
		Target: awsschedulertargets.NewLambdaInvoke(fns.Alias(AlertsFunction), &awsschedulertargets.ScheduleTargetBaseProps{
			Input:           awsscheduler.ScheduleTargetInput_FromObject(map[string]any{TaskField: TaskEvaluateAlerts}),
			RetryAttempts:   jsii.Number(0),
			MaxEventAge:     awscdk.Duration_Minutes(jsii.Number(1)),
			DeadLetterQueue: dlq,
		}),
	})
}
