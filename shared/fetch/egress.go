package fetch

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
)

// EgressProxy is a forward proxy on a loopback port whose every outgoing
// connection is dialled by the fetcher's guarded dialer: the same SSRF
// policy and allowlist as Fetch, resolving each name once and connecting
// only to the addresses it judged. A headless browser pointed at it
// (--proxy-server) reaches nothing the guard refuses, whatever opens the
// connection: a page's WebSocket, a <link rel=preconnect>, a redirect, or
// a name that resolves differently the second time (DNS rebinding: the
// browser resolves no names itself, the proxy's one lookup is the one
// judged and dialled).
//
// It speaks SOCKS5 (RFC 1928), CONNECT only, no authentication, because
// through a SOCKS proxy Chromium tunnels every connection the same way:
// plain HTTP, HTTPS and WebSocket (ws and wss) alike are a CONNECT to
// host:port with the host name unresolved, so one code path judges all
// of them, and a refusal is a connection error for every kind of request
// (an HTTP proxy would have to answer a refused plain-HTTP request with a
// response the page sees as the site's own). Bytes are relayed as they
// are: TLS stays end to end between the browser and the site.
type EgressProxy struct {
	ln      net.Listener
	dialer  *guardedDialer
	log     *slog.Logger
	ctx     context.Context
	cancel  context.CancelFunc
	refused atomic.Int64
	dialed  atomic.Int64

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// egressHandshakeTimeout bounds the SOCKS greeting and request of one
// client connection; the browser sends both at once.
const egressHandshakeTimeout = 10 * time.Second

// ListenEgress starts an EgressProxy on 127.0.0.1 (a free port). Close
// stops it and cuts every tunnel it holds.
func (f *Fetcher) ListenEgress() (*EgressProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("egress proxy: listen: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &EgressProxy{ln: ln, dialer: f.dialer, log: f.log, ctx: ctx, cancel: cancel, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

// ProxyServer is the proxy as Chromium's --proxy-server and a browser
// context's proxyServer take it.
func (p *EgressProxy) ProxyServer() string { return "socks5://" + p.ln.Addr().String() }

// Addr is the listening address.
func (p *EgressProxy) Addr() net.Addr { return p.ln.Addr() }

// Refused counts the connections the guard refused since the proxy
// started (a blocked address, or a name resolving to one).
func (p *EgressProxy) Refused() int64 { return p.refused.Load() }

// Dialed counts the connections the proxy opened to their targets.
func (p *EgressProxy) Dialed() int64 { return p.dialed.Load() }

// Close stops accepting, closes every client connection and tunnel, and
// waits for their goroutines.
func (p *EgressProxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	err := p.ln.Close()
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.cancel()
	p.wg.Wait()
	return err
}

// track records a connection so Close can cut it; false when closed.
func (p *EgressProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *EgressProxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	_ = c.Close()
}

func (p *EgressProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return // closed
		}
		if !p.track(c) {
			_ = c.Close()
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer p.untrack(c)
			p.handle(c)
		}()
	}
}

// SOCKS5 constants (RFC 1928).
const (
	socksVersion      = 5
	socksNoAuth       = 0
	socksNoAcceptable = 0xff
	socksCmdConnect   = 1
	socksAtypIPv4     = 1
	socksAtypDomain   = 3
	socksAtypIPv6     = 4

	socksSucceeded          = 0
	socksGeneralFailure     = 1
	socksNotAllowed         = 2
	socksHostUnreachable    = 4
	socksConnectionRefused  = 5
	socksTTLExpired         = 6
	socksCmdNotSupported    = 7
	socksAddrTypeNotSupport = 8
)

// handle serves one client connection: greeting, CONNECT request, then
// the relay.
func (p *EgressProxy) handle(c net.Conn) {
	_ = c.SetDeadline(time.Now().Add(egressHandshakeTimeout))
	br := bufio.NewReader(c)
	target, err := readSocksRequest(br, c)
	if err != nil {
		p.log.Debug("egress proxy: bad request", "err", err)
		return
	}
	up, err := p.dialer.DialContext(p.ctx, "tcp", target)
	if err != nil {
		code := byte(socksGeneralFailure)
		var ce *core.Error
		switch {
		case errors.As(err, &ce) && (ce.Type == core.ErrBlockedURL || ce.Type == core.ErrInvalidURL):
			code = socksNotAllowed
			p.refused.Add(1)
			p.log.Debug("egress proxy: connection refused by the guard", "target", target, "reason", ce.Message)
		case isTimeout(err):
			code = socksTTLExpired
		case isConnRefused(err):
			code = socksConnectionRefused
		default:
			var dnsErr *net.DNSError
			if errors.As(err, &dnsErr) {
				code = socksHostUnreachable
			}
		}
		_ = writeSocksReply(c, code)
		return
	}
	p.dialed.Add(1)
	if !p.track(up) {
		_ = up.Close()
		return
	}
	defer p.untrack(up)
	if err := writeSocksReply(c, socksSucceeded); err != nil {
		return
	}
	_ = c.SetDeadline(time.Time{})
	relay(c, br, up)
}

// readSocksRequest reads the greeting (answering "no authentication") and
// the request, and returns the CONNECT target as host:port. Anything else
// gets the matching error reply.
func readSocksRequest(br *bufio.Reader, w io.Writer) (string, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return "", err
	}
	if hdr[0] != socksVersion {
		return "", fmt.Errorf("not SOCKS5 (version %d)", hdr[0])
	}
	methods := make([]byte, hdr[1])
	if _, err := io.ReadFull(br, methods); err != nil {
		return "", err
	}
	noAuth := false
	for _, m := range methods {
		noAuth = noAuth || m == socksNoAuth
	}
	if !noAuth {
		_, _ = w.Write([]byte{socksVersion, socksNoAcceptable})
		return "", errors.New("client offers no unauthenticated method")
	}
	if _, err := w.Write([]byte{socksVersion, socksNoAuth}); err != nil {
		return "", err
	}
	var req [4]byte
	if _, err := io.ReadFull(br, req[:]); err != nil {
		return "", err
	}
	if req[0] != socksVersion {
		return "", fmt.Errorf("request version %d", req[0])
	}
	var host string
	switch req[3] {
	case socksAtypIPv4:
		var a [4]byte
		if _, err := io.ReadFull(br, a[:]); err != nil {
			return "", err
		}
		host = netip.AddrFrom4(a).String()
	case socksAtypIPv6:
		var a [16]byte
		if _, err := io.ReadFull(br, a[:]); err != nil {
			return "", err
		}
		host = netip.AddrFrom16(a).String()
	case socksAtypDomain:
		n, err := br.ReadByte()
		if err != nil {
			return "", err
		}
		name := make([]byte, n)
		if _, err := io.ReadFull(br, name); err != nil {
			return "", err
		}
		host = string(name)
	default:
		_ = writeSocksReply(w, socksAddrTypeNotSupport)
		return "", fmt.Errorf("address type %d", req[3])
	}
	var port [2]byte
	if _, err := io.ReadFull(br, port[:]); err != nil {
		return "", err
	}
	if req[1] != socksCmdConnect {
		_ = writeSocksReply(w, socksCmdNotSupported)
		return "", fmt.Errorf("command %d is not CONNECT", req[1])
	}
	return net.JoinHostPort(host, strconv.Itoa(int(binary.BigEndian.Uint16(port[:])))), nil
}

// writeSocksReply answers a request; the bound address is not shared
// (0.0.0.0:0): clients do not need it for CONNECT.
func writeSocksReply(w io.Writer, code byte) error {
	_, err := w.Write([]byte{socksVersion, code, 0, socksAtypIPv4, 0, 0, 0, 0, 0, 0})
	return err
}

// relay copies both ways until either side ends, then closes both. br
// holds what the client sent after its request (the first bytes of the
// tunnelled protocol, when it did not wait for the reply).
func relay(client net.Conn, br *bufio.Reader, up net.Conn) {
	done := make(chan struct{}, 2)
	go func() {
		_, _ = br.WriteTo(up)
		closeWrite(up)
		done <- struct{}{}
	}()
	go func() {
		_, _ = io.Copy(client, up)
		closeWrite(client)
		done <- struct{}{}
	}()
	<-done
	<-done
}

// closeWrite half-closes a TCP connection so the other side sees the end
// of the stream while replies may still flow back.
func closeWrite(c net.Conn) {
	if tc, ok := c.(interface{ CloseWrite() error }); ok {
		_ = tc.CloseWrite()
		return
	}
	_ = c.Close()
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isConnRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }
