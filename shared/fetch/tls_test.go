package fetch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/riptidecrawler/riptide/shared/core"
)

// HTTPS and HTTP/2 go through the same guarded dialer.
func TestHTTPSAndHTTP2(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<p>secure " + r.Proto + "</p>"))
	}))
	srv.EnableHTTP2 = true
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the bad-certificate cases are expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())

	env := newEnv(t, Options{IgnoreRobots: true, TLSConfig: &tls.Config{RootCAs: pool}})
	// httptest's certificate is for example.com and 127.0.0.1.
	env.resolver.table["example.com"] = []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	resp, err := env.f.Fetch(context.Background(), Request{URL: "https://example.com:" + port + "/"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Proto != "HTTP/2.0" || string(resp.Body) != "<p>secure HTTP/2.0</p>" {
		t.Errorf("proto %q body %q", resp.Proto, resp.Body)
	}
	if resp.Timings.TLS <= 0 || resp.Timings.Connect <= 0 || resp.Timings.DNS < 0 {
		t.Errorf("timings %+v", resp.Timings)
	}

	// A certificate for another name is refused with a clear message.
	env.resolver.table["wrong.test"] = []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	_, err = env.f.Fetch(context.Background(), Request{URL: "https://wrong.test:" + port + "/"})
	mustType(t, err, core.ErrFetch, "TLS certificate is not valid for wrong.test")
	// Without the test CA, the system roots do not know it.
	plain := newEnv(t, Options{IgnoreRobots: true})
	_, err = plain.f.Fetch(context.Background(), Request{URL: "https://127.0.0.1:" + port + "/"})
	mustType(t, err, core.ErrFetch, "TLS certificate")
}
