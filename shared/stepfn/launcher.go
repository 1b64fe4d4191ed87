// Package stepfn starts spider runs as AWS Step Functions executions: the
// AWS home of spider.Launcher. The state machine (infra/cdk/statemachine.go)
// calls the spider function's step handlers.
//
// Its one Step Functions call, StartExecution, goes through APIClient
// (client.go) over shared/awsapi, not the SDK's SFN client, for cold start.
package stepfn

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/riptidecrawler/riptide/shared/awsapi"
	"github.com/riptidecrawler/riptide/shared/core"
)

// Client is the part of the Step Functions API the launcher uses
// (*APIClient).
type Client interface {
	StartExecution(ctx context.Context, in *StartExecutionInput) (*StartExecutionOutput, error)
}

// Launcher implements spider.Launcher with one execution per launch (a
// new run, a resume, a reset). Executions are named after the run, so the
// console lists a run's executions together.
type Launcher struct {
	Client          Client
	StateMachineARN string
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
}

// Input is the execution input: the state machine starts with Init.
type Input struct {
	SpiderID string `json:"spider_id"`
}

// Launch starts an execution for run id.
func (l *Launcher) Launch(ctx context.Context, id string) error {
	if l.StateMachineARN == "" {
		return core.Errorf(core.ErrDependency, "no spider state machine configured (RIPTIDE_SPIDER_STATE_MACHINE_ARN)")
	}
	now := time.Now
	if l.Now != nil {
		now = l.Now
	}
	in, _ := json.Marshal(Input{SpiderID: id})
	// Names must be unique per state machine for 90 days and at most 80
	// characters: the run id (32) plus the start time.
	name := fmt.Sprintf("%s-%s", id, strconv.FormatInt(now().UnixNano(), 36))
	_, err := l.Client.StartExecution(ctx, &StartExecutionInput{StateMachineARN: l.StateMachineARN, Name: name, Input: string(in)})
	switch {
	case err == nil:
		return nil
	case awsapi.IsCode(err, CodeStateMachineDoesNotExist):
		return core.Wrap(core.ErrDependency, err, "start the Step Functions execution: no such state machine (RIPTIDE_SPIDER_STATE_MACHINE_ARN)")
	}
	return core.Wrap(core.ErrDependency, err, "start the Step Functions execution")
}
