package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	sfn "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	tasks "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctionstasks"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// SpiderStateMachineEnv is the spider function's variable naming the state
// machine it starts (shared/config).
const SpiderStateMachineEnv = "RIPTIDE_SPIDER_STATE_MACHINE_ARN"

// SpiderStateMachineProps configures the spider state machine.
type SpiderStateMachineProps struct {
	// Function runs the steps (the spider function: its task events go to
	// spider.Engine.HandleStep).
	Function awslambda.Function
	// Starters may also start runs (environment variable and
	// states:StartExecution, no task events).
	Starters    []awslambda.Function
	TaskTimeout awscdk.Duration
	// Timeout bounds a whole execution: a run's max_duration_ms is at most
	// 7 days; a paused run ends its execution, and a resume starts another.
	Timeout      awscdk.Duration
	LogRetention awslogs.RetentionDays
}

// SpiderStateMachine runs spider runs: Init -> Route -> (CrawlBatch ->
// Route)* -> Finalize, where Route is a Choice on the step output's "next"
// (crawl_batch, finalize, paused). Every task retries transient failures
// with backoff; a task that still fails is caught and the run finalized as
// failed, so a run never stays "running" with no execution behind it.
type SpiderStateMachine struct {
	constructs.Construct
	Machine sfn.StateMachine
	// ARN is built from the fixed name, not read from the resource, so the
	// function can be told it without a circular dependency (the machine
	// invokes the function; the function starts the machine).
	ARN *string
}

// NewSpiderStateMachine builds the state machine and wires the function to
// it (environment variable and states:StartExecution).
func NewSpiderStateMachine(scope constructs.Construct, id string, p *SpiderStateMachineProps) *SpiderStateMachine {
	c := constructs.NewConstruct(scope, jsii.String(id))
	stack := awscdk.Stack_Of(scope)
	name := *stack.StackName() + "-spider"
	arn := stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("states"), Resource: jsii.String("stateMachine"),
		ResourceName: jsii.String(name), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})

	step := func(id, name string, extra map[string]any) tasks.LambdaInvoke {
		payload := map[string]any{"step": name, "spider_id": sfn.JsonPath_StringAt(jsii.String("$.spider_id"))}
		for k, v := range extra {
			payload[k] = v
		}
		t := tasks.NewLambdaInvoke(c, jsii.String(id), &tasks.LambdaInvokeProps{
			LambdaFunction:           p.Function,
			Payload:                  sfn.TaskInput_FromObject(&payload),
			PayloadResponseOnly:      jsii.Bool(true),
			RetryOnServiceExceptions: jsii.Bool(false),
			TaskTimeout:              sfn.Timeout_Duration(p.TaskTimeout),
		})
		// Steps are idempotent (Init re-run changes nothing, a new
		// CrawlBatch takes over what a dead one claimed, Finalize sends
		// its webhook once), so every failure kind may be retried.
		t.AddRetry(&sfn.RetryProps{
			Errors: jsii.Strings("Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
				"Lambda.TooManyRequestsException", "States.Timeout", "States.TaskFailed"),
			Interval: awscdk.Duration_Seconds(jsii.Number(2)), MaxAttempts: jsii.Number(3), BackoffRate: jsii.Number(2),
		})
		return t
	}
	initStep := step("Init", "init", nil)
	crawl := step("CrawlBatch", "crawl_batch", nil)
	finalize := step("Finalize", "finalize", nil)
	finalizeFailed := step("FinalizeFailed", "finalize", map[string]any{"error": sfn.JsonPath_ObjectAt(jsii.String("$.error"))})
	failed := sfn.NewFail(c, jsii.String("Failed"), &sfn.FailProps{Error: jsii.String("SpiderStepFailed"), Cause: jsii.String("a step failed after its retries; the run was finalized as failed")})
	finalizeFailed.Next(failed)
	for _, t := range []tasks.LambdaInvoke{initStep, crawl, finalize} {
		t.AddCatch(finalizeFailed, &sfn.CatchProps{Errors: jsii.Strings("States.ALL"), ResultPath: jsii.String("$.error")})
	}
	done := sfn.NewSucceed(c, jsii.String("Done"), nil)
	paused := sfn.NewSucceed(c, jsii.String("Paused"), &sfn.SucceedProps{Comment: jsii.String("the run is paused; a resume starts a new execution")})
	route := sfn.NewChoice(c, jsii.String("Route"), nil)
	next := func(v string) sfn.Condition { return sfn.Condition_StringEquals(jsii.String("$.next"), jsii.String(v)) }
	route.When(next("crawl_batch"), crawl, nil).
		When(next("init"), initStep, nil).
		When(next("paused"), paused, nil).
		When(next("done"), done, nil).
		Otherwise(finalize)
	initStep.Next(route)
	crawl.Next(route)
	finalize.Next(done)

	logs := awslogs.NewLogGroup(c, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention: p.LogRetention, RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	m := sfn.NewStateMachine(c, jsii.String("Machine"), &sfn.StateMachineProps{
		StateMachineName: jsii.String(name),
		Comment:          jsii.String("RipTide spider runs: Init, CrawlBatch until done or paused, Finalize"),
		DefinitionBody:   sfn.DefinitionBody_FromChainable(initStep),
		StateMachineType: sfn.StateMachineType_STANDARD,
		Timeout:          p.Timeout,
		TracingEnabled:   jsii.Bool(true),
		Logs:             &sfn.LogOptions{Destination: logs, Level: sfn.LogLevel_ALL, IncludeExecutionData: jsii.Bool(false)},
	})
	suppress(m.Role(), true, nagRule{
		ID: "AwsSolutions-IAM5",
		Reason: "CDK's LambdaInvoke grants lambda:InvokeFunction on the spider function and its versions (<arn>:*); " +
			"X-Ray and CloudWatch Logs delivery actions do not support resource-level permissions.",
		AppliesTo: []string{"Resource::<" + logicalIDOf(p.Function) + ".Arn>:*", "Resource::*"},
	})

	// The spider function starts runs; so does every starter (the crawl
	// function delegates /crawl with options.use_spider).
	for _, fn := range append([]awslambda.Function{p.Function}, p.Starters...) {
		fn.AddEnvironment(jsii.String(SpiderStateMachineEnv), arn, nil)
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions: jsii.Strings("states:StartExecution"), Resources: &[]*string{arn},
		}))
	}
	return &SpiderStateMachine{Construct: c, Machine: m, ARN: arn}
}

// logicalIDOf returns the logical id CloudFormation will use for fn (the
// form cdk-nag names it with in IAM5 findings).
func logicalIDOf(fn awslambda.Function) string {
	return *awscdk.Stack_Of(fn).GetLogicalId(fn.Node().DefaultChild().(awslambda.CfnFunction))
}
