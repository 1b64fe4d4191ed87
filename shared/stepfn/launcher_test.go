package stepfn_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/riptidecrawler/riptide/internal/sigv4test"
	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/awsapi"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/stepfn"
)

func newClient(t *testing.T, cfg aws.Config) *stepfn.APIClient {
	t.Helper()
	c, err := stepfn.NewClient(context.Background(), cfg, awsapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestLaunchAgainstMoto starts executions through the real Step Functions
// wire protocol (moto_server on loopback) and reads them back with the
// SDK's own SFN client.
func TestLaunchAgainstMoto(t *testing.T) {
	endpoint := testenv.MotoURL(t)
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
	sdk := sfn.NewFromConfig(cfg)
	ctx := context.Background()
	sm, err := sdk.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name:       aws.String("spider-" + strings.ReplaceAll(t.Name(), "/", "-") + fmt.Sprint(time.Now().UnixNano())),
		Definition: aws.String(`{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}`),
		RoleArn:    aws.String("arn:aws:iam::123456789012:role/spider"),
	})
	if err != nil {
		t.Fatal(err)
	}
	client := newClient(t, cfg)
	l := &stepfn.Launcher{Client: client, StateMachineARN: *sm.StateMachineArn}
	const id = "0123456789abcdef0123456789abcdef"
	for range 2 { // a resume launches a second execution of the same run
		if err := l.Launch(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	list, err := sdk.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: sm.StateMachineArn})
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
		d, err := sdk.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: ex.ExecutionArn})
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

	// The client's answer, and the errors callers tell apart.
	out, err := client.StartExecution(ctx, &stepfn.StartExecutionInput{StateMachineARN: *sm.StateMachineArn, Name: "same", Input: `{"a":1}`})
	if err != nil || !strings.HasSuffix(out.ExecutionARN, ":same") || time.Since(out.Started()) > time.Hour || time.Until(out.Started()) > time.Hour {
		t.Fatalf("%+v %v", out, err)
	}
	_, err = client.StartExecution(ctx, &stepfn.StartExecutionInput{StateMachineARN: *sm.StateMachineArn, Name: "same", Input: `{"a":2}`})
	if !awsapi.IsCode(err, stepfn.CodeExecutionAlreadyExists) {
		t.Errorf("same name, other input: %v", err)
	}
	missing := &stepfn.Launcher{Client: client, StateMachineARN: "arn:aws:states:us-east-1:123456789012:stateMachine:nope"}
	err = missing.Launch(ctx, id)
	if core.TypeOf(err) != core.ErrDependency || !awsapi.IsCode(err, stepfn.CodeStateMachineDoesNotExist) || !strings.Contains(err.Error(), "RIPTIDE_SPIDER_STATE_MACHINE_ARN") {
		t.Errorf("missing state machine: %v", err)
	}
}

var fakeCreds = aws.Credentials{AccessKeyID: "AKIDSFNFAKE", SecretAccessKey: "sfn-secret"}

// fakeStates answers StartExecution on loopback with reply(n), after
// checking the signature and the JSON 1.0 framing.
func fakeStates(t *testing.T, reply func(n int, w http.ResponseWriter, r *http.Request)) (*stepfn.Launcher, func() (int, []byte)) {
	var mu sync.Mutex
	var n int
	var last []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		n++
		i := n
		last = body
		mu.Unlock()
		if msg := sigv4test.Verify(r, body, fakeCreds, "eu-west-1", "states"); msg != "" || r.Header.Get("X-Amz-Target") != "AWSStepFunctions.StartExecution" ||
			r.Header.Get("Content-Type") != "application/x-amz-json-1.0" || r.URL.Path != "/" {
			w.WriteHeader(400)
			io.WriteString(w, `{"__type":"BadRequest","message":"`+msg+`"}`)
			return
		}
		reply(i, w, r)
	}))
	t.Cleanup(srv.Close)
	cfg := aws.Config{Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider(fakeCreds.AccessKeyID, fakeCreds.SecretAccessKey, ""),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
			})
		}}
	l := &stepfn.Launcher{Client: newClient(t, cfg), StateMachineARN: "arn:aws:states:eu-west-1:123456789012:stateMachine:spider",
		Now: func() time.Time { return time.Unix(1733126400, 0) }}
	return l, func() (int, []byte) { mu.Lock(); defer mu.Unlock(); return n, last }
}

func TestLaunchFailures(t *testing.T) {
	ctx := context.Background()
	const id = "0123456789abcdef0123456789abcdef"
	t.Run("the request", func(t *testing.T) {
		l, calls := fakeStates(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
			io.WriteString(w, `{"executionArn":"arn:x","startDate":1.733126400123E9}`)
		})
		if err := l.Launch(ctx, id); err != nil {
			t.Fatal(err)
		}
		if n, body := calls(); n != 1 || string(body) != `{"stateMachineArn":"arn:aws:states:eu-west-1:123456789012:stateMachine:spider","name":"`+id+`-d61218o2eww0","input":"{\"spider_id\":\"`+id+`\"}"}` {
			t.Errorf("%d calls, body %s", n, body)
		}
	})
	t.Run("throttled, then started", func(t *testing.T) {
		l, calls := fakeStates(t, func(n int, w http.ResponseWriter, _ *http.Request) {
			if n < 3 {
				w.WriteHeader(400)
				io.WriteString(w, `{"__type":"com.amazonaws.swf.service.v2.model#ThrottlingException","message":"Rate exceeded"}`)
				return
			}
			io.WriteString(w, `{"executionArn":"arn:x","startDate":1733126400}`)
		})
		if err := l.Launch(ctx, id); err != nil {
			t.Fatal(err)
		}
		if n, _ := calls(); n != 3 {
			t.Errorf("%d calls", n)
		}
	})
	t.Run("a 5xx that is not JSON", func(t *testing.T) {
		l, calls := fakeStates(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(502)
			io.WriteString(w, "Bad Gateway")
		})
		err := l.Launch(ctx, id)
		if n, _ := calls(); core.TypeOf(err) != core.ErrDependency || !strings.Contains(err.Error(), "Bad Gateway") || n != 3 {
			t.Fatalf("%v after %d calls", err, n)
		}
	})
	t.Run("a limit is not retried", func(t *testing.T) {
		l, calls := fakeStates(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(400)
			io.WriteString(w, `{"__type":"ExecutionLimitExceeded","message":"too many"}`)
		})
		err := l.Launch(ctx, id)
		if n, _ := calls(); core.TypeOf(err) != core.ErrDependency || !awsapi.IsCode(err, stepfn.CodeExecutionLimitExceeded) || n != 1 {
			t.Fatalf("%v after %d calls", err, n)
		}
	})
	t.Run("a success body that is not JSON", func(t *testing.T) {
		l, calls := fakeStates(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
			io.WriteString(w, `{"executionArn":"arn:x","startDate":"yesterday"}`)
		})
		err := l.Launch(ctx, id)
		var re *awsapi.ResponseError
		if n, _ := calls(); core.TypeOf(err) != core.ErrDependency || !errors.As(err, &re) || n != 1 {
			t.Fatalf("%v after %d calls", err, n)
		}
	})
	t.Run("context cancelled", func(t *testing.T) {
		l, _ := fakeStates(t, func(_ int, w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(30 * time.Second):
			}
		})
		cctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(100*time.Millisecond, cancel)
		if err := l.Launch(cctx, id); !errors.Is(err, context.Canceled) {
			t.Fatalf("%v", err)
		}
	})
}

// A process that cannot sign requests (no region) still builds; its
// launches fail with the reason.
func TestUnavailableClient(t *testing.T) {
	_, err := stepfn.NewClient(context.Background(), aws.Config{Credentials: credentials.NewStaticCredentialsProvider("a", "b", "")}, awsapi.Options{})
	if err == nil {
		t.Fatal("a client without a region")
	}
	l := &stepfn.Launcher{Client: stepfn.Unavailable{Err: err}, StateMachineARN: "arn:aws:states:us-east-1:123456789012:stateMachine:spider"}
	if lerr := l.Launch(context.Background(), "0123456789abcdef0123456789abcdef"); core.TypeOf(lerr) != core.ErrDependency || !errors.Is(lerr, err) ||
		!strings.Contains(lerr.Error(), "AWS_REGION") {
		t.Fatalf("%v", lerr)
	}
}
