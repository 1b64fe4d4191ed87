package awsapi_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/riptidecrawler/riptide/internal/sigv4test"
	"github.com/riptidecrawler/riptide/shared/awsapi"
)

var testCreds = aws.Credentials{AccessKeyID: "AKIDAWSAPITEST", SecretAccessKey: "awsapi-secret", SessionToken: "session-token"}

func testConfig(retryer func() aws.Retryer) aws.Config {
	return aws.Config{Region: "eu-west-1", Retryer: retryer,
		Credentials: credentials.NewStaticCredentialsProvider(testCreds.AccessKeyID, testCreds.SecretAccessKey, testCreds.SessionToken)}
}

// fastRetries is the SDK's standard retryer with a 1 ms backoff, so retry
// tests do not sleep for seconds.
func fastRetries() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
	})
}

// server answers with reply(attempt) after checking the signature.
type server struct {
	*httptest.Server
	calls atomic.Int32
	mu    sync.Mutex
	last  *http.Request
	body  []byte
}

func newServer(t *testing.T, service string, reply func(n int32, w http.ResponseWriter)) *server {
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := s.calls.Add(1)
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.last, s.body = r, body
		s.mu.Unlock()
		if msg := sigv4test.Verify(r, body, testCreds, "eu-west-1", service); msg != "" {
			w.Header().Set("X-Amzn-ErrorType", "InvalidSignatureException")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"message":"`+msg+`"}`)
			return
		}
		reply(n, w)
	}))
	t.Cleanup(s.Close)
	return s
}

func newClient(t *testing.T, cfg aws.Config, opts awsapi.Options) *awsapi.Client {
	t.Helper()
	c, err := awsapi.New(context.Background(), cfg, lambdaSvc, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDoSendsASignedRequest(t *testing.T) {
	s := newServer(t, "lambda", func(_ int32, w http.ResponseWriter) {
		w.Header().Set("X-Amzn-RequestId", "req-1")
		w.Header().Set("X-Extra", "x")
		io.WriteString(w, `{"ok":true}`)
	})
	c := newClient(t, testConfig(nil), awsapi.Options{Endpoint: s.URL + "/base/"})
	resp, err := c.Do(context.Background(), awsapi.Request{Method: http.MethodPost,
		Path:   "/functions/" + awsapi.PathLabel("arn:aws:lambda:eu-west-1:123:function:f:live") + "/invocations",
		Query:  map[string][]string{"Qualifier": {"$LATEST"}, "note": {"a b"}},
		Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"k":"v"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || string(resp.Body) != `{"ok":true}` || resp.RequestID != "req-1" || resp.Header.Get("X-Extra") != "x" || resp.Attempts != 1 {
		t.Fatalf("response %+v", resp)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if got := s.last.URL.EscapedPath(); got != "/base/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A123%3Afunction%3Af%3Alive/invocations" {
		t.Errorf("path %s", got)
	}
	if q := s.last.URL.Query(); q.Get("Qualifier") != "$LATEST" || q.Get("note") != "a b" || strings.Contains(s.last.URL.RawQuery, "+") {
		t.Errorf("query %s", s.last.URL.RawQuery)
	}
	if string(s.body) != `{"k":"v"}` || s.last.Header.Get("Content-Type") != "application/json" {
		t.Errorf("body %s, headers %v", s.body, s.last.Header)
	}
}

func TestDoDecodesAWSErrors(t *testing.T) {
	cases := []struct {
		name                 string
		status               int
		header               http.Header
		body                 string
		code, message, reqID string
	}{
		{"header code with a URI suffix", 429, http.Header{"X-Amzn-Errortype": {"ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/"}, "X-Amzn-Requestid": {"r1"}},
			`{"message":"Too many requests"}`, "ThrottlingException", "Too many requests", "r1"},
		{"__type with a namespace, capitalised Message", 400, nil, `{"__type":"com.amazonaws.lambda#InvalidParameterValueException","Message":"bad qualifier"}`,
			"InvalidParameterValueException", "bad qualifier", ""},
		{"code member", 404, http.Header{"X-Amz-Request-Id": {"r2"}}, `{"code":"ResourceNotFoundException","message":"Function not found"}`, "ResourceNotFoundException", "Function not found", "r2"},
		{"header beats body", 404, http.Header{"X-Amzn-Errortype": {"ResourceNotFoundException"}}, `{"__type":"Other","message":"m"}`, "ResourceNotFoundException", "m", ""},
		{"text body", 502, nil, "Bad Gateway\n", "", "Bad Gateway", ""},
		{"html body", 503, nil, "<html><body>Service Unavailable</body></html>", "", "", ""},
		{"empty body", 400, nil, "", "", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newServer(t, "lambda", func(_ int32, w http.ResponseWriter) {
				for k, v := range c.header {
					w.Header()[k] = v
				}
				w.WriteHeader(c.status)
				io.WriteString(w, c.body)
			})
			_, err := newClient(t, testConfig(nil), awsapi.Options{Endpoint: s.URL, SingleAttempt: true}).Do(context.Background(), awsapi.Request{Method: "POST", Path: "/x"})
			var ae *awsapi.Error
			if !errors.As(err, &ae) {
				t.Fatalf("want *awsapi.Error, got %T %v", err, err)
			}
			if ae.StatusCode != c.status || ae.Code != c.code || ae.Message != c.message || ae.RequestID != c.reqID || ae.Service != "Lambda" {
				t.Fatalf("%+v", ae)
			}
			if !strings.Contains(ae.Error(), c.code) || !strings.Contains(ae.Error(), c.message) {
				t.Fatalf("Error() %q", ae.Error())
			}
		})
	}
}

func TestDoRetriesLikeTheSDK(t *testing.T) {
	ctx := context.Background()
	req := awsapi.Request{Method: "POST", Path: "/x"}
	status := func(statuses map[int32]int, code string) func(n int32, w http.ResponseWriter) {
		return func(n int32, w http.ResponseWriter) {
			st, ok := statuses[n]
			if !ok {
				io.WriteString(w, "{}")
				return
			}
			w.Header().Set("X-Amzn-ErrorType", code)
			w.WriteHeader(st)
			io.WriteString(w, `{"message":"no"}`)
		}
	}
	t.Run("5xx then success", func(t *testing.T) {
		s := newServer(t, "lambda", status(map[int32]int{1: 500, 2: 503}, "ServiceException"))
		resp, err := newClient(t, testConfig(fastRetries), awsapi.Options{Endpoint: s.URL}).Do(ctx, req)
		if err != nil || resp.Attempts != 3 || s.calls.Load() != 3 {
			t.Fatalf("%v, %d calls", err, s.calls.Load())
		}
	})
	t.Run("throttled to the end", func(t *testing.T) {
		s := newServer(t, "lambda", status(map[int32]int{1: 429, 2: 429, 3: 429, 4: 429}, "TooManyRequestsException"))
		_, err := newClient(t, testConfig(fastRetries), awsapi.Options{Endpoint: s.URL}).Do(ctx, req)
		var ae *awsapi.Error
		if !errors.As(err, &ae) || ae.Code != "TooManyRequestsException" || s.calls.Load() != 3 {
			t.Fatalf("%v, %d calls; want the error after the standard 3 attempts", err, s.calls.Load())
		}
	})
	t.Run("AWS_MAX_ATTEMPTS", func(t *testing.T) {
		s := newServer(t, "lambda", status(map[int32]int{1: 502, 2: 502, 3: 502, 4: 502}, ""))
		cfg := testConfig(fastRetries)
		cfg.RetryMaxAttempts = 5
		if resp, err := newClient(t, cfg, awsapi.Options{Endpoint: s.URL}).Do(ctx, req); err != nil || resp.Attempts != 5 {
			t.Fatalf("%v, %d calls", err, s.calls.Load())
		}
	})
	t.Run("client errors are not retried", func(t *testing.T) {
		s := newServer(t, "lambda", status(map[int32]int{1: 400, 2: 400}, "InvalidParameterValueException"))
		if _, err := newClient(t, testConfig(fastRetries), awsapi.Options{Endpoint: s.URL}).Do(ctx, req); err == nil || s.calls.Load() != 1 {
			t.Fatalf("%v, %d calls", err, s.calls.Load())
		}
	})
	t.Run("single attempt", func(t *testing.T) {
		s := newServer(t, "lambda", status(map[int32]int{1: 503, 2: 503}, "ServiceUnavailableException"))
		if _, err := newClient(t, testConfig(fastRetries), awsapi.Options{Endpoint: s.URL, SingleAttempt: true}).Do(ctx, req); err == nil || s.calls.Load() != 1 {
			t.Fatalf("%v, %d calls", err, s.calls.Load())
		}
	})
	t.Run("the deadline stops the backoff", func(t *testing.T) {
		s := newServer(t, "lambda", status(map[int32]int{1: 503, 2: 503, 3: 503}, ""))
		slow := func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Minute, nil })
			})
		}
		dctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := newClient(t, testConfig(slow), awsapi.Options{Endpoint: s.URL}).Do(dctx, req)
		var ae *awsapi.Error
		if !errors.As(err, &ae) || ae.StatusCode != 503 || time.Since(start) > 10*time.Second || s.calls.Load() != 1 {
			t.Fatalf("%v after %v, %d calls", err, time.Since(start), s.calls.Load())
		}
	})
}

// A connection cut before any response is a SendError, retried; a response
// cut in the middle is a ResponseError, not retried (the operation may have
// run).
func TestTransportFailures(t *testing.T) {
	ctx := context.Background()
	var hangups atomic.Int32
	hangup := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hangups.Add(1)
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	}))
	defer hangup.Close()
	_, err := newClient(t, testConfig(fastRetries), awsapi.Options{Endpoint: hangup.URL}).Do(ctx, awsapi.Request{Method: "POST", Path: "/x", Body: []byte("{}")})
	var se *awsapi.SendError
	if !errors.As(err, &se) || hangups.Load() != 3 {
		t.Fatalf("%T %v, %d attempts", err, err, hangups.Load())
	}

	var cuts atomic.Int32
	cut := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cuts.Add(1)
		conn, buf, _ := w.(http.Hijacker).Hijack()
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"partial\"")
		buf.Flush()
		conn.Close()
	}))
	defer cut.Close()
	_, err = newClient(t, testConfig(fastRetries), awsapi.Options{Endpoint: cut.URL}).Do(ctx, awsapi.Request{Method: "POST", Path: "/x"})
	var re *awsapi.ResponseError
	if !errors.As(err, &re) || cuts.Load() != 1 {
		t.Fatalf("%T %v, %d attempts", err, err, cuts.Load())
	}

	big := newServer(t, "lambda", func(_ int32, w http.ResponseWriter) { io.WriteString(w, strings.Repeat("x", 2048)) })
	_, err = newClient(t, testConfig(nil), awsapi.Options{Endpoint: big.URL, MaxResponseBytes: 1024}).Do(ctx, awsapi.Request{Method: "GET", Path: "/"})
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "larger than 1024") {
		t.Fatalf("oversized body: %v", err)
	}

	// A client timeout is a SendError whose cause is a net.Error timeout.
	stall := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(2 * time.Second) }))
	defer stall.Close()
	_, err = newClient(t, testConfig(nil), awsapi.Options{Endpoint: stall.URL, SingleAttempt: true, HTTPClient: &http.Client{Timeout: 100 * time.Millisecond}}).
		Do(ctx, awsapi.Request{Method: "POST", Path: "/x"})
	var ne net.Error
	if !errors.As(err, &se) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("client timeout: %T %v", err, err)
	}
}

func TestNewRefusesAnUnusableConfig(t *testing.T) {
	cleanAWSEnv(t)
	if _, err := awsapi.New(context.Background(), aws.Config{Region: "eu-west-1"}, lambdaSvc, awsapi.Options{}); err == nil {
		t.Error("no credentials provider was accepted")
	}
	if _, err := awsapi.New(context.Background(), testConfig(nil), lambdaSvc, awsapi.Options{Endpoint: "http://127.0.0.1:1", Region: ""}); err != nil {
		t.Errorf("a region from the config: %v", err)
	}
	noRegion := testConfig(nil)
	noRegion.Region = ""
	if _, err := awsapi.New(context.Background(), noRegion, lambdaSvc, awsapi.Options{Endpoint: "http://127.0.0.1:1"}); err == nil {
		t.Error("no region to sign for was accepted")
	}
	c, err := awsapi.New(context.Background(), testConfig(nil), lambdaSvc, awsapi.Options{})
	if err != nil || c.Endpoint() != "https://lambda.eu-west-1.amazonaws.com" {
		t.Errorf("%v %v", c, err)
	}
}

func TestPathLabel(t *testing.T) {
	for in, want := range map[string]string{
		"amazon.nova-lite-v1:0": "amazon.nova-lite-v1%3A0",
		"fn:alias":              "fn%3Aalias",
		"a/b c~_":               "a%2Fb%20c~_",
		"é":                     "%C3%A9",
	} {
		if got := awsapi.PathLabel(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

// A credentials provider that fails is a CredentialsError, sent nowhere
// and not retried.
func TestMissingCredentialsAreNotRetried(t *testing.T) {
	s := newServer(t, "lambda", func(_ int32, w http.ResponseWriter) {})
	var asked atomic.Int32
	cfg := testConfig(fastRetries)
	cfg.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		asked.Add(1)
		return aws.Credentials{}, errors.New("no role")
	})
	_, err := newClient(t, cfg, awsapi.Options{Endpoint: s.URL}).Do(context.Background(), awsapi.Request{Method: "POST", Path: "/x"})
	var ce *awsapi.CredentialsError
	if !errors.As(err, &ce) || asked.Load() != 1 || s.calls.Load() != 0 {
		t.Fatalf("%v; provider asked %d times, %d requests", err, asked.Load(), s.calls.Load())
	}
}

// Without an HTTP client in the configuration, connections are kept for
// reuse beyond http.DefaultTransport's 2 per host: a second burst of 8
// concurrent calls opens no new connection.
func TestConcurrentCallsReuseTheirConnections(t *testing.T) {
	var opened atomic.Int32
	release := make(chan struct{})
	var inFlight atomic.Int32
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		// Hold the first burst until all 8 are in, so that it needs 8
		// connections at once.
		if inFlight.Add(1) <= 8 {
			select {
			case <-release:
			case <-time.After(5 * time.Second):
			}
		}
		w.WriteHeader(200)
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			opened.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	c := newClient(t, testConfig(nil), awsapi.Options{Endpoint: s.URL})
	// burst sends 8 calls at once; the first burst's are held until all 8
	// are in, the second's need only the kept connections.
	burst := func(held bool) {
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := c.Do(context.Background(), awsapi.Request{Method: "POST", Path: "/"}); err != nil {
					t.Error(err)
				}
			}()
		}
		if held {
			for inFlight.Load() < 8 {
				time.Sleep(time.Millisecond)
			}
			close(release)
		}
		wg.Wait()
	}
	burst(true)
	first := opened.Load()
	burst(false)
	if first != 8 || opened.Load() > first {
		t.Fatalf("connections opened: %d for the first burst of 8, %d after the second (want 8 and no more)", first, opened.Load())
	}
}

// lateReader is an http.RoundTripper that answers 403 at once and reads
// the request body afterwards, as net/http's contract allows ("may [close
// the body] in a separate goroutine even after RoundTrip returns"; its
// HTTP/1 writer is mid-body when a server answers early).
type lateReader struct {
	readNow chan struct{}
	read    chan []byte
}

func (l *lateReader) RoundTrip(r *http.Request) (*http.Response, error) {
	go func() {
		<-l.readNow
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		l.read <- b
	}()
	return &http.Response{StatusCode: http.StatusForbidden, Request: r,
		Header: http.Header{"X-Amzn-Errortype": {"AccessDeniedException"}},
		Body:   io.NopCloser(strings.NewReader(`{"message":"access denied"}`))}, nil
}

// TestDoDoesNotReadTheBodyAfterItReturns: callers reuse their body slice
// once Do returns (the spider's pooled record objects), so a transport
// reading the body late must not see what was written there afterwards.
func TestDoDoesNotReadTheBodyAfterItReturns(t *testing.T) {
	rt := &lateReader{readNow: make(chan struct{}), read: make(chan []byte, 1)}
	cfg := testConfig(nil)
	cfg.HTTPClient = &http.Client{Transport: rt}
	c := newClient(t, cfg, awsapi.Options{Endpoint: "http://127.0.0.1:1"})
	body := []byte(strings.Repeat("a", 1<<16))
	_, err := c.Do(context.Background(), awsapi.Request{Method: http.MethodPut, Path: "/object", Body: body})
	var ae *awsapi.Error
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusForbidden || ae.Code != "AccessDeniedException" {
		t.Fatalf("error %v, want the 403", err)
	}
	for i := range body {
		body[i] = 'Z' // the caller reuses its buffer
	}
	close(rt.readNow)
	if late := <-rt.read; strings.Contains(string(late), "Z") {
		t.Fatalf("the transport read %d bytes written after Do returned", strings.Count(string(late), "Z"))
	}
}
