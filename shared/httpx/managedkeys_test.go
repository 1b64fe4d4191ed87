package httpx_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/keys"
)

// scopedAuth authenticates "admin-key" with the admin scope and
// "crawl-key" with crawl only, as managed keys.
type scopedAuth struct{}

func (scopedAuth) Authenticate(_ context.Context, key string) (httpx.Principal, error) {
	switch key {
	case "admin-key":
		return httpx.Principal{ID: "rtk_a", KeyID: "a", Scopes: []string{"admin"}}, nil
	case "crawl-key":
		return httpx.Principal{ID: "rtk_c", KeyID: "c", Scopes: []string{"crawl"}}, nil
	}
	return httpx.Principal{}, core.Errorf(core.ErrAuthentication, "invalid API key")
}

type usageSink struct {
	mu  sync.Mutex
	got map[string]keys.Delta
}

func (u *usageSink) Record(_ context.Context, id string, d keys.Delta) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.got[id] = d
	return nil
}

func TestScopesAndHandlerUsage(t *testing.T) {
	sink := &usageSink{got: map[string]keys.Delta{}}
	h, err := httpx.NewHandler(httpx.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Usage: sink,
		Auth: httpx.AuthConfig{Authenticator: scopedAuth{}}},
		testRoutes, map[string]http.Handler{
			"t.health": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}), "t.echo": http.NotFoundHandler(),
			"t.item": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				httpx.AddUsage(r.Context(), 3, 1.5, 0)
				httpx.AddUsage(r.Context(), 0, 0, 40)
				w.WriteHeader(204)
			}),
			"t.item.delete": http.NotFoundHandler(), "t.panic": http.NotFoundHandler(), "t.metrics": http.NotFoundHandler(),
			"t.status": http.NotFoundHandler(), "t.start": http.NotFoundHandler(),
		})
	if err != nil {
		t.Fatal(err)
	}
	s := server{h: h}
	// The test routes' group maps to no scope, so only admin may call them.
	rec := do(s, "GET", "/api/v1/items/1", nil, "X-API-Key", "crawl-key")
	p := errorOf(t, rec, 403, core.ErrPermissionDenied)
	if p.Details[0].Message != "admin" {
		t.Fatalf("403 does not name the scope: %+v", p)
	}
	if _, ok := sink.got["c"]; ok {
		t.Fatal("a refused call was counted as usage")
	}
	if rec := do(s, "GET", "/api/v1/items/1", nil, "X-API-Key", "admin-key"); rec.Code != 204 {
		t.Fatalf("admin: %d", rec.Code)
	}
	if d := sink.got["a"]; d != (keys.Delta{Requests: 1, URLs: 3, RenderSeconds: 1.5, Tokens: 40}) {
		t.Fatalf("usage %+v", d)
	}
}

// BenchmarkStaticKeys is the peer of keys.BenchmarkAuthenticateCached: a
// bootstrap key among three.
func BenchmarkStaticKeys(b *testing.B) {
	s := httpx.NewStaticKeys([]string{"a-key-0123456789", "b-key-0123456789", "c-key-0123456789"})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Authenticate(ctx, "c-key-0123456789"); err != nil {
			b.Fatal(err)
		}
	}
}
