package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// FailedInvocationsRetentionDays: failed asynchronous work is kept two weeks
// (the SQS maximum) for inspection (docs/runbooks/failed-invocations.md).
const FailedInvocationsRetentionDays = 14

// NewFailedInvocations makes the queue that receives asynchronous work that
// never ran to completion: crawl-ws's self-invocations that failed or grew
// too old (its failure destination), and backup invocations EventBridge
// Scheduler could not deliver. Nothing consumes it; its depth is alarmed.
func NewFailedInvocations(scope constructs.Construct, id string) awssqs.Queue {
	q := awssqs.NewQueue(scope, jsii.String(id), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(FailedInvocationsRetentionDays)),
		RemovalPolicy:   awscdk.RemovalPolicy_DESTROY,
	})
	suppress(q, false, nagRule{
		ID:     "AwsSolutions-SQS3",
		Reason: "This queue is itself a dead-letter queue (Lambda failure destination and Scheduler DLQ); nothing consumes it, its depth is alarmed.",
	})
	return q
}
