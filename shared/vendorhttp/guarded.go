package vendorhttp

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// GuardedClient returns an HTTP client whose every connection is judged by
// check on the address actually dialled (after DNS, on each redirect), so a
// base URL set through the API cannot reach internal addresses. check is
// usually fetch.NewGuard(cfg.AllowCIDRs).Check; it returns a blocked_url
// error for a refused address.
func GuardedClient(check func(netip.Addr) error, timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, ControlContext: func(_ context.Context, _, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return err
		}
		return check(ap.Addr().Unmap())
	}}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = d.DialContext
	tr.Proxy = nil // a proxy would dial on our behalf, past the guard
	return &http.Client{Transport: tr, Timeout: timeout}
}
