package awsapi

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Error is an AWS error response: a status outside 2xx, with the error code
// and message the service sent.
//
// It answers the method sets the SDK's retryer inspects (ErrorCode,
// HTTPStatusCode), so retry.Standard classifies it as it classifies the
// SDK's own errors: throttling codes and 5xx are retried.
type Error struct {
	// Service is the SDK service id ("Lambda").
	Service string
	// StatusCode is the HTTP status.
	StatusCode int
	// Code is the AWS error code ("TooManyRequestsException"), from the
	// X-Amzn-ErrorType header or the body's __type / code, without the
	// namespace prefix or URI suffix AWS may add. Empty when the response
	// said nothing (a load balancer's HTML page).
	Code string
	// QueryCode is the legacy AWS Query error code a query-compatible
	// service (SQS) sends beside the JSON one in X-Amzn-Query-Error
	// ("AWS.SimpleQueueService.NonExistentQueue" for QueueDoesNotExist);
	// empty for other services.
	QueryCode string
	// Fault is "Sender" or "Receiver" from X-Amzn-Query-Error, when sent.
	Fault string
	// Message is the service's message, or the start of a text body.
	Message string
	// RequestID is the X-Amzn-RequestId header, to quote to AWS support.
	RequestID string
	// Header holds the response headers (Retry-After, service fields).
	Header http.Header
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: HTTP %d", e.Service, e.StatusCode)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.QueryCode != "" && e.QueryCode != e.Code {
		b.WriteString(" (" + e.QueryCode + ")")
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.RequestID != "" {
		b.WriteString(" (request id " + e.RequestID + ")")
	}
	return b.String()
}

// ErrorCode returns the AWS error code the SDK's clients report: the query
// code when a query-compatible service sent one (the SDK's
// ErrorCodeOverride), else Code. The retryer classifies on it.
func (e *Error) ErrorCode() string {
	if e.QueryCode != "" {
		return e.QueryCode
	}
	return e.Code
}

// ErrorMessage returns the service's message.
func (e *Error) ErrorMessage() string { return e.Message }

// HTTPStatusCode returns the HTTP status.
func (e *Error) HTTPStatusCode() int { return e.StatusCode }

// IsCode reports whether err is an *Error with code as its Code (the JSON
// error shape, "QueueDoesNotExist", "ConflictException") or its QueryCode
// ("AWS.SimpleQueueService.NonExistentQueue").
func IsCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && code != "" && (e.Code == code || e.QueryCode == code)
}

// decodeError reads an AWS JSON error response the way the SDK's REST-JSON
// and JSON protocols do: the code from X-Amzn-ErrorType, else the body's
// __type, else its code; the message from message or Message; for a
// query-compatible service the query code and fault from
// X-Amzn-Query-Error ("AWS.SimpleQueueService.NonExistentQueue;Sender").
func decodeError(svc Service, status int, h http.Header, body []byte) *Error {
	if svc.S3 {
		return decodeS3Error(svc, status, h, body)
	}
	e := &Error{Service: svc.ID, StatusCode: status, Header: h, RequestID: requestID(h)}
	if svc.QueryCompatible {
		e.QueryCode, e.Fault, _ = strings.Cut(h.Get("X-Amzn-Query-Error"), ";")
	}
	var info struct {
		Type    string `json:"__type"`
		Message string `json:"message"` // encoding/json also matches "Message"
		Code    any    `json:"code"`
	}
	trimmed := bytes.TrimSpace(body)
	isJSON := json.Unmarshal(trimmed, &info) == nil
	e.Code = h.Get("X-Amzn-ErrorType")
	if e.Code == "" {
		e.Code = info.Type
	}
	if c, ok := info.Code.(string); ok && e.Code == "" {
		e.Code = c
	}
	e.Code = sanitizeCode(e.Code)
	e.Message = info.Message
	if !isJSON && len(trimmed) > 0 && trimmed[0] != '<' {
		e.Message = shorten(string(trimmed), 200) // a proxy's text; an HTML page says nothing useful
	}
	return e
}

// decodeS3Error reads an S3 error response as the SDK's S3 client does:
// <Error><Code>NoSuchKey</Code><Message>...</Message></Error>; a response
// without a body (any HEAD, a 404 from HeadObject) gets the status text as
// its code, without spaces ("NotFound", "Forbidden"), as the SDK names it.
func decodeS3Error(svc Service, status int, h http.Header, body []byte) *Error {
	e := &Error{Service: svc.ID, StatusCode: status, Header: h, RequestID: requestID(h)}
	var info struct {
		Code      string `xml:"Code"`
		Message   string `xml:"Message"`
		RequestID string `xml:"RequestId"`
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && xml.Unmarshal(trimmed, &info) == nil {
		e.Code, e.Message = info.Code, info.Message
		if e.RequestID == "" {
			e.RequestID = info.RequestID
		}
	} else if len(trimmed) > 0 && trimmed[0] != '<' {
		e.Message = shorten(string(trimmed), 200)
	}
	if e.Code == "" {
		e.Code = strings.ReplaceAll(http.StatusText(status), " ", "")
	}
	return e
}

// sanitizeCode strips what AWS may put around a code:
// "aws.protocoljson#ThrottlingException" and
// "ThrottlingException:http://internal.amazon.com/coral/...".
func sanitizeCode(code string) string {
	if i := strings.Index(code, ":"); i >= 0 {
		code = code[:i]
	}
	if i := strings.Index(code, "#"); i >= 0 {
		code = code[i+1:]
	}
	return code
}

func requestID(h http.Header) string {
	if id := h.Get("X-Amzn-RequestId"); id != "" {
		return id
	}
	return h.Get("X-Amz-Request-Id")
}

func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// SendError means a request got no response: the connection was refused
// or reset, the name did not resolve, or the HTTP client timed out. It
// reports ConnectionError, as the SDK's RequestSendError does, so the
// standard retryer retries it.
type SendError struct {
	Service string
	Err     error
}

func (e *SendError) Error() string { return e.Service + ": send request: " + e.Err.Error() }

// Unwrap returns the transport's error (net.Error, context errors).
func (e *SendError) Unwrap() error { return e.Err }

// ConnectionError marks the error as retryable for retry.Standard.
func (e *SendError) ConnectionError() bool { return true }

// ResponseError means the response could not be read whole (cut off, or
// larger than the client accepts), or a 2xx answer was not the operation's
// JSON. It is not retried: the operation may have run.
type ResponseError struct {
	Service    string
	StatusCode int
	RequestID  string
	Err        error
}

func (e *ResponseError) Error() string {
	return fmt.Sprintf("%s: read response (HTTP %d): %v", e.Service, e.StatusCode, e.Err)
}

// Unwrap returns the read error.
func (e *ResponseError) Unwrap() error { return e.Err }

// CredentialsError means the credentials provider gave none (no role, an
// expired profile): a configuration problem, not retried.
type CredentialsError struct {
	Service string
	Err     error
}

func (e *CredentialsError) Error() string {
	return e.Service + ": retrieve AWS credentials: " + e.Err.Error()
}

// Unwrap returns the provider's error.
func (e *CredentialsError) Unwrap() error { return e.Err }
