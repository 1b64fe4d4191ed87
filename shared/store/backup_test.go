package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/store"
)

func openReal(t testing.TB, prefix string) *store.Store {
	t.Helper()
	s, err := store.Open(store.Options{URL: testenv.RedisURL(t), Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// fill writes n keys of every Redis type the application uses, a third
// of them with a TTL.
func fill(t testing.TB, s *store.Store, n int) {
	t.Helper()
	ctx := context.Background()
	pipe := s.Client.Pipeline()
	for i := range n {
		k := s.Key("drill", fmt.Sprint(i))
		switch i % 6 {
		case 0:
			pipe.Set(ctx, k, strings.Repeat("v", i%300), 0)
		case 1:
			pipe.HSet(ctx, k, "state", "running", "n", i, "blob", strings.Repeat("x", 100))
		case 2:
			pipe.RPush(ctx, k, "a", "b", i)
		case 3:
			pipe.SAdd(ctx, k, "x", "y", i)
		case 4:
			pipe.ZAdd(ctx, k, redis.Z{Score: float64(i), Member: "m"}, redis.Z{Score: 1.5, Member: "n"})
		case 5:
			pipe.XAdd(ctx, &redis.XAddArgs{Stream: k, Values: map[string]any{"event": "result", "i": i}})
		}
		if i%3 == 0 {
			pipe.Expire(ctx, k, time.Hour)
		}
		if len(pipe.(*redis.Pipeline).Cmds()) > 1000 {
			if _, err := pipe.Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
}

// content is a key's type and value in a canonical form (DUMP bytes are
// not: a set's serialization depends on its encoding and order).
func content(t *testing.T, s *store.Store, k string) string {
	t.Helper()
	ctx := context.Background()
	typ := s.Client.Type(ctx, k).Val()
	var v any
	var err error
	switch typ {
	case "string":
		v, err = s.Client.Get(ctx, k).Result()
	case "hash":
		var m map[string]string
		m, err = s.Client.HGetAll(ctx, k).Result()
		v = fmt.Sprint(m) // fmt sorts map keys
	case "list":
		v, err = s.Client.LRange(ctx, k, 0, -1).Result()
	case "set":
		var m []string
		m, err = s.Client.SMembers(ctx, k).Result()
		sort.Strings(m)
		v = m
	case "zset":
		v, err = s.Client.ZRangeWithScores(ctx, k, 0, -1).Result()
	case "stream":
		v, err = s.Client.XRange(ctx, k, "-", "+").Result()
	default:
		t.Fatalf("%s: type %q", k, typ)
	}
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%s=%v", typ, v)
}

// fingerprint is the key count, a hash over every key (after the prefix)
// and its content, and the number of keys with a TTL.
func fingerprint(t *testing.T, s *store.Store) (int, [32]byte, int) {
	t.Helper()
	ctx := context.Background()
	keys, err := s.Client.Keys(ctx, s.Prefix()+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(keys)
	h := sha256.New()
	withTTL := 0
	for _, k := range keys {
		fmt.Fprintf(h, "%s\x00%s\x00", strings.TrimPrefix(k, s.Prefix()), content(t, s, k))
		if ttl := s.Client.PTTL(ctx, k).Val(); ttl > 0 {
			if ttl > time.Hour {
				t.Fatalf("%s: TTL %v grew", k, ttl)
			}
			withTTL++
		}
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return len(keys), sum, withTTL
}

func wipe(t *testing.T, s *store.Store) {
	t.Helper()
	ctx := context.Background()
	keys, _ := s.Client.Keys(ctx, s.Prefix()+"*").Result()
	if len(keys) > 0 {
		if err := s.Client.Del(ctx, keys...).Err(); err != nil {
			t.Fatal(err)
		}
	}
}

// The restore drill (docs/runbooks/restore.md): fill a real redis-server,
// back up, wipe, restore; key counts, content hashes and TTLs match.
func TestRestoreDrill(t *testing.T) {
	s := openReal(t, testenv.KeyPrefix(t))
	ctx := context.Background()
	if _, err := s.EnsureSchema(ctx); err != nil {
		t.Fatal(err)
	}
	fill(t, s, 3000)
	n, sum, withTTL := fingerprint(t, s)
	if n != 3001 || withTTL != 1000 {
		t.Fatalf("filled %d keys, %d with a TTL", n, withTTL)
	}
	var buf bytes.Buffer
	bst, err := s.Backup(ctx, &buf)
	if err != nil || bst.Keys != 3001 {
		t.Fatalf("backup: %+v %v", bst, err)
	}
	wipe(t, s)
	if n, _, _ := fingerprint(t, s); n != 0 {
		t.Fatal("wipe left keys")
	}
	h, rst, err := s.Restore(ctx, bytes.NewReader(buf.Bytes()), store.RestoreOptions{})
	if err != nil || rst.Keys != 3001 || h.SchemaVersion != store.SchemaVersion || h.Prefix != s.Prefix() {
		t.Fatalf("restore: %+v %+v %v", h, rst, err)
	}
	n2, sum2, withTTL2 := fingerprint(t, s)
	if n2 != n || sum2 != sum || withTTL2 != withTTL {
		t.Fatalf("after restore: %d keys (want %d), %d with TTL (want %d), same content %v", n2, n, withTTL2, withTTL, sum2 == sum)
	}

	// Into another prefix (another deployment sharing the server), whose
	// own schema key is kept.
	other := openReal(t, testenv.KeyPrefix(t))
	if _, err := other.EnsureSchema(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := other.Restore(ctx, bytes.NewReader(buf.Bytes()), store.RestoreOptions{}); err != nil {
		t.Fatal(err)
	}
	if n3, sum3, _ := fingerprint(t, other); n3 != n || sum3 != sum {
		t.Fatalf("restored under another prefix: %d keys, same content %v", n3, sum3 == sum)
	}
	// Existing keys: refused without Replace, overwritten with it.
	if _, _, err := s.Restore(ctx, bytes.NewReader(buf.Bytes()), store.RestoreOptions{}); err == nil {
		t.Fatal("a restore over existing keys without Replace succeeded")
	}
	s.Client.Set(ctx, s.Key("drill", "0"), "changed", 0)
	if _, _, err := s.Restore(ctx, bytes.NewReader(buf.Bytes()), store.RestoreOptions{Replace: true}); err != nil {
		t.Fatal(err)
	}
	if _, sum4, _ := fingerprint(t, s); sum4 != sum {
		t.Fatal("Replace did not restore the backed-up value")
	}
}

func TestRestoreRejectsOtherInput(t *testing.T) {
	s := openReal(t, testenv.KeyPrefix(t))
	ctx := context.Background()
	if _, _, err := s.Restore(ctx, strings.NewReader("not gzip"), store.RestoreOptions{}); !errors.Is(err, store.ErrBackupFormat) {
		t.Fatalf("plain text: %v", err)
	}
	// A backup of a newer schema is refused before anything is written.
	s.Client.Set(ctx, s.Key("schema_version"), store.SchemaVersion+1, 0)
	var buf bytes.Buffer
	if _, err := s.Backup(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	target := openReal(t, testenv.KeyPrefix(t))
	if _, _, err := target.Restore(ctx, &buf, store.RestoreOptions{}); !errors.Is(err, store.ErrSchemaTooNew) {
		t.Fatalf("newer schema: %v", err)
	}
	if n, _ := target.Client.Keys(ctx, target.Prefix()+"*").Result(); len(n) != 0 {
		t.Fatalf("a refused restore wrote %d keys", len(n))
	}
}

// BenchmarkRestore100k restores 100,000 keys (the restore time the
// runbook quotes) and, as its peer in the same run, backs them up.
func BenchmarkRestore100k(b *testing.B) {
	s := openReal(b, testenv.KeyPrefix(b))
	ctx := context.Background()
	fill(b, s, 100_000)
	var buf bytes.Buffer
	bst, err := s.Backup(ctx, &buf)
	if err != nil {
		b.Fatal(err)
	}
	target := openReal(b, testenv.KeyPrefix(b))
	b.ResetTimer()
	for range b.N {
		if _, _, err := target.Restore(ctx, bytes.NewReader(buf.Bytes()), store.RestoreOptions{Replace: true}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	// After the loop: ResetTimer drops metrics reported before it.
	b.ReportMetric(bst.Duration.Seconds(), "backup-s")
	b.ReportMetric(float64(buf.Len())/1e6, "backup-MB")
	keys, _ := target.Client.Keys(ctx, target.Prefix()+"*").Result()
	_ = target.Client.Del(ctx, keys...).Err()
	keys, _ = s.Client.Keys(ctx, s.Prefix()+"*").Result()
	for i := 0; i < len(keys); i += 10000 {
		_ = s.Client.Del(ctx, keys[i:min(i+10000, len(keys))]...).Err()
	}
}
