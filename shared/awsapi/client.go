package awsapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// DefaultMaxResponseBytes bounds a response body: Lambda's synchronous
// payload limit is 6 MB, a Converse answer far smaller.
const DefaultMaxResponseBytes = 16 << 20

// Options adjust a Client beyond what the aws.Config says.
type Options struct {
	// Endpoint, when set, is the base URL of every call and wins over all
	// configured endpoints (a per-provider base URL, tests).
	Endpoint string
	// Region overrides cfg.Region (for signing and the default endpoint).
	Region string
	// SingleAttempt turns retries off: for callers whose own failover moves
	// on at the first failure. Otherwise calls are retried as the SDK's
	// clients retry them (cfg.Retryer, else retry.NewStandard: 3 attempts,
	// jittered exponential backoff, throttling codes, 5xx and connection
	// errors), with cfg.RetryMaxAttempts honoured.
	SingleAttempt bool
	// HTTPClient overrides cfg.HTTPClient.
	HTTPClient aws.HTTPClient
	// MaxResponseBytes overrides DefaultMaxResponseBytes.
	MaxResponseBytes int64
	// Bucket, for S3 (Service.S3), is the bucket every call addresses:
	// request paths are then object keys. The client addresses it
	// virtual-hosted or path-style, as the SDK's S3 client does.
	Bucket string
}

// defaultHTTPClient is the client of every Client whose configuration
// names none, shared by the process so that connections are reused across
// services. http.DefaultTransport keeps 2 idle connections per host: a
// worker sending SQS messages from 16 goroutines would open and close TLS
// connections all the time. The SDK's own default keeps 10; SQS, Step
// Functions and S3 see bursts of the spider's and jobs' concurrency.
var defaultHTTPClient = sync.OnceValue(func() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 32
	return &http.Client{Transport: t}
})

// Client calls one AWS service. Safe for concurrent use.
type Client struct {
	service  Service
	endpoint *url.URL
	region   string
	creds    aws.CredentialsProvider
	http     aws.HTTPClient
	signer   *v4.Signer
	retryer  aws.Retryer // nil: one attempt
	maxBody  int64
	now      func() time.Time
}

// New returns a client of svc for cfg. It fails when no endpoint can be
// resolved (no region and no configured endpoint) or cfg has no
// credentials provider: wiring errors, reported before the first call.
func New(ctx context.Context, cfg aws.Config, svc Service, opts Options) (*Client, error) {
	region := cfg.Region
	if opts.Region != "" {
		region = opts.Region
	}
	endpoint, err := ResolveEndpoint(ctx, cfg, svc, opts.Endpoint, region)
	if err != nil {
		return nil, err
	}
	if region == "" {
		return nil, fmt.Errorf("awsapi: no AWS region configured for %s (set AWS_REGION): requests are signed for a region", svc.ID)
	}
	if cfg.Credentials == nil {
		return nil, fmt.Errorf("awsapi: no AWS credentials provider for %s", svc.ID)
	}
	if opts.Bucket != "" {
		if !svc.S3 {
			return nil, fmt.Errorf("awsapi: %s has no buckets", svc.ID)
		}
		endpoint = bucketEndpoint(endpoint, opts.Bucket)
	}
	signer := v4.NewSigner()
	if svc.S3 {
		signer = v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	}
	c := &Client{service: svc, endpoint: endpoint, region: region, creds: cfg.Credentials,
		http: cfg.HTTPClient, signer: signer, maxBody: DefaultMaxResponseBytes, now: time.Now}
	if opts.HTTPClient != nil {
		c.http = opts.HTTPClient
	}
	if c.http == nil {
		c.http = defaultHTTPClient()
	}
	if opts.MaxResponseBytes > 0 {
		c.maxBody = opts.MaxResponseBytes
	}
	if !opts.SingleAttempt {
		c.retryer = retryerOf(cfg)
	}
	return c, nil
}

// retryerOf builds the retryer a service client would build from cfg.
func retryerOf(cfg aws.Config) aws.Retryer {
	var r aws.Retryer
	if cfg.Retryer != nil {
		r = cfg.Retryer()
	}
	if r == nil {
		r = retry.NewStandard()
	}
	if cfg.RetryMaxAttempts > 0 {
		r = retry.AddWithMaxAttempts(r, cfg.RetryMaxAttempts)
	}
	return r
}

// Endpoint returns the base URL calls go to.
func (c *Client) Endpoint() string { return c.endpoint.String() }

// Request is one API call.
type Request struct {
	Method string
	// Path is the operation's path, already escaped: build labels with
	// PathLabel ("/model/" + PathLabel(id) + "/converse"). It is appended
	// to the endpoint's own path.
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
}

// Response is a 2xx answer, read whole.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
	// RequestID is the X-Amzn-RequestId header.
	RequestID string
	// Attempts is how many requests were sent (1 without retries).
	Attempts int
}

// Do sends req, signed, and returns the 2xx response. A non-2xx answer is
// an *Error, no answer a *SendError, a response that could not be read a
// *ResponseError, no credentials a *CredentialsError; when ctx ends the error wraps ctx.Err(). Retryable
// failures are retried (see Options.SingleAttempt) with the retryer's
// backoff, never past ctx's deadline.
func (c *Client) Do(ctx context.Context, req Request) (*Response, error) {
	maxAttempts := 1
	if c.retryer != nil {
		maxAttempts = c.retryer.MaxAttempts()
	}
	var releaseRetry func(error) error
	for attempt := 1; ; attempt++ {
		var releaseAttempt func(error) error
		if v2, ok := c.retryer.(aws.RetryerV2); ok && attempt == 1 {
			// A first attempt that succeeds refills the retry quota.
			releaseAttempt, _ = v2.GetAttemptToken(ctx)
		}
		resp, err := c.attempt(ctx, req)
		if releaseAttempt != nil {
			_ = releaseAttempt(err)
		}
		if releaseRetry != nil {
			_ = releaseRetry(err) // a successful retry refunds its cost
			releaseRetry = nil
		}
		if err == nil {
			resp.Attempts = attempt
			return resp, nil
		}
		if !c.retryable(ctx, err) || attempt >= maxAttempts {
			return nil, err
		}
		delay, derr := c.retryer.RetryDelay(attempt, err)
		if derr != nil {
			return nil, err
		}
		rel, terr := c.retryer.GetRetryToken(ctx, err)
		if terr != nil {
			return nil, err // the retry quota is spent: AWS is struggling, stop adding load
		}
		releaseRetry = rel
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, err
		case <-t.C:
		}
	}
}

func (c *Client) retryable(ctx context.Context, err error) bool {
	if c.retryer == nil || ctx.Err() != nil {
		return false
	}
	var re *ResponseError
	if errors.As(err, &re) {
		return false
	}
	return c.retryer.IsErrorRetryable(err)
}

// attempt sends req once.
func (c *Client) attempt(ctx context.Context, req Request) (*Response, error) {
	hreq, err := c.build(ctx, req)
	if err != nil {
		return nil, err
	}
	if len(req.Body) > 0 {
		lease := &bodyLease{data: req.Body}
		defer lease.end()
		hreq.Body = lease.reader()
		hreq.GetBody = func() (io.ReadCloser, error) { return lease.reader(), nil }
	}
	hresp, err := c.http.Do(hreq)
	if err != nil {
		if ctx.Err() != nil {
			return nil, &SendError{Service: c.service.ID, Err: fmt.Errorf("%w (%v)", ctx.Err(), err)}
		}
		return nil, &SendError{Service: c.service.ID, Err: err}
	}
	defer hresp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(hresp.Body, c.maxBody+1))
	if err == nil && int64(len(body)) > c.maxBody {
		err = fmt.Errorf("body larger than %d bytes", c.maxBody)
	}
	if err != nil {
		return nil, &ResponseError{Service: c.service.ID, StatusCode: hresp.StatusCode, RequestID: requestID(hresp.Header), Err: err}
	}
	if hresp.StatusCode < 200 || hresp.StatusCode > 299 {
		return nil, decodeError(c.service, hresp.StatusCode, hresp.Header, body)
	}
	return &Response{StatusCode: hresp.StatusCode, Header: hresp.Header, Body: body, RequestID: requestID(hresp.Header)}, nil
}

// bodyLease lends a request's body to the HTTP transport for one attempt.
// net/http may go on reading a request body after the response has come
// back (a server that answers before reading the whole body leaves the
// transport's writer mid-body), while callers reuse their slice once Do
// returns (the spider's record objects come from a pool): ending the lease
// cuts such late reads off, so Do never keeps req.Body after it returns.
type bodyLease struct {
	mu    sync.Mutex
	data  []byte
	ended bool
}

var errBodyLeaseEnded = errors.New("awsapi: request body read after Do returned")

func (l *bodyLease) reader() io.ReadCloser { return &leasedBody{lease: l} }

// end makes every reader of the lease fail from now on; a read in progress
// finishes first.
func (l *bodyLease) end() {
	l.mu.Lock()
	l.ended, l.data = true, nil
	l.mu.Unlock()
}

// leasedBody reads a lease's data from the start.
type leasedBody struct {
	lease *bodyLease
	off   int
}

func (b *leasedBody) Read(p []byte) (int, error) {
	b.lease.mu.Lock()
	defer b.lease.mu.Unlock()
	if b.lease.ended {
		return 0, errBodyLeaseEnded
	}
	if b.off >= len(b.lease.data) {
		return 0, io.EOF
	}
	n := copy(p, b.lease.data[b.off:])
	b.off += n
	return n, nil
}

func (b *leasedBody) Close() error { return nil }

// build makes the signed HTTP request of one attempt (each attempt is
// signed anew: a signature is valid for minutes, a retry may come later).
func (c *Client) build(ctx context.Context, req Request) (*http.Request, error) {
	hreq, err := c.unsigned(ctx, req)
	if err != nil {
		return nil, err
	}
	creds, err := c.creds.Retrieve(ctx)
	if err != nil {
		// Not a SendError: the credential chain has its own retries.
		return nil, &CredentialsError{Service: c.service.ID, Err: err}
	}
	sum := sha256.Sum256(req.Body)
	payloadHash := hex.EncodeToString(sum[:])
	if c.service.S3 {
		hreq.Header.Set("X-Amz-Content-Sha256", payloadHash) // S3 refuses a request without it
	}
	if err := c.signer.SignHTTP(ctx, creds, hreq, payloadHash, c.service.SigningName, c.region, c.now()); err != nil {
		return nil, fmt.Errorf("awsapi: sign %s request: %w", c.service.ID, err)
	}
	return hreq, nil
}

// unsigned makes the HTTP request of req before signing.
func (c *Client) unsigned(ctx context.Context, req Request) (*http.Request, error) {
	u := *c.endpoint
	u.RawPath = strings.TrimSuffix(c.endpoint.EscapedPath(), "/") + req.Path
	p, err := url.PathUnescape(u.RawPath)
	if err != nil {
		return nil, fmt.Errorf("awsapi: request path %q: %w", req.Path, err)
	}
	u.Path = p
	u.RawQuery = ""
	if len(req.Query) > 0 {
		// AWS reads %20 for a space; url.Values writes "+".
		u.RawQuery = strings.ReplaceAll(req.Query.Encode(), "+", "%20")
	}
	var body io.Reader = http.NoBody
	if len(req.Body) > 0 {
		body = bytes.NewReader(req.Body)
	}
	hreq, err := http.NewRequestWithContext(ctx, req.Method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("awsapi: %w", err)
	}
	for k, vs := range req.Header {
		hreq.Header[k] = append([]string(nil), vs...)
	}
	hreq.Header.Set("User-Agent", "riptide-awsapi")
	return hreq, nil
}

// Presign returns a URL that lets its holder make req without credentials
// until expires has passed (S3's presigned GET and PUT): req's query plus
// X-Amz-Expires and the SigV4 query parameters, the payload unsigned
// (UNSIGNED-PAYLOAD), as the SDK's presign clients make them. Headers in
// req.Header (Content-Type) are signed: whoever uses the URL must send
// them with the same values. req.Body is ignored.
func (c *Client) Presign(ctx context.Context, req Request, expires time.Duration) (string, error) {
	if expires <= 0 {
		return "", fmt.Errorf("awsapi: presign %s: expiry %v is not positive", c.service.ID, expires)
	}
	req.Body = nil
	if req.Query == nil {
		req.Query = url.Values{}
	} else {
		req.Query = cloneValues(req.Query)
	}
	req.Query.Set("X-Amz-Expires", strconv.FormatInt(int64(expires/time.Second), 10))
	hreq, err := c.unsigned(ctx, req)
	if err != nil {
		return "", err
	}
	hreq.Header.Del("User-Agent") // a browser or curl sends its own
	creds, err := c.creds.Retrieve(ctx)
	if err != nil {
		return "", &CredentialsError{Service: c.service.ID, Err: err}
	}
	signed, _, err := c.signer.PresignHTTP(ctx, creds, hreq, "UNSIGNED-PAYLOAD", c.service.SigningName, c.region, c.now())
	if err != nil {
		return "", fmt.Errorf("awsapi: presign %s request: %w", c.service.ID, err)
	}
	return signed, nil
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// PathGreedyLabel escapes a value for a greedy path label (an S3 object
// key), as the SDK does: like PathLabel, except that "/" stays a path
// separator ("a b/c:d" travels as a%20b/c%3Ad).
func PathGreedyLabel(s string) string {
	parts := strings.Split(s, "/")
	for i, p := range parts {
		parts[i] = PathLabel(p)
	}
	return strings.Join(parts, "/")
}

// PathLabel escapes a value for a path segment the way the SDK escapes
// HTTP labels: every byte outside A-Z a-z 0-9 - . _ ~ is percent-encoded,
// "/" and ":" included, so "fn:alias" travels as fn%3Aalias and a model id
// "amazon.nova-lite-v1:0" as amazon.nova-lite-v1%3A0.
func PathLabel(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch >= 'A' && ch <= 'Z' || ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '.' || ch == '_' || ch == '~' {
			b.WriteByte(ch)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", ch)
	}
	return b.String()
}
