package fetch

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/riptidecrawler/riptide/shared/bufpool"
	"github.com/riptidecrawler/riptide/shared/core"
)

// attemptResult is one HTTP exchange.
type attemptResult struct {
	status   int
	proto    string
	header   http.Header
	location string // set for a redirect that should be followed
	body     []byte // content-decoded, at most maxBody bytes
	// pooled is body's buffer from bodyBuffers, when body is in one.
	pooled    *[]byte
	truncated bool
	wireBytes int64
	remote    string
	timings   Timings
	attempts  int
}

// retrying runs attempts against one URL until one succeeds, the retry
// policy gives up, or the circuit for the host opens.
func (f *Fetcher) retrying(ctx context.Context, u *url.URL, c *call) (*attemptResult, error) {
	host := u.Host
	p := f.opts.Retry
	for n := 1; ; n++ {
		ticket, err := f.breaker.Allow(ctx, host)
		if err != nil {
			return nil, err
		}
		release, err := f.limiter.Acquire(ctx, host, c.politeness)
		if err != nil {
			f.breaker.Record(ctx, host, ticket, OutcomeNeutral)
			return nil, classify(ctx, "GET "+u.String()+" (waiting for a slot on the host)", err).err
		}
		res, fail := f.attempt(ctx, u, c)
		release()

		// The outcome is recorded even when ctx has ended (a cancelled
		// caller still learned something about the host).
		rctx := context.WithoutCancel(ctx)
		switch {
		case fail != nil && fail.hostFault:
			f.breaker.Record(rctx, host, ticket, OutcomeFailure)
		case fail != nil:
			f.breaker.Record(rctx, host, ticket, OutcomeNeutral)
		case res.status >= 500 || res.status == http.StatusTooManyRequests:
			f.breaker.Record(rctx, host, ticket, OutcomeFailure)
		default:
			f.breaker.Record(rctx, host, ticket, OutcomeSuccess)
		}

		if fail != nil {
			if !fail.retryable || n >= p.MaxAttempts {
				return nil, fail.err
			}
			wait := p.backoff(n)
			if !fitsDeadline(ctx, wait) {
				return nil, fail.err
			}
			f.log.InfoContext(ctx, "fetch retry", "url", u.String(), "attempt", n, "wait_ms", wait.Milliseconds(), "reason", fail.err.Message)
			if err := sleepCtx(ctx, wait); err != nil {
				return nil, fail.err
			}
			continue
		}
		res.attempts = n
		if !retryableStatus(res.status) || n >= p.MaxAttempts {
			return res, nil
		}
		if _, isChallenge := DetectChallenge(res.status, res.header, res.body); isChallenge {
			return res, nil // asking a bot wall again does not help
		}
		wait := p.backoff(n)
		if ra, ok := parseRetryAfter(res.header.Get("Retry-After"), time.Now()); ok {
			if ra > p.MaxRetryAfter {
				return res, nil // the caller sees the status and Retry-After
			}
			wait = ra
		}
		if !fitsDeadline(ctx, wait) {
			return res, nil
		}
		f.log.InfoContext(ctx, "fetch retry", "url", u.String(), "attempt", n, "wait_ms", wait.Milliseconds(), "status", res.status)
		if err := sleepCtx(ctx, wait); err != nil {
			return res, nil
		}
	}
}

// fitsDeadline reports whether waiting d still leaves time before ctx ends.
func fitsDeadline(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return !ok || time.Until(dl) > d
}

// attempt sends one GET and reads the response.
func (f *Fetcher) attempt(ctx context.Context, u *url.URL, c *call) (*attemptResult, *failure) {
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	info := &dialInfo{}
	actx = context.WithValue(actx, dialInfoKey{}, info)
	if c.proxy != nil {
		actx = context.WithValue(actx, proxyKey{}, c.proxy)
	}

	var (
		mu                 sync.Mutex
		fbTimer            *time.Timer
		gotFirst           bool
		firstByte          time.Time
		tlsStart, tlsDone  time.Time
		remote             string
		firstByteTimeout   = c.firstByte
		firstByteExhausted = &firstByteTimeoutError{firstByteTimeout}
	)
	stopTimer := func() {
		mu.Lock()
		gotFirst = true
		if fbTimer != nil {
			fbTimer.Stop()
		}
		mu.Unlock()
	}
	trace := &httptrace.ClientTrace{
		GotConn: func(i httptrace.GotConnInfo) {
			mu.Lock()
			remote = i.Conn.RemoteAddr().String()
			mu.Unlock()
		},
		TLSHandshakeStart: func() { mu.Lock(); tlsStart = time.Now(); mu.Unlock() },
		TLSHandshakeDone:  func(tls.ConnectionState, error) { mu.Lock(); tlsDone = time.Now(); mu.Unlock() },
		// The first-byte clock starts once the request is on the wire, so
		// connecting (bounded by ConnectTimeout) does not eat into it.
		WroteRequest: func(httptrace.WroteRequestInfo) {
			mu.Lock()
			if fbTimer == nil && !gotFirst {
				fbTimer = time.AfterFunc(firstByteTimeout, func() { cancel(firstByteExhausted) })
			}
			mu.Unlock()
		},
		GotFirstResponseByte: func() {
			mu.Lock()
			firstByte = time.Now()
			mu.Unlock()
			stopTimer()
		},
	}
	actx = httptrace.WithClientTrace(actx, trace)

	hreq, err := http.NewRequestWithContext(actx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &failure{err: core.Wrap(core.ErrInvalidURL, err, "cannot build request for "+u.String())}
	}
	hreq.Header = c.header.Clone()
	if !sameSite(c.origHost, u.Hostname()) {
		// Credentials the caller meant for one site do not follow a
		// redirect to another (as net/http's client does).
		for _, k := range []string{"Authorization", "Cookie", "Proxy-Authorization", "Www-Authenticate"} {
			hreq.Header.Del(k)
		}
	}
	for _, ck := range c.jar.Cookies(u) {
		hreq.AddCookie(ck)
	}

	what := "GET " + u.String()
	start := time.Now()
	hres, err := f.transport.RoundTrip(hreq)
	stopTimer()
	if err != nil {
		fl := classify(actx, what, err)
		return nil, &fl
	}
	defer hres.Body.Close()
	if cookies := hres.Cookies(); len(cookies) > 0 {
		c.jar.SetCookies(u, cookies)
	}

	res := &attemptResult{status: hres.StatusCode, proto: hres.Proto, header: hres.Header}
	mu.Lock()
	res.remote = remote
	dns, connect := info.get()
	res.timings = Timings{DNS: dns, Connect: connect}
	if !tlsStart.IsZero() && !tlsDone.IsZero() {
		res.timings.TLS = tlsDone.Sub(tlsStart)
	}
	if !firstByte.IsZero() {
		res.timings.TTFB = firstByte.Sub(start)
	}
	mu.Unlock()

	if isRedirect(hres.StatusCode) && hres.Header.Get("Location") != "" {
		res.location = hres.Header.Get("Location")
		// Drain a little so the connection can be reused; a redirect body
		// is never the page.
		_, _ = io.CopyN(io.Discard, hres.Body, 64<<10)
		return res, nil
	}

	wire, pooled, wireTruncated, err := readBody(hres.Body, hres.ContentLength, c.maxBody)
	res.wireBytes = int64(len(wire))
	if err != nil {
		bodyBuffers.Put(pooled)
		fl := classify(actx, what+fmt.Sprintf(" (reading the body after %d bytes)", len(wire)), err)
		return nil, &fl
	}
	body, truncated, err := decodeContent(hres.Header.Get("Content-Encoding"), wire, wireTruncated, c.maxBody)
	if err != nil {
		bodyBuffers.Put(pooled)
		ce := core.AsError(err)
		return nil, &failure{err: &core.Error{Type: ce.Type, Message: what + ": " + ce.Message, Cause: ce.Cause}}
	}
	if sameArray(body, wire) {
		res.pooled = pooled
	} else {
		bodyBuffers.Put(pooled) // decoded into a slice of its own
	}
	res.body, res.truncated = body, truncated
	return res, nil
}

// readBody reads at most limit bytes into a buffer from bodyBuffers;
// truncated says more was available. pooled is the pool entry whose
// backing array b is (Response.Release hands it back).
func readBody(r io.Reader, contentLength, limit int64) (b []byte, pooled *[]byte, truncated bool, err error) {
	pooled = bodyBuffers.Get()
	b = *pooled
	// One byte past the body, so the read that finds the end does not
	// grow the buffer; a body of unknown length (chunked, how most
	// dynamic pages arrive) starts from a pooled buffer's own size.
	want := int64(bodyChunk)
	if contentLength >= 0 {
		want = min(contentLength, limit) + 1
	}
	if int64(cap(b)) < want {
		b = make([]byte, 0, want)
	}
	lr := io.LimitReader(r, limit+1)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // the runtime's growth: about 1.25-2x
		}
		n, rerr := lr.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if rerr != nil {
			if !errors.Is(rerr, io.EOF) {
				err = rerr
			}
			break
		}
	}
	*pooled = b
	if int64(len(b)) > limit {
		return b[:limit], pooled, true, nil
	}
	return b, pooled, false, err
}

// bodyChunk is the first buffer size of a body of unknown length.
const bodyChunk = 32 << 10

// bodyBuffers holds the buffers bodies are read into. A page's body lives
// from its fetch to the end of its extraction; a caller that is done with
// it (the pipeline) hands the buffer back with Response.Release, so a
// spider reads page after page into the same few buffers instead of
// allocating each body's size (an eighth of what a spider run allocated).
var bodyBuffers = bufpool.New(2 << 20)

// sameArray reports whether a and b are slices of one backing array cut
// from its front or back only (b[3:], b[:n]): both end where it ends.
func sameArray(a, b []byte) bool {
	return cap(a) > 0 && cap(b) > 0 && &a[:cap(a)][cap(a)-1] == &b[:cap(b)][cap(b)-1]
}

// sameSite reports whether host b is host a or one of its subdomains, the
// rule net/http applies before forwarding credentials on a redirect.
func sameSite(a, b string) bool {
	a, b = strings.ToLower(a), strings.ToLower(b)
	return a == b || strings.HasSuffix(b, "."+a)
}
