package spider

import (
	"context"
	"encoding/json"
	"time"

	"github.com/riptidecrawler/riptide/shared/webhook"
)

// Notifier delivers the end-of-run webhook.
type Notifier interface {
	// Notify POSTs body to url, signed with secret when it is not empty.
	Notify(ctx context.Context, url string, body []byte, secret string) error
}

// Webhook headers (shared/webhook: the jobs use the same).
const (
	SignatureHeader = webhook.SignatureHeader
	TimestampHeader = webhook.TimestampHeader
	EventHeader     = webhook.EventHeader
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

// Sign returns the X-RipTide-Signature value of body sent at ts
// (webhook.Sign).
func Sign(secret string, ts time.Time, body []byte) string { return webhook.Sign(secret, ts, body) }

// WebhookSender is the Notifier over the shared webhook sender (SSRF
// guard, signature, retries).
type WebhookSender struct{ Sender *webhook.Sender }

// NewWebhookSender returns a Notifier sending through s.
func NewWebhookSender(s *webhook.Sender) WebhookSender { return WebhookSender{Sender: s} }

// Notify implements Notifier.
func (w WebhookSender) Notify(ctx context.Context, url string, body []byte, secret string) error {
	_, err := w.Sender.Send(ctx, webhook.Message{URL: url, Event: "spider.finished", Body: body, Secret: secret})
	return err
}
