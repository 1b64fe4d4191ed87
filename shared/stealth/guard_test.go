package stealth_test

import (
	"context"
	"fmt"
	"net/netip"
	"net/url"
)

func loopbackOnly(_ context.Context, u *url.URL) error {
	a, err := netip.ParseAddr(u.Hostname())
	if err != nil || !a.IsLoopback() {
		return fmt.Errorf("test guard: %s is not a loopback address", u.Hostname())
	}
	return nil
}
