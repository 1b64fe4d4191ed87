package render

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"

	"github.com/riptidecrawler/riptide/shared/core"
)

// Guard decides whether the browser may load a URL. The browser fetches
// subresources, redirects, workers and favicons itself, so the renderer
// asks the guard for every request the browser makes, not only for the
// page URL. The fetch layer's SSRF guard is meant to be plugged in here.
type Guard interface {
	CheckURL(ctx context.Context, u *url.URL) error
}

// GuardFunc adapts a function to Guard.
type GuardFunc func(ctx context.Context, u *url.URL) error

// CheckURL calls f.
func (f GuardFunc) CheckURL(ctx context.Context, u *url.URL) error { return f(ctx, u) }

// DenyPrivate is the default guard until the fetch layer's is wired in: it
// resolves the host and refuses loopback, private, link-local (cloud
// metadata), CGNAT, multicast and unspecified addresses. It checks what the
// resolver says now; the browser resolves again, so a rebinding DNS server
// can still race it (see docs/render.md).
func DenyPrivate(resolver *net.Resolver) Guard {
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	return GuardFunc(func(ctx context.Context, u *url.URL) error {
		host := u.Hostname()
		if host == "" {
			return core.Errorf(core.ErrBlockedURL, "URL has no host")
		}
		if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
			return core.Errorf(core.ErrBlockedURL, "host %s is a loopback name", host)
		}
		var addrs []netip.Addr
		if a, err := netip.ParseAddr(host); err == nil {
			addrs = []netip.Addr{a}
		} else {
			ips, err := resolver.LookupNetIP(ctx, "ip", host)
			if err != nil {
				return core.Wrap(core.ErrFetch, err, fmt.Sprintf("cannot resolve %s", host))
			}
			addrs = ips
		}
		for _, a := range addrs {
			if !PublicAddr(a) {
				return core.Errorf(core.ErrBlockedURL, "host %s resolves to a non-public address", host)
			}
		}
		return nil
	})
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// PublicAddr reports whether a is an address on the public internet.
func PublicAddr(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsValid() && !a.IsLoopback() && !a.IsPrivate() && !a.IsLinkLocalUnicast() &&
		!a.IsLinkLocalMulticast() && !a.IsInterfaceLocalMulticast() && !a.IsMulticast() &&
		!a.IsUnspecified() && !cgnat.Contains(a) && a != netip.MustParseAddr("255.255.255.255")
}

// guardScheme says what to do with a URL scheme before the guard runs:
// local schemes never touch the network and are allowed; schemes that
// could read the machine or reach a service are refused outright.
func guardScheme(scheme string) (check, allow bool) {
	switch scheme {
	case "http", "https", "ws", "wss":
		return true, true
	case "data", "blob", "about":
		return false, true
	}
	return false, false
}
