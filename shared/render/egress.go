package render

// Egress is the browser's only way out. With an Egress, Chromium is
// started with every connection going through a proxy (--proxy-server,
// loopback included), resolving no host name itself, with QUIC, the IPv6
// reachability probe and non-proxied WebRTC UDP off; each render's
// browser context gets a proxy of its own, so the connections it refuses
// are counted for that render. The proxy decides at connect time, on the
// address it dials: what request interception cannot see (a page's
// WebSockets, <link rel=preconnect>, a name resolving to another address
// for the browser than for the guard) passes it too.
//
// shared/fetch's EgressProxy (the fetch layer's guarded dialer behind a
// SOCKS5 listener) is the one production uses; the wiring adapts it.
type Egress interface {
	// Open starts a proxy for one browser or one browser context.
	Open() (EgressRoute, error)
}

// EgressRoute is one proxy listener.
type EgressRoute interface {
	// ProxyServer is the proxy as Chromium takes it, e.g.
	// "socks5://127.0.0.1:41234".
	ProxyServer() string
	// Refused counts the connections it refused (the guard said no).
	Refused() int64
	// Close stops it and cuts the connections it holds.
	Close() error
}

// EgressFunc adapts a function to Egress.
type EgressFunc func() (EgressRoute, error)

// Open calls f.
func (f EgressFunc) Open() (EgressRoute, error) { return f() }

// egressFlags are the Chromium switches that send every connection of
// the browser through route. The bypass list "<-loopback>" removes the
// implicit bypass of localhost and loopback addresses; the resolver rule
// fails every name lookup except the proxy's own address, so a name can
// only be resolved by the proxy; WebRTC may use UDP only through the
// proxy (which has none); QUIC is off.
//
// What stays: before a lookup (even of the proxy's literal address)
// Chromium's host resolver runs its IPv6 reachability probe, at most once
// a second: a UDP socket connect()ed to 2001:4860:4860::8888 port 443 and
// closed. A UDP connect sends no packet (the kernel only looks up a
// route), so nothing leaves the machine; a network monitor that watches
// connect() calls does see it. No switch turns it off (the feature
// EnableIPv6ReachabilityOverride only reinterprets its result).
func egressFlags(route EgressRoute) map[string]any {
	return map[string]any{
		"proxy-server":                    route.ProxyServer(),
		"proxy-bypass-list":               egressBypassList,
		"host-resolver-rules":             "MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
		"force-webrtc-ip-handling-policy": "disable_non_proxied_udp",
		"disable-quic":                    true,
	}
}

// egressBypassList is the proxy bypass list of the browser and of every
// browser context: nothing bypasses the proxy, not even loopback.
const egressBypassList = "<-loopback>"
