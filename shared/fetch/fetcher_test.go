package fetch

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"

	"github.com/riptidecrawler/riptide/shared/core"
)

func TestFetchBasics(t *testing.T) {
	s := newSite(t, "127.0.0.1:0")
	s.handle("/page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("X-Seen-UA", r.UserAgent())
		w.Header().Set("X-Seen-Custom", r.Header.Get("X-Custom"))
		w.Header().Set("X-Seen-AE", r.Header.Get("Accept-Encoding"))
		if c, err := r.Cookie("session"); err == nil {
			w.Header().Set("X-Seen-Cookie", c.Value)
		}
		_, _ = io.WriteString(w, "<html><title>Hello</title><p>héllo wörld</p></html>")
	})
	env := newEnv(t, Options{IgnoreRobots: true}) // a robots.txt fetch would leave a warm connection
	resp, err := env.f.Fetch(context.Background(), Request{
		URL:     s.URL + "/page",
		Header:  http.Header{"X-Custom": {"42"}, "Accept-Encoding": {"zstd"}},
		Cookies: []*http.Cookie{{Name: "session", Value: "abc"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || resp.ContentType != "text/html" || resp.Charset != "utf-8" || resp.CharsetSource != CharsetFromHeader {
		t.Errorf("status %d type %q charset %q/%q", resp.Status, resp.ContentType, resp.Charset, resp.CharsetSource)
	}
	if !strings.Contains(string(resp.Body), "héllo wörld") {
		t.Errorf("body %q", resp.Body)
	}
	if got := resp.Header.Get("X-Seen-UA"); got != DefaultUserAgent {
		t.Errorf("user agent %q", got)
	}
	if resp.Header.Get("X-Seen-Custom") != "42" || resp.Header.Get("X-Seen-Cookie") != "abc" {
		t.Errorf("per-call header/cookie not sent: %v", resp.Header)
	}
	if got := resp.Header.Get("X-Seen-AE"); got != "gzip, deflate, br" {
		t.Errorf("Accept-Encoding %q: a caller must not be able to ask for codings we cannot decode", got)
	}
	if resp.FinalURL != s.URL+"/page" || len(resp.Redirects) != 0 || resp.Attempts != 1 {
		t.Errorf("final %q redirects %v attempts %d", resp.FinalURL, resp.Redirects, resp.Attempts)
	}
	if resp.WireBytes != int64(len("<html><title>Hello</title><p>héllo wörld</p></html>")) || resp.DecodedBytes != resp.WireBytes {
		t.Errorf("wire %d decoded %d", resp.WireBytes, resp.DecodedBytes)
	}
	if resp.RemoteAddr != s.Listener.Addr().String() {
		t.Errorf("remote %q", resp.RemoteAddr)
	}
	tm := resp.Timings
	if tm.Total <= 0 || tm.TTFB <= 0 || tm.TTFB > tm.Total || tm.Connect <= 0 {
		t.Errorf("timings %+v", tm)
	}
}

// One Fetch sends one request for the page; robots.txt is read once per
// host, then cached.
func TestOneRequestPerFetch(t *testing.T) {
	s := newSite(t, "127.0.0.1:0")
	s.handle("/robots.txt", serveBytes("text/plain", []byte("User-agent: *\nAllow: /\n")))
	s.handle("/a", serveBytes("text/html", []byte("<p>a</p>")))
	s.handle("/b", serveBytes("text/html", []byte("<p>b</p>")))
	env := newEnv(t, Options{})
	ctx := context.Background()
	for _, p := range []string{"/a", "/b", "/a"} {
		if _, err := env.f.Fetch(ctx, Request{URL: s.URL + p}); err != nil {
			t.Fatal(err)
		}
	}
	if a, b, r := s.count("/a"), s.count("/b"), s.count("/robots.txt"); a != 2 || b != 1 || r != 1 {
		t.Errorf("requests: /a %d (want 2), /b %d (want 1), /robots.txt %d (want 1)", a, b, r)
	}
}

func TestRedirects(t *testing.T) {
	s := newSite(t, "127.0.0.1:0")
	s.handle("/start", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "step", Value: "1", Path: "/"})
		http.Redirect(w, r, "/middle", http.StatusMovedPermanently)
	})
	s.handle("/middle", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://other.test:"+s.port()+"/end?x=1", http.StatusFound)
	})
	s.handle("/end", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Auth", r.Header.Get("Authorization"))
		_, _ = io.WriteString(w, "end")
	})
	s.handle("/same-site", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/end", http.StatusTemporaryRedirect)
	})
	s.handle("/cookie-check", func(w http.ResponseWriter, r *http.Request) {
		c, _ := r.Cookie("step")
		if c == nil {
			http.Error(w, "no cookie", http.StatusBadRequest)
			return
		}
		_, _ = io.WriteString(w, "cookie "+c.Value)
	})
	s.handle("/set-and-go", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "step", Value: "2", Path: "/"})
		http.Redirect(w, r, "/cookie-check", http.StatusSeeOther)
	})
	s.handle("/loop1", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop2", http.StatusFound) })
	s.handle("/loop2", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop1", http.StatusFound) })
	s.handle("/to-ftp", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "ftp://files.test/x", http.StatusFound)
	})

	env := newEnv(t, Options{IgnoreRobots: true, MaxRedirects: 5})
	env.resolver.table["site.test"] = []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	env.resolver.table["other.test"] = []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	ctx := context.Background()
	base := "http://site.test:" + s.port()

	resp, err := env.f.Fetch(ctx, Request{URL: base + "/start", Header: http.Header{"Authorization": {"Bearer secret"}}})
	if err != nil {
		t.Fatal(err)
	}
	wantHops := []Hop{
		{URL: base + "/start", Status: 301, Location: base + "/middle"},
		{URL: base + "/middle", Status: 302, Location: "http://other.test:" + s.port() + "/end?x=1"},
	}
	if len(resp.Redirects) != 2 || resp.Redirects[0] != wantHops[0] || resp.Redirects[1] != wantHops[1] {
		t.Errorf("hops %+v, want %+v", resp.Redirects, wantHops)
	}
	if resp.FinalURL != "http://other.test:"+s.port()+"/end?x=1" || string(resp.Body) != "end" || resp.Attempts != 3 {
		t.Errorf("final %q body %q attempts %d", resp.FinalURL, resp.Body, resp.Attempts)
	}
	if got := resp.Header.Get("X-Auth"); got != "" {
		t.Errorf("Authorization %q followed a redirect to another site", got)
	}
	resp, err = env.f.Fetch(ctx, Request{URL: base + "/same-site", Header: http.Header{"Authorization": {"Bearer secret"}}})
	if err != nil || resp.Header.Get("X-Auth") != "Bearer secret" {
		t.Errorf("Authorization must stay on a same-site redirect: %v %q", err, resp.Header.Get("X-Auth"))
	}
	resp, err = env.f.Fetch(ctx, Request{URL: base + "/set-and-go"})
	if err != nil || string(resp.Body) != "cookie 2" {
		t.Errorf("a cookie set during the chain must be sent on: %v %q", err, resp.Body)
	}

	before := s.count("/loop1") + s.count("/loop2")
	_, err = env.f.Fetch(ctx, Request{URL: base + "/loop1"})
	ce := mustType(t, err, core.ErrFetch, "stopped after 5 redirects (a redirect loop)")
	if !errors.Is(ce, errTooManyRedirects) {
		t.Error("the cause should be errTooManyRedirects")
	}
	if n := s.count("/loop1") + s.count("/loop2") - before; n != 6 {
		t.Errorf("loop took %d requests, want 6 (the first plus 5 redirects)", n)
	}

	_, err = env.f.Fetch(ctx, Request{URL: base + "/to-ftp"})
	mustType(t, err, core.ErrInvalidURL, `scheme must be http or https, got "ftp"`)

	noFollow := newEnv(t, Options{IgnoreRobots: true, MaxRedirects: -1})
	resp, err = noFollow.f.Fetch(ctx, Request{URL: s.URL + "/same-site"})
	if err != nil || resp.Status != 307 || resp.Header.Get("Location") != "/end" {
		t.Errorf("MaxRedirects<0 must return the 3xx: %v", err)
	}
}

func TestCharsets(t *testing.T) {
	sjis, _ := japanese.ShiftJIS.NewEncoder().Bytes([]byte("<html><body>日本語のテキスト</body></html>"))
	cp1251, _ := charmap.Windows1251.NewEncoder().Bytes([]byte(`<html><head><meta charset="windows-1251"></head><body>Привет, мир</body></html>`))
	koi8, _ := charmap.KOI8R.NewEncoder().Bytes([]byte(`<html><head><meta http-equiv="Content-Type" content="text/html; charset=koi8-r"></head><body>Съешь же ещё</body></html>`))
	latin1, _ := charmap.ISO8859_1.NewEncoder().Bytes([]byte("<html><body>Café crème brûlée, naïve façade</body></html>"))
	late := append([]byte("<!DOCTYPE html><!-- "+strings.Repeat("padding ", 250)+" -->"), []byte(`<meta charset="iso-8859-2">`)...)
	latin2, _ := charmap.ISO8859_2.NewEncoder().Bytes([]byte("<p>Zażółć gęślą jaźń</p>"))
	late = append(late, latin2...)
	utf16, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte("<html><body>ütf-16 text</body></html>"))
	xmlLatin1, _ := charmap.ISO8859_1.NewEncoder().Bytes([]byte(`<?xml version="1.0" encoding="ISO-8859-1"?><urlset><loc>https://example.test/café</loc></urlset>`))
	bom8 := append([]byte{0xEF, 0xBB, 0xBF}, []byte("<p>bom ✓</p>")...)
	pdf := []byte("%PDF-1.4\n\xe2\xe3\xcf\xd3 binary")

	cases := []struct {
		name, ctype string
		body        []byte
		want        string // substring of the UTF-8 body
		charset     string
		source      string
	}{
		{"shift_jis from header", "text/html; charset=Shift_JIS", sjis, "日本語のテキスト", "shift_jis", CharsetFromHeader},
		{"windows-1251 from meta", "text/html", cp1251, "Привет, мир", "windows-1251", CharsetFromMeta},
		{"koi8-r from http-equiv", "text/html", koi8, "Съешь же ещё", "koi8-r", CharsetFromMeta},
		{"iso-8859-1 without meta", "text/html", latin1, "Café crème brûlée, naïve façade", "windows-1252", CharsetFromHeuristic},
		{"meta after the first 1024 bytes", "text/html", late, "Zażółć gęślą jaźń", "iso-8859-2", CharsetFromMeta},
		{"utf-16 with BOM", "text/html", utf16, "ütf-16 text", "utf-16le", CharsetFromBOM},
		{"utf-8 BOM beats header", "text/html; charset=windows-1252", bom8, "<p>bom ✓</p>", "utf-8", CharsetFromBOM},
		{"undeclared utf-8", "text/html", []byte("<p>naïve ✓</p>"), "naïve ✓", "utf-8", CharsetFromHeuristic},
		{"xml declaration", "application/xml", xmlLatin1, "https://example.test/café", "windows-1252", CharsetFromXMLDecl},
		{"unknown header label falls through", "text/html; charset=x-bogus", []byte("<p>plain ✓</p>"), "plain ✓", "utf-8", CharsetFromHeuristic},
	}
	s := newSite(t, "127.0.0.1:0")
	for i, c := range cases {
		s.handle("/"+string(rune('a'+i)), serveBytes(c.ctype, c.body))
	}
	s.handle("/pdf", serveBytes("application/pdf", pdf))
	env := newEnv(t, Options{IgnoreRobots: true})
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, err := env.f.Fetch(context.Background(), Request{URL: s.URL + "/" + string(rune('a'+i))})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(resp.Body), c.want) {
				t.Errorf("body %q does not contain %q", resp.Body, c.want)
			}
			if resp.Charset != c.charset || resp.CharsetSource != c.source {
				t.Errorf("charset %q from %q, want %q from %q", resp.Charset, resp.CharsetSource, c.charset, c.source)
			}
		})
	}
	resp, err := env.f.Fetch(context.Background(), Request{URL: s.URL + "/pdf"})
	if err != nil || !bytes.Equal(resp.Body, pdf) || resp.Charset != "" || resp.ContentType != "application/pdf" {
		t.Errorf("binary body must be untouched: %v charset %q", err, resp.Charset)
	}
}

func compress(t testing.TB, coding string, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	var w io.WriteCloser
	switch coding {
	case "gzip":
		w = gzip.NewWriter(&b)
	case "deflate-zlib":
		w = zlib.NewWriter(&b)
	case "deflate-raw":
		w, _ = flate.NewWriter(&b, flate.DefaultCompression)
	case "br":
		w = brotli.NewWriterLevel(&b, 5)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func serveEncoded(ce string, body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Encoding", ce)
		_, _ = w.Write(body)
	}
}

func TestContentEncodings(t *testing.T) {
	page := []byte("<html><body>" + strings.Repeat("<p>compressible text ✓</p>", 200) + "</body></html>")
	s := newSite(t, "127.0.0.1:0")
	s.handle("/gzip", serveEncoded("gzip", compress(t, "gzip", page)))
	s.handle("/br", serveEncoded("br", compress(t, "br", page)))
	s.handle("/deflate", serveEncoded("deflate", compress(t, "deflate-zlib", page)))
	s.handle("/raw-deflate", serveEncoded("deflate", compress(t, "deflate-raw", page)))
	s.handle("/double", serveEncoded("gzip, br", compress(t, "br", compress(t, "gzip", page))))
	s.handle("/zstd", serveEncoded("zstd", []byte("\x28\xb5\x2f\xfd")))
	s.handle("/corrupt", serveEncoded("gzip", []byte("this is not gzip at all")))
	env := newEnv(t, Options{IgnoreRobots: true})
	for _, p := range []string{"/gzip", "/br", "/deflate", "/raw-deflate", "/double"} {
		resp, err := env.f.Fetch(context.Background(), Request{URL: s.URL + p})
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if !bytes.Equal(resp.Body, page) || resp.Truncated {
			t.Errorf("%s: body differs (%d bytes, truncated %v)", p, len(resp.Body), resp.Truncated)
		}
		if resp.DecodedBytes != int64(len(page)) || resp.WireBytes >= resp.DecodedBytes/5 {
			t.Errorf("%s: wire %d decoded %d", p, resp.WireBytes, resp.DecodedBytes)
		}
	}
	_, err := env.f.Fetch(context.Background(), Request{URL: s.URL + "/zstd"})
	mustType(t, err, core.ErrFetch, `unsupported Content-Encoding "zstd"`)
	_, err = env.f.Fetch(context.Background(), Request{URL: s.URL + "/corrupt"})
	mustType(t, err, core.ErrFetch, "cannot decode gzip body")
}

func TestDecompressionBomb(t *testing.T) {
	zeros := make([]byte, 1<<20)
	// gzip allows concatenated members, so 64 copies of one compressed MiB
	// of zeros is a 64 MiB bomb built in microseconds.
	member := compress(t, "gzip", zeros)
	gz := bytes.Repeat(member, 64)
	var brBuf bytes.Buffer
	bw := brotli.NewWriterLevel(&brBuf, 1)
	for range 16 {
		_, _ = bw.Write(zeros)
	}
	_ = bw.Close()
	br := brBuf.Bytes()
	s := newSite(t, "127.0.0.1:0")
	s.handle("/gzip", serveEncoded("gzip", gz))
	s.handle("/br", serveEncoded("br", br))
	// A legitimate page larger than the limit, compressing ~3x, is cut, not refused.
	var text bytes.Buffer
	for i := 0; text.Len() < 3<<20; i++ {
		text.WriteString(strings.Repeat(string(rune('a'+i%26)), i%7+1) + " ")
		text.WriteString(time.Duration(i * 7919).String())
	}
	s.handle("/big", serveEncoded("gzip", compress(t, "gzip", text.Bytes())))

	env := newEnv(t, Options{IgnoreRobots: true, MaxBodyBytes: 1 << 20})
	for _, p := range []string{"/gzip", "/br"} {
		start := time.Now()
		_, err := env.f.Fetch(context.Background(), Request{URL: s.URL + p})
		mustType(t, err, core.ErrFetch, "decompression bomb")
		t.Logf("%s: %d compressed bytes, refused in %s", p, map[string]int{"/gzip": len(gz), "/br": len(br)}[p], time.Since(start))
	}
	resp, err := env.f.Fetch(context.Background(), Request{URL: s.URL + "/big"})
	if err != nil {
		t.Fatal(err)
	}
	if !resp.Truncated || len(resp.Body) != 1<<20 || !bytes.HasPrefix(text.Bytes(), resp.Body) {
		t.Errorf("big page: truncated %v, %d bytes", resp.Truncated, len(resp.Body))
	}
}

func TestBodyLimit(t *testing.T) {
	page := bytes.Repeat([]byte("<p>0123456789</p>\n"), 10_000_000/18+1)[:10_000_000]
	var written atomic.Int64
	s := newSite(t, "127.0.0.1:0")
	s.handle("/10mb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		for off := 0; off < len(page); off += 64 << 10 {
			n, err := w.Write(page[off:min(off+64<<10, len(page))])
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	})
	ctx := context.Background()

	full := newEnv(t, Options{IgnoreRobots: true}) // default limit 10 MiB
	resp, err := full.f.Fetch(ctx, Request{URL: s.URL + "/10mb"})
	if err != nil || resp.Truncated || len(resp.Body) != len(page) {
		t.Fatalf("10 MB page under the default 10 MiB limit: %v truncated=%v len=%d", err, resp.Truncated, len(resp.Body))
	}

	limited := newEnv(t, Options{IgnoreRobots: true, MaxBodyBytes: 1 << 20})
	written.Store(0)
	resp, err = limited.f.Fetch(ctx, Request{URL: s.URL + "/10mb"})
	if err != nil {
		t.Fatal(err)
	}
	if !resp.Truncated || len(resp.Body) != 1<<20 || !bytes.Equal(resp.Body, page[:1<<20]) || resp.WireBytes != 1<<20 {
		t.Errorf("limited: truncated %v len %d wire %d", resp.Truncated, len(resp.Body), resp.WireBytes)
	}
	// The per-call override applies too.
	resp, err = full.f.Fetch(ctx, Request{URL: s.URL + "/10mb", MaxBodyBytes: 1000})
	if err != nil || !resp.Truncated || len(resp.Body) != 1000 {
		t.Errorf("per-call limit: %v %d", err, len(resp.Body))
	}
}

// A server that accepts and reads the request, then says nothing.
func slowLoris(t *testing.T) (addr string, conns *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conns = &atomic.Int64{}
	var wg sync.WaitGroup
	done := make(chan struct{})
	t.Cleanup(func() { close(done); ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				buf := make([]byte, 4096)
				_, _ = c.Read(buf)
				<-done
			}()
		}
	}()
	return ln.Addr().String(), conns
}

func TestTimeouts(t *testing.T) {
	t.Run("first byte", func(t *testing.T) {
		addr, conns := slowLoris(t)
		env := newEnv(t, Options{IgnoreRobots: true, FirstByteTimeout: 200 * time.Millisecond})
		start := time.Now()
		_, err := env.f.Fetch(context.Background(), Request{URL: "http://" + addr + "/"})
		mustType(t, err, core.ErrTimeout, "first-byte timeout")
		if el := time.Since(start); el > 3*time.Second {
			t.Errorf("took %s", el)
		}
		if n := conns.Load(); n != 1 {
			t.Errorf("%d connections: a first-byte timeout must not be retried", n)
		}
	})
	t.Run("a request budget longer than the first-byte timeout governs", func(t *testing.T) {
		// timeout_ms: 25000 against a server that answers after 20 s must
		// not be cut at the default 15 s first-byte timeout; here scaled
		// down: first byte 200 ms, the server answers after 600 ms.
		s := newSite(t, "127.0.0.1:0")
		s.handle("/slow", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(600 * time.Millisecond):
			}
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte("worth the wait"))
		})
		env := newEnv(t, Options{IgnoreRobots: true, FirstByteTimeout: 200 * time.Millisecond})
		resp, err := env.f.Fetch(context.Background(), Request{URL: s.URL + "/slow", Timeout: 3 * time.Second})
		if err != nil || string(resp.Body) != "worth the wait" {
			t.Fatalf("with a 3 s budget: %v", err)
		}
		_, err = env.f.Fetch(context.Background(), Request{URL: s.URL + "/slow"})
		mustType(t, err, core.ErrTimeout, "first-byte timeout") // without a budget the default applies
		st := env.f.Stats()
		if st.Fetches != 2 || st.Failures != 1 || st.InFlight != 0 || st.NetworkFailuresInARow != 1 || st.LastAnswer.IsZero() {
			t.Errorf("stats %+v", st)
		}
	})
	t.Run("total while reading a dripping body", func(t *testing.T) {
		s := newSite(t, "127.0.0.1:0")
		s.handle("/drip", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			for i := 0; i < 100; i++ {
				if _, err := w.Write([]byte("x")); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(50 * time.Millisecond):
				}
			}
		})
		env := newEnv(t, Options{IgnoreRobots: true})
		start := time.Now()
		_, err := env.f.Fetch(context.Background(), Request{URL: s.URL + "/drip", Timeout: 400 * time.Millisecond})
		mustType(t, err, core.ErrTimeout, "timed out after 400ms")
		if el := time.Since(start); el > 3*time.Second {
			t.Errorf("took %s", el)
		}
	})
	t.Run("connect", func(t *testing.T) {
		var dials atomic.Int64
		hang := dialerFunc(func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			<-ctx.Done() // a SYN that is never answered
			return nil, ctx.Err()
		})
		env := newEnv(t, Options{IgnoreRobots: true, Dialer: hang, ConnectTimeout: 150 * time.Millisecond,
			Retry: RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond}})
		start := time.Now()
		_, err := env.f.Fetch(context.Background(), Request{URL: "http://127.0.0.1:9/"})
		mustType(t, err, core.ErrTimeout, "connect timeout (150ms)")
		if el := time.Since(start); el < 300*time.Millisecond || el > 3*time.Second {
			t.Errorf("took %s, want about two connect timeouts", el)
		}
		if n := dials.Load(); n != 2 {
			t.Errorf("%d dials, want 2 (a connect timeout is retried)", n)
		}
	})
	t.Run("caller deadline", func(t *testing.T) {
		addr, _ := slowLoris(t)
		env := newEnv(t, Options{IgnoreRobots: true})
		ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
		defer cancel()
		_, err := env.f.Fetch(ctx, Request{URL: "http://" + addr + "/"})
		mustType(t, err, core.ErrTimeout, "deadline exceeded")
	})
}

type dialerFunc func(ctx context.Context, network, addr string) (net.Conn, error)

func (f dialerFunc) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return f(ctx, network, addr)
}

func TestFetchErrors(t *testing.T) {
	s := newSite(t, "127.0.0.1:0")
	s.handle("/missing", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	s.handle("/hangup", func(w http.ResponseWriter, r *http.Request) {
		c, _, _ := w.(http.Hijacker).Hijack()
		c.Close()
	})
	env := newEnv(t, Options{IgnoreRobots: true, Retry: RetryPolicy{MaxAttempts: 1}})
	ctx := context.Background()

	resp, err := env.f.Fetch(ctx, Request{URL: s.URL + "/missing"})
	mustType(t, err, core.ErrFetch, "GET "+s.URL+"/missing: HTTP 404 Not Found")
	if resp == nil || resp.Status != 404 || !strings.Contains(string(resp.Body), "404 page not found") {
		t.Errorf("an HTTP error must come with its response: %+v", resp)
	}

	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln.Addr().String()
	ln.Close()
	_, err = env.f.Fetch(ctx, Request{URL: "http://" + closed + "/"})
	ce := mustType(t, err, core.ErrFetch, "GET http://"+closed+"/: connection refused")
	if !errors.Is(ce, syscall.ECONNREFUSED) {
		t.Errorf("the real cause must be kept: %v", ce.Cause)
	}

	_, err = env.f.Fetch(ctx, Request{URL: s.URL + "/hangup"})
	mustType(t, err, core.ErrFetch, "server closed the connection")

	_, err = env.f.Fetch(ctx, Request{URL: "http://nowhere.test/"})
	mustType(t, err, core.ErrFetch, "cannot resolve host nowhere.test: no such host")

	_, err = env.f.Fetch(ctx, Request{URL: "https://" + s.Listener.Addr().String() + "/"})
	mustType(t, err, core.ErrFetch, "TLS handshake failed")
}

func TestConcurrentUse(t *testing.T) {
	s := newSite(t, "127.0.0.1:0")
	s.handle("/robots.txt", serveBytes("text/plain", []byte("User-agent: *\nDisallow: /no\n")))
	s.handle("/", serveBytes("text/html", []byte("<p>ok</p>")))
	env := newEnv(t, Options{Politeness: Politeness{PerHostConcurrency: 3}})
	env.resolver.table["a.test"] = []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	var wg sync.WaitGroup
	var failures atomic.Int64
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			host := s.URL
			if i%2 == 0 {
				host = "http://a.test:" + s.port()
			}
			if _, err := env.f.Fetch(context.Background(), Request{URL: host + "/p"}); err != nil {
				failures.Add(1)
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if r := s.count("/robots.txt"); r != 2 {
		t.Errorf("robots.txt fetched %d times for 2 hosts under concurrency", r)
	}
}
