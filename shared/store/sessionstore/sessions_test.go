package sessionstore_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/sessions"
	"github.com/riptidecrawler/riptide/shared/store"
	"github.com/riptidecrawler/riptide/shared/store/sessionstore"
)

// Every test runs on a real redis-server and on the embedded miniredis of
// `riptide serve`: the Lua scripts and key expiry must behave the same.
func backends(t *testing.T, run func(t *testing.T, s *store.Store)) {
	t.Run("redis", func(t *testing.T) {
		s, err := store.Open(store.Options{URL: testenv.RedisURL(t), Prefix: testenv.KeyPrefix(t)})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		run(t, s)
	})
	t.Run("embedded", func(t *testing.T) {
		s, err := store.Open(store.Options{Prefix: testenv.KeyPrefix(t)})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		run(t, s)
	})
}

type ownerKey struct{}

func as(owner string) context.Context {
	return context.WithValue(context.Background(), ownerKey{}, owner)
}

func service(s *store.Store) *sessions.Service {
	return &sessions.Service{Store: sessionstore.New(s), Owner: func(ctx context.Context) string { o, _ := ctx.Value(ownerKey{}).(string); return o }}
}

func TestSessionLifecycle(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		svc := service(s)
		ctx := context.Background()
		v, err := svc.Create(ctx, "alice", sessions.CreateSpec{TTLMS: 3_600_000})
		if err != nil {
			t.Fatal(err)
		}
		if !sessions.ValidID(v.ID) || v.ExpiresAt.Sub(v.CreatedAt) != time.Hour {
			t.Fatalf("created %+v", v)
		}
		// Key-scoped: bob can neither see, use nor delete alice's session.
		if _, err := svc.Get(ctx, "bob", v.ID); core.TypeOf(err) != core.ErrNotFound {
			t.Fatalf("bob got alice's session: %v", err)
		}
		if err := svc.Check(as("bob"), v.ID); core.TypeOf(err) != core.ErrNotFound {
			t.Fatalf("bob may crawl with alice's session: %v", err)
		}
		if err := svc.Delete(ctx, "bob", v.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Get(ctx, "alice", v.ID); err != nil {
			t.Fatalf("bob's delete removed alice's session: %v", err)
		}
		// Extend really extends, and a later use does not undo it.
		ext, err := svc.Extend(ctx, "alice", v.ID, 48*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if got := ext.ExpiresAt.Sub(v.ExpiresAt); got != 48*time.Hour {
			t.Fatalf("extended by %v", got)
		}
		ttl := s.Client.PTTL(ctx, s.Key("session", v.ID)).Val()
		if ttl < 48*time.Hour || ttl > 49*time.Hour+time.Minute {
			t.Fatalf("Redis TTL after extend: %v", ttl)
		}
		lease, err := svc.Open(as("alice"), v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Save(as("alice"), lease); err != nil {
			t.Fatal(err)
		}
		after, _ := svc.Get(ctx, "alice", v.ID)
		if !after.ExpiresAt.Equal(ext.ExpiresAt) || after.Uses != 1 {
			t.Fatalf("a use shortened the extended session or was not counted: %+v", after)
		}
		if _, err := svc.Extend(ctx, "alice", v.ID, 40*24*time.Hour); core.TypeOf(err) != core.ErrValidation {
			t.Fatalf("extend past the maximum: %v", err)
		}
		if err := svc.Delete(ctx, "alice", v.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Get(ctx, "alice", v.ID); core.TypeOf(err) != core.ErrNotFound {
			t.Fatalf("deleted session: %v", err)
		}
		if idx, _ := sessionstore.New(s).Index(ctx, "alice"); len(idx) != 0 {
			t.Fatalf("index after delete: %+v", idx)
		}
	})
}

func TestCookiesPersist(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		svc := service(s)
		ctx := as("alice")
		v, _ := svc.Create(ctx, "alice", sessions.CreateSpec{})
		if _, err := svc.SetCookie(ctx, "alice", v.ID, sessions.CookieSpec{Domain: "shop.example.org", Name: "sid", Value: "abc"}); err != nil {
			t.Fatal(err)
		}
		// A crawl's page: the site sets a cookie and deletes none.
		u, _ := url.Parse("http://www.shop.example.org/login")
		lease, err := svc.Open(ctx, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := lease.Jar.Cookies(u); len(got) != 1 || got[0].Value != "abc" {
			t.Fatalf("stored cookie not lent: %v", got)
		}
		lease.Jar.SetCookies(u, []*http.Cookie{{Name: "cart", Value: "7", Path: "/"}, {Name: "sid", Value: "new", Domain: "shop.example.org", Path: "/"}})
		if err := svc.Save(ctx, lease); err != nil {
			t.Fatal(err)
		}
		all, _ := svc.Cookies(ctx, "alice", v.ID)
		if len(all) != 2 {
			t.Fatalf("cookies after a page: %+v", all)
		}
		c, err := svc.Cookie(ctx, "alice", v.ID, "www.shop.example.org", "sid", "")
		if err != nil || c.Value != "new" {
			t.Fatalf("sid: %+v %v", c, err)
		}
		if got, _ := svc.DomainCookies(ctx, "alice", v.ID, "shop.example.org"); len(got) != 1 {
			t.Fatalf("host-only cart leaked to the parent domain: %+v", got)
		}
		if _, err := svc.DeleteCookie(ctx, "alice", v.ID, "www.shop.example.org", "nope", ""); core.TypeOf(err) != core.ErrNotFound {
			t.Fatalf("delete a missing cookie: %v", err)
		}
		if n, err := svc.DeleteCookie(ctx, "alice", v.ID, "www.shop.example.org", "cart", ""); n != 1 || err != nil {
			t.Fatalf("delete cart: %d %v", n, err)
		}
		if n, _ := svc.ClearCookies(ctx, "alice", v.ID); n != 1 {
			t.Fatalf("clear: %d", n)
		}
		if got, _ := svc.Get(ctx, "alice", v.ID); got.CookieCount != 0 {
			t.Fatalf("after clear: %+v", got)
		}
	})
}

func TestListStatsAndCleanup(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		svc := service(s)
		st := sessionstore.New(s)
		ctx := context.Background()
		var ids []string
		for i := 0; i < 5; i++ {
			v, err := svc.Create(ctx, "alice", sessions.CreateSpec{})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, v.ID)
			time.Sleep(2 * time.Millisecond) // distinct creation times
		}
		if _, err := svc.Create(ctx, "bob", sessions.CreateSpec{}); err != nil {
			t.Fatal(err)
		}
		// One of alice's that expires on its own (the store's expiry, not
		// ours): created directly with a short life.
		now := time.Now().UTC()
		short := sessions.Session{ID: sessions.NewID(), Owner: "alice", TTLMS: 300, CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(300 * time.Millisecond)}
		if err := st.Create(ctx, short); err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
		var seen []string
		cursor := ""
		for pages := 0; ; pages++ {
			p, err := svc.List(ctx, "alice", cursor, 2)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range p.Sessions {
				seen = append(seen, s.ID)
			}
			if p.NextCursor == "" {
				break
			}
			if pages > 5 {
				t.Fatal("cursor does not advance")
			}
			cursor = p.NextCursor
		}
		if len(seen) != 5 {
			t.Fatalf("listed %v, want alice's 5 live sessions in creation order", seen)
		}
		for i := range ids {
			if seen[i] != ids[i] {
				t.Fatalf("order: %v vs %v", seen, ids)
			}
		}
		if _, err := svc.List(ctx, "alice", "not-a-cursor", 2); core.TypeOf(err) != core.ErrValidation {
			t.Fatalf("bad cursor: %v", err)
		}
		stats, err := svc.Stats(ctx, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if stats.TotalSessions != 5 || stats.ExpiredPending != 1 || stats.CreatedLastHour != 5 {
			t.Fatalf("stats %+v", stats)
		}
		rep, err := svc.Cleanup(ctx, "alice")
		if err != nil || rep.RemovedCount != 1 {
			t.Fatalf("cleanup %+v %v", rep, err)
		}
		stats, _ = svc.Stats(ctx, "alice")
		if stats.ExpiredPending != 0 || stats.ExpiredCleaned != 1 {
			t.Fatalf("stats after cleanup %+v", stats)
		}
		// Cookie writes on an expired session must not resurrect it.
		if ok, err := st.SaveCookies(ctx, short.ID, []sessions.Cookie{{Name: "a", Domain: "h.example.org", Path: "/"}}, nil); ok || err != nil {
			t.Fatalf("save on an expired session: %v %v", ok, err)
		}
		if n := s.Client.Exists(ctx, s.Key("session", short.ID)).Val(); n != 0 {
			t.Fatal("expired session came back")
		}
	})
}

func TestPerSessionRateLimit(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		svc := service(s)
		svc.Limiter = store.NewRateLimiter(s, 3, time.Minute)
		ctx := as("alice")
		v, _ := svc.Create(ctx, "alice", sessions.CreateSpec{})
		other, _ := svc.Create(ctx, "alice", sessions.CreateSpec{})
		for i := 0; i < 3; i++ {
			if _, err := svc.Open(ctx, v.ID); err != nil {
				t.Fatalf("page %d: %v", i, err)
			}
		}
		if _, err := svc.Open(ctx, v.ID); core.TypeOf(err) != core.ErrRateLimited {
			t.Fatalf("4th page in a minute: %v", err)
		}
		if _, err := svc.Open(ctx, other.ID); err != nil {
			t.Fatalf("the limit is per session: %v", err)
		}
	})
}
