package httpx

import (
	"bytes"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/riptidecrawler/riptide/shared/core"
)

// ProtocolErrorListener wraps the local server's listener so that the
// errors net/http answers itself, before any handler runs, carry the
// unified error shape too.
//
// http.Server has no hook for a request it cannot parse: on a malformed
// request line or header (400), headers over MaxHeaderBytes (431), an
// unknown Transfer-Encoding (501), an unknown HTTP version (505) or an
// Expect other than 100-continue (417) it writes a canned text/plain answer
// straight to the connection and closes it. Those answers have fixed forms
// (net/http's conn.serve and response.sendExpectationFailed) that no
// handler of ours produces (ours are JSON, and none answers 417), so the
// connection recognises them as they are written and sends the unified
// JSON error in their place. TestProtocolErrorsHaveTheUnifiedShape talks
// raw TCP to a real server to keep this true across Go releases.
func ProtocolErrorListener(ln net.Listener, logger *slog.Logger) net.Listener {
	if logger == nil {
		logger = slog.Default()
	}
	return protocolErrorListener{Listener: ln, log: logger}
}

type protocolErrorListener struct {
	net.Listener
	log *slog.Logger
}

func (l protocolErrorListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &protocolErrorConn{Conn: c, log: l.log}, nil
}

// protocolErrorConn rewrites net/http's canned error answers.
type protocolErrorConn struct {
	net.Conn
	log *slog.Logger
}

// The patterns are compiled on first use: only the local server wraps its
// listener, and a Lambda function should not pay for them at init.
var (
	// conn.serve: "HTTP/1.1 400 Bad Request: invalid header name" + the
	// fixed error headers + the same text as body, in one write.
	cannedError = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^HTTP/1\.1 ([0-9]{3}) [^\r\n]*\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n([^\r\n]*)$`)
	})
	// response.sendExpectationFailed: a 417 with no body.
	expectationFailed = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^HTTP/1\.1 417 Expectation Failed\r\n(?:[^\r\n]+\r\n)*\r\n$`)
	})
)

func (c *protocolErrorConn) Write(p []byte) (int, error) {
	if len(p) > 1024 || !bytes.HasPrefix(p, []byte("HTTP/1.1 ")) {
		return c.Conn.Write(p)
	}
	var status int
	var text string
	if m := cannedError().FindSubmatch(p); m != nil {
		status, _ = strconv.Atoi(string(m[1]))
		text = string(m[2])
	} else if expectationFailed().Match(p) {
		status, text = http.StatusExpectationFailed, "417 Expectation Failed"
	} else {
		return c.Conn.Write(p)
	}
	if _, err := c.Conn.Write(protocolErrorResponse(status, text)); err != nil {
		return 0, err
	}
	c.log.Info("request refused before routing", slog.Int("status", status), slog.String("reason", text),
		slog.String("remote", c.RemoteAddr().String()))
	return len(p), nil
}

// CloseWrite keeps net/http's graceful close after a 431 (it half-closes
// the connection so the client can read the answer).
func (c *protocolErrorConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// protocolErrorResponse is a whole HTTP/1.1 answer with the unified error
// body for a request net/http could not take. text is net/http's own
// ("400 Bad Request: invalid header name").
func protocolErrorResponse(status int, text string) []byte {
	typ, msg := core.ErrValidation, "malformed HTTP request"
	switch status {
	case http.StatusRequestHeaderFieldsTooLarge:
		typ, msg = core.ErrPayloadTooLarge, "request header fields too large"
	case http.StatusNotImplemented:
		typ, msg = core.ErrNotImplemented, "unsupported Transfer-Encoding"
	case http.StatusHTTPVersionNotSupported:
		msg = "unsupported HTTP version: HTTP/1.x is served"
	case http.StatusExpectationFailed:
		msg = "unsupported Expect header: only 100-continue is understood"
	}
	// Keep net/http's detail ("invalid header name", "missing required
	// Host header"): it says what to fix, and it never echoes the request.
	prefix := strconv.Itoa(status) + " " + http.StatusText(status) + ": "
	if detail, ok := strings.CutPrefix(text, prefix); ok && detail != "" {
		msg += ": " + detail
	}
	id := NewRequestID()
	body, _ := MarshalJSON(ErrorBody{Error: ErrorPayload{Type: typ, Message: msg, Status: status, RequestID: id}})
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 " + strconv.Itoa(status) + " " + http.StatusText(status) + "\r\n")
	b.WriteString("Content-Type: application/json\r\n")
	b.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n")
	b.WriteString("Connection: close\r\n")
	b.WriteString("API-Version: " + APIVersion + "\r\n")
	b.WriteString("X-Request-ID: " + id + "\r\n\r\n")
	b.Write(body)
	return b.Bytes()
}
