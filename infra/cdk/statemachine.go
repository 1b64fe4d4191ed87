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
	// spider.Engine.HandleStep); Invoke is what the state machine calls
	// (its live alias).
	Function awslambda.Function
	Invoke   awslambda.IFunction
	// Starters may also start runs (environment variable and
	// states:StartExecution, no task events).
	Starters    []awslambda.Function
	TaskTimeout awscdk.Duration
	// Timeout bounds one execution: a run's max_duration_ms is at most
	// 7 days; a paused run ends its execution, and a resume starts another.
	Timeout awscdk.Duration
	// ContinueAfter is how many CrawlBatch steps one execution runs before
	// it hands the run to a new execution of the same machine, far below
	// Step Functions' 25,000 history events (DefaultSpiderContinueAfter).
	ContinueAfter int
	LogRetention  awslogs.RetentionDays
}

// SpiderStateMachine runs spider runs: Start -> Init -> Route ->
// (CrawlBatch -> Count -> Route)* -> Finalize, where Route is a Choice on
// the last step's "next" (crawl_batch, finalize, paused, done) and Count
// adds one to the execution's iteration counter. Past ContinueAfter
// iterations Route goes to ContinueAsNew instead of CrawlBatch: it starts a
// new execution of this machine for the same spider_id (which begins with
// Init, a no-op on a running run) and this one succeeds as Continued, so no
// run of any length reaches the history limit. Every task retries
// transient failures with backoff; a task that still fails is caught and
// the run finalized as failed, so a run never stays "running" with no
// execution behind it. If even that fails, the execution ends in
// Unfinalized (alarmed: docs/runbooks/spider-executions-failed.md).
type SpiderStateMachine struct {
	constructs.Construct
	Machine sfn.StateMachine
	// ARN is built from the fixed name, not read from the resource, so the
	// function can be told it without a circular dependency (the machine
	// invokes the function; the function starts the machine).
	ARN *string
}

// Spider state machine names the tests and runbooks refer to.
const (
	SpiderIterationPath = "$.iteration"
	SpiderStepPath      = "$.step"
)

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
	invoke := p.Invoke
	if invoke == nil {
		invoke = p.Function
	}

	retry := func(t sfn.TaskStateBase) {
		// Steps are idempotent (Init re-run changes nothing, a new
		// CrawlBatch takes over what a dead one claimed, Finalize sends
		// its webhook once), so every failure kind may be retried.
		t.AddRetry(&sfn.RetryProps{
			Errors: jsii.Strings("Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
				"Lambda.TooManyRequestsException", "States.Timeout", "States.TaskFailed"),
			Interval: awscdk.Duration_Seconds(jsii.Number(2)), MaxAttempts: jsii.Number(3), BackoffRate: jsii.Number(2),
		})
	}
	// resultPath "" replaces the state with the step's output (Finalize's
	// output is the execution's); SpiderStepPath keeps spider_id and the
	// iteration counter beside it.
	step := func(id, name, resultPath string, extra map[string]any) tasks.LambdaInvoke {
		payload := map[string]any{"step": name, "spider_id": sfn.JsonPath_StringAt(jsii.String("$.spider_id"))}
		for k, v := range extra {
			payload[k] = v
		}
		props := &tasks.LambdaInvokeProps{
			LambdaFunction:           invoke,
			Payload:                  sfn.TaskInput_FromObject(&payload),
			PayloadResponseOnly:      jsii.Bool(true),
			RetryOnServiceExceptions: jsii.Bool(false),
			TaskTimeout:              sfn.Timeout_Duration(p.TaskTimeout),
		}
		if resultPath != "" {
			props.ResultPath = jsii.String(resultPath)
		}
		t := tasks.NewLambdaInvoke(c, jsii.String(id), props)
		retry(t)
		return t
	}
	start := sfn.NewPass(c, jsii.String("Start"), &sfn.PassProps{
		Comment: jsii.String("a new execution (first, resumed or continued) counts its iterations from 0"),
		Parameters: &map[string]any{
			"spider_id": sfn.JsonPath_StringAt(jsii.String("$.spider_id")),
			"iteration": 0,
		},
	})
	initStep := step("Init", "init", SpiderStepPath, nil)
	crawl := step("CrawlBatch", "crawl_batch", SpiderStepPath, nil)
	count := sfn.NewPass(c, jsii.String("Count"), &sfn.PassProps{
		Parameters: &map[string]any{
			"spider_id": sfn.JsonPath_StringAt(jsii.String("$.spider_id")),
			"iteration": sfn.JsonPath_MathAdd(sfn.JsonPath_NumberAt(jsii.String(SpiderIterationPath)), jsii.Number(1)),
			"step":      sfn.JsonPath_ObjectAt(jsii.String(SpiderStepPath)),
		},
	})
	finalize := step("Finalize", "finalize", "", nil)
	finalizeFailed := step("FinalizeFailed", "finalize", "", map[string]any{"error": sfn.JsonPath_ObjectAt(jsii.String("$.error"))})
	failed := sfn.NewFail(c, jsii.String("Failed"), &sfn.FailProps{Error: jsii.String("SpiderStepFailed"), Cause: jsii.String("a step failed after its retries; the run was finalized as failed")})
	unfinalized := sfn.NewFail(c, jsii.String("Unfinalized"), &sfn.FailProps{
		Error: jsii.String("SpiderFinalizeFailed"),
		Cause: jsii.String("a step failed and so did finalizing the run as failed: its record may still say running (docs/runbooks/spider-executions-failed.md)"),
	})
	finalizeFailed.Next(failed)
	finalizeFailed.AddCatch(unfinalized, &sfn.CatchProps{Errors: jsii.Strings("States.ALL"), ResultPath: jsii.String("$.finalize_error")})

	self := sfn.StateMachine_FromStateMachineArn(c, jsii.String("Self"), arn)
	continueAsNew := tasks.NewStepFunctionsStartExecution(c, jsii.String("ContinueAsNew"), &tasks.StepFunctionsStartExecutionProps{
		Comment:      jsii.String("hand the run to a new execution before this one's history grows too long"),
		StateMachine: self,
		// Launcher names are <spider_id>-<time>; a continuation's is
		// <spider_id>-<uuid> (69 of the 80 characters allowed).
		Name:                jsii.String(*sfn.JsonPath_Format(jsii.String("{}-{}"), sfn.JsonPath_StringAt(jsii.String("$.spider_id")), sfn.JsonPath_Uuid())),
		Input:               sfn.TaskInput_FromObject(&map[string]any{"spider_id": sfn.JsonPath_StringAt(jsii.String("$.spider_id"))}),
		AssociateWithParent: jsii.Bool(true),
		IntegrationPattern:  sfn.IntegrationPattern_REQUEST_RESPONSE,
		ResultPath:          jsii.String("$.continuation"),
	})
	continueAsNew.AddRetry(&sfn.RetryProps{
		Errors:   jsii.Strings("StepFunctions.SdkClientException", "StepFunctions.AWSStepFunctionsException", "States.TaskFailed"),
		Interval: awscdk.Duration_Seconds(jsii.Number(2)), MaxAttempts: jsii.Number(5), BackoffRate: jsii.Number(2),
	})
	continued := sfn.NewSucceed(c, jsii.String("Continued"), &sfn.SucceedProps{Comment: jsii.String("the run goes on in the execution ContinueAsNew started")})
	continueAsNew.Next(continued)

	for _, t := range []sfn.TaskStateBase{initStep, crawl, finalize, continueAsNew} {
		t.AddCatch(finalizeFailed, &sfn.CatchProps{Errors: jsii.Strings("States.ALL"), ResultPath: jsii.String("$.error")})
	}
	done := sfn.NewSucceed(c, jsii.String("Done"), nil)
	paused := sfn.NewSucceed(c, jsii.String("Paused"), &sfn.SucceedProps{Comment: jsii.String("the run is paused; a resume starts a new execution")})
	route := sfn.NewChoice(c, jsii.String("Route"), nil)
	next := func(v string) sfn.Condition {
		return sfn.Condition_StringEquals(jsii.String(SpiderStepPath+".next"), jsii.String(v))
	}
	route.When(sfn.Condition_And(next("crawl_batch"),
		sfn.Condition_NumberGreaterThanEquals(jsii.String(SpiderIterationPath), jsii.Number(float64(p.ContinueAfter)))), continueAsNew, nil).
		When(next("crawl_batch"), crawl, nil).
		When(next("init"), initStep, nil).
		When(next("paused"), paused, nil).
		When(next("done"), done, nil).
		Otherwise(finalize)
	start.Next(initStep)
	initStep.Next(route)
	crawl.Next(count)
	count.Next(route)
	finalize.Next(done)

	logs := awslogs.NewLogGroup(c, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention: p.LogRetention, RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	m := sfn.NewStateMachine(c, jsii.String("Machine"), &sfn.StateMachineProps{
		StateMachineName: jsii.String(name),
		Comment:          jsii.String("RipTide spider runs: Init, CrawlBatch until done or paused, Finalize; long runs continue as new executions"),
		DefinitionBody:   sfn.DefinitionBody_FromChainable(start),
		StateMachineType: sfn.StateMachineType_STANDARD,
		Timeout:          p.Timeout,
		TracingEnabled:   jsii.Bool(true),
		Logs:             &sfn.LogOptions{Destination: logs, Level: sfn.LogLevel_ALL, IncludeExecutionData: jsii.Bool(false)},
	})
	suppress(m.Role(), true, nagRule{
		ID: "AwsSolutions-IAM5",
		Reason: "CDK's LambdaInvoke grants lambda:InvokeFunction on the spider function's live alias and its qualifiers (<arn>:*); " +
			"X-Ray and CloudWatch Logs delivery actions do not support resource-level permissions.",
		AppliesTo: []string{"Resource::<" + logicalIDOf(invoke) + ">:*", "Resource::*"},
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

// logicalIDOf returns how cdk-nag names fn in IAM5 findings: "<Id>" is
// a Ref (an alias's ARN), "<Id>.Arn" a GetAtt (a function's ARN).
func logicalIDOf(fn awslambda.IFunction) string {
	child := fn.Node().DefaultChild().(awscdk.CfnElement)
	id := *awscdk.Stack_Of(fn).GetLogicalId(child)
	if _, ok := child.(awslambda.CfnFunction); ok {
		return id + ".Arn"
	}
	return id
}
