package spider

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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

// Notifier delivers the end-of-run webhook.
type Notifier interface {
	// Notify POSTs body to url, signed with secret when it is not empty.
	Notify(ctx context.Context, url string, body []byte, secret string) error
}

// Webhook headers.
const (
	SignatureHeader = "X-RipTide-Signature"
	TimestampHeader = "X-RipTide-Timestamp"
	EventHeader     = "X-RipTide-Event"
)

// WebhookEvent is the body of the end-of-run webhook.
type WebhookEvent struct {
	Event    string  `json:"event"` // "spider.finished"
	SpiderID string  `json:"spider_id"`
	Status   *Status `json:"status"`
}

func (e *Engine) notify(ctx context.Context, o Options, st *Status) error {
	body, err := json.Marshal(WebhookEvent{Event: "spider.finished", SpiderID: st.SpiderID, Status: st})
	if err != nil {
		return err
	}
	return e.notifier.Notify(ctx, o.WebhookURL, body, o.WebhookSecret)
}

// Sign returns the X-RipTide-Signature value of body sent at ts:
// "sha256=" + hex(HMAC-SHA256(secret, "<unix seconds>." + body)). The
// timestamp (X-RipTide-Timestamp) is signed too, so a receiver that
// rejects old timestamps cannot be replayed to.
func Sign(secret string, ts time.Time, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(ts.Unix(), 10)))
	mac.Write([]byte("."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// WebhookSender posts webhooks through the SSRF guard: a webhook URL is
// user input, so every address it resolves to is judged at connect time
// like a page fetch (no redirects are followed).
type WebhookSender struct {
	client   *http.Client
	attempts int
}

// NewWebhookSender returns a sender whose connections pass guard.
func NewWebhookSender(guard *fetch.Guard) *WebhookSender {
	d := &net.Dialer{Timeout: 5 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return err
		}
		return guard.Check(ap.Addr().Unmap())
	}}
	tr := &http.Transport{DialContext: d.DialContext, TLSHandshakeTimeout: 5 * time.Second, MaxIdleConns: 4}
	return &WebhookSender{attempts: 3, client: &http.Client{
		Transport: tr, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Notify implements Notifier: up to three attempts, retrying network
// failures and 5xx/429 answers.
func (w *WebhookSender) Notify(ctx context.Context, rawURL string, body []byte, secret string) error {
	target, err := canonicalWebhookURL(rawURL)
	if err != nil {
		return err
	}
	var last error
	for i := 0; i < w.attempts; i++ {
		if i > 0 {
			select {
			case <-time.After(time.Duration(i) * time.Second):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
		if err != nil {
			return core.Wrap(core.ErrInvalidURL, err, "webhook URL")
		}
		now := time.Now()
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", fetch.DefaultUserAgent)
		req.Header.Set(EventHeader, "spider.finished")
		req.Header.Set(TimestampHeader, strconv.FormatInt(now.Unix(), 10))
		if secret != "" {
			req.Header.Set(SignatureHeader, Sign(secret, now, body))
		}
		resp, err := w.client.Do(req)
		if err != nil {
			last = webhookFailure(req.URL.Hostname(), err)
			var ce *core.Error
			if errors.As(err, &ce) && ce.Type == core.ErrBlockedURL {
				return last // the guard will not change its mind
			}
			continue
		}
		resp.Body.Close()
		switch {
		case resp.StatusCode < 300:
			return nil
		case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
			last = fmt.Errorf("webhook answered HTTP %d", resp.StatusCode)
		default:
			return fmt.Errorf("webhook answered HTTP %d", resp.StatusCode)
		}
	}
	return last
}

// canonicalWebhookURL writes the host of a webhook URL canonically, so
// that a legacy IPv4 spelling (0x7f000001, 2130706433) is dialled, and
// judged by the guard, as the address it is instead of being looked up
// in DNS as a name.
func canonicalWebhookURL(raw string) (string, error) {
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

// webhookFailure says why a webhook could not be delivered without the
// error's text, which the run's status shows to its caller: a DNS error
// names the resolver's address, a dial error the local one.
func webhookFailure(host string, err error) error {
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
