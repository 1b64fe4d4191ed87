package fetch

import (
	"context"
	"net/http"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
)

func TestRobots(t *testing.T) {
	s := newSite(t, "127.0.0.1:0")
	s.handle("/robots.txt", serveBytes("text/plain", []byte(
		"# comment\n"+
			"User-agent: *\n"+
			"Disallow: /\n"+
			"\n"+
			"User-agent: RipTideBot\n"+
			"Disallow: /private\n"+
			"Disallow: /*.pdf$\n"+
			"Allow: /private/open\n"+
			"Crawl-delay: 2\n"+
			"\n"+
			"Sitemap: https://www.example.test/sitemap.xml\n"+
			"Sitemap: https://www.example.test/news-sitemap.xml\n")))
	s.handle("/", serveBytes("text/html", []byte("<p>page</p>")))
	env := newEnv(t, Options{})
	ctx := context.Background()

	for path, allowed := range map[string]bool{
		"/public":             true,
		"/private":            false,
		"/private/secret":     false,
		"/private/open/x":     true,
		"/files/report.pdf":   false,
		"/files/report.pdf?x": true,
	} {
		_, err := env.f.Fetch(ctx, Request{URL: s.URL + path})
		if allowed && err != nil {
			t.Errorf("%s: %v, want allowed", path, err)
		}
		if !allowed {
			if errType(err) != core.ErrRobotsDisallowed {
				t.Errorf("%s: %v, want robots_disallowed", path, err)
			} else {
				mustType(t, err, core.ErrRobotsDisallowed, "/robots.txt disallows "+path+" for riptidebot")
			}
		}
	}
	if n := s.count("/private"); n != 0 {
		t.Errorf("a disallowed page was requested %d times", n)
	}
	// The per-request opt-out (respect_robots: false).
	if _, err := env.f.Fetch(ctx, Request{URL: s.URL + "/private", RespectRobots: noRobots(false)}); err != nil {
		t.Errorf("respect_robots=false: %v", err)
	}
	if n := s.count("/private"); n != 1 {
		t.Errorf("/private requested %d times after the opt-out", n)
	}
	// A different user agent falls into the "*" group.
	_, err := env.f.Fetch(ctx, Request{URL: s.URL + "/public", Header: http.Header{"User-Agent": {"OtherBot/2.0"}}})
	mustType(t, err, core.ErrRobotsDisallowed, "for otherbot")

	info, err := env.f.Robots(ctx, s.URL+"/private/open/page")
	if err != nil {
		t.Fatal(err)
	}
	if !info.Allowed || info.CrawlDelay != 2*time.Second || info.Status != 200 || info.URL != s.URL+"/robots.txt" {
		t.Errorf("info %+v", info)
	}
	if len(info.Sitemaps) != 2 || info.Sitemaps[0] != "https://www.example.test/sitemap.xml" {
		t.Errorf("sitemaps %v", info.Sitemaps)
	}
	if info, _ := env.f.Robots(ctx, s.URL+"/private/x"); info == nil || info.Allowed {
		t.Errorf("Robots must report /private/x disallowed: %+v", info)
	}
	if n := s.count("/robots.txt"); n != 1 {
		t.Errorf("robots.txt fetched %d times, want 1 (cached)", n)
	}
}

func TestRobotsStatuses(t *testing.T) {
	var status atomic.Int64
	s := newSite(t, "127.0.0.1:0")
	s.handle("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		code := int(status.Load())
		w.WriteHeader(code)
		if code == 200 {
			_, _ = w.Write([]byte("User-agent: *\nDisallow: /x\n"))
		}
	})
	s.handle("/", serveBytes("text/html", []byte("ok")))
	ctx := context.Background()
	newFetcher := func() *testEnv {
		// The TTL is long enough that "still cached" right after cannot
		// see it expire on a busy machine.
		return newEnv(t, Options{RobotsErrorTTL: time.Second, Retry: RetryPolicy{MaxAttempts: 1},
			Breaker: BreakerPolicy{FailureThreshold: -1}})
	}

	for _, code := range []int{401, 403, 404, 410} {
		status.Store(int64(code))
		env := newFetcher()
		if _, err := env.f.Fetch(ctx, Request{URL: s.URL + "/x"}); err != nil {
			t.Errorf("robots.txt %d must allow everything: %v", code, err)
		}
	}
	for _, code := range []int{500, 503, 429} {
		status.Store(int64(code))
		env := newFetcher()
		_, err := env.f.Fetch(ctx, Request{URL: s.URL + "/y"})
		mustType(t, err, core.ErrRobotsDisallowed, "answered HTTP")
	}
	// A 5xx disallows only "for a while": once RobotsErrorTTL passes, the
	// file is read again.
	status.Store(503)
	env := newFetcher()
	_, err := env.f.Fetch(ctx, Request{URL: s.URL + "/y"})
	mustType(t, err, core.ErrRobotsDisallowed, "HTTP 503")
	status.Store(200)
	_, err = env.f.Fetch(ctx, Request{URL: s.URL + "/y"})
	mustType(t, err, core.ErrRobotsDisallowed, "HTTP 503") // still cached
	time.Sleep(1050 * time.Millisecond)
	if _, err := env.f.Fetch(ctx, Request{URL: s.URL + "/y"}); err != nil {
		t.Errorf("after the error TTL: %v", err)
	}
}

func TestRobotsFetchFailures(t *testing.T) {
	ctx := context.Background()
	// robots.txt that hangs up: the network error is reported as such, not
	// as a robots verdict, and not cached.
	hang := newSite(t, "127.0.0.1:0")
	var hangups atomic.Int64
	hang.handle("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		hangups.Add(1)
		c, _, _ := w.(http.Hijacker).Hijack()
		c.Close()
	})
	env := newEnv(t, Options{Retry: RetryPolicy{MaxAttempts: 1}, Breaker: BreakerPolicy{FailureThreshold: -1}})
	for range 2 {
		_, err := env.f.Fetch(ctx, Request{URL: hang.URL + "/page"})
		mustType(t, err, core.ErrFetch, "robots.txt: GET "+hang.URL+"/robots.txt: server closed the connection")
	}
	if n := hangups.Load(); n != 2 {
		t.Errorf("a failed robots.txt must not be cached: %d fetches", n)
	}
	if n := hang.count("/page"); n != 0 {
		t.Errorf("page requested %d times", n)
	}

	// A robots.txt redirecting to a blocked address is refused as blocked.
	s := newSite(t, "127.0.0.1:0")
	s.handle("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/robots.txt", http.StatusFound)
	})
	_, err := env.f.Fetch(ctx, Request{URL: s.URL + "/page"})
	mustType(t, err, core.ErrBlockedURL, "169.254.169.254")

	// A robots.txt redirect loop means "unavailable": no rules.
	loop := newSite(t, "127.0.0.1:0")
	loop.handle("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/robots.txt?again", http.StatusFound)
	})
	loop.handle("/page", serveBytes("text/html", []byte("ok")))
	if _, err := env.f.Fetch(ctx, Request{URL: loop.URL + "/page"}); err != nil {
		t.Errorf("robots.txt redirect loop: %v", err)
	}
	if n := loop.count("/robots.txt"); n != 6 {
		t.Errorf("robots.txt requested %d times, want 6 (5 redirects followed, RFC 9309)", n)
	}
}

// Robots rules are per host: a redirect to another host is checked against
// that host's robots.txt.
func TestRobotsOnRedirectHop(t *testing.T) {
	s := newSite(t, "127.0.0.1:0")
	s.handle("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		if r.Host == "b.test:"+s.port() {
			_, _ = w.Write([]byte("User-agent: *\nDisallow: /target\n"))
			return
		}
		http.NotFound(w, r)
	})
	s.handle("/go", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://b.test:"+s.port()+"/target", http.StatusFound)
	})
	s.handle("/target", serveBytes("text/html", []byte("target")))
	env := newEnv(t, Options{})
	env.resolver.table["a.test"] = []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	env.resolver.table["b.test"] = []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	_, err := env.f.Fetch(context.Background(), Request{URL: "http://a.test:" + s.port() + "/go"})
	mustType(t, err, core.ErrRobotsDisallowed, "b.test")
	if n := s.count("/target"); n != 0 {
		t.Errorf("target fetched %d times", n)
	}
}

func TestRobotsAgent(t *testing.T) {
	for ua, want := range map[string]string{
		DefaultUserAgent:           "riptidebot",
		"Mozilla/5.0 (X11; Linux)": "mozilla",
		"my_crawler-2 (x)":         "my_crawler-",
		"":                         "",
	} {
		if got := robotsAgent(ua); got != want {
			t.Errorf("robotsAgent(%q) = %q, want %q", ua, got, want)
		}
	}
}
