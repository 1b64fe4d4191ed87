package httpx_test

import (
	"bufio"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/httpx"
)

// rawServer runs a real http.Server on loopback, its listener wrapped (or
// not), and returns its address.
func rawServer(t *testing.T, wrap bool) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if wrap {
		ln = httpx.ProtocolErrorListener(ln, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			httpx.WriteJSON(w, 200, map[string]string{"ok": r.URL.Path})
		}),
		MaxHeaderBytes:    1024,
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

// rawExchange writes raw bytes on a fresh connection and reads one response.
func rawExchange(t *testing.T, addr, raw string) (*http.Response, string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%q: reading the answer: %v", raw, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// TestProtocolErrorsHaveTheUnifiedShape sends, over raw TCP, requests that
// net/http refuses before any handler runs, and checks that the answers
// have the unified error shape (without the wrapper they are text/plain).
func TestProtocolErrorsHaveTheUnifiedShape(t *testing.T) {
	addr := rawServer(t, true)
	for _, c := range []struct {
		name, raw string
		status    int
		typ       core.ErrorType
		message   string
	}{
		{"header line without a colon", "GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n", 400, core.ErrValidation, "malformed HTTP request"},
		{"bad byte in a header name", "GET / HTTP/1.1\r\nHost: x\r\nBad\x01Name: v\r\n\r\n", 400, core.ErrValidation, "malformed HTTP request"},
		{"bad byte in a header value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", 400, core.ErrValidation, "malformed HTTP request"},
		{"missing Host", "GET / HTTP/1.1\r\n\r\n", 400, core.ErrValidation, "malformed HTTP request: missing required Host header"},
		{"malformed request line", "GARBAGE\r\n\r\n", 400, core.ErrValidation, "malformed HTTP request"},
		{"headers too large", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 8<<10) + "\r\n\r\n", 431, core.ErrPayloadTooLarge, "request header fields too large"},
		{"unknown transfer encoding", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501, core.ErrNotImplemented, "Transfer-Encoding"},
		{"unknown HTTP version", "GET / HTTP/2.5\r\nHost: x\r\n\r\n", 505, core.ErrValidation, "HTTP version"},
		{"unknown Expect", "GET / HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n", 417, core.ErrValidation, "Expect"},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, body := rawExchange(t, addr, c.raw)
			if resp.StatusCode != c.status || resp.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("%d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
			var eb struct {
				Error httpx.ErrorPayload `json:"error"`
			}
			dec := json.NewDecoder(strings.NewReader(body))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&eb); err != nil {
				t.Fatalf("not the unified shape: %v: %s", err, body)
			}
			p := eb.Error
			if p.Type != c.typ || p.Status != c.status || !strings.Contains(p.Message, c.message) || p.Retryable {
				t.Errorf("payload %+v, want type %s status %d message containing %q", p, c.typ, c.status, c.message)
			}
			if p.RequestID == "" || resp.Header.Get("X-Request-ID") != p.RequestID || resp.Header.Get("API-Version") != "1" {
				t.Errorf("request id %q, X-Request-ID %q, API-Version %q", p.RequestID, resp.Header.Get("X-Request-ID"), resp.Header.Get("API-Version"))
			}
			if !resp.Close {
				t.Error("the connection must close, as net/http's own answer does")
			}
		})
	}
	// Ordinary requests, including a handler's own answers, pass untouched,
	// and a malformed request after a good one on a kept-alive connection
	// is answered in the unified shape.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	io.WriteString(c, "GET /fine HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(b) != `{"ok":"/fine"}`+"\n" {
		t.Fatalf("ordinary request: %d %s", resp.StatusCode, b)
	}
	io.WriteString(c, "GET /again HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
	resp, err = http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	if resp.StatusCode != 400 || !strings.Contains(string(b), `"type":"validation_error"`) {
		t.Fatalf("malformed request on a kept-alive connection: %d %s", resp.StatusCode, b)
	}
}

// TestNetHTTPWritesPlainTextWithoutTheListener documents why the wrapper
// exists: net/http's own answer is text/plain. If this starts failing, Go
// changed those answers and ProtocolErrorListener's patterns need a look.
func TestNetHTTPWritesPlainTextWithoutTheListener(t *testing.T) {
	addr := rawServer(t, false)
	resp, body := rawExchange(t, addr, "GET / HTTP/1.1\r\nHost: x\r\nBad\x01Name: v\r\n\r\n")
	if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" || body != "400 Bad Request" {
		t.Errorf("net/http's canned 400 changed: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	resp, body = rawExchange(t, addr, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("a", 8<<10)+"\r\n\r\n")
	if resp.StatusCode != 431 || body != "431 Request Header Fields Too Large" {
		t.Errorf("net/http's canned 431 changed: %d %q", resp.StatusCode, body)
	}
}
