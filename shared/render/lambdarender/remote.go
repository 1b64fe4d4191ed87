// Package lambdarender is the AWS adapter of the render port: a Renderer
// that invokes the render Lambda function (which carries Chromium) with a
// render.Request as its payload, and the task handler that answers such
// invocations inside that function. Errors travel as Lambda function
// errors whose errorType is a RipTide error type, so the caller gets back
// the same *core.Error the function produced.
package lambdarender

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/riptidecrawler/riptide/shared/awsapi"
	"github.com/riptidecrawler/riptide/shared/awsapi/lambdainvoke"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/render"
)

// LambdaInvoker is the one Lambda call the remote renderer makes;
// *lambdainvoke.Client satisfies it (throttling and 5xx retried with
// jittered backoff, as the SDK's Lambda client did).
type LambdaInvoker interface {
	Invoke(ctx context.Context, in lambdainvoke.Input) (*lambdainvoke.Output, error)
}

// Options configure the remote renderer.
type Options struct {
	// FunctionName (name or ARN) of the render function. Required.
	FunctionName string
	// Qualifier is a version or alias (optional).
	Qualifier string
	// Overhead is added to the request's own timeout for the invocation's
	// deadline: a cold start (Chromium launch) and the transfer (default 15 s).
	Overhead time.Duration
}

// MaxLambdaPayload is Lambda's synchronous payload limit, each way.
const MaxLambdaPayload = 6 << 20

// Remote renders by invoking the render Lambda synchronously. The payload
// is the render.Request JSON; the function answers with the render.Result JSON, or with a
// function error whose errorType is a RipTide error type (see
// FunctionErrorOf), which Remote turns back into the same *core.Error.
type Remote struct {
	client LambdaInvoker
	opts   Options
}

// New returns a renderer that invokes opts.FunctionName.
func New(client LambdaInvoker, opts Options) (*Remote, error) {
	if client == nil || opts.FunctionName == "" {
		return nil, errors.New("lambdarender: New needs a Lambda client and a function name")
	}
	if opts.Overhead <= 0 {
		opts.Overhead = 15 * time.Second
	}
	return &Remote{client: client, opts: opts}, nil
}

// Render invokes the render function with req.
func (r *Remote) Render(ctx context.Context, req render.Request) (*render.Result, error) {
	if err := req.Validate(); err != nil {
		return nil, err // no invocation for a request the function would refuse
	}
	payload, err := json.Marshal(req)
	if err != nil {
		return nil, core.Wrap(core.ErrInternal, err, "encode render request")
	}
	if len(payload) > MaxLambdaPayload {
		return nil, core.Errorf(core.ErrPayloadTooLarge, "render request is %d bytes; the render function accepts at most %d", len(payload), MaxLambdaPayload)
	}
	timeout := render.DefaultTimeout
	if req.TimeoutMS > 0 {
		timeout = time.Duration(req.TimeoutMS) * time.Millisecond
	}
	ictx, cancel := context.WithTimeout(ctx, timeout+r.opts.Overhead)
	defer cancel()

	out, err := r.client.Invoke(ictx, lambdainvoke.Input{FunctionName: r.opts.FunctionName, Qualifier: r.opts.Qualifier,
		InvocationType: lambdainvoke.RequestResponse, Payload: payload})
	if err != nil {
		return nil, invokeError(ctx, ictx, err)
	}
	if out.FunctionError != "" {
		return nil, functionError(out.FunctionError, out.Payload)
	}
	if out.StatusCode != 200 {
		return nil, core.Errorf(core.ErrDependency, "render function answered status %d", out.StatusCode)
	}
	var res render.Result
	if err := json.Unmarshal(out.Payload, &res); err != nil {
		return nil, core.Wrap(core.ErrDependency, err, "render function returned an unreadable result")
	}
	return &res, nil
}

// invokeError maps a failed Invoke call (the function did not run, or we
// stopped waiting).
func invokeError(parent, ictx context.Context, err error) error {
	var apiErr *awsapi.Error
	errors.As(err, &apiErr)
	if apiErr != nil && apiErr.Code == "TooManyRequestsException" {
		e := core.Wrap(core.ErrRateLimited, err, "the render function is at its concurrency limit; retry later")
		if n, perr := strconv.Atoi(apiErr.Header.Get("Retry-After")); perr == nil && n > 0 {
			e.RetryAfterSeconds = n
		}
		if e.RetryAfterSeconds == 0 {
			e.RetryAfterSeconds = 1
		}
		return e
	}
	if errors.Is(err, context.DeadlineExceeded) || ictx.Err() != nil {
		if parent.Err() != nil && !errors.Is(parent.Err(), context.DeadlineExceeded) {
			return core.Wrap(core.ErrTimeout, err, "render canceled by the caller")
		}
		return core.Wrap(core.ErrTimeout, err, "the render function did not answer before the deadline")
	}
	if apiErr != nil && apiErr.Code == "RequestTooLargeException" {
		return core.Wrap(core.ErrPayloadTooLarge, err, "render request exceeds the Lambda payload limit")
	}
	if apiErr != nil {
		code := apiErr.Code
		if code == "" {
			code = "HTTP " + strconv.Itoa(apiErr.StatusCode)
		}
		return core.Wrap(core.ErrDependency, err, "cannot invoke the render function: "+code)
	}
	return core.Wrap(core.ErrDependency, err, "cannot invoke the render function")
}

// lambdaError is the payload of a function error, as the Lambda runtime
// writes it.
type lambdaError struct {
	Message string `json:"errorMessage"`
	Type    string `json:"errorType"`
}

// functionError restores the *core.Error the render function reported.
// An error type outside RipTide's vocabulary (a panic, a runtime timeout,
// "Runtime.ExitError", an oversized response) is a render_error whose
// message does not leak the function's internals.
func functionError(kind string, payload []byte) error {
	var le lambdaError
	_ = json.Unmarshal(payload, &le)
	t := core.ErrorType(le.Type)
	if slices.Contains(core.AllErrorTypes, t) && le.Message != "" {
		return &core.Error{Type: t, Message: le.Message, Cause: fmt.Errorf("render function error (%s)", kind)}
	}
	cause := fmt.Errorf("render function error %s: %s: %s", kind, le.Type, le.Message)
	return core.Wrap(core.ErrRender, cause, "the render function failed")
}

// FunctionErrorOf is what the render function returns for a failed
// render so that Remote can restore the error: the error type as the
// Lambda errorType and the client-safe message as errorMessage. In a Go
// handler: return messages.InvokeResponse_Error{Type: t, Message: m}.
func FunctionErrorOf(err error) (errorType, message string) {
	e := core.AsError(err)
	return string(e.Type), e.Message
}

// Health describes the renderer for the health endpoint.
func (r *Remote) Health(context.Context) (string, error) {
	return "remote: function " + r.opts.FunctionName, nil
}

// HandleTask serves render requests sent as Lambda task events by Remote:
// the payload is a render.Request, the answer a render.Result; a failure
// is a typed error that lambdaio turns into a Lambda function error Remote
// reads back.
func HandleTask(r render.Renderer) func(context.Context, json.RawMessage) (any, error) {
	return func(ctx context.Context, payload json.RawMessage) (any, error) {
		if r == nil {
			return nil, core.Errorf(core.ErrDependency, "this render function has no browser")
		}
		var req render.Request
		dec := json.NewDecoder(bytes.NewReader(payload))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			return nil, core.Errorf(core.ErrValidation, "render task: %v", err)
		}
		if err := req.Validate(); err != nil {
			return nil, err
		}
		return r.Render(ctx, req)
	}
}
