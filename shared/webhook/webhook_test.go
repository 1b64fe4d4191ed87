package webhook_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/webhook"
)

func loopbackSender() *webhook.Sender {
	s := webhook.NewSender(fetch.NewGuard([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}))
	s.Backoff = func(n int) time.Duration { return time.Duration(n) * 10 * time.Millisecond }
	return s
}

// TestReceiverFailingTwiceGetsTheThirdTry: two 503s, then the third
// attempt is delivered, signed, with a fresh timestamp and the same
// delivery id.
func TestReceiverFailingTwiceGetsTheThirdTry(t *testing.T) {
	var calls atomic.Int32
	var deliveries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		body, _ := io.ReadAll(r.Body)
		deliveries = append(deliveries, r.Header.Get(webhook.DeliveryHeader))
		if err := webhook.Verify("s3cret", r.Header.Get(webhook.TimestampHeader), r.Header.Get(webhook.SignatureHeader), body, time.Minute, time.Now()); err != nil {
			t.Errorf("attempt %d: %v", n, err)
		}
		if r.Header.Get(webhook.EventHeader) != "job.completed" {
			t.Errorf("event header %q", r.Header.Get(webhook.EventHeader))
		}
		if n <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	res, err := loopbackSender().Send(context.Background(), webhook.Message{URL: srv.URL, Event: "job.completed", Body: []byte(`{"a":1}`), Secret: "s3cret", DeliveryID: "d1"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Attempts != 3 || calls.Load() != 3 || res.Status != 204 {
		t.Fatalf("attempts %d, calls %d, status %d", res.Attempts, calls.Load(), res.Status)
	}
	for _, d := range deliveries {
		if d != "d1" {
			t.Fatalf("delivery ids %v", deliveries)
		}
	}
}

func TestClientErrorIsFinal(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusGone)
	}))
	defer srv.Close()
	_, err := loopbackSender().Send(context.Background(), webhook.Message{URL: srv.URL, Event: "x", Body: []byte(`{}`)})
	if err == nil || !strings.Contains(err.Error(), "410") || calls.Load() != 1 {
		t.Fatalf("err %v after %d calls", err, calls.Load())
	}
}

func TestGuardRefusesPrivateTargets(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("a guarded sender reached a loopback receiver")
	}))
	defer srv.Close()
	s := webhook.NewSender(fetch.NewGuard(nil))
	s.Attempts = 1
	if _, err := s.Send(context.Background(), webhook.Message{URL: srv.URL, Event: "x", Body: []byte(`{}`)}); err == nil {
		t.Fatal("loopback webhook sent without an allowlist")
	}
}

func TestVerifyRejectsReplaysAndTampering(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"job_id":"j"}`)
	sig := webhook.Sign("k", now, body)
	ts := "1800000000"
	if err := webhook.Verify("k", ts, sig, body, webhook.DefaultReplayWindow, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := webhook.Verify("k", ts, sig, body, webhook.DefaultReplayWindow, now.Add(10*time.Minute)); err == nil {
		t.Fatal("an old delivery passed")
	}
	if err := webhook.Verify("k", ts, sig, []byte(`{"job_id":"x"}`), webhook.DefaultReplayWindow, now); err == nil {
		t.Fatal("a tampered body passed")
	}
	if err := webhook.Verify("other", ts, sig, body, webhook.DefaultReplayWindow, now); err == nil {
		t.Fatal("a wrong secret passed")
	}
}
