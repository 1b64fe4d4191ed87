package fetch_test

import (
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/fetch/fetchtest"
)

func TestMemoryBreaker(t *testing.T) { fetchtest.RunBreaker(t, fetch.NewBreakerAt) }

func TestMemoryHostLimiter(t *testing.T) {
	l := fetch.NewHostLimiter()
	fetchtest.RunLimiter(t, l)
	time.Sleep(100 * time.Millisecond) // the last delay booked is served
	if n := fetch.TrackedHosts(l); n != 0 {
		t.Errorf("idle hosts are forgotten: %d left", n)
	}
}
