package lambdaio

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
)

// CustomResourceFunc does a custom resource's work for one request. It
// returns the physical resource id (empty keeps the event's, or the
// request id on Create) and the attributes Fn::GetAtt reads.
type CustomResourceFunc func(ctx context.Context, ev cfn.Event) (physicalID string, data map[string]any, err error)

// CustomResource serves CloudFormation custom-resource events sent straight
// to the function (the service token is the function, no Provider
// framework): it runs f and PUTs the result to the event's pre-signed
// ResponseURL in CloudFormation's format (aws-lambda-go's cfn types), FAILED
// with f's error as the reason. Without the PUT CloudFormation waits until
// the resource's timeout. f runs with a deadline a margin before the
// invocation's, so a slow step still answers. The invocation fails (and
// Lambda retries it) only when the answer could not be delivered.
type CustomResource struct {
	Run CustomResourceFunc
	// Client sends the answer (nil: a client with a 30 s timeout).
	Client *http.Client
	// Margin is kept from the invocation's deadline for the answer
	// (0: 20 s).
	Margin time.Duration
	// RetryDelay is the first pause between delivery attempts, growing
	// quadratically (0: 500 ms).
	RetryDelay time.Duration
	Logger     *slog.Logger
}

// maxReason keeps the response under CloudFormation's 4,096-byte limit.
const maxReason = 2000

// Handle is a TaskFunc.
func (c CustomResource) Handle(ctx context.Context, payload json.RawMessage) (any, error) {
	var ev cfn.Event
	if err := json.Unmarshal(payload, &ev); err != nil || ev.ResponseURL == "" || ev.RequestType == "" {
		return nil, fmt.Errorf("%w: not a CloudFormation custom-resource event", ErrUnsupportedEvent)
	}
	log := c.Logger
	if log == nil {
		log = slog.Default()
	}
	margin := c.Margin
	if margin <= 0 {
		margin = 20 * time.Second
	}
	runCtx := ctx
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithDeadline(ctx, dl.Add(-margin))
		defer cancel()
	}
	r := cfn.NewResponse(&ev)
	var err error
	func() {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("panic: %v", p)
			}
		}()
		r.PhysicalResourceID, r.Data, err = c.Run(runCtx, ev)
	}()
	if r.PhysicalResourceID == "" {
		r.PhysicalResourceID = ev.PhysicalResourceID
		if ev.RequestType == cfn.RequestCreate || r.PhysicalResourceID == "" {
			r.PhysicalResourceID = ev.RequestID
		}
	}
	r.Status = cfn.StatusSuccess
	if err != nil {
		r.Status, r.Reason = cfn.StatusFailed, err.Error()
		if len(r.Reason) > maxReason {
			r.Reason = r.Reason[:maxReason] + "..."
		}
	}
	attrs := []any{slog.String("request_type", string(ev.RequestType)), slog.String("logical_id", ev.LogicalResourceID),
		slog.String("status", string(r.Status)), slog.String("reason", r.Reason)}
	if err := c.send(context.WithoutCancel(ctx), ev.ResponseURL, r); err != nil {
		log.ErrorContext(ctx, "custom resource answer not delivered", append(attrs, slog.String("error", err.Error()))...)
		return nil, err
	}
	log.InfoContext(ctx, "custom resource answered", attrs...)
	return r, nil
}

// send PUTs the answer, retrying transient failures: an undelivered answer
// leaves the stack waiting for the resource's whole timeout.
func (c CustomResource) send(ctx context.Context, url string, r *cfn.Response) error {
	body, err := json.Marshal(r)
	if err != nil {
		return err
	}
	client := c.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	delay := c.RetryDelay
	if delay <= 0 {
		delay = 500 * time.Millisecond
	}
	var last error
	for attempt := range 4 {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt*attempt) * delay)
		}
		// No Content-Type, as CloudFormation's own helpers send it: the
		// pre-signed URL's signature covers only what CloudFormation chose.
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.ContentLength = int64(len(body))
		res, err := client.Do(req)
		if err != nil {
			last = err
			continue
		}
		msg, _ := io.ReadAll(io.LimitReader(res.Body, 1024))
		res.Body.Close()
		if res.StatusCode == http.StatusOK {
			return nil
		}
		last = fmt.Errorf("PUT response: HTTP %d: %s", res.StatusCode, bytes.TrimSpace(msg))
		if res.StatusCode < 500 && res.StatusCode != http.StatusTooManyRequests {
			return last // a 403 (expired URL) will not improve
		}
	}
	return errors.Join(errors.New("custom resource answer"), last)
}
