// Package webhook delivers signed webhooks: the spider's end-of-run
// notice and a job's completion or failure. A webhook URL is user input,
// so every connection passes the fetch layer's SSRF guard; bodies are
// signed with HMAC-SHA256 over the timestamp and the body, so a receiver
// that checks the timestamp's age cannot be replayed to.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"syscall"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/urlnorm"
)

// Headers of every delivery.
const (
	SignatureHeader = "X-RipTide-Signature"
	TimestampHeader = "X-RipTide-Timestamp"
	EventHeader     = "X-RipTide-Event"
	// DeliveryHeader is the same for every attempt of one delivery, so a
	// receiver can drop a retry it has already processed.
	DeliveryHeader = "X-RipTide-Delivery"
)

// DefaultReplayWindow is how old a signed timestamp Verify accepts.
const DefaultReplayWindow = 5 * time.Minute

// Message is one webhook to deliver.
type Message struct {
	URL   string
	Event string // "spider.finished", "job.completed", ...
	Body  []byte
	// Secret signs the body; empty sends no signature header.
	Secret string
	// DeliveryID identifies the delivery across its attempts (optional).
	DeliveryID string
}

// Sign returns the X-RipTide-Signature value of body sent at ts:
// "sha256=" + hex(HMAC-SHA256(secret, "<unix seconds>." + body)).
func Sign(secret string, ts time.Time, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(ts.Unix(), 10)))
	mac.Write([]byte("."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a delivery as a receiver should: the signature matches the
// timestamp header and the body, and the timestamp is within window of
// now (either way, to allow for clock skew).
func Verify(secret, timestamp, signature string, body []byte, window time.Duration, now time.Time) error {
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("webhook timestamp %q is not unix seconds", timestamp)
	}
	ts := time.Unix(sec, 0)
	if d := now.Sub(ts); d > window || d < -window {
		return fmt.Errorf("webhook timestamp is %s away from now (window %s): a replay or a skewed clock", d.Round(time.Second), window)
	}
	if !hmac.Equal([]byte(Sign(secret, ts, body)), []byte(signature)) {
		return fmt.Errorf("webhook signature does not match")
	}
	return nil
}

// Sender posts webhooks through the SSRF guard (no redirects followed),
// retrying network failures, 5xx and 429 answers with backoff.
type Sender struct {
	client *http.Client
	// Attempts is the number of tries (default 3).
	Attempts int
	// Backoff is the wait before try n+1 (default n seconds: 1 s, 2 s).
	Backoff func(n int) time.Duration
	// Now is the clock of the timestamp header (tests).
	Now func() time.Time
}

// NewSender returns a sender whose connections pass guard: every address
// a webhook host resolves to is judged at connect time, like a page fetch.
func NewSender(guard *fetch.Guard) *Sender {
	d := &net.Dialer{Timeout: 5 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return err
		}
		return guard.Check(ap.Addr().Unmap())
	}}
	tr := &http.Transport{DialContext: d.DialContext, TLSHandshakeTimeout: 5 * time.Second, MaxIdleConns: 4}
	return &Sender{Attempts: 3, client: &http.Client{
		Transport: tr, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Sender) backoff(n int) time.Duration {
	if s.Backoff != nil {
		return s.Backoff(n)
	}
	return time.Duration(n) * time.Second
}

// Result says how a delivery went.
type Result struct {
	Attempts int
	Status   int // the last HTTP status, 0 when no answer came
}

// Send delivers m. Each attempt carries a fresh timestamp and signature;
// a 4xx other than 429 is final (the receiver refused it).
func (s *Sender) Send(ctx context.Context, m Message) (Result, error) {
	attempts := s.Attempts
	if attempts <= 0 {
		attempts = 3
	}
	var res Result
	var last error
	target, err := canonicalURL(m.URL)
	if err != nil {
		return res, err
	}
	for i := 0; i < attempts; i++ {
		if i > 0 {
			select {
			case <-time.After(s.backoff(i)):
			case <-ctx.Done():
				return res, ctx.Err()
			}
		}
		res.Attempts = i + 1
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(m.Body))
		if err != nil {
			return res, core.Wrap(core.ErrInvalidURL, err, "webhook URL")
		}
		now := s.now()
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", fetch.DefaultUserAgent)
		req.Header.Set(EventHeader, m.Event)
		req.Header.Set(TimestampHeader, strconv.FormatInt(now.Unix(), 10))
		if m.DeliveryID != "" {
			req.Header.Set(DeliveryHeader, m.DeliveryID)
		}
		if m.Secret != "" {
			req.Header.Set(SignatureHeader, Sign(m.Secret, now, m.Body))
		}
		resp, err := s.client.Do(req)
		if err != nil {
			last = failure(req.URL.Hostname(), err)
			var ce *core.Error
			if errors.As(err, &ce) && ce.Type == core.ErrBlockedURL {
				return res, last // the guard will not change its mind
			}
			continue
		}
		resp.Body.Close()
		res.Status = resp.StatusCode
		switch {
		case resp.StatusCode < 300:
			return res, nil
		case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
			last = fmt.Errorf("webhook answered HTTP %d", resp.StatusCode)
		default:
			return res, fmt.Errorf("webhook answered HTTP %d", resp.StatusCode)
		}
	}
	return res, last
}

// canonicalURL writes the host of a webhook URL canonically, so that a
// legacy IPv4 spelling (0x7f000001, 2130706433) is dialled, and judged by
// the guard, as the address it is instead of being looked up in DNS as a
// name.
func canonicalURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", core.Errorf(core.ErrInvalidURL, "webhook URL is not an absolute URL")
	}
	h, err := urlnorm.CanonicalHost(u.Hostname())
	if err != nil {
		return "", core.Wrap(core.ErrInvalidURL, err, "webhook URL host")
	}
	if ip, err := netip.ParseAddr(h); err == nil {
		h = ip.String()
		if ip.Is6() {
			h = "[" + h + "]"
		}
		if p := u.Port(); p != "" {
			h += ":" + p
		}
		u.Host = h
	}
	return u.String(), nil
}

// failure says why a webhook could not be delivered without the error's
// text, which callers show to their clients (a run's or job's status): a
// DNS error names the resolver's address, a dial error the local one.
func failure(host string, err error) error {
	var dnsErr *net.DNSError
	var ne net.Error
	var ce *core.Error
	switch {
	case errors.As(err, &ce) && ce.Type == core.ErrBlockedURL:
		return fmt.Errorf("webhook host %s: %s", host, ce.Message)
	case errors.As(err, &dnsErr):
		return fmt.Errorf("webhook host %s could not be resolved", host)
	case errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("webhook host %s timed out", host)
	}
	return fmt.Errorf("could not connect to webhook host %s", host)
}
