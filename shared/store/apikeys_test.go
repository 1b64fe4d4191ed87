package store_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/keys"
	"github.com/riptidecrawler/riptide/shared/store"
)

// uniquePrefix keeps this test's keys apart from every other package's on
// a shared RIPTIDE_TEST_REDIS_URL.
func uniquePrefix(t *testing.T) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "t" + hex.EncodeToString(b) + ":"
}

// TestAPIKeysRevocationAcrossProcesses runs two key services, each with its
// own Redis client (two processes' worth of state), on one redis-server:
// a key revoked through one stops working in the other within the cache
// TTL, which is below the promised 60 s.
func TestAPIKeysRevocationAcrossProcesses(t *testing.T) {
	url := testenv.RedisURL(t)
	prefix := uniquePrefix(t)
	open := func() *store.Store {
		s, err := store.Open(store.Options{URL: url, Prefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	ctx := context.Background()
	now := time.Unix(1_900_000_000, 0)
	clock := func() time.Time { return now }
	pepper := []byte("server pepper")
	a := &keys.Service{Store: store.NewAPIKeys(open()), Pepper: pepper, Now: clock}
	b := &keys.Service{Store: store.NewAPIKeys(open()), Pepper: pepper, Now: clock}
	if keys.DefaultCacheTTL >= 60*time.Second {
		t.Fatalf("cache TTL %v breaks the 60 s revocation promise", keys.DefaultCacheTTL)
	}

	k, token, err := a.Create(ctx, keys.Spec{Name: "ci", Tenant: "acme", Scopes: []keys.Scope{keys.ScopeCrawl, keys.ScopeRead}, RateLimit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(token, "rtk_"+k.ID+"_") || !keys.LooksManaged(token) {
		t.Fatalf("token %q does not carry its visible id %s", token, k.ID)
	}
	// Only a salted hash is stored: the secret appears nowhere in Redis.
	secret := strings.TrimPrefix(token, "rtk_"+k.ID+"_")
	raw := open().Client.Get(ctx, prefix+"apikey:"+k.ID).Val()
	if raw == "" || strings.Contains(raw, secret) || !strings.Contains(raw, `"hash"`) {
		t.Fatalf("stored record %q", raw)
	}
	got, err := b.Authenticate(ctx, token)
	if err != nil || got.ID != k.ID || got.Tenant != "acme" || got.RateLimit != 5 {
		t.Fatalf("other process: %+v %v", got, err)
	}
	if _, err := b.Authenticate(ctx, "rtk_"+k.ID+"_"+strings.Repeat("A", 43)); core.TypeOf(err) != core.ErrAuthentication {
		t.Fatalf("wrong secret: %v", err)
	}
	// A different pepper cannot verify the same record.
	other := &keys.Service{Store: store.NewAPIKeys(open()), Pepper: []byte("other"), Now: clock}
	if _, err := other.Authenticate(ctx, token); err == nil {
		t.Fatal("a server with another pepper accepted the key")
	}

	if _, err := a.Revoke(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(ctx, token); err == nil {
		t.Fatal("the revoking process still accepts the key")
	}
	now = now.Add(keys.DefaultCacheTTL - time.Second)
	if _, err := b.Authenticate(ctx, token); err != nil {
		t.Fatalf("within its cache TTL the other process may still accept: %v", err)
	}
	now = now.Add(2 * time.Second)
	if _, err := b.Authenticate(ctx, token); core.TypeOf(err) != core.ErrAuthentication {
		t.Fatalf("revocation did not reach the other process after %v: %v", keys.DefaultCacheTTL, err)
	}
}

func TestAPIKeysExpiryRotationUsage(t *testing.T) {
	backendsPrefixed(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Unix(1_900_000_000, 0)
		svc := &keys.Service{Store: store.NewAPIKeys(s), Now: func() time.Time { return now }, CacheTTL: time.Nanosecond}
		k, token, err := svc.Create(ctx, keys.Spec{Scopes: []keys.Scope{keys.ScopeRender}, ExpiresAt: now.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.Create(ctx, keys.Spec{Scopes: []keys.Scope{"root"}}); core.TypeOf(err) != core.ErrValidation {
			t.Fatalf("unknown scope: %v", err)
		}
		old, repl, newToken, err := svc.Rotate(ctx, k.ID, 10*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if old.RotatedTo != repl.ID || !old.ExpiresAt.Equal(now.Add(10*time.Minute)) || !repl.ExpiresAt.Equal(k.ExpiresAt) {
			t.Fatalf("rotation: old %+v new %+v", old, repl)
		}
		for _, tok := range []string{token, newToken} {
			if _, err := svc.Authenticate(ctx, tok); err != nil {
				t.Fatalf("during the grace window both keys work: %v", err)
			}
		}
		now = now.Add(11 * time.Minute)
		if _, err := svc.Authenticate(ctx, token); err == nil {
			t.Fatal("the rotated key outlived its grace window")
		}
		if _, err := svc.Authenticate(ctx, newToken); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Hour)
		if _, err := svc.Authenticate(ctx, newToken); err == nil {
			t.Fatal("an expired key authenticated")
		}

		if err := svc.Record(ctx, repl.ID, keys.Delta{Requests: 1, URLs: 3}); err != nil {
			t.Fatal(err)
		}
		if err := svc.Record(ctx, repl.ID, keys.Delta{Requests: 1, RenderSeconds: 1.5, Tokens: 40}); err != nil {
			t.Fatal(err)
		}
		_, u, err := svc.Get(ctx, repl.ID)
		if err != nil {
			t.Fatal(err)
		}
		if u.Requests != 2 || u.URLs != 3 || u.RenderSeconds != 1.5 || u.Tokens != 40 || !u.LastUsed.Equal(now.UTC()) {
			t.Fatalf("usage %+v", u)
		}
		list, err := svc.List(ctx, "")
		if err != nil || len(list) != 2 {
			t.Fatalf("list: %d %v", len(list), err)
		}
		if err := svc.DeleteKey(ctx, repl.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.Get(ctx, repl.ID); core.TypeOf(err) != core.ErrNotFound {
			t.Fatalf("deleted key: %v", err)
		}
		if n := s.Client.Exists(ctx, s.Key("apikey_usage", repl.ID)).Val(); n != 0 {
			t.Fatal("usage outlived its key")
		}
	})
}

// backendsPrefixed is backends with a store under a unique prefix.
func backendsPrefixed(t *testing.T, f func(t *testing.T, s *store.Store)) {
	t.Run("embedded", func(t *testing.T) {
		s, err := store.Open(store.Options{Prefix: uniquePrefix(t)})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		f(t, s)
	})
	t.Run("redis", func(t *testing.T) {
		s, err := store.Open(store.Options{URL: testenv.RedisURL(t), Prefix: uniquePrefix(t)})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		f(t, s)
	})
}
