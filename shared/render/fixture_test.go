package render

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/core"
)

// loopbackGuard allows 127.0.0.0/8 except 127.0.0.2, which stands for a
// private address the page must not reach. It never resolves names: only
// IP literals and *.localhost (which Chromium maps to loopback itself).
func loopbackGuard() Guard {
	allowed := netip.MustParsePrefix("127.0.0.0/8")
	forbidden := netip.MustParseAddr("127.0.0.2")
	return GuardFunc(func(_ context.Context, u *url.URL) error {
		h := u.Hostname()
		if h == "localhost" || strings.HasSuffix(h, ".localhost") {
			return nil
		}
		a, err := netip.ParseAddr(h)
		if err != nil {
			return core.Errorf(core.ErrBlockedURL, "test guard resolves no names: %s", h)
		}
		if a == forbidden || !allowed.Contains(a) {
			return core.Errorf(core.ErrBlockedURL, "%s is not allowed", a)
		}
		return nil
	})
}

func chromiumPath(t testing.TB) string {
	t.Helper()
	p, err := FindChromium()
	if err != nil {
		testenv.Missing(t, "chromium", "apt-get install -y chromium-headless-shell (or chromium), or set RIPTIDE_CHROMIUM_PATH ("+err.Error()+")")
	}
	return p
}

// newTestLocal starts a renderer with the loopback guard and closes it at
// the end of the test.
func newTestLocal(t testing.TB, mod func(*LocalOptions)) *Local {
	t.Helper()
	opts := LocalOptions{ExecPath: chromiumPath(t), Guard: loopbackGuard(), TrackerHosts: []string{"127.0.0.3"}}
	if mod != nil {
		mod(&opts)
	}
	l, err := NewLocal(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// listenOn starts an httptest server on a given loopback address.
func listenOn(t testing.TB, addr string, h http.Handler) *httptest.Server {
	t.Helper()
	l, err := net.Listen("tcp", addr+":0")
	if err != nil {
		t.Fatalf("listen on %s: %v", addr, err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// hitCounter counts requests a server received, by path.
type hitCounter struct {
	mu   sync.Mutex
	hits map[string]int
	all  atomic.Int64
}

func (c *hitCounter) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		if c.hits == nil {
			c.hits = map[string]int{}
		}
		c.hits[r.URL.Path]++
		c.mu.Unlock()
		c.all.Add(1)
		h.ServeHTTP(w, r)
	})
}

func (c *hitCounter) count(path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits[path]
}

// site is the fixture web site the renderer loads.
func site(t testing.TB) (*httptest.Server, *hitCounter) {
	t.Helper()
	hc := &hitCounter{}
	mux := http.NewServeMux()
	page := func(path, body string) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, body)
		})
	}
	page("/", `<!doctype html><html><head><title>Fixture home</title>
<link rel="stylesheet" href="/style.css"></head>
<body><h1 id="h">Hello</h1><img src="/img.png" alt="">
<script>console.log("hello from", "fixture", 42); console.error("an error line");</script>
</body></html>`)
	mux.HandleFunc("/style.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css")
		fmt.Fprint(w, "h1{color:rgb(1,2,3)}")
	})
	mux.HandleFunc("/img.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(onePixelPNG)
	})
	mux.HandleFunc("/font.woff2", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "font/woff2")
		w.Write([]byte("not really a font"))
	})
	mux.HandleFunc("/t.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, "window.trackerLoaded = true;")
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		d, _ := time.ParseDuration(r.URL.Query().Get("d"))
		select {
		case <-time.After(d):
		case <-r.Context().Done():
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"late":"data"}`)
	})
	mux.HandleFunc("/status/404", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(404)
		fmt.Fprint(w, "<title>gone</title><p>not here</p>")
	})
	mux.HandleFunc("/cookie", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "server_set", Value: "s1", Path: "/", HttpOnly: true})
		w.Header().Set("Content-Type", "text/html")
		got := "none"
		if c, err := r.Cookie("sent_in"); err == nil {
			got = c.Value
		}
		fmt.Fprintf(w, `<title>cookies</title><p id="got">%s</p><script>document.cookie = "js_set=j1; path=/";</script>`, got)
	})
	page("/xhr", `<title>xhr</title><div id="out">waiting</div><script>
setTimeout(() => fetch('/slow?d=300ms').then(r => r.json()).then(j => { document.getElementById('out').textContent = j.late; }), 50);
</script>`)
	page("/lazy", `<title>lazy</title><div style="height:3000px">tall</div><div id="items"></div><script>
let n = 0;
window.addEventListener('scroll', () => {
  if (window.scrollY + innerHeight > document.body.scrollHeight - 200 && n < 5) {
    n++; const d = document.createElement('div'); d.className = 'item'; d.style.height = '1500px'; d.textContent = 'item ' + n;
    document.getElementById('items').appendChild(d);
  }
});
</script>`)
	page("/form", `<title>form</title>
<input id="name"> <select id="color"><option value="r">Red</option><option value="g">Green</option></select>
<button id="go" onclick="document.getElementById('out').textContent = document.getElementById('name').value + '/' + document.getElementById('color').value">Go</button>
<div id="hover" style="width:100px;height:50px" onmouseover="this.textContent='hovered'">hover me</div>
<input id="enter" onkeydown="if (event.key === 'Enter') document.getElementById('out').textContent += '+enter'">
<div id="out"></div>
<a id="next" href="/form2">next</a>`)
	page("/form2", `<title>second</title><p>second page</p>`)
	page("/delayed-element", `<title>delayed</title><script>setTimeout(() => { const d = document.createElement('div'); d.id = 'late'; d.textContent = 'now'; document.body.appendChild(d); }, 300)</script>`)
	page("/hang", `<title>hang</title><script>while (true) {}</script>`)
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
	})
	srv := listenOn(t, "127.0.0.1", hc.wrap(mux))
	return srv, hc
}

// servePage serves one HTML page on 127.0.0.1 and returns its URL. A page
// that is really served has a loopback address space in Chromium; inline
// HTML (Request.HTML) counts as public, and Chromium's Local Network
// Access checks then refuse its requests to other loopback origins.
func servePage(t testing.TB, html string) string {
	t.Helper()
	srv := listenOn(t, "127.0.0.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, html)
	}))
	return srv.URL + "/"
}

// onePixelPNG is a valid 1x1 PNG.
var onePixelPNG = []byte{
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
	0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
	0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
	0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}
