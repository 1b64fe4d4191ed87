// Package stepfn starts spider runs as AWS Step Functions executions: the
// AWS home of spider.Launcher. The state machine (infra/cdk/statemachine.go)
// calls the spider function's step handlers.
package stepfn

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/riptidecrawler/riptide/shared/core"
)

// Client is the part of the Step Functions API the launcher uses.
type Client interface {
	StartExecution(ctx context.Context, in *sfn.StartExecutionInput, opts ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error)
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
	_, err := l.Client.StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: aws.String(l.StateMachineARN),
		Name:            aws.String(name),
		Input:           aws.String(string(in)),
	})
	if err != nil {
		return core.Wrap(core.ErrDependency, err, "start the Step Functions execution")
	}
	return nil
}
