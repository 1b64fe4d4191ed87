package fetch

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
)

// fakeResolver answers from a table: tests never ask real DNS.
type fakeResolver struct {
	mu      sync.Mutex
	table   map[string][]netip.Addr
	lookups []string
}

func newResolver(pairs ...string) *fakeResolver {
	r := &fakeResolver{table: map[string][]netip.Addr{}}
	for i := 0; i < len(pairs); i += 2 {
		r.table[pairs[i]] = append(r.table[pairs[i]], netip.MustParseAddr(pairs[i+1]))
	}
	return r
}

func (r *fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lookups = append(r.lookups, host)
	if a, ok := r.table[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func (r *fakeResolver) names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lookups...)
}

// loopbackDialer records every address it is asked to dial and connects
// only to 127.0.0.0/8: whatever the code under test does, no packet leaves
// the machine. A request for any other address is recorded and refused, and
// the test fails.
type loopbackDialer struct {
	t      testing.TB
	mu     sync.Mutex
	dialed []string
	d      net.Dialer
}

func (l *loopbackDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	l.mu.Lock()
	l.dialed = append(l.dialed, addr)
	l.mu.Unlock()
	ap, err := netip.ParseAddrPort(addr)
	if err != nil || !ap.Addr().Unmap().Is4() || !netip.MustParsePrefix("127.0.0.0/8").Contains(ap.Addr().Unmap()) {
		l.t.Errorf("code under test tried to dial %q: only 127.0.0.0/8 may be dialled in tests", addr)
		return nil, errors.New("test dialer: refusing a non-loopback address")
	}
	return l.d.DialContext(ctx, network, addr)
}

func (l *loopbackDialer) addrs() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.dialed...)
}

// testEnv is a Fetcher wired to a fake resolver and the loopback dialer.
type testEnv struct {
	f        *Fetcher
	resolver *fakeResolver
	dialer   *loopbackDialer
}

// newEnv builds a Fetcher for tests: only 127.0.0.1 admitted unless opts
// says otherwise, short timeouts and backoffs, logs to the test.
func newEnv(t testing.TB, opts Options) *testEnv {
	t.Helper()
	env := &testEnv{resolver: newResolver(), dialer: &loopbackDialer{t: t}}
	if opts.AllowCIDRs == nil {
		opts.AllowCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	}
	if opts.Resolver == nil {
		opts.Resolver = env.resolver
	}
	if opts.Dialer == nil {
		opts.Dialer = env.dialer
	}
	if opts.Timeout == 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.Retry.BaseDelay == 0 {
		opts.Retry.BaseDelay = 20 * time.Millisecond
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	f, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(f.Close)
	env.f = f
	return env
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// site is a fixture web site on a loopback address that counts requests
// per path.
type site struct {
	*httptest.Server
	mux    *http.ServeMux
	mu     sync.Mutex
	counts map[string]int
	total  atomic.Int64
}

func newSite(t testing.TB, addr string) *site {
	t.Helper()
	s := &site{mux: http.NewServeMux(), counts: map[string]int{}}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen %s: %v", addr, err)
	}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.counts[r.URL.Path]++
		s.mu.Unlock()
		s.total.Add(1)
		s.mux.ServeHTTP(w, r)
	}))
	s.Listener.Close()
	s.Listener = ln
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func (s *site) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[path]
}

func (s *site) handle(pattern string, h http.HandlerFunc) { s.mux.HandleFunc(pattern, h) }

// port returns the site's port.
func (s *site) port() string {
	_, p, _ := net.SplitHostPort(s.Listener.Addr().String())
	return p
}

func serveBytes(contentType string, body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		} else {
			w.Header()["Content-Type"] = nil // stop net/http from sniffing
		}
		_, _ = w.Write(body)
	}
}

func noRobots(b bool) *bool { return &b }

// errType returns the core error type of err ("" for nil).
func errType(err error) core.ErrorType {
	if err == nil {
		return ""
	}
	return core.TypeOf(err)
}

func mustType(t testing.TB, err error, want core.ErrorType, msgPart string) *core.Error {
	t.Helper()
	var ce *core.Error
	if !errors.As(err, &ce) {
		t.Fatalf("error = %v (%T), want a core.Error of type %s", err, err, want)
	}
	if ce.Type != want {
		t.Fatalf("error type = %s (%q), want %s", ce.Type, ce.Message, want)
	}
	if msgPart != "" && !strings.Contains(ce.Message, msgPart) {
		t.Fatalf("error message %q does not contain %q", ce.Message, msgPart)
	}
	return ce
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
