package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/routes"
)

// The local server's limits against slow and anonymous clients, on a real
// listener with the server newServer builds and the real middleware. The
// header and body timeouts are shortened to keep the test quick.

const (
	testBodyTimeout   = 600 * time.Millisecond
	testHeaderTimeout = 600 * time.Millisecond
	testMaxUnauth     = 4
)

type limitServer struct {
	addr    string
	release chan struct{} // unblocks the public /slow route
	entered chan struct{} // one value per /slow request started
}

func startLimitServer(t *testing.T) *limitServer {
	t.Helper()
	// A synthetic route table (not the document's): its traffic is kept
	// out of the contract recording.
	t.Setenv(httpx.ContractRecordEnv, "")
	ls := &limitServer{release: make(chan struct{}), entered: make(chan struct{}, 64)}
	table := []routes.Route{
		{Op: "t.echo", Group: "t", Method: "POST", Path: "/api/v1/echo", Body: routes.JSONBody, MaxBody: 1 << 20, Status: routes.Ready},
		{Op: "t.slow", Group: "t", Method: "GET", Path: "/api/v1/slow", Public: true, Status: routes.Ready},
		{Op: "t.work", Group: "t", Method: "POST", Path: "/api/v1/work", Body: routes.JSONBody, Status: routes.Ready},
	}
	handlers := map[string]http.Handler{
		"t.echo": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var v map[string]any
			if err := httpx.Decode(r, &v); err != nil {
				httpx.WriteError(w, r, err)
				return
			}
			httpx.WriteJSON(w, 200, v)
		}),
		"t.slow": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ls.entered <- struct{}{}
			<-ls.release
			httpx.WriteJSON(w, 200, map[string]string{"status": "ok"})
		}),
		// Works longer than the body deadline after reading its body: the
		// deadline must not cut the request's context.
		"t.work": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var v map[string]any
			if err := httpx.Decode(r, &v); err != nil {
				httpx.WriteError(w, r, err)
				return
			}
			select {
			case <-time.After(3 * testBodyTimeout):
				httpx.WriteJSON(w, 200, map[string]string{"status": "done"})
			case <-r.Context().Done():
				httpx.WriteJSON(w, 500, map[string]string{"status": "cancelled"})
			}
		}),
	}
	h, err := httpx.NewHandler(httpx.Options{
		Logger:             slog.New(slog.NewTextHandler(io.Discard, nil)),
		Auth:               httpx.AuthConfig{Authenticator: httpx.NewStaticKeys([]string{"k1"})},
		BodyReadTimeout:    testBodyTimeout,
		MaxUnauthenticated: testMaxUnauth,
	}, table, handlers)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(h)
	srv.ReadHeaderTimeout = testHeaderTimeout
	srv.ErrorLog = slog.NewLogLogger(slog.New(slog.NewTextHandler(io.Discard, nil)).Handler(), slog.LevelWarn)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	ls.addr = ln.Addr().String()
	return ls
}

// rawConn opens a TCP connection and writes s.
func (ls *limitServer) rawConn(t *testing.T, s string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", ls.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, s); err != nil {
		t.Fatal(err)
	}
	return c
}

// readUntilClosed reads c to its end within limit and returns what came.
func readUntilClosed(t *testing.T, c net.Conn, limit time.Duration) string {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(limit))
	b, err := io.ReadAll(c)
	// A reset is closed too: the server closed with the client's trickled
	// bytes unread, and the kernel answers those with RST.
	if err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("connection still open after %s (got %q): %v", limit, b, err)
	}
	return string(b)
}

func TestSlowLorisUnauthenticatedBodiesAreRefusedAndClosed(t *testing.T) {
	ls := startLimitServer(t)
	before := runtime.NumGoroutine()
	// The probe's attack: announce a large body, send one byte, keep the
	// connection. Each must get its 401 at once and lose the connection.
	const n = 40
	conns := make([]net.Conn, n)
	for i := range conns {
		conns[i] = ls.rawConn(t, "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200000\r\n\r\n{")
	}
	start := time.Now()
	for i, c := range conns {
		got := readUntilClosed(t, c, 3*time.Second)
		if !strings.HasPrefix(got, "HTTP/1.1 401 ") || !strings.Contains(got, "Connection: close") {
			t.Fatalf("connection %d: %q", i, got)
		}
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("refusals took %s", d)
	}
	// The server's goroutines for them are gone.
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before+5 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > before+5 {
		t.Fatalf("goroutines %d → %d after the connections were refused", before, g)
	}
}

func TestSlowLorisAuthenticatedBodyHitsTheBodyDeadline(t *testing.T) {
	ls := startLimitServer(t)
	c := ls.rawConn(t, "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nX-API-Key: k1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
	// Trickle a byte now and then, as a slow-loris client does.
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(testBodyTimeout / 4):
				if _, err := io.WriteString(c, " "); err != nil {
					return
				}
			}
		}
	}()
	start := time.Now()
	got := readUntilClosed(t, c, 5*testBodyTimeout)
	if !strings.HasPrefix(got, "HTTP/1.1 504 ") || !strings.Contains(got, `"type":"timeout_error"`) || !strings.Contains(got, "request body not received within") {
		t.Fatalf("answer %q", got)
	}
	if d := time.Since(start); d < testBodyTimeout/2 || d > 3*testBodyTimeout {
		t.Fatalf("closed after %s, body deadline %s", d, testBodyTimeout)
	}
}

func TestSlowLorisHeadersAreClosed(t *testing.T) {
	ls := startLimitServer(t)
	c := ls.rawConn(t, "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\n")
	start := time.Now()
	readUntilClosed(t, c, 5*testHeaderTimeout)
	if d := time.Since(start); d > 3*testHeaderTimeout {
		t.Fatalf("closed after %s", d)
	}
}

func TestBodyDeadlineDoesNotCutLongHandlers(t *testing.T) {
	ls := startLimitServer(t)
	req, _ := http.NewRequest("POST", "http://"+ls.addr+"/api/v1/work", strings.NewReader(`{"a":1}`))
	req.Header.Set("X-API-Key", "k1")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(b), "done") {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
}

func TestUnauthenticatedRequestsAreCapped(t *testing.T) {
	ls := startLimitServer(t)
	results := make(chan int, testMaxUnauth)
	for range testMaxUnauth {
		go func() {
			resp, err := http.Get("http://" + ls.addr + "/api/v1/slow")
			if err != nil {
				results <- 0
				return
			}
			resp.Body.Close()
			results <- resp.StatusCode
		}()
	}
	for range testMaxUnauth {
		select {
		case <-ls.entered:
		case <-time.After(5 * time.Second):
			t.Fatal("public requests did not start")
		}
	}
	// Every slot is held: the next anonymous request is refused at once;
	// an authenticated one still passes.
	c := ls.rawConn(t, "GET /api/v1/slow HTTP/1.1\r\nHost: x\r\n\r\n")
	if got := readUntilClosed(t, c, 3*time.Second); !strings.HasPrefix(got, "HTTP/1.1 429 ") || !strings.Contains(got, "unauthenticated requests in flight") {
		t.Fatalf("over the cap: %q", got)
	}
	req, _ := http.NewRequest("POST", "http://"+ls.addr+"/api/v1/echo", strings.NewReader(`{"a":1}`))
	req.Header.Set("X-API-Key", "k1")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("authenticated request while anonymous slots are full: %d", resp.StatusCode)
	}
	close(ls.release)
	for range testMaxUnauth {
		if code := <-results; code != 200 {
			t.Fatalf("held request: %d", code)
		}
	}
	resp, err = http.Get("http://" + ls.addr + "/api/v1/slow")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatal(fmt.Sprint("after release: ", resp.StatusCode))
	}
}
