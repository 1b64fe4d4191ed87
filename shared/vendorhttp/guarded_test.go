package vendorhttp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/vendorhttp"
)

func TestGuardedClientJudgesTheDialledAddress(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{}`)) }))
	defer srv.Close()
	refuse := func(ip netip.Addr) error {
		if ip.IsLoopback() {
			return core.Errorf(core.ErrBlockedURL, "address %s is blocked: loopback", ip)
		}
		return nil
	}
	v := vendorhttp.Vendor{Name: "ollama"}
	req, _ := http.NewRequest("GET", srv.URL, nil)
	_, _, err := v.Do(context.Background(), vendorhttp.GuardedClient(refuse, time.Second), req)
	if core.TypeOf(err) != core.ErrBlockedURL {
		t.Fatalf("loopback must be refused: %v", err)
	}
	allow := func(netip.Addr) error { return nil }
	req, _ = http.NewRequest("GET", srv.URL, nil)
	if _, _, err := v.Do(context.Background(), vendorhttp.GuardedClient(allow, time.Second), req); err != nil {
		t.Fatal(err)
	}
}

func TestRetryAfterForms(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		h    http.Header
		want int
		ok   bool
	}{
		{http.Header{"Retry-After": {"7"}}, 7, true},
		{http.Header{"Retry-After": {"1.2"}}, 2, true},
		{http.Header{"Retry-After": {now.Add(90 * time.Second).Format(http.TimeFormat)}}, 90, true},
		{http.Header{"Retry-After-Ms": {"1500"}}, 2, true},
		{http.Header{"X-Ratelimit-Remaining": {"5, 0"}, "X-Ratelimit-Reset": {"1, 3600"}}, 3600, true},
		{http.Header{"X-Ratelimit-Remaining": {"5, 10"}, "X-Ratelimit-Reset": {"1, 3600"}}, 0, false},
		{http.Header{}, 0, false},
	} {
		got, ok := vendorhttp.RetryAfter(c.h, now)
		if got != c.want || ok != c.ok {
			t.Errorf("%v: %d %v", c.h, got, ok)
		}
	}
}
