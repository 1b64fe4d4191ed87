package store_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/store"
)

// backends runs f against the embedded default and a real redis-server.
func backends(t *testing.T, f func(t *testing.T, s *store.Store)) {
	t.Run("embedded", func(t *testing.T) {
		s, err := store.Open(store.Options{Prefix: testenv.KeyPrefix(t)})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if !s.Embedded() || s.Kind() != "embedded" {
			t.Fatal("no REDIS_URL must give the embedded store")
		}
		f(t, s)
	})
	t.Run("redis", func(t *testing.T) {
		s, err := store.Open(store.Options{URL: testenv.RedisURL(t), Prefix: testenv.KeyPrefix(t)})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if s.Embedded() || s.Kind() != "redis" {
			t.Fatal("REDIS_URL must give the real store")
		}
		f(t, s)
	})
}

func TestPingAndKeys(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.Ping(ctx); err != nil {
			t.Fatal(err)
		}
		if k := s.Key("cache", "v1", "abc"); k != s.Prefix()+"cache:v1:abc" || !strings.HasPrefix(k, "t-") {
			t.Fatalf("key %q", k)
		}
	})
}

func TestEnsureSchema(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		v, err := s.EnsureSchema(ctx)
		if err != nil || v != store.SchemaVersion {
			t.Fatalf("fresh store: %d %v", v, err)
		}
		if got, _ := s.Client.Get(ctx, s.Prefix()+"schema_version").Result(); got != strconv.Itoa(store.SchemaVersion) {
			t.Fatalf("schema key = %q", got)
		}
		// Idempotent on a second start.
		if v, err := s.EnsureSchema(ctx); err != nil || v != store.SchemaVersion {
			t.Fatalf("second start: %d %v", v, err)
		}
		// A store written by a newer binary is refused.
		s.Client.Set(ctx, s.Prefix()+"schema_version", store.SchemaVersion+1, 0)
		if _, err := s.EnsureSchema(ctx); !errors.Is(err, store.ErrSchemaTooNew) {
			t.Fatalf("newer schema: %v", err)
		}
		s.Client.Set(ctx, s.Prefix()+"schema_version", "garbage", 0)
		if _, err := s.EnsureSchema(ctx); err == nil {
			t.Fatal("a non-numeric schema version must be an error")
		}
	})
}

func TestBadURLDoesNotLeakPassword(t *testing.T) {
	_, err := store.Open(store.Options{URL: "redis://user:hunter2@bad host:6379/0"})
	if err == nil {
		t.Fatal("a malformed URL must be an error")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("password leaked: %v", err)
	}
}

func TestUnreachableRedisFailsPing(t *testing.T) {
	port := testenv.FreePort(t)
	s, err := store.Open(store.Options{URL: "redis://127.0.0.1:" + strconv.Itoa(port)})
	if err != nil {
		t.Fatal(err) // opening is lazy: no dial yet
	}
	defer s.Close()
	if err := s.Ping(context.Background()); err == nil {
		t.Fatal("ping to a closed port must fail")
	}
}

// Keys expire on their own in both backends: the embedded default
// follows the wall clock like Redis (miniredis alone never counts a TTL
// down, so cache entries, locks and metric buckets would live forever in
// `riptide serve`).
func TestKeysExpire(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		short, long := s.Key("short"), s.Key("long")
		if err := s.Client.Set(ctx, short, "v", 300*time.Millisecond).Err(); err != nil {
			t.Fatal(err)
		}
		if err := s.Client.Set(ctx, long, "v", time.Hour).Err(); err != nil {
			t.Fatal(err)
		}
		if n := s.Client.Exists(ctx, short).Val(); n != 1 {
			t.Fatal("a key expired before its TTL")
		}
		time.Sleep(700 * time.Millisecond)
		if n := s.Client.Exists(ctx, short).Val(); n != 0 {
			t.Fatal("a key outlived its TTL")
		}
		ttl := s.Client.PTTL(ctx, long).Val()
		if ttl <= 0 || ttl > time.Hour-500*time.Millisecond {
			t.Fatalf("the TTL of a live key did not count down: %v", ttl)
		}
	})
}
