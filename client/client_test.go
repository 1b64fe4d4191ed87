package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// flakyServer answers the first `fail` requests with status and a
// Retry-After of retryAfter, then 200 with body; it counts requests.
func flakyServer(t *testing.T, fail int, status int, retryAfter, body string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if int(n.Add(1)) <= fail {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			w.Header().Set("X-Request-ID", fmt.Sprintf("req-%d", n.Load()))
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"error":{"type":"rate_limited","message":"slow down","retryable":true,"status":%d,"request_id":"req-%d"}}`, status, n.Load())
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestRetryHonoursRetryAfter(t *testing.T) {
	srv, n := flakyServer(t, 2, http.StatusTooManyRequests, "1", `{"job_id":"j1","status":"queued"}`)
	c, _ := New(srv.URL)
	start := time.Now()
	j, err := c.Job(context.Background(), "j1")
	if err != nil {
		t.Fatal(err)
	}
	if j.JobID != "j1" || n.Load() != 3 {
		t.Fatalf("job %+v after %d requests", j, n.Load())
	}
	// Two waits of the server's 1 s, not the client's 0.5 s backoff.
	if waited := time.Since(start); waited < 2*time.Second {
		t.Fatalf("retried after %v: Retry-After: 1 was not honoured", waited)
	}
}

func TestRetryBacksOffWithoutRetryAfterOn503(t *testing.T) {
	srv, n := flakyServer(t, 1, http.StatusServiceUnavailable, "", `{"status":"healthy"}`)
	c, _ := New(srv.URL, WithRetry(RetryPolicy{MaxRetries: 2, MaxWait: time.Second, Backoff: 10 * time.Millisecond}))
	if _, err := c.SpiderStatus(context.Background(), "s1"); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 2 {
		t.Fatalf("%d requests, want 2", n.Load())
	}
}

func TestRetryGivesUp(t *testing.T) {
	for name, tc := range map[string]struct {
		policy     RetryPolicy
		retryAfter string
		call       func(*Client) error
		requests   int32
	}{
		"attempts exhausted": {RetryPolicy{MaxRetries: 2, MaxWait: time.Second}, "0",
			func(c *Client) error { _, err := c.Job(context.Background(), "j"); return err }, 3},
		"Retry-After above MaxWait": {RetryPolicy{MaxRetries: 3, MaxWait: time.Second}, "120",
			func(c *Client) error { _, err := c.Job(context.Background(), "j"); return err }, 1},
		"a POST without idempotency key": {DefaultRetryPolicy, "0",
			func(c *Client) error {
				_, err := c.SubmitJob(context.Background(), JobSpec{Type: "single_crawl"})
				return err
			}, 1},
		"retries off": {RetryPolicy{}, "0",
			func(c *Client) error { _, err := c.Job(context.Background(), "j"); return err }, 1},
	} {
		t.Run(name, func(t *testing.T) {
			srv, n := flakyServer(t, 100, http.StatusTooManyRequests, tc.retryAfter, `{}`)
			c, _ := New(srv.URL, WithRetry(tc.policy))
			err := tc.call(c)
			var apiErr *Error
			if !errors.As(err, &apiErr) || apiErr.Type != "rate_limited" || apiErr.Status != 429 {
				t.Fatalf("error %v, want a rate_limited *Error", err)
			}
			if n.Load() != tc.requests {
				t.Fatalf("%d requests, want %d", n.Load(), tc.requests)
			}
			if tc.retryAfter == "120" && apiErr.RetryAfter != 120*time.Second {
				t.Fatalf("RetryAfter %v", apiErr.RetryAfter)
			}
		})
	}
}

func TestSubmitWithIdempotencyKeyIsRetried(t *testing.T) {
	srv, n := flakyServer(t, 1, http.StatusTooManyRequests, "0", `{"job_id":"j1","status":"queued","created":true}`)
	c, _ := New(srv.URL)
	acc, err := c.SubmitJob(context.Background(), JobSpec{Type: "single_crawl", URL: "http://127.0.0.1/", IdempotencyKey: "k1"})
	if err != nil || acc.JobID != "j1" || n.Load() != 2 {
		t.Fatalf("%+v %v after %d requests", acc, err, n.Load())
	}
}

func TestRetryWaitEndsWithContext(t *testing.T) {
	srv, n := flakyServer(t, 100, http.StatusServiceUnavailable, "10", `{}`)
	c, _ := New(srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Job(ctx, "j")
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("error %v after %v", err, time.Since(start))
	}
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.Status != 503 || n.Load() != 1 {
		t.Fatalf("error %v: want the 503 too; %d requests", err, n.Load())
	}
}

func TestErrorWithoutUnifiedBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-ID", "gw-1")
		http.Error(w, `{"message":"Forbidden"}`, http.StatusForbidden) // API Gateway's own answer
	}))
	defer srv.Close()
	c, _ := New(srv.URL)
	_, err := c.Extract(context.Background(), ExtractRequest{URL: "http://127.0.0.1/"})
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.Type != "permission_denied" || apiErr.RequestID != "gw-1" || !strings.Contains(apiErr.Message, "Forbidden") {
		t.Fatalf("%#v", err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"": 0, "3": 3 * time.Second, "-1": 0, "soon": 0,
		"Tue, 01 Dec 2026 10:00:30 GMT": 30 * time.Second,
		"Tue, 01 Dec 2026 09:00:00 GMT": 0,
	} {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("%q: %v, want %v", in, got, want)
		}
	}
}

func TestNewRejectsBadBaseURL(t *testing.T) {
	for _, u := range []string{"", "127.0.0.1:8080", "ftp://127.0.0.1/", "http://"} {
		if _, err := New(u); err == nil {
			t.Errorf("New(%q) accepted", u)
		}
	}
	c, err := New("http://127.0.0.1:9/prod/")
	if err != nil || c.base.String() != "http://127.0.0.1:9/prod" {
		t.Fatalf("%v %v", c, err)
	}
}

func TestAPIKeyAndPrefix(t *testing.T) {
	var got *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		_, _ = io.WriteString(w, `{"status":"healthy","components":{}}`)
	}))
	defer srv.Close()
	c, _ := New(srv.URL+"/stage", WithAPIKey("k-123"), WithUserAgent("test-agent"))
	if _, err := c.Health(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got.URL.Path != "/stage/api/v1/health" || got.Header.Get("X-API-Key") != "k-123" || got.Header.Get("User-Agent") != "test-agent" {
		t.Fatalf("%s %v", got.URL.Path, got.Header)
	}
}
