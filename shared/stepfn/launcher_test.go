package stepfn_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/stepfn"
)

// TestLaunchAgainstMoto starts executions through the real Step Functions
// wire protocol (moto_server on loopback) and reads them back.
func TestLaunchAgainstMoto(t *testing.T) {
	endpoint := testenv.MotoURL(t)
	client := sfn.New(sfn.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	ctx := context.Background()
	sm, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name:       aws.String("spider-" + strings.ReplaceAll(t.Name(), "/", "-")),
		Definition: aws.String(`{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}`),
		RoleArn:    aws.String("arn:aws:iam::123456789012:role/spider"),
	})
	if err != nil {
		t.Fatal(err)
	}
	l := &stepfn.Launcher{Client: client, StateMachineARN: *sm.StateMachineArn}
	const id = "0123456789abcdef0123456789abcdef"
	for range 2 { // a resume launches a second execution of the same run
		if err := l.Launch(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	list, err := client.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: sm.StateMachineArn})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Executions) != 2 {
		t.Fatalf("executions %d, want 2", len(list.Executions))
	}
	for _, ex := range list.Executions {
		if !strings.HasPrefix(*ex.Name, id+"-") || len(*ex.Name) > 80 {
			t.Errorf("execution name %q", *ex.Name)
		}
		d, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: ex.ExecutionArn})
		if err != nil {
			t.Fatal(err)
		}
		var in stepfn.Input
		if err := json.Unmarshal([]byte(*d.Input), &in); err != nil || in.SpiderID != id {
			t.Errorf("input %q", *d.Input)
		}
	}
	if err := (&stepfn.Launcher{Client: client}).Launch(ctx, id); err == nil {
		t.Error("launch without a state machine ARN succeeded")
	}
}
