package fetch

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/proxy"
)

// socksDial connects through the egress proxy to target (host:port, the
// host sent unresolved) with a SOCKS5 client.
func socksDial(t *testing.T, p *EgressProxy, target string) (net.Conn, error) {
	t.Helper()
	d, err := proxy.SOCKS5("tcp", p.Addr().String(), nil, &net.Dialer{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return d.(proxy.ContextDialer).DialContext(context.Background(), "tcp", target)
}

// acceptCounter is a listener that counts connections and echoes lines.
func acceptCounter(t *testing.T, addr string) (net.Listener, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			go func() {
				defer c.Close()
				line, err := bufio.NewReader(c).ReadString('\n')
				if err == nil {
					_, _ = io.WriteString(c, "echo "+line)
				}
			}()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return ln, &n
}

func TestEgressProxyRelaysAllowedTargets(t *testing.T) {
	env := newEnv(t, Options{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}})
	ln, accepted := acceptCounter(t, "127.0.0.2:0")
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	env.resolver.table["ok.test"] = []netip.Addr{netip.MustParseAddr("127.0.0.2")}
	p, err := env.f.ListenEgress()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if !strings.HasPrefix(p.ProxyServer(), "socks5://127.0.0.1:") {
		t.Fatalf("ProxyServer %q", p.ProxyServer())
	}
	for _, target := range []string{"127.0.0.2:" + port, "ok.test:" + port} {
		c, err := socksDial(t, p, target)
		if err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		_, _ = io.WriteString(c, "hello\n")
		got, err := bufio.NewReader(c).ReadString('\n')
		c.Close()
		if err != nil || got != "echo hello\n" {
			t.Fatalf("%s: relayed %q, %v", target, got, err)
		}
	}
	if accepted.Load() != 2 || p.Dialed() != 2 || p.Refused() != 0 {
		t.Fatalf("accepted %d dialed %d refused %d", accepted.Load(), p.Dialed(), p.Refused())
	}
	// A name is resolved by the proxy, once per connection, with the
	// fetcher's resolver: the client never resolved it.
	if names := env.resolver.names(); len(names) != 1 || names[0] != "ok.test" {
		t.Fatalf("lookups %v", names)
	}
}

func TestEgressProxyRefusesWhatTheGuardRefuses(t *testing.T) {
	env := newEnv(t, Options{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}})
	ln, accepted := acceptCounter(t, "127.0.0.1:0")
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	env.resolver.table["internal.test"] = []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	env.resolver.table["mixed.test"] = []netip.Addr{netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("127.0.0.1")}
	p, err := env.f.ListenEgress()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	targets := []string{
		"127.0.0.1:" + port,
		"localhost:" + port,
		"internal.test:" + port,
		"mixed.test:" + port,
		"0x7f000001:" + port, // a hex IPv4 spelling: an address, never a DNS name
		"2130706433:" + port,
		"[::1]:" + port,
		"[::ffff:127.0.0.1]:" + port,
		"169.254.169.254:80",
	}
	for _, target := range targets {
		c, err := socksDial(t, p, target)
		if err == nil {
			c.Close()
			t.Errorf("%s: connected", target)
			continue
		}
		if !strings.Contains(err.Error(), "not allowed") {
			t.Errorf("%s: %v, want the ruleset refusal", target, err)
		}
	}
	if n := accepted.Load(); n != 0 {
		t.Fatalf("the internal listener accepted %d connections", n)
	}
	if got := p.Refused(); got != int64(len(targets)) {
		t.Fatalf("Refused() = %d, want %d", got, len(targets))
	}
	for _, name := range env.resolver.names() {
		if strings.HasPrefix(name, "0x") || name == "2130706433" {
			t.Errorf("%s was sent to DNS", name)
		}
	}
	if d := env.dialer.addrs(); len(d) != 0 {
		t.Errorf("dialled %v", d)
	}
}

func TestEgressProxyProtocolErrors(t *testing.T) {
	env := newEnv(t, Options{})
	p, err := env.f.ListenEgress()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	exchange := func(send []byte) []byte {
		c, err := net.Dial("tcp", p.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		_, _ = c.Write(send)
		b, _ := io.ReadAll(c)
		return b
	}
	// An HTTP request is not SOCKS: the connection is closed unanswered.
	if got := exchange([]byte("GET http://127.0.0.1/ HTTP/1.1\r\n\r\n")); len(got) != 0 {
		t.Errorf("HTTP request answered %q", got)
	}
	// Only "no authentication" is offered: a client without it is told so.
	if got := exchange([]byte{5, 1, 2}); string(got) != string([]byte{5, 0xff}) {
		t.Errorf("username/password only: %v", got)
	}
	// BIND (2) is not supported: reply 7, nothing dialled.
	if got := exchange([]byte{5, 1, 0, 5, 2, 0, 1, 127, 0, 0, 1, 0, 80}); len(got) < 4 || got[3] != socksCmdNotSupported {
		t.Errorf("BIND answered %v", got)
	}
	if d := env.dialer.addrs(); len(d) != 0 {
		t.Errorf("dialled %v", d)
	}
}

func TestEgressProxyCloseCutsTunnels(t *testing.T) {
	env := newEnv(t, Options{})
	// A server that holds the connection open.
	hold := make(chan struct{})
	srv := newSite(t, "127.0.0.1:0")
	srv.handle("/hold", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		select {
		case <-hold:
		case <-r.Context().Done():
		}
	})
	defer close(hold)
	p, err := env.f.ListenEgress()
	if err != nil {
		t.Fatal(err)
	}
	c, err := socksDial(t, p, "127.0.0.1:"+srv.port())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, _ = io.WriteString(c, "GET /hold HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	if line, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(line, "HTTP/1.1 200") {
		t.Fatalf("through the tunnel: %q %v", line, err)
	}
	done := make(chan struct{})
	go func() { p.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return with a tunnel open")
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadAll(br); err != nil {
		t.Fatalf("tunnel not closed by Close: %v", err)
	}
	if _, err := net.Dial("tcp", p.Addr().String()); err == nil {
		t.Fatal("still accepting after Close")
	}
}
