package fetch

import (
	"context"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"testing"
)

// BenchmarkFetchOverhead compares one Fetch (guard, politeness, breaker,
// charset detection and conversion, challenge check) with a bare net/http
// GET of the same 16 KiB page from the same loopback server. Read the
// ratio of the two ns/op, not the absolute numbers.
func BenchmarkFetchOverhead(b *testing.B) {
	page := []byte("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Bench</title></head><body>" +
		strings.Repeat("<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit. Ünïcödé.</p>\n", 220) + "</body></html>")
	s := newSite(b, "127.0.0.1:0")
	s.handle("/", serveBytes("text/html; charset=utf-8", page))
	url := s.URL + "/"

	b.Run("net_http", func(b *testing.B) {
		c := &http.Client{Transport: &http.Transport{}}
		defer c.CloseIdleConnections()
		b.SetBytes(int64(len(page)))
		for b.Loop() {
			resp, err := c.Get(url)
			if err != nil {
				b.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || len(body) != len(page) {
				b.Fatal(err)
			}
		}
	})
	b.Run("fetcher", func(b *testing.B) {
		f, err := New(Options{
			AllowCIDRs:   []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
			IgnoreRobots: true,
			Resolver:     newResolver(),
			Dialer:       &loopbackDialer{t: b},
			Logger:       discardLogger(),
		})
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		b.SetBytes(int64(len(page)))
		for b.Loop() {
			resp, err := f.Fetch(context.Background(), Request{URL: url})
			if err != nil || len(resp.Body) != len(page) {
				b.Fatal(err)
			}
		}
	})
}
