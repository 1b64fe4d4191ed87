package fetch

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
)

// The guard's decision as a pure function: no network at all.
func TestBlockedReason(t *testing.T) {
	cases := []struct {
		ip     string
		reason string // "" means public (allowed)
	}{
		{"8.8.8.8", ""},
		{"1.1.1.1", ""},
		{"93.184.216.34", ""},
		{"2606:4700:4700::1111", ""},
		{"::ffff:8.8.8.8", ""},
		{"64:ff9b::808:808", ""},  // NAT64 of a public address
		{"2002:808:808::1", ""},   // 6to4 of a public address
		{"::ffff:0:808:808", ""},  // IPv4-translated public
		{"100.63.255.255", ""},    // just below CGNAT
		{"100.128.0.0", ""},       // just above CGNAT
		{"172.32.0.1", ""},        // just above 172.16/12
		{"127.0.0.1", "loopback"}, //
		{"127.255.255.254", "loopback"},
		{"::1", "loopback"},
		{"0.0.0.0", "unspecified"},
		{"0.1.2.3", "unspecified"},
		{"::", "unspecified"},
		{"10.1.2.3", "private (RFC 1918)"},
		{"172.16.0.1", "private (RFC 1918)"},
		{"172.31.255.255", "private (RFC 1918)"},
		{"192.168.0.1", "private (RFC 1918)"},
		{"fc00::1", "private (unique local"},
		{"fd12:3456::1", "private (unique local"},
		{"169.254.1.1", "link-local"},
		{"fe80::1", "link-local"},
		{"fe80::1%eth0", "link-local"},
		{"100.64.0.1", "carrier-grade NAT"},
		{"100.127.255.255", "carrier-grade NAT"},
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"ff02::1", "multicast"},
		{"255.255.255.255", "broadcast"},
		{"240.0.0.1", "reserved (240.0.0.0/4)"},
		{"192.0.2.1", "documentation"},
		{"198.51.100.7", "documentation"},
		{"203.0.113.9", "documentation"},
		{"2001:db8::1", "documentation"},
		{"198.18.0.1", "benchmarking"},
		{"192.0.0.192", "IETF protocol assignments"},
		{"169.254.169.254", "cloud metadata endpoint"},
		{"fd00:ec2::254", "cloud metadata endpoint"},
		{"100.100.100.200", "cloud metadata endpoint"},
		{"169.254.170.2", "cloud metadata endpoint"},
		{"::ffff:169.254.169.254", "cloud metadata endpoint"},
		{"::ffff:127.0.0.1", "IPv4-mapped loopback"},
		{"::ffff:10.0.0.1", "IPv4-mapped private"},
		{"::ffff:0:7f00:1", "IPv4-translated address embedding 127.0.0.1"},
		{"64:ff9b::7f00:1", "NAT64 address embedding 127.0.0.1 (loopback)"},
		{"64:ff9b::a00:1", "NAT64 address embedding 10.0.0.1"},
		{"64:ff9b::a9fe:a9fe", "NAT64 address of a cloud metadata endpoint"},
		{"64:ff9b:1::1", "local-use NAT64"},
		{"2002:7f00:1::1", "6to4 address embedding 127.0.0.1"},
		{"2002:c0a8:101::1", "6to4 address embedding 192.168.1.1"},
		{"2002:a9fe:a9fe::", "6to4 address of a cloud metadata endpoint"},
		{"2001::1", "Teredo"},
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"},
		{"::127.0.0.1", "IPv4-compatible"},
		{"100::1", "discard-only"},
		{"fec0::1", "site-local"},
		{"3fff::1", "documentation"},
		{"4000::1", "not IPv6 global unicast"},
	}
	for _, c := range cases {
		got := BlockedReason(netip.MustParseAddr(c.ip))
		switch {
		case c.reason == "" && got != "":
			t.Errorf("%s: blocked (%s), want allowed", c.ip, got)
		case c.reason != "" && !strings.Contains(got, c.reason):
			t.Errorf("%s: reason %q, want one containing %q", c.ip, got, c.reason)
		}
	}
	if BlockedReason(netip.Addr{}) == "" {
		t.Error("the zero Addr must be blocked")
	}
}

func TestGuardAllowlist(t *testing.T) {
	g := NewGuard([]netip.Prefix{
		netip.MustParsePrefix("127.0.0.2/32"),
		netip.MustParsePrefix("169.254.0.0/16"),
		netip.MustParsePrefix("fd00::/8"),
	})
	cases := map[string]bool{
		"127.0.0.2":        true,
		"::ffff:127.0.0.2": true, // mapped form of an allowed address
		"127.0.0.1":        false,
		"127.0.0.3":        false,
		"169.254.1.1":      true,
		"169.254.169.254":  false, // a broad prefix never admits metadata
		"fd00:ec2::254":    false,
		"fd00::1":          true,
		"10.0.0.1":         false,
		"8.8.8.8":          true, // public needs no allowlist
	}
	for ip, want := range cases {
		if ok, reason := g.Allowed(netip.MustParseAddr(ip)); ok != want {
			t.Errorf("Allowed(%s) = %v (%s), want %v", ip, ok, reason, want)
		}
	}
	exact := NewGuard([]netip.Prefix{netip.MustParsePrefix("169.254.169.254/32")})
	if err := exact.Check(netip.MustParseAddr("169.254.169.254")); err != nil {
		t.Errorf("an exact allowlist entry must admit the metadata address: %v", err)
	}
	err := g.Check(netip.MustParseAddr("10.0.0.1"))
	mustType(t, err, core.ErrBlockedURL, "10.0.0.1 is blocked: private")
}

// Hostile URLs through the whole Fetch path. The dialer records every
// address it is asked for and would refuse any non-loopback one; the guard
// must stop all of these before a dial.
func TestSSRFHostileURLs(t *testing.T) {
	env := newEnv(t, Options{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}})
	for name, addr := range map[string]string{
		"internal.test":   "10.1.2.3",
		"rebind.test":     "::ffff:127.0.0.1",
		"v6private.test":  "fd12::1",
		"metadata.test":   "169.254.169.254",
		"cgnat.test":      "100.64.1.1",
		"nat64.test":      "64:ff9b::a9fe:a9fe",
		"loopback6.test":  "::1",
		"unspecified.tst": "0.0.0.0",
	} {
		env.resolver.table[name] = []netip.Addr{netip.MustParseAddr(addr)}
	}
	// A name with one public and one private record is refused whole.
	env.resolver.table["mixed.test"] = []netip.Addr{netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("10.0.0.1")}

	blocked, invalid := core.ErrBlockedURL, core.ErrInvalidURL
	cases := []struct {
		url  string
		want core.ErrorType
	}{
		{"http://127.0.0.1/", blocked},
		{"https://127.0.0.1:443/", blocked},
		{"http://127.0.0.1:2375/containers/json", blocked},
		{"http://127.0.0.3/", blocked}, // next to the allowlisted 127.0.0.2
		{"http://2130706433/", blocked},
		{"http://017700000001/", blocked},
		{"http://0177.0.0.1/", blocked},
		{"http://0x7f.1/", blocked},
		{"http://0x7F000001/", blocked},
		{"http://0x7f.0x0.0x0.0x1/", blocked},
		{"http://127.1/", blocked},
		{"http://127.0.1/", blocked},
		{"http://１２７.０.０.１/", blocked},
		{"http://①②⑦.0.0.1/", blocked},
		{"http://localhost/", blocked},
		{"http://localhost./", blocked},
		{"http://LOCALHOST:8080/", blocked},
		{"http://api.localhost/", blocked},
		{"http://0.0.0.0/", blocked},
		{"http://0/", blocked},
		{"http://[::]/", blocked},
		{"http://[::1]/", blocked},
		{"http://[0:0:0:0:0:0:0:1]/", blocked},
		{"http://[::ffff:127.0.0.1]/", blocked},
		{"http://[::ffff:7f00:1]/", blocked},
		{"http://[0:0:0:0:0:ffff:127.0.0.1]/", blocked},
		{"http://[::ffff:169.254.169.254]/", blocked},
		{"http://[::127.0.0.1]/", blocked},
		{"http://[64:ff9b::127.0.0.1]/", blocked},
		{"http://[64:ff9b::a9fe:a9fe]/", blocked},
		{"http://[2002:7f00:1::1]/", blocked},
		{"http://[2002:a9fe:a9fe::1]/", blocked},
		{"http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", blocked},
		{"http://[fe80::1]/", blocked},
		{"http://[fc00::1]/", blocked},
		{"http://[fd00:ec2::254]/latest/meta-data/", blocked},
		{"http://[ff02::1]/", blocked},
		{"http://169.254.169.254/latest/meta-data/iam/security-credentials/", blocked},
		{"http://169.254.169.254./", blocked},
		{"http://0xa9fea9fe/", blocked},
		{"http://2852039166/", blocked},
		{"http://0251.0376.0251.0376/", blocked},
		{"http://169.254.1.1/", blocked},
		{"http://100.100.100.200/", blocked},
		{"http://192.0.0.192/", blocked},
		{"http://10.0.0.1/", blocked},
		{"http://10.255.255.255:8080/", blocked},
		{"http://172.16.5.4/", blocked},
		{"http://192.168.1.1/", blocked},
		{"http://100.64.0.1/", blocked},
		{"http://224.0.0.1/", blocked},
		{"http://255.255.255.255/", blocked},
		{"http://240.0.0.1/", blocked},
		{"http://198.18.0.1/", blocked},
		{"http://internal.test/", blocked},
		{"http://rebind.test/", blocked},
		{"http://v6private.test/", blocked},
		{"http://metadata.test/latest/meta-data/", blocked},
		{"http://cgnat.test/", blocked},
		{"http://nat64.test/", blocked},
		{"http://loopback6.test/", blocked},
		{"http://unspecified.tst/", blocked},
		{"http://mixed.test/", blocked},
		{"http://example.com@127.0.0.1/", invalid},
		{"http://127.0.0.1:80@example.com/", invalid},
		{"http://user:pass@127.0.0.2/", invalid},
		{"http://example.com\\@127.0.0.1/", invalid},
		{"http://127.0.0.1\\x.example.com/", invalid},
		{"http://[fe80::1%25eth0]/", invalid},
		{"http://1.2.3.4.5/", invalid},
		{"ftp://127.0.0.1/", invalid},
		{"file:///etc/passwd", invalid},
		{"gopher://127.0.0.1:6379/_FLUSHALL", invalid},
		{"dict://127.0.0.1:11211/stats", invalid},
		{"javascript:fetch('http://127.0.0.1')", invalid},
		{"http:///127.0.0.1/", invalid},
	}
	if len(cases) < 40 {
		t.Fatalf("only %d hostile cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.url, func(t *testing.T) {
			before := len(env.dialer.addrs())
			resp, err := env.f.Fetch(context.Background(), Request{URL: c.url})
			if resp != nil {
				t.Errorf("got a response (status %d) for a hostile URL", resp.Status)
			}
			if got := errType(err); got != c.want {
				t.Fatalf("error %v: type %s, want %s", err, got, c.want)
			}
			if after := env.dialer.addrs(); len(after) != before {
				t.Fatalf("the dialer was asked for %v", after[before:])
			}
		})
	}
	// Numeric and localhost spellings never reach DNS: they were rewritten
	// and judged before any lookup.
	for _, name := range env.resolver.names() {
		if !strings.HasSuffix(name, ".test") && !strings.HasSuffix(name, ".tst") {
			t.Errorf("resolver was asked about %q", name)
		}
	}
	// A blocked name does not reveal what it resolved to.
	_, err := env.f.Fetch(context.Background(), Request{URL: "http://internal.test/"})
	ce := mustType(t, err, core.ErrBlockedURL, "internal.test resolves to a blocked address: private")
	if strings.Contains(ce.Message, "10.1.2.3") {
		t.Errorf("message %q leaks the private address", ce.Message)
	}
}

// End to end on loopback: the allowlist admits 127.0.0.2 only; 127.0.0.1
// stays blocked, including when a redirect points there.
func TestSSRFEndToEnd(t *testing.T) {
	allowed := newSite(t, "127.0.0.2:0")
	forbidden := newSite(t, "127.0.0.1:0")
	forbidden.handle("/", serveBytes("text/plain", []byte("secret")))
	allowed.handle("/", serveBytes("text/plain", []byte("public page")))
	allowed.handle("/to-forbidden", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, forbidden.URL+"/", http.StatusFound)
	})
	allowed.handle("/to-metadata", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
	})
	allowed.handle("/to-internal-name", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://internal.test/", http.StatusMovedPermanently)
	})
	allowed.handle("/to-decimal", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://2130706433:"+forbidden.port()+"/", http.StatusFound)
	})
	allowed.handle("/to-file", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "file:///etc/passwd")
		w.WriteHeader(http.StatusFound)
	})
	env := newEnv(t, Options{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}, IgnoreRobots: true})
	env.resolver.table["internal.test"] = []netip.Addr{netip.MustParseAddr("10.0.0.7")}
	env.resolver.table["site.test"] = []netip.Addr{netip.MustParseAddr("127.0.0.2")}
	ctx := context.Background()

	resp, err := env.f.Fetch(ctx, Request{URL: allowed.URL + "/"})
	if err != nil || string(resp.Body) != "public page" {
		t.Fatalf("allowlisted 127.0.0.2: %v", err)
	}
	resp, err = env.f.Fetch(ctx, Request{URL: "http://site.test:" + allowed.port() + "/"})
	if err != nil || string(resp.Body) != "public page" {
		t.Fatalf("name resolving to the allowlisted address: %v", err)
	}
	if _, err := env.f.Fetch(ctx, Request{URL: forbidden.URL + "/"}); errType(err) != core.ErrBlockedURL {
		t.Errorf("127.0.0.1 with only 127.0.0.2 allowed: %v", err)
	}
	if _, err := env.f.Fetch(ctx, Request{URL: "http://localhost:" + forbidden.port() + "/"}); errType(err) != core.ErrBlockedURL {
		t.Errorf("localhost: %v", err)
	}
	for path, want := range map[string]core.ErrorType{
		"/to-forbidden":     core.ErrBlockedURL,
		"/to-metadata":      core.ErrBlockedURL,
		"/to-internal-name": core.ErrBlockedURL,
		"/to-decimal":       core.ErrBlockedURL,
		"/to-file":          core.ErrInvalidURL,
	} {
		if _, err := env.f.Fetch(ctx, Request{URL: allowed.URL + path}); errType(err) != want {
			t.Errorf("redirect %s: %v, want %s", path, err, want)
		}
	}
	if n := forbidden.total.Load(); n != 0 {
		t.Errorf("the blocked server received %d requests", n)
	}
	for _, a := range env.dialer.addrs() {
		if !strings.HasPrefix(a, "127.0.0.2:") {
			t.Errorf("dialled %s; only 127.0.0.2 was allowed", a)
		}
	}
}

// A rebinding resolver answers an allowed address, then a blocked one.
// Each connection resolves once and dials what it checked, so a blocked
// answer can only ever lead to a refusal, never to a connection.
func TestSSRFNoRebindingGap(t *testing.T) {
	s := newSite(t, "127.0.0.2:0")
	s.handle("/", serveBytes("text/plain", []byte("ok")))
	r := &rebindingResolver{answers: []string{"127.0.0.2", "127.0.0.1"}}
	env := newEnv(t, Options{
		AllowCIDRs:   []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")},
		Resolver:     r,
		IgnoreRobots: true,
		Retry:        RetryPolicy{MaxAttempts: 1},
		Breaker:      BreakerPolicy{FailureThreshold: -1},
	})
	var ok, blocked int
	for i := range 6 {
		env.f.Close() // force a new connection, hence a new lookup
		_, err := env.f.Fetch(context.Background(), Request{URL: fmt.Sprintf("http://rebind%d.test:%s/", i, s.port())})
		switch errType(err) {
		case "":
			ok++
		case core.ErrBlockedURL:
			blocked++
		default:
			t.Fatalf("unexpected error %v", err)
		}
	}
	if ok == 0 || blocked == 0 {
		t.Fatalf("ok=%d blocked=%d: the resolver should have produced both", ok, blocked)
	}
	for _, a := range env.dialer.addrs() {
		if !strings.HasPrefix(a, "127.0.0.2:") {
			t.Errorf("dialled %s", a)
		}
	}
}

type rebindingResolver struct {
	n       int
	answers []string
}

func (r *rebindingResolver) LookupNetIP(_ context.Context, _, _ string) ([]netip.Addr, error) {
	a := r.answers[r.n%len(r.answers)]
	r.n++
	return []netip.Addr{netip.MustParseAddr(a)}, nil
}

func TestProxyGuard(t *testing.T) {
	target := newSite(t, "127.0.0.2:0")
	target.handle("/", serveBytes("text/plain", []byte("via proxy")))
	proxy := newSite(t, "127.0.0.2:0")
	proxy.handle("/", func(w http.ResponseWriter, r *http.Request) {
		// A minimal forward proxy: it only ever forwards to the target.
		if !strings.HasPrefix(r.RequestURI, "http://target.test:"+target.port()+"/") {
			http.Error(w, "proxy refuses "+r.RequestURI, http.StatusForbidden)
			return
		}
		resp, err := http.Get(target.URL + r.URL.Path)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
		w.Header().Set("X-Proxied", "1")
		drainTo(w, resp)
	})
	env := newEnv(t, Options{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}, IgnoreRobots: true})
	env.resolver.table["target.test"] = []netip.Addr{netip.MustParseAddr("127.0.0.2")}
	env.resolver.table["internal.test"] = []netip.Addr{netip.MustParseAddr("10.0.0.9")}
	ctx := context.Background()

	resp, err := env.f.Fetch(ctx, Request{URL: "http://target.test:" + target.port() + "/", Proxy: proxy.URL})
	if err != nil || string(resp.Body) != "via proxy" || resp.Header.Get("X-Proxied") != "1" {
		t.Fatalf("fetch through an allowed proxy: %v", err)
	}
	// A proxy on a blocked address is refused before any connection.
	for _, p := range []string{"http://10.0.0.1:3128", "http://127.0.0.1:3128", "socks5://169.254.169.254:1080", "http://internal.test:8080"} {
		_, err := env.f.Fetch(ctx, Request{URL: "http://target.test:" + target.port() + "/", Proxy: p})
		mustType(t, err, core.ErrBlockedURL, "proxy ")
	}
	// A blocked target stays blocked through an allowed proxy.
	before := proxy.total.Load()
	_, err = env.f.Fetch(ctx, Request{URL: "http://internal.test/", Proxy: proxy.URL})
	mustType(t, err, core.ErrBlockedURL, "internal.test resolves to a blocked address")
	if proxy.total.Load() != before {
		t.Error("the proxy was asked to fetch a blocked target")
	}
	if _, err := New(Options{Proxy: "ftp://proxy.example:21"}); errType(err) != core.ErrInvalidURL {
		t.Errorf("ftp proxy: %v", err)
	}
	_, err = env.f.Fetch(ctx, Request{URL: "http://target.test/", Proxy: "gopher://x"})
	mustType(t, err, core.ErrInvalidURL, "proxy URL: scheme")
	for _, a := range env.dialer.addrs() {
		if !strings.HasPrefix(a, "127.0.0.2:") {
			t.Errorf("dialled %s", a)
		}
	}
	if slices.Contains(env.resolver.names(), "proxy.example") {
		t.Error("a refused proxy scheme was resolved")
	}
}

func drainTo(w http.ResponseWriter, resp *http.Response) {
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			_, _ = w.Write(buf[:n])
		}
		if err != nil {
			return
		}
	}
}

func TestCheckURL(t *testing.T) {
	env := newEnv(t, Options{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}})
	env.resolver.table["ok.test"] = []netip.Addr{netip.MustParseAddr("127.0.0.2")}
	env.resolver.table["bad.test"] = []netip.Addr{netip.MustParseAddr("192.168.0.10")}
	ctx := context.Background()
	u, err := env.f.CheckURL(ctx, "HTTP://OK.test:8080/a")
	if err != nil || u.String() != "http://ok.test:8080/a" {
		t.Errorf("allowed: %v %v", u, err)
	}
	for raw, want := range map[string]core.ErrorType{
		"http://bad.test/":    core.ErrBlockedURL,
		"http://0x7f.1/":      core.ErrBlockedURL,
		"http://localhost/":   core.ErrBlockedURL,
		"ftp://ok.test/":      core.ErrInvalidURL,
		"http://nowhere.test": core.ErrFetch,
	} {
		if _, err := env.f.CheckURL(ctx, raw); errType(err) != want {
			t.Errorf("CheckURL(%q) = %v, want %s", raw, err, want)
		}
	}
	if len(env.dialer.addrs()) != 0 {
		t.Errorf("CheckURL dialled %v", env.dialer.addrs())
	}
}

// A name with several addresses falls back to the next one when the first
// does not answer, within one connect budget.
func TestDialFallback(t *testing.T) {
	s := newSite(t, "127.0.0.2:0")
	s.handle("/", serveBytes("text/plain", []byte("second address")))
	var dialed []string
	var firstBudget time.Duration
	inner := &loopbackDialer{t: t}
	d := dialerFunc(func(ctx context.Context, network, addr string) (net.Conn, error) {
		dialed = append(dialed, addr)
		if strings.HasPrefix(addr, "127.0.0.3:") {
			if dl, ok := ctx.Deadline(); ok {
				firstBudget = time.Until(dl)
			}
			<-ctx.Done() // black hole
			return nil, ctx.Err()
		}
		return inner.DialContext(ctx, network, addr)
	})
	env := newEnv(t, Options{IgnoreRobots: true, Dialer: d, ConnectTimeout: 600 * time.Millisecond,
		AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/31")}})
	env.resolver.table["two.test"] = []netip.Addr{netip.MustParseAddr("127.0.0.3"), netip.MustParseAddr("127.0.0.2")}
	resp, err := env.f.Fetch(context.Background(), Request{URL: "http://two.test:" + s.port() + "/"})
	if err != nil || string(resp.Body) != "second address" {
		t.Fatalf("fallback: %v", err)
	}
	// The first address gets half the budget: read from the deadline its
	// dial was given (a delay only shortens what is left), not from a
	// wall-clock bound on the whole fetch, which a busy machine stretches.
	if firstBudget <= 0 || firstBudget > 300*time.Millisecond {
		t.Errorf("the first address was given %s of the 600ms connect budget, want at most half", firstBudget)
	}
	if len(dialed) != 2 {
		t.Errorf("dialled %v", dialed)
	}
}
