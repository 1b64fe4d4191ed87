package fetch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/urlnorm"
)

// Guard decides which IP addresses RipTide may connect to. Every address
// that is not publicly routable is refused unless an allowlisted prefix
// admits it. The decision is made on the address actually dialled (see
// guardedDialer), so DNS tricks, redirects and odd URL spellings cannot get
// around it.
type Guard struct {
	allow []netip.Prefix
}

// NewGuard returns a guard that also admits the given prefixes (config
// RIPTIDE_ALLOW_CIDRS). A broad prefix never admits a cloud metadata
// endpoint: only a prefix naming that exact address does, so allowing
// 169.254.0.0/16 for some appliance does not expose 169.254.169.254.
func NewGuard(allow []netip.Prefix) *Guard {
	g := &Guard{}
	for _, p := range allow {
		if p.IsValid() {
			g.allow = append(g.allow, p.Masked())
		}
	}
	return g
}

// Allowed reports whether ip may be dialled and, if not, why.
func (g *Guard) Allowed(ip netip.Addr) (ok bool, reason string) {
	reason = BlockedReason(ip)
	if reason == "" {
		return true, ""
	}
	plain := ip.WithZone("")
	exactOnly := isMetadata(plain.Unmap())
	for _, p := range g.allow {
		if exactOnly && p.Bits() != p.Addr().BitLen() {
			continue
		}
		if p.Contains(plain) || p.Contains(plain.Unmap()) {
			return true, ""
		}
	}
	return false, reason
}

// Check returns nil when ip may be dialled, else a core.ErrBlockedURL error.
func (g *Guard) Check(ip netip.Addr) error {
	if ok, reason := g.Allowed(ip); !ok {
		return core.Errorf(core.ErrBlockedURL, "address %s is blocked: %s", ip, reason)
	}
	return nil
}

type prefixRule struct {
	prefix netip.Prefix
	reason string
}

func rules(pairs ...string) []prefixRule {
	out := make([]prefixRule, 0, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, prefixRule{netip.MustParsePrefix(pairs[i]), pairs[i+1]})
	}
	return out
}

// Read-only tables of special-purpose ranges (IANA registries). Order
// matters: the first match gives the reason.
var (
	metadataAddrs = []netip.Addr{
		netip.MustParseAddr("169.254.169.254"), // AWS, GCP, Azure, OpenStack, ...
		netip.MustParseAddr("169.254.170.2"),   // AWS ECS task metadata
		netip.MustParseAddr("169.254.170.23"),  // AWS EKS pod identity
		netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud
		netip.MustParseAddr("fd00:ec2::254"),   // AWS IMDS over IPv6
		netip.MustParseAddr("fd00:ec2::23"),    // AWS EKS pod identity over IPv6
	}
	v4Rules = rules(
		"0.0.0.0/8", "unspecified (\"this network\", 0.0.0.0/8)",
		"10.0.0.0/8", "private (RFC 1918)",
		"100.64.0.0/10", "shared address space (carrier-grade NAT, RFC 6598)",
		"127.0.0.0/8", "loopback",
		"169.254.0.0/16", "link-local",
		"172.16.0.0/12", "private (RFC 1918)",
		"192.0.0.0/24", "reserved (IETF protocol assignments)",
		"192.0.2.0/24", "reserved (documentation)",
		"192.88.99.0/24", "reserved (6to4 relay anycast)",
		"192.168.0.0/16", "private (RFC 1918)",
		"198.18.0.0/15", "reserved (benchmarking)",
		"198.51.100.0/24", "reserved (documentation)",
		"203.0.113.0/24", "reserved (documentation)",
		"224.0.0.0/4", "multicast",
		"255.255.255.255/32", "broadcast",
		"240.0.0.0/4", "reserved (240.0.0.0/4)",
	)
	v6Rules = rules(
		"::/128", "unspecified",
		"::1/128", "loopback",
		"64:ff9b:1::/48", "local-use NAT64 (RFC 8215)",
		"::/96", "deprecated IPv4-compatible IPv6",
		"100::/64", "reserved (discard-only)",
		"2001::/32", "Teredo tunnel (embeds an obfuscated IPv4 address)",
		"2001:db8::/32", "reserved (documentation)",
		"2001::/23", "reserved (IETF protocol assignments)",
		"3fff::/20", "reserved (documentation)",
		"5f00::/16", "reserved (segment routing)",
		"fc00::/7", "private (unique local, fc00::/7)",
		"fe80::/10", "link-local",
		"fec0::/10", "deprecated site-local",
		"ff00::/8", "multicast",
	)
	nat64      = netip.MustParsePrefix("64:ff9b::/96")
	translated = netip.MustParsePrefix("::ffff:0:0:0/96")
	sixToFour  = netip.MustParsePrefix("2002::/16")
	globalUni6 = netip.MustParsePrefix("2000::/3")
)

func isMetadata(ip netip.Addr) bool {
	for _, m := range metadataAddrs {
		if ip == m {
			return true
		}
	}
	return false
}

// BlockedReason says why ip is not a public unicast address RipTide may
// fetch from, or returns "" when it is. It is a pure function of the address.
//
// Addresses that embed an IPv4 address are judged by that address:
// IPv4-mapped (::ffff:a.b.c.d), IPv4-translated (::ffff:0:a.b.c.d), NAT64
// (64:ff9b::/96) and 6to4 (2002::/16). Teredo (2001::/32) is refused
// outright: its embedded client address is obfuscated and the protocol has
// no legitimate use as a crawl target.
func BlockedReason(ip netip.Addr) string {
	if !ip.IsValid() {
		return "invalid address"
	}
	ip = ip.WithZone("")
	if isMetadata(ip) || isMetadata(ip.Unmap()) {
		return "cloud metadata endpoint"
	}
	if ip.Is4In6() {
		if r := blockedV4(ip.Unmap()); r != "" {
			return "IPv4-mapped " + r
		}
		return ""
	}
	if ip.Is4() {
		return blockedV4(ip)
	}
	for _, embed := range []struct {
		prefix netip.Prefix
		name   string
	}{{translated, "IPv4-translated"}, {nat64, "NAT64"}, {sixToFour, "6to4"}} {
		if !embed.prefix.Contains(ip) {
			continue
		}
		v4 := embeddedV4(ip, embed.prefix)
		if isMetadata(v4) {
			return embed.name + " address of a cloud metadata endpoint"
		}
		if r := blockedV4(v4); r != "" {
			return fmt.Sprintf("%s address embedding %s (%s)", embed.name, v4, r)
		}
		return ""
	}
	for _, r := range v6Rules {
		if r.prefix.Contains(ip) {
			return r.reason
		}
	}
	if !globalUni6.Contains(ip) {
		return "reserved (not IPv6 global unicast)"
	}
	return ""
}

func blockedV4(ip netip.Addr) string {
	for _, r := range v4Rules {
		if r.prefix.Contains(ip) {
			return r.reason
		}
	}
	return ""
}

// embeddedV4 extracts the IPv4 address an IPv6 address carries: the last 32
// bits for the /96 forms, bits 16-47 for 6to4.
func embeddedV4(ip netip.Addr, p netip.Prefix) netip.Addr {
	b := ip.As16()
	if p == sixToFour {
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]})
	}
	return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
}

// Resolver looks up the addresses of a host name. *net.Resolver satisfies it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Dialer opens a connection to a literal address. *net.Dialer satisfies it.
type Dialer interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// guardedDialer resolves a host once, judges every address, and dials only
// the addresses it judged: there is no second lookup for a rebinding DNS
// server to answer differently.
type guardedDialer struct {
	guard          *Guard
	resolver       Resolver
	dialer         Dialer
	connectTimeout time.Duration
}

// connectTimeoutError marks a dial that ran out of its own time budget, as
// opposed to the whole fetch running out.
type connectTimeoutError struct {
	addr    string
	timeout time.Duration
}

func (e *connectTimeoutError) Error() string {
	return fmt.Sprintf("connect to %s timed out after %s", e.addr, e.timeout)
}
func (e *connectTimeoutError) Timeout() bool   { return true }
func (e *connectTimeoutError) Temporary() bool { return true }

// dialInfo collects what the dialer learnt, for Response.Timings. The
// transport dials on its own goroutine with the request's context values,
// so this is shared and locked.
type dialInfo struct {
	mu      sync.Mutex
	dns     time.Duration
	connect time.Duration
}

func (d *dialInfo) set(dns, connect time.Duration) {
	d.mu.Lock()
	d.dns, d.connect = dns, connect
	d.mu.Unlock()
}

func (d *dialInfo) get() (dns, connect time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.dns, d.connect
}

type dialInfoKey struct{}

func (d *guardedDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeoutCause(ctx, d.connectTimeout, &connectTimeoutError{addr, d.connectTimeout})
	defer cancel()
	start := time.Now()
	ips, err := d.resolveChecked(ctx, host)
	dnsDone := time.Now()
	if err != nil {
		return nil, d.timeoutCause(ctx, err)
	}
	var firstErr error
	for i, ip := range ips {
		target := net.JoinHostPort(ip.Unmap().String(), port)
		// Share what is left of the budget among the remaining addresses, so
		// one black-holed address (often an IPv6 one) does not use it all.
		dctx, dcancel := ctx, context.CancelFunc(func() {})
		if dl, ok := ctx.Deadline(); ok && len(ips)-i > 1 {
			dctx, dcancel = context.WithTimeout(ctx, time.Until(dl)/time.Duration(len(ips)-i))
		}
		conn, err := d.dialer.DialContext(dctx, network, target)
		dcancel()
		if err == nil {
			if info, ok := ctx.Value(dialInfoKey{}).(*dialInfo); ok {
				info.set(dnsDone.Sub(start), time.Since(dnsDone))
			}
			return conn, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, d.timeoutCause(ctx, firstErr)
}

// timeoutCause turns a failure caused by the connect budget running out into
// a connectTimeoutError, so callers can tell it from other timeouts.
func (d *guardedDialer) timeoutCause(ctx context.Context, err error) error {
	var cte *connectTimeoutError
	if cause := context.Cause(ctx); errors.As(cause, &cte) && ctx.Err() != nil {
		return cte
	}
	return err
}

// literal judges an address given as such.
func (d *guardedDialer) literal(ip netip.Addr) ([]netip.Addr, error) {
	if ok, reason := d.guard.Allowed(ip); !ok {
		return nil, core.Errorf(core.ErrBlockedURL, "address %s is blocked: %s", ip.WithZone(""), reason)
	}
	return []netip.Addr{ip.WithZone("")}, nil
}

// resolveChecked returns the addresses of host, all of them judged allowed.
// If any address is blocked the host is refused: dialling only the allowed
// ones would let a name with mixed records probe the blocked ones by timing.
func (d *guardedDialer) resolveChecked(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")); err == nil {
		return d.literal(ip)
	}
	// A legacy IPv4 spelling (0x7f000001, 2130706433, 0177.1, 127.1) is an
	// address, not a name: it is judged as one and never sent to DNS,
	// whose answer for such a "name" is the resolver's business. A host
	// that ends in a number but is no valid IPv4 form is refused.
	canon, err := urlnorm.CanonicalHost(host)
	if err != nil {
		return nil, err
	}
	if ip, err := netip.ParseAddr(canon); err == nil {
		return d.literal(ip)
	}
	name := canon
	var ips []netip.Addr
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		// RFC 6761: these names are loopback and must not go to DNS.
		ips = []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")}
	} else {
		var err error
		ips, err = d.resolver.LookupNetIP(ctx, "ip", name)
		if err != nil {
			return nil, err
		}
	}
	if len(ips) == 0 {
		return nil, &net.DNSError{Err: "no addresses", Name: name, IsNotFound: true}
	}
	for _, ip := range ips {
		if ok, reason := d.guard.Allowed(ip); !ok {
			// The address itself is not shown to the client: it could map
			// out a private DNS zone. It goes to the logs via Cause.
			e := core.Errorf(core.ErrBlockedURL, "host %s resolves to a blocked address: %s", name, reason)
			e.Cause = fmt.Errorf("%s resolved to %s", name, ip)
			return nil, e
		}
	}
	return ips, nil
}
