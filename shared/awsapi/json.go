package awsapi

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"time"
)

// CallJSON calls operation op of an AWS JSON protocol service (SQS, Step
// Functions, Secrets Manager): a POST to the endpoint's root naming the
// operation in X-Amz-Target (Service.TargetPrefix + "." + op), in
// marshalled as the body ("{}" when nil), a 2xx body unmarshalled into out
// (when out is not nil and the body is not empty, as the SDK reads an
// empty answer as an empty output). Errors are those of Do; a 2xx body
// that is not out's JSON is a *ResponseError.
func (c *Client) CallJSON(ctx context.Context, op string, in, out any) (*Response, error) {
	if c.service.TargetPrefix == "" || c.service.JSONVersion == "" {
		return nil, fmt.Errorf("awsapi: %s is not described as an AWS JSON protocol service (TargetPrefix, JSONVersion)", c.service.ID)
	}
	body := []byte("{}")
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return nil, fmt.Errorf("awsapi: %s %s input: %w", c.service.ID, op, err)
		}
	}
	h := http.Header{"Content-Type": {"application/x-amz-json-" + c.service.JSONVersion},
		"X-Amz-Target": {c.service.TargetPrefix + "." + op}}
	if c.service.QueryCompatible {
		h.Set("X-Amzn-Query-Mode", "true")
	}
	resp, err := c.Do(ctx, Request{Method: http.MethodPost, Path: "/", Header: h, Body: body})
	if err != nil {
		return nil, err
	}
	return resp, c.decodeOutput(op, resp, out)
}

// DoJSON sends a REST-JSON request: req with in marshalled as its body
// (Content-Type application/json; no body when in is nil), a 2xx body
// unmarshalled into out as CallJSON does. The caller builds the path
// (PathLabel) and query of the operation's HTTP bindings.
func (c *Client) DoJSON(ctx context.Context, req Request, in, out any) (*Response, error) {
	if in != nil {
		body, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("awsapi: %s %s %s input: %w", c.service.ID, req.Method, req.Path, err)
		}
		req.Body = body
		if req.Header == nil {
			req.Header = http.Header{}
		}
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	return resp, c.decodeOutput(req.Method+" "+req.Path, resp, out)
}

func (c *Client) decodeOutput(op string, resp *Response, out any) error {
	if out == nil || len(resp.Body) == 0 {
		return nil
	}
	if err := json.Unmarshal(resp.Body, out); err != nil {
		return &ResponseError{Service: c.service.ID, StatusCode: resp.StatusCode, RequestID: resp.RequestID,
			Err: fmt.Errorf("%s answer is not the operation's JSON: %w", op, err)}
	}
	return nil
}

// EpochSeconds is a timestamp of the AWS JSON protocols: fractional
// seconds since 1970 as a JSON number ("startDate": 1733126400.123).
type EpochSeconds float64

// Time returns the timestamp in UTC, to the millisecond as the SDK reads it.
func (s EpochSeconds) Time() time.Time {
	ms := math.Round(float64(s) * 1000)
	return time.UnixMilli(int64(ms)).UTC()
}
