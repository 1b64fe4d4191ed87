package httpx_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/ratelimit"
	"github.com/riptidecrawler/riptide/shared/store"
)

// limitedServer serves the test routes (group "t") behind rl. t.echo
// spends its body's "urls" up front and t.item reports render seconds
// from ?render=, like the crawl and render handlers.
func limitedServer(t *testing.T, rl httpx.RateLimiter) (server, *int) {
	t.Helper()
	worked := new(int)
	h, err := httpx.NewHandler(httpx.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), RateLimit: rl,
		Auth: httpx.AuthConfig{Authenticator: httpx.NewStaticKeys([]string{"k1", "k2"})}},
		testRoutes, map[string]http.Handler{
			"t.health": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}),
			"t.echo": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var req struct {
					URLs int `json:"urls"`
				}
				if err := httpx.Decode(r, &req); err != nil {
					httpx.WriteError(w, r, err)
					return
				}
				if err := httpx.SpendUpfront(r.Context(), ratelimit.URLs, float64(req.URLs)); err != nil {
					httpx.WriteError(w, r, err)
					return
				}
				*worked++
				httpx.AddUsage(r.Context(), int64(req.URLs), 0, 0)
				w.WriteHeader(204)
			}),
			"t.item": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				*worked++
				secs, _ := strconv.ParseFloat(r.URL.Query().Get("render"), 64)
				httpx.AddUsage(r.Context(), 0, secs, 0)
				w.WriteHeader(204)
			}),
			"t.item.delete": http.NotFoundHandler(), "t.panic": http.NotFoundHandler(), "t.metrics": http.NotFoundHandler(),
			"t.status": http.NotFoundHandler(), "t.start": http.NotFoundHandler(),
		})
	if err != nil {
		t.Fatal(err)
	}
	return server{h: h}, worked
}

func TestRateLimitHeadersAnd429(t *testing.T) {
	lim := ratelimit.New(nil, ratelimit.Plans{"default": {"*": {"requests": {PerMinute: 60, Burst: 2}}}}, nil)
	s, _ := limitedServer(t, lim)
	for i, want := range []int{204, 204, 429} {
		start := time.Now()
		rec := do(s, "GET", "/api/v1/items/1", nil, "X-API-Key", "k1")
		if rec.Code != want {
			t.Fatalf("request %d: %d", i, rec.Code)
		}
		h := rec.Header()
		remaining := max(0, 1-i)
		// Full again after (2-remaining) units of one second each.
		reset, _ := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64)
		if h.Get("X-RateLimit-Limit") != "60" || h.Get("X-RateLimit-Remaining") != strconv.Itoa(remaining) ||
			reset < start.Unix()+int64(2-remaining) || reset > start.Unix()+int64(2-remaining)+1 {
			t.Fatalf("request %d: headers %v", i, h)
		}
		if h.Get("RateLimit-Policy") != `"all.requests";q=60;w=60` || h.Get("RateLimit") != `"all.requests";r=`+strconv.Itoa(remaining)+`;t=`+strconv.Itoa(2-remaining) {
			t.Fatalf("request %d: IETF headers %q %q", i, h.Get("RateLimit-Policy"), h.Get("RateLimit"))
		}
		if want == 429 {
			p := errorOf(t, rec, 429, core.ErrRateLimited)
			if !p.Retryable || h.Get("Retry-After") != "1" || !strings.Contains(p.Message, "60 requests per minute") {
				t.Fatalf("429: %+v %v", p, h)
			}
		}
	}
	// Another key has its own budget; public routes are not limited;
	// unauthenticated calls spend nobody's budget.
	if rec := do(s, "GET", "/api/v1/items/1", nil, "X-API-Key", "k2"); rec.Code != 204 || rec.Header().Get("X-RateLimit-Remaining") != "1" {
		t.Fatalf("other key: %d %v", rec.Code, rec.Header())
	}
	if rec := do(s, "GET", "/healthz", nil); rec.Code != 200 || rec.Header().Get("X-RateLimit-Limit") != "" {
		t.Fatalf("public route limited: %d %v", rec.Code, rec.Header())
	}
	for range 3 {
		do(s, "GET", "/api/v1/items/1", nil, "X-API-Key", "wrong")
	}
	if rec := do(s, "GET", "/api/v1/items/1", nil, "X-API-Key", "k2"); rec.Code != 204 {
		t.Fatalf("failed auth spent a budget: %d", rec.Code)
	}
}

// A batch's URLs are spent before its work; a batch over what is left is
// refused before any work, one over the burst says to split it.
func TestRateLimitUpfrontCost(t *testing.T) {
	lim := ratelimit.New(nil, ratelimit.Plans{"default": {"t": {"urls": {PerMinute: 60, Burst: 10}}}}, nil)
	s, worked := limitedServer(t, lim)
	post := func(n int) *httptest.ResponseRecorder {
		return do(s, "POST", "/api/v1/echo", strings.NewReader(`{"urls":`+strconv.Itoa(n)+`}`), "X-API-Key", "k1", "Content-Type", "application/json")
	}
	if rec := post(7); rec.Code != 204 || rec.Header().Get("X-RateLimit-Remaining") != "3" || rec.Header().Get("RateLimit") != `"t.urls";r=3;t=7` {
		t.Fatalf("batch of 7: %d %v", rec.Code, rec.Header())
	}
	rec := post(4)
	p := errorOf(t, rec, 429, core.ErrRateLimited)
	if *worked != 1 || rec.Header().Get("Retry-After") != "1" || rec.Header().Get("X-RateLimit-Remaining") != "3" {
		t.Fatalf("batch of 4 with 3 left: worked %d, %+v %v", *worked, p, rec.Header())
	}
	rec = post(11)
	if p := errorOf(t, rec, 429, core.ErrRateLimited); !strings.Contains(p.Message, "at most 10 at once; split it") || *worked != 1 {
		t.Fatalf("batch over the burst: %+v", p)
	}
	// The URLs reported after the work are not charged twice.
	if rec := post(3); rec.Code != 204 || rec.Header().Get("X-RateLimit-Remaining") != "0" {
		t.Fatalf("batch of 3: %d %v", rec.Code, rec.Header())
	}
	if d := lim.Admit(context.Background(), ratelimit.Request{Caller: httpx.KeyFingerprint("k1"), Group: "t"}); d.Cells[0].Remaining != 0 || d.Cells[0].ResetAfter > 10*time.Second {
		t.Fatalf("URLs charged twice: %+v", d.Cells[0])
	}
}

// Render seconds are known after the response: charged then, the debt
// refuses the next request until repaid.
func TestRateLimitDebtAfterResponse(t *testing.T) {
	lim := ratelimit.New(nil, ratelimit.Plans{"default": {"t": {"render_seconds": {PerMinute: 60}}}}, nil)
	s, worked := limitedServer(t, lim)
	if rec := do(s, "GET", "/api/v1/items/1?render=90", nil, "X-API-Key", "k1"); rec.Code != 204 || rec.Header().Get("X-RateLimit-Remaining") != "60" {
		t.Fatalf("first render: %d %v", rec.Code, rec.Header())
	}
	rec := do(s, "GET", "/api/v1/items/1", nil, "X-API-Key", "k1")
	p := errorOf(t, rec, 429, core.ErrRateLimited)
	// 90 s spent of a 60 s burst: 31 s until one second is free again.
	if retry, _ := strconv.Atoi(rec.Header().Get("Retry-After")); retry < 30 || retry > 31 || *worked != 1 {
		t.Fatalf("in debt: %+v %v", p, rec.Header())
	}
}

// Redis stopped mid-test: every response still carries the headers (from
// the local fallback); a fail-open group goes on under per-instance
// limits, a fail-closed group answers 503 with Retry-After.
func TestRateLimitRedisStoppedMidTest(t *testing.T) {
	r := testenv.StartStoppableRedis(t)
	st, err := store.Open(store.Options{URL: r.URL, Prefix: testenv.KeyPrefix(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	plans := ratelimit.Plans{"default": {"*": {"requests": {PerMinute: 60, Burst: 3}}}}
	open := ratelimit.New(store.NewGCRA(st), plans, nil)
	closed := ratelimit.New(store.NewGCRA(st), plans, []string{"t"})
	so, _ := limitedServer(t, open)
	sc, _ := limitedServer(t, closed)
	for _, s := range []server{so, sc} {
		if rec := do(s, "GET", "/api/v1/items/1", nil, "X-API-Key", "k1"); rec.Code != 204 {
			t.Fatalf("redis up: %d", rec.Code)
		}
	}
	if rec := do(so, "GET", "/api/v1/items/1", nil, "X-API-Key", "k1"); rec.Code != 204 || rec.Header().Get("X-RateLimit-Remaining") != "0" {
		t.Fatalf("shared budget: %d %v", rec.Code, rec.Header())
	}
	r.Stop()
	for i, want := range []int{204, 204, 204, 429} {
		rec := do(so, "GET", "/api/v1/items/1", nil, "X-API-Key", "k1")
		if rec.Code != want || rec.Header().Get("X-RateLimit-Limit") != "60" || rec.Header().Get("X-RateLimit-Remaining") != strconv.Itoa(max(0, 2-i)) {
			t.Fatalf("fail-open request %d: %d %v", i, rec.Code, rec.Header())
		}
	}
	rec := do(sc, "GET", "/api/v1/items/1", nil, "X-API-Key", "k1")
	p := errorOf(t, rec, 503, core.ErrDependency)
	if !p.Retryable || rec.Header().Get("Retry-After") != "2" || rec.Header().Get("X-RateLimit-Limit") != "60" || rec.Header().Get("X-RateLimit-Remaining") != "3" {
		t.Fatalf("fail-closed: %+v %v", p, rec.Header())
	}
	if strings.Contains(rec.Body.String(), "127.0.0.1") {
		t.Fatalf("the error leaks the Redis address: %s", rec.Body)
	}
}
