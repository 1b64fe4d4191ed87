// Package client is a Go client for the RipTide API (docs/client.md).
//
//	c, err := client.New("http://127.0.0.1:8080", client.WithAPIKey(key))
//	res, err := c.Crawl(ctx, client.CrawlRequest{URLs: []string{"https://example.com/"}})
//
// Every method takes a context.Context. A failure the server reports is a
// *Error carrying the API's unified error shape (type, message, request id,
// Retry-After); transport failures are returned as they are. Requests that
// are safe to repeat are retried on 429 and 503, waiting as long as the
// server's Retry-After asks (within bounds, see WithRetry).
//
// The package links only the standard library, so a program that imports
// it does not pull in the server's dependencies.
package client

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// apiPrefix is where the canonical routes live (docs/api-versioning.md).
const apiPrefix = "/api/v1"

// Client calls one RipTide server. It is safe for concurrent use.
type Client struct {
	base      *url.URL
	apiKey    string
	http      *http.Client
	userAgent string
	retry     RetryPolicy
}

// Option configures a Client.
type Option func(*Client)

// WithAPIKey sends key in the X-API-Key header of every request.
func WithAPIKey(key string) Option { return func(c *Client) { c.apiKey = key } }

// WithHTTPClient makes the client send its requests with h (its transport,
// proxies, TLS settings). h's Timeout bounds streams too, so leave it zero
// and use contexts when you read long streams.
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithUserAgent sets the User-Agent header of every request.
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }

// WithRetry replaces the retry policy (DefaultRetryPolicy otherwise);
// RetryPolicy{} turns retries off.
func WithRetry(p RetryPolicy) Option { return func(c *Client) { c.retry = p } }

// New returns a client of the server at baseURL (scheme and host, and a
// path prefix when the API is mounted below one, e.g. an API Gateway
// stage: "https://abc.execute-api.eu-west-1.amazonaws.com/prod").
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("client: base URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("client: base URL %q: want http(s)://host[:port][/prefix]", baseURL)
	}
	c := &Client{base: u, http: http.DefaultClient, userAgent: "riptide-go-client", retry: DefaultRetryPolicy}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// call is one API request.
type call struct {
	method string
	path   string // below /api/v1, with path parameters escaped
	query  url.Values
	body   any // JSON-encoded when not nil
	accept string
	// idempotent says the request may be sent twice without harm: GET and
	// DELETE always are, a POST only when it carries an idempotency key.
	idempotent bool
	// okStatus lists the statuses that are not errors besides 2xx.
	okStatus []int
}

// send performs c (with retries) and returns the response for the caller
// to read and close; a status outside 2xx (and okStatus) is returned as a
// *Error with the body closed.
func (cl *Client) send(ctx context.Context, c call) (*http.Response, error) {
	var payload []byte
	if c.body != nil {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(c.body); err != nil {
			return nil, fmt.Errorf("client: encode request: %w", err)
		}
		payload = buf.Bytes()
	}
	target := cl.base.String() + apiPrefix + c.path
	if len(c.query) > 0 {
		target += "?" + c.query.Encode()
	}
	retryable := c.idempotent || c.method == http.MethodGet || c.method == http.MethodHead || c.method == http.MethodDelete
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, c.method, target, bytes.NewReader(payload))
		if err != nil {
			return nil, fmt.Errorf("client: %w", err)
		}
		if payload != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Accept", cmp.Or(c.accept, "application/json"))
		req.Header.Set("User-Agent", cl.userAgent)
		if cl.apiKey != "" {
			req.Header.Set("X-API-Key", cl.apiKey)
		}
		resp, err := cl.http.Do(req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode/100 == 2 || slices.Contains(c.okStatus, resp.StatusCode) {
			return resp, nil
		}
		apiErr := decodeError(resp)
		wait, again := cl.retry.next(attempt, apiErr)
		if !retryable || !again {
			return nil, apiErr
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, errors.Join(ctx.Err(), apiErr)
		case <-t.C:
		}
	}
}

// do performs c and decodes a JSON answer into out (when not nil).
func (cl *Client) do(ctx context.Context, c call, out any) (int, error) {
	resp, err := cl.send(ctx, c)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if out == nil || resp.StatusCode == http.StatusNoContent {
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return resp.StatusCode, fmt.Errorf("client: decode %s %s answer (%d): %w", c.method, c.path, resp.StatusCode, err)
	}
	return resp.StatusCode, nil
}

// pathEscape escapes one path parameter (a job or spider id).
func pathEscape(s string) string { return url.PathEscape(s) }
