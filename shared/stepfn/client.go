package stepfn

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/riptidecrawler/riptide/shared/awsapi"
)

// Service is AWS Step Functions on the AWS JSON 1.0 protocol
// (X-Amz-Target AWSStepFunctions.<Operation>). Its endpoint is
// states.<region>.amazonaws.com, its SDK id "SFN" (so
// AWS_ENDPOINT_URL_SFN sets it alone) and it signs as "states".
var Service = awsapi.Service{ID: "SFN", EndpointPrefix: "states", SigningName: "states",
	TargetPrefix: "AWSStepFunctions", JSONVersion: "1.0"}

// Error codes of StartExecution the launcher tells apart (awsapi.IsCode).
const (
	// CodeExecutionAlreadyExists: an execution of that name exists with a
	// different input (same name and input is no error: StartExecution is
	// idempotent then, which makes its retries safe).
	CodeExecutionAlreadyExists = "ExecutionAlreadyExists"
	// CodeExecutionLimitExceeded: too many executions are running.
	CodeExecutionLimitExceeded = "ExecutionLimitExceeded"
	// CodeStateMachineDoesNotExist: the configured ARN names no state
	// machine (or one in another region or account).
	CodeStateMachineDoesNotExist = "StateMachineDoesNotExist"
	// CodeStateMachineDeleting: the state machine is being deleted.
	CodeStateMachineDeleting = "StateMachineDeleting"
)

// APIClient makes the Step Functions call the launcher needs through
// awsapi, without the SDK's SFN client (its endpoint table costs every
// function linking the spider code package-init time; see shared/awsapi).
type APIClient struct {
	api *awsapi.Client
}

// NewClient returns a Step Functions client for cfg (region, credentials,
// endpoint settings, the SDK's standard retries unless opts say otherwise).
func NewClient(ctx context.Context, cfg aws.Config, opts awsapi.Options) (*APIClient, error) {
	api, err := awsapi.New(ctx, cfg, Service, opts)
	if err != nil {
		return nil, err
	}
	return &APIClient{api: api}, nil
}

// StartExecutionInput is StartExecution's request.
type StartExecutionInput struct {
	StateMachineARN string `json:"stateMachineArn"`
	// Name is unique per state machine for 90 days, at most 80
	// characters; empty: Step Functions makes one up.
	Name string `json:"name,omitempty"`
	// Input is the execution input, a JSON text.
	Input string `json:"input,omitempty"`
	// TraceHeader is the X-Ray trace header to carry on.
	TraceHeader string `json:"traceHeader,omitempty"`
}

// StartExecutionOutput is StartExecution's answer.
type StartExecutionOutput struct {
	ExecutionARN string              `json:"executionArn"`
	StartDate    awsapi.EpochSeconds `json:"startDate"`
}

// Started is when the execution started.
func (o *StartExecutionOutput) Started() time.Time { return o.StartDate.Time() }

// StartExecution starts an execution of a state machine.
func (c *APIClient) StartExecution(ctx context.Context, in *StartExecutionInput) (*StartExecutionOutput, error) {
	var out StartExecutionOutput
	if _, err := c.api.CallJSON(ctx, "StartExecution", in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Unavailable is the Client of a process that cannot sign Step Functions
// requests (no region: a bare runtime emulator, a step process of the
// local state machine test; never Lambda itself). The spider function's
// step handlers do not launch runs, so they still work; every launch fails
// with Err, and the health check says so.
type Unavailable struct{ Err error }

// StartExecution implements Client: it fails with u.Err.
func (u Unavailable) StartExecution(context.Context, *StartExecutionInput) (*StartExecutionOutput, error) {
	return nil, u.Err
}
