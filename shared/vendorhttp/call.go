// Package vendorhttp calls third-party JSON APIs (search and LLM vendors)
// and turns their failures into RipTide's error types: a rejected key, a
// rate limit with its Retry-After, a vendor outage, a timeout and a body
// that is not the JSON promised each get a clear type and message, so a
// client can tell "fix your configuration" from "try again in 30 s". It
// also holds the per-vendor circuit breaker.
package vendorhttp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
)

// MaxResponseBytes bounds what is read from a vendor: search pages and
// chat completions are far smaller; anything bigger is a broken upstream.
const MaxResponseBytes = 16 << 20

// Vendor describes the API being called, for error messages.
type Vendor struct {
	// Name is the provider as clients name it ("serper", "openai").
	Name string
	// KeyVar is the variable that holds its credential ("SERPER_API_KEY"),
	// named in the message when the vendor rejects the key.
	KeyVar string
}

// Do sends req with client and returns the body of a 2xx response. Any other
// outcome is a *core.Error: see StatusError for non-2xx answers; transport
// failures are timeout_error (the context's deadline or a client timeout) or
// dependency_error (connection refused, reset, DNS).
func (v Vendor) Do(ctx context.Context, client *http.Client, req *http.Request) ([]byte, http.Header, error) {
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		return nil, nil, v.TransportError(ctx, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return nil, resp.Header, v.TransportError(ctx, err)
	}
	if len(body) > MaxResponseBytes {
		return nil, resp.Header, core.Errorf(core.ErrDependency, "%s answered more than %d bytes", v.Name, MaxResponseBytes)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return body, resp.Header, v.StatusError(resp.StatusCode, resp.Header, body)
	}
	return body, resp.Header, nil
}

// TransportError classifies a failure to get an answer at all.
func (v Vendor) TransportError(ctx context.Context, err error) error {
	var ce *core.Error
	if errors.As(err, &ce) {
		return ce // the SSRF guard refusing a configured base URL
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return core.Wrap(core.ErrTimeout, err, fmt.Sprintf("%s did not answer in time", v.Name))
	}
	if errors.Is(err, context.Canceled) {
		return core.Wrap(core.ErrTimeout, err, fmt.Sprintf("the call to %s was cancelled", v.Name))
	}
	return core.Wrap(core.ErrDependency, err, fmt.Sprintf("could not reach %s: %s", v.Name, redactURL(err.Error())))
}

// StatusError maps a vendor's non-2xx answer to an error type:
//
//	401, 403          dependency_error, not retryable: the key is wrong or lacks access
//	429               rate_limited, retryable, Retry-After carried
//	408, 5xx, 529     dependency_error (timeout_error for 408/504), retryable
//	other 4xx         dependency_error, not retryable: RipTide sent something the vendor refused
//
// The vendor's own message (from its JSON error body) is quoted, cut short.
func (v Vendor) StatusError(status int, h http.Header, body []byte) error {
	msg := VendorMessage(body)
	quote := ""
	if msg != "" {
		quote = ": " + msg
	}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		hint := ""
		if v.KeyVar != "" {
			hint = fmt.Sprintf(" (check %s)", v.KeyVar)
		}
		return &core.Error{Type: core.ErrDependency, Permanent: true,
			Message: fmt.Sprintf("%s rejected the credentials with HTTP %d%s%s", v.Name, status, hint, quote)}
	case status == http.StatusTooManyRequests:
		e := &core.Error{Type: core.ErrRateLimited, Message: fmt.Sprintf("%s is rate limiting requests (HTTP 429)%s", v.Name, quote)}
		if secs, ok := RetryAfter(h, time.Now()); ok {
			e.RetryAfterSeconds = secs
			e.Message += fmt.Sprintf("; retry after %d s", secs)
		}
		return e
	case status == http.StatusRequestTimeout || status == http.StatusGatewayTimeout:
		return core.Errorf(core.ErrTimeout, "%s timed out (HTTP %d)%s", v.Name, status, quote)
	case status >= 500:
		e := core.Errorf(core.ErrDependency, "%s failed with HTTP %d%s", v.Name, status, quote)
		if secs, ok := RetryAfter(h, time.Now()); ok {
			e.RetryAfterSeconds = secs
		}
		return e
	default:
		return &core.Error{Type: core.ErrDependency, Permanent: true,
			Message: fmt.Sprintf("%s refused the request with HTTP %d%s", v.Name, status, quote)}
	}
}

// Malformed is the error for a 2xx body that is not what the vendor
// documents.
func (v Vendor) Malformed(err error) error {
	return core.Wrap(core.ErrDependency, err, fmt.Sprintf("%s answered with a body RipTide cannot read (%s)", v.Name, shorten(err.Error(), 160)))
}

// DecodeJSON unmarshals a vendor body into dst; a failure is Malformed.
func (v Vendor) DecodeJSON(body []byte, dst any) error {
	if err := json.Unmarshal(body, dst); err != nil {
		return v.Malformed(err)
	}
	return nil
}

// VendorMessage extracts a human message from the JSON error bodies vendors
// send: {"error":{"message":...}} (OpenAI, Anthropic), {"error":{"detail":...}}
// (Brave), {"detail":{"error":...}} (Tavily), {"message":...} (Serper,
// Bedrock), {"error":"..."}; else the start of the body when it is text.
func VendorMessage(body []byte) string {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return ""
	}
	var v any
	if json.Unmarshal(body, &v) != nil {
		if bytes.HasPrefix(body, []byte("<")) {
			return "" // an HTML error page says nothing useful
		}
		return shorten(string(body), 200)
	}
	if s := findMessage(v, 0); s != "" {
		return shorten(s, 300)
	}
	return ""
}

func findMessage(v any, depth int) string {
	if depth > 3 {
		return ""
	}
	switch t := v.(type) {
	case string:
		return t
	case map[string]any:
		for _, k := range []string{"message", "detail", "error", "msg", "description"} {
			if s := findMessage(t[k], depth+1); s != "" {
				return s
			}
		}
	}
	return ""
}

func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// redactURL drops query strings from URLs in transport errors: some vendors
// take keys as query parameters and Go's errors quote the whole URL.
func redactURL(s string) string {
	out := strings.Fields(s)
	for i, w := range out {
		if j := strings.Index(w, "?"); j > 0 && strings.Contains(w, "://") {
			out[i] = w[:j] + `?…"`
		}
	}
	return strings.Join(out, " ")
}
