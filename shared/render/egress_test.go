package render

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/fetch"
)

// The browser behind the fetch layer's egress proxy, as the wiring sets it
// up (shared/wire/pipelinewire): the guard of interception and the dialer
// of the proxy are the same fetcher's. Here 127.0.0.2 is the allowlisted
// "public" address where pages live, and 127.0.0.1 stands for an internal
// service: only the allowlist (127.0.0.2/32) admits a loopback address.

var allowedPrefix = netip.MustParsePrefix("127.0.0.2/32")

// egressFetcher is a fetcher admitting 127.0.0.2 only, resolving names
// with resolver (nil: names are not expected).
func egressFetcher(t testing.TB, resolver fetch.Resolver) *fetch.Fetcher {
	t.Helper()
	if resolver == nil {
		resolver = rebindResolver(nil)
	}
	f, err := fetch.New(fetch.Options{AllowCIDRs: []netip.Prefix{allowedPrefix}, Resolver: resolver, ConnectTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	return f
}

// egressRoutes opens the fetcher's egress proxies and keeps them, so a
// test can see what went through them.
type egressRoutes struct {
	f      *fetch.Fetcher
	mu     sync.Mutex
	routes []*fetch.EgressProxy
}

func (e *egressRoutes) Open() (EgressRoute, error) {
	p, err := e.f.ListenEgress()
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	e.routes = append(e.routes, p)
	e.mu.Unlock()
	return p, nil
}

// dialed is how many connections the proxies opened to their targets.
func (e *egressRoutes) dialed() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	var n int64
	for _, r := range e.routes {
		n += r.Dialed()
	}
	return n
}

// newEgressLocal starts a renderer wired like production: the fetcher's
// guard on interception and its egress proxy on every connection.
func newEgressLocal(t testing.TB, f *fetch.Fetcher, mod func(*LocalOptions)) (*Local, *egressRoutes) {
	t.Helper()
	routes := &egressRoutes{f: f}
	l := newTestLocal(t, func(o *LocalOptions) {
		o.Guard = GuardFunc(func(ctx context.Context, u *url.URL) error {
			_, err := f.CheckURL(ctx, u.String())
			return err
		})
		o.Egress = routes
		if mod != nil {
			mod(o)
		}
	})
	return l, routes
}

// tcpRecorder is a listener standing for an internal service: it counts
// every TCP connection accepted and closes it.
type tcpRecorder struct {
	ln       net.Listener
	accepted atomic.Int64
}

func recordTCP(t testing.TB, addr string) *tcpRecorder {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on %s: %v", addr, err)
	}
	r := &tcpRecorder{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			r.accepted.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return r
}

func (r *tcpRecorder) port() int { return r.ln.Addr().(*net.TCPAddr).Port }

// pageOn serves one HTML page on addr and returns its URL.
func pageOn(t testing.TB, addr, html string) string {
	t.Helper()
	srv := listenOn(t, addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, html)
	}))
	return srv.URL + "/"
}

// settle waits for the page's connection attempts: a flag the page sets
// when its sockets have failed or closed, then a quiet network.
var settle = []WaitCondition{{Type: WaitLoad}, {Type: WaitJS, Expression: "window.settled === true", TimeoutMS: 5000}, {Type: WaitDelay, DelayMS: 300}}

func TestEgressBlocksPageWebSocketsWithChromium(t *testing.T) {
	internal := recordTCP(t, "127.0.0.1:0")
	port := internal.port()
	targets := []string{fmt.Sprintf("ws://127.0.0.1:%d/x", port), fmt.Sprintf("ws://localhost:%d/x", port)}
	if ln6, err := net.Listen("tcp", fmt.Sprintf("[::1]:%d", port)); err == nil {
		// The same port on IPv6 loopback, when the machine has it.
		ln6.Close()
		v6 := recordTCP(t, fmt.Sprintf("[::1]:%d", port))
		t.Cleanup(func() {
			if n := v6.accepted.Load(); n != 0 {
				t.Errorf("[::1] listener accepted %d connections", n)
			}
		})
		targets = append(targets, fmt.Sprintf("ws://[::1]:%d/x", port))
	}
	var js strings.Builder
	js.WriteString("let pending = " + fmt.Sprint(len(targets)) + ";\n")
	for _, u := range targets {
		fmt.Fprintf(&js, "{ const s = new WebSocket(%q); s.onerror = s.onclose = () => { if (--pending === 0) window.settled = true; }; }\n", u)
	}
	page := pageOn(t, "127.0.0.2", "<!doctype html><title>ws</title><script>"+js.String()+"</script>")

	l, _ := newEgressLocal(t, egressFetcher(t, nil), nil)
	res := renderOK(t, l, Request{URL: page, Wait: settle})
	if n := internal.accepted.Load(); n != 0 {
		t.Fatalf("the page's WebSockets reached the internal listener: %d connections", n)
	}
	if res.Network.BlockedByGuard < len(targets) {
		t.Fatalf("blocked_by_guard=%d, want at least %d (one per WebSocket): %+v", res.Network.BlockedByGuard, len(targets), res.Network)
	}
	if res.Network.Blocked < res.Network.BlockedByGuard {
		t.Fatalf("blocked=%d < blocked_by_guard=%d", res.Network.Blocked, res.Network.BlockedByGuard)
	}
}

func TestEgressBlocksEvaluateWebSocketWithChromium(t *testing.T) {
	internal := recordTCP(t, "127.0.0.1:0")
	page := pageOn(t, "127.0.0.2", "<!doctype html><title>allowed</title><p>hello</p>")
	l, _ := newEgressLocal(t, egressFetcher(t, nil), nil)
	script := fmt.Sprintf(`new Promise(done => { const s = new WebSocket('ws://127.0.0.1:%d/x'); s.onopen = () => done("open"); s.onerror = () => done("error"); })`, internal.port())
	res := renderOK(t, l, Request{URL: page, Actions: []Action{
		{Type: ActionEvaluate, Script: script},
		{Type: ActionWait, Wait: []WaitCondition{{Type: WaitDelay, DelayMS: 300}}},
	}})
	if n := internal.accepted.Load(); n != 0 {
		t.Fatalf("the evaluate action's WebSocket reached the internal listener: %d connections", n)
	}
	if got := string(res.Actions[0].Value); got != `"error"` {
		t.Fatalf("evaluate answered %s, want \"error\" (the socket must fail)", got)
	}
	if res.Network.BlockedByGuard < 1 {
		t.Fatalf("blocked_by_guard=%d: %+v", res.Network.BlockedByGuard, res.Network)
	}
}

// rebindResolver answers for names like a rebinding DNS server with a
// zero TTL: the first `allowed` lookups of a name get 127.0.0.2 (allowed),
// every later one 127.0.0.1 (internal). Names not in the map do not exist.
type rebinder struct {
	mu      sync.Mutex
	allowed map[string]int
	lookups map[string]int
}

func rebindResolver(allowed map[string]int) *rebinder {
	return &rebinder{allowed: allowed, lookups: map[string]int{}}
}

func (r *rebinder) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n, ok := r.allowed[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	r.lookups[host]++
	if r.lookups[host] <= n {
		return []netip.Addr{netip.MustParseAddr("127.0.0.2")}, nil
	}
	return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
}

func (r *rebinder) count(host string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lookups[host]
}

func TestEgressBlocksDNSRebindingWithChromium(t *testing.T) {
	// The same port on both addresses: the allowed site and, behind the
	// rebound name, the internal service.
	var internal *tcpRecorder
	var site *httptest.Server
	for range 20 {
		internal = recordTCP(t, "127.0.0.1:0")
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.2:%d", internal.port()))
		if err != nil {
			continue
		}
		site = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<title>site</title><img src="/pixel.png">`)
		}))
		site.Listener.Close()
		site.Listener = ln
		site.Start()
		t.Cleanup(site.Close)
		break
	}
	if site == nil {
		t.Fatal("no port free on both 127.0.0.1 and 127.0.0.2")
	}
	port := internal.port()
	// Lookups before the dial: the page's own check and the interception
	// of its request (2) for the document; interception alone (1) for a
	// subresource. The dial's lookup is the next one: the internal address.
	dns := rebindResolver(map[string]int{"doc.rebind.test": 2, "img.rebind.test": 1})
	// Without the egress proxy Chromium would resolve the names itself;
	// its answer, the rebound one, is given here as a resolver rule (with
	// the proxy, the browser resolves nothing and the rule is replaced).
	chromiumDNS := func(o *LocalOptions) {
		o.ExtraFlags = map[string]any{"host-resolver-rules": "MAP doc.rebind.test 127.0.0.1, MAP img.rebind.test 127.0.0.1"}
	}
	l, _ := newEgressLocal(t, egressFetcher(t, dns), chromiumDNS)

	_, err := l.Render(context.Background(), Request{URL: fmt.Sprintf("http://doc.rebind.test:%d/", port)})
	wantErrType(t, err, core.ErrBlockedURL)
	if n := dns.count("doc.rebind.test"); n < 3 {
		t.Fatalf("doc.rebind.test was looked up %d times: the dial did not resolve it again", n)
	}

	page := pageOn(t, "127.0.0.2", fmt.Sprintf(`<!doctype html><title>rebind</title>
<img src="http://img.rebind.test:%d/pixel.png" onerror="window.settled = true" onload="window.settled = true">`, port))
	res := renderOK(t, l, Request{URL: page, Wait: settle})
	if n := internal.accepted.Load(); n != 0 {
		t.Fatalf("a rebound name reached the internal listener: %d connections", n)
	}
	if res.Network.BlockedByGuard < 1 {
		t.Fatalf("blocked_by_guard=%d: %+v", res.Network.BlockedByGuard, res.Network)
	}
}

func TestEgressBlocksPreconnectWithChromium(t *testing.T) {
	// Preconnects come from the full browser's network predictor, which
	// the default flags (dns-prefetch-disable) and incognito browser
	// contexts keep quiet; this test turns it on, in the browser's own
	// context (single-process), so that the page does preconnect and
	// only the egress proxy stands between it and the internal listener.
	full, err := exec.LookPath("chromium")
	if err != nil {
		testenv.Missing(t, "chromium", "the full browser (apt-get install -y chromium): the headless shell does not preconnect")
	}
	a, b, c := recordTCP(t, "127.0.0.1:0"), recordTCP(t, "127.0.0.1:0"), recordTCP(t, "127.0.0.1:0")
	srv := listenOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", fmt.Sprintf("<http://127.0.0.1:%d>; rel=preconnect", c.port()))
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<!doctype html><html><head><title>preconnect</title>
<link rel="preconnect" href="http://127.0.0.1:%d/">
<link rel="preconnect" href="http://127.0.0.1:%d/" crossorigin>
<link rel="dns-prefetch" href="http://127.0.0.1:%d/">
</head><body>preconnect</body></html>`, a.port(), b.port(), a.port())
	}))
	l, _ := newEgressLocal(t, egressFetcher(t, nil), func(o *LocalOptions) {
		o.ExecPath = full
		o.ExtraFlags = map[string]any{"single-process": true, "dns-prefetch-disable": false}
	})
	renderOK(t, l, Request{URL: srv.URL + "/", Wait: []WaitCondition{{Type: WaitLoad}, {Type: WaitDelay, DelayMS: 2000}}})
	if n := a.accepted.Load() + b.accepted.Load() + c.accepted.Load(); n != 0 {
		t.Fatalf("preconnect opened %d TCP connections to the internal listeners", n)
	}
}

func TestEgressAllowedTrafficWithChromium(t *testing.T) {
	// A WebSocket echo and a TLS site on the allowed address.
	echo := listenOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
		if err != nil {
			return
		}
		defer c.CloseNow()
		typ, msg, err := c.Read(r.Context())
		if err != nil {
			return
		}
		_ = c.Write(r.Context(), typ, append([]byte("echo:"), msg...))
		_, _, _ = c.Read(r.Context())
	}))
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	tlsSite := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<title>over tls</title><p id="p">secure</p>`)
	}))
	tlsSite.Listener.Close()
	tlsSite.Listener = ln
	tlsSite.StartTLS()
	t.Cleanup(tlsSite.Close)
	// The test CA, passed to Chromium as the SPKI hash it may trust.
	cert, err := x509.ParseCertificate(tlsSite.TLS.Certificates[0].Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	spki := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	trustTestCA := func(o *LocalOptions) {
		o.ExtraFlags = map[string]any{"ignore-certificate-errors-spki-list": base64.StdEncoding.EncodeToString(spki[:])}
	}
	l, routes := newEgressLocal(t, egressFetcher(t, nil), trustTestCA)

	// TLS through the proxy's CONNECT.
	res := renderOK(t, l, Request{URL: tlsSite.URL + "/"})
	if res.Title != "over tls" || !strings.Contains(res.HTML, "secure") {
		t.Fatalf("TLS page: title %q", res.Title)
	}
	// Plain HTTP, with a subresource, and an allowed WebSocket.
	wsURL := "ws" + strings.TrimPrefix(echo.URL, "http") + "/echo"
	page := pageOn(t, "127.0.0.2", `<!doctype html><title>plain</title><img src="/x.png"><div id="out">none</div><script>
const s = new WebSocket("`+wsURL+`");
s.onopen = () => s.send("ping");
s.onmessage = e => { document.getElementById("out").textContent = e.data; window.settled = true; s.close(); };
s.onerror = () => { document.getElementById("out").textContent = "error"; window.settled = true; };
</script>`)
	before := routes.dialed()
	res = renderOK(t, l, Request{URL: page, Wait: settle})
	if !strings.Contains(res.HTML, `<div id="out">echo:ping</div>`) {
		t.Fatalf("allowed WebSocket did not echo: %s", res.HTML)
	}
	if res.Title != "plain" || res.Status != 200 {
		t.Fatalf("plain page: title %q status %d", res.Title, res.Status)
	}
	if res.Network.BlockedByGuard != 0 {
		t.Fatalf("allowed traffic counted as blocked: %+v", res.Network)
	}
	// The traffic went through the proxy: page, image, favicon, socket.
	if n := routes.dialed() - before; n < 2 {
		t.Fatalf("the proxy dialled %d connections for the page and its WebSocket", n)
	}
}
