package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/audit"
	"github.com/riptidecrawler/riptide/shared/store"
)

// snapshot is every key of the store (but the lock) with its content.
func snapshot(t *testing.T, s *store.Store) map[string]string {
	t.Helper()
	keys, err := s.Client.Keys(context.Background(), s.Prefix()+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, k := range keys {
		if k != s.Key("schema_lock") {
			out[k] = content(t, s, k)
		}
	}
	return out
}

// fillV1 writes the state a version-1 binary left: other data, and an
// audit trail of three tenants without the index (which that binary did
// not write).
func fillV1(t *testing.T, s *store.Store, entries int) {
	t.Helper()
	ctx := context.Background()
	fill(t, s, 300)
	log := store.NewAuditLog(s)
	for i := range entries {
		e := audit.Entry{Time: time.Unix(int64(i), 0), Actor: fmt.Sprintf("rtk_k%d", i%5), Tenant: fmt.Sprintf("tenant-%d", i%3),
			Action: "crawl.batch", Method: "POST", Path: "/api/v1/crawl", Status: 200}
		if i%7 == 0 {
			e.Actor, e.Tenant = "", "" // unauthenticated
		}
		if _, err := log.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	keys, _ := s.Client.Keys(ctx, s.Key("audit", "idx")+":*").Result()
	if len(keys) > 0 {
		s.Client.Del(ctx, keys...)
	}
	s.Client.Set(ctx, s.Key("schema_version"), 1, 0)
}

// scanEntries is the answer without an index: the whole trail, filtered.
func scanEntries(t *testing.T, s *store.Store, tenant string, actors ...string) []int64 {
	t.Helper()
	log := store.NewAuditLog(s)
	n, _ := log.Len(context.Background())
	rows, err := log.Range(context.Background(), 1, int(n))
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, r := range rows {
		if r.Entry.Tenant == tenant || slices.Contains(actors, r.Entry.Actor) {
			out = append(out, r.Entry.Seq)
		}
	}
	return out
}

func seqsOf(es []audit.Entry) []int64 {
	var out []int64
	for _, e := range es {
		out = append(out, e.Seq)
	}
	return out
}

// Every migration, up then down, on a real redis-server: the data after
// up+down equals the data before, and up does what it says.
func TestMigrationsBothWaysRedis(t *testing.T) {
	chain := store.Migrations()
	if len(chain) != store.SchemaVersion-1 {
		t.Fatalf("%d migrations for schema version %d", len(chain), store.SchemaVersion)
	}
	for _, m := range chain {
		t.Run(m.Name, func(t *testing.T) {
			s := openReal(t, testenv.KeyPrefix(t))
			ctx := context.Background()
			fillV1(t, s, 2500) // more than one batch of the index builder
			if _, err := s.Migrate(ctx, store.MigrateOptions{Target: m.From}); err != nil {
				t.Fatal(err)
			}
			before := snapshot(t, s)
			up, err := s.Migrate(ctx, store.MigrateOptions{Target: m.From + 1})
			if err != nil || up.From != m.From || up.To != m.From+1 || len(up.Steps) != 1 || up.Steps[0].Name != m.Name {
				t.Fatalf("up: %+v %v", up, err)
			}
			if v, _, _ := s.SchemaVersionOf(ctx); v != m.From+1 {
				t.Fatalf("recorded version %d after up", v)
			}
			checkMigrated(t, s, m.Name)
			down, err := s.Migrate(ctx, store.MigrateOptions{Target: m.From})
			if err != nil || down.To != m.From || len(down.Steps) != 1 {
				t.Fatalf("down: %+v %v", down, err)
			}
			after := snapshot(t, s)
			if len(after) != len(before) {
				t.Fatalf("up+down left %d keys, had %d", len(after), len(before))
			}
			for k, v := range before {
				if after[k] != v {
					t.Fatalf("up+down changed %s", k)
				}
			}
			// Up again (a re-deploy after a rollback) gives the same result.
			if _, err := s.Migrate(ctx, store.MigrateOptions{Target: m.From + 1}); err != nil {
				t.Fatal(err)
			}
			checkMigrated(t, s, m.Name)
		})
	}
}

// checkMigrated asserts what each migration's up step built.
func checkMigrated(t *testing.T, s *store.Store, name string) {
	t.Helper()
	ctx := context.Background()
	switch name {
	case "audit-index":
		log := store.NewAuditLog(s)
		if n, _ := s.Client.Get(ctx, s.Key("audit", "idx", "through")).Int64(); n != 2500 {
			t.Fatalf("index watermark %d, want 2500", n)
		}
		if n := s.Client.ZCard(ctx, store.AuditIndexKey(s, "tenant", "tenant-1")).Val(); n == 0 {
			t.Fatal("no tenant index")
		}
		got, err := log.EntriesOf(ctx, "tenant-1", []string{"rtk_k4"})
		if want := scanEntries(t, s, "tenant-1", "rtk_k4"); err != nil || !slices.Equal(seqsOf(got), want) || len(want) < 800 {
			t.Fatalf("indexed lookup: %d entries %v, scan: %d", len(got), err, len(want))
		}
	default:
		t.Fatalf("no check for migration %s: add one", name)
	}
}

// The index stays exact across appends from a binary that does not index
// (a rollback during a deploy): those stay above the watermark and are
// found by reading the trail.
func TestAuditIndexAcrossNonIndexingAppends(t *testing.T) {
	s := openReal(t, testenv.KeyPrefix(t))
	ctx := context.Background()
	fillV1(t, s, 30)
	if _, err := s.EnsureSchema(ctx); err != nil {
		t.Fatal(err)
	}
	log := store.NewAuditLog(s)
	// A v1 binary appends 5 entries (simulated: append, then remove what
	// the index got), then this one appends 5 more.
	through := s.Client.Get(ctx, s.Key("audit", "idx", "through")).Val()
	for i := range 10 {
		if _, err := log.Append(ctx, audit.Entry{Time: time.Now(), Actor: "rtk_k1", Tenant: "tenant-9", Action: "x", Method: "GET", Path: "/", Status: 200}); err != nil {
			t.Fatal(err)
		}
		if i < 5 {
			s.Client.Set(ctx, s.Key("audit", "idx", "through"), through, 0)
			s.Client.ZRem(ctx, store.AuditIndexKey(s, "actor", "rtk_k1"), 31+i)
			s.Client.ZRem(ctx, store.AuditIndexKey(s, "tenant", "tenant-9"), 31+i)
		}
	}
	if n, _ := s.Client.Get(ctx, s.Key("audit", "idx", "through")).Int64(); n != 30 {
		t.Fatalf("watermark %d moved past entries it did not index", n)
	}
	got, err := log.EntriesOf(ctx, "tenant-9", []string{"rtk_k1"})
	if want := scanEntries(t, s, "tenant-9", "rtk_k1"); err != nil || !slices.Equal(seqsOf(got), want) {
		t.Fatalf("lookup %v %v, scan %v", seqsOf(got), err, want)
	}
}

// A store without a schema key is the pre-versioning layout: EnsureSchema
// migrates it rather than stamping it current.
// On the embedded store too (the local server's default).
func TestEnsureSchemaMigratesAnUnversionedStore(t *testing.T) {
	backendsPrefixed(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		fillV1(t, s, 20)
		s.Client.Del(ctx, s.Key("schema_version"))
		if v, err := s.EnsureSchema(ctx); err != nil || v != store.SchemaVersion {
			t.Fatalf("%d %v", v, err)
		}
		if n, _ := s.Client.Get(ctx, s.Key("audit", "idx", "through")).Int64(); n != 20 {
			t.Fatalf("not migrated: watermark %d", n)
		}
		got, err := store.NewAuditLog(s).EntriesOf(ctx, "tenant-2", nil)
		if want := scanEntries(t, s, "tenant-2"); err != nil || !slices.Equal(seqsOf(got), want) || len(want) == 0 {
			t.Fatalf("indexed lookup %v %v, scan %v", seqsOf(got), err, want)
		}
		if _, err := s.Migrate(ctx, store.MigrateOptions{Target: store.SchemaVersion + 1}); err == nil {
			t.Fatal("a target beyond this binary's version must be refused")
		}
	})
}

// slowChain is one step that takes several lock TTLs and counts how many
// runners are inside it at once.
func slowChain(d time.Duration, running, ran, maxRunning *atomic.Int32) []store.Migration {
	step := func(ctx context.Context, _ *store.Store) error {
		n := running.Add(1)
		defer running.Add(-1)
		for m := maxRunning.Load(); n > m && !maxRunning.CompareAndSwap(m, n); m = maxRunning.Load() {
		}
		ran.Add(1)
		select {
		case <-time.After(d):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return []store.Migration{{From: 1, Name: "slow", Up: step, Down: step}}
}

// Two runners at once on a real redis-server: one runs the step, renewing
// the lock past its TTL; the other reports a migration in progress, or,
// told to wait, finds the work done.
func TestMigrationLockRedis(t *testing.T) {
	ctx := context.Background()
	url := testenv.RedisURL(t)
	prefix := testenv.KeyPrefix(t)
	open := func() *store.Store {
		s, err := store.Open(store.Options{URL: url, Prefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := open(), open()
	a.Client.Set(ctx, a.Key("schema_version"), 1, 0)
	// Long enough that a loaded CI machine renews in time (a late renewal
	// is a lost lock, which the last part of this test covers).
	const ttl = time.Second
	for _, wait := range []time.Duration{0, 10 * time.Second} {
		t.Run(fmt.Sprintf("wait=%v", wait), func(t *testing.T) {
			a.Client.Set(ctx, a.Key("schema_version"), 1, 0)
			var running, ran, maxRunning atomic.Int32
			chain := slowChain(5*ttl/2, &running, &ran, &maxRunning)
			var wg sync.WaitGroup
			errs := make([]error, 2)
			results := make([]store.MigrateResult, 2)
			for i, s := range []*store.Store{a, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[i], errs[i] = store.MigrateWith(ctx, s, chain, store.MigrateOptions{Wait: wait, LockTTL: ttl})
				}()
			}
			wg.Wait()
			if ran.Load() != 1 || maxRunning.Load() != 1 {
				t.Fatalf("step ran %d times, %d at once; errors %v", ran.Load(), maxRunning.Load(), errs)
			}
			var busy, ok int
			for i, err := range errs {
				switch {
				case err == nil && results[i].To == 2:
					ok++
				case errors.Is(err, store.ErrMigrationInProgress):
					busy++
				default:
					t.Errorf("runner %d: %+v %v", i, results[i], err)
				}
			}
			if wait == 0 && (ok != 1 || busy != 1) || wait > 0 && ok != 2 {
				t.Fatalf("wait %v: %d done, %d in progress", wait, ok, busy)
			}
			if v, _, _ := a.SchemaVersionOf(ctx); v != 2 {
				t.Fatalf("version %d", v)
			}
			if n := a.Client.Exists(ctx, a.Key("schema_lock")).Val(); n != 0 {
				t.Fatal("lock not released")
			}
		})
	}

	// A runner whose lock is taken away stops its step and records nothing.
	a.Client.Set(ctx, a.Key("schema_version"), 1, 0)
	var running, ran, maxRunning atomic.Int32
	go func() {
		for running.Load() == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		a.Client.Set(ctx, a.Key("schema_lock"), "someone-else", time.Minute)
	}()
	_, err := store.MigrateWith(ctx, a, slowChain(20*ttl, &running, &ran, &maxRunning), store.MigrateOptions{LockTTL: ttl})
	if !errors.Is(err, store.ErrMigrationLockLost) {
		t.Fatalf("lost lock: %v", err)
	}
	if v, _, _ := a.SchemaVersionOf(ctx); v != 1 {
		t.Fatalf("a runner without the lock recorded version %d", v)
	}
	if a.Client.Get(ctx, a.Key("schema_lock")).Val() != "someone-else" {
		t.Fatal("the runner released a lock it did not hold")
	}
}

// Restoring an older-schema backup over a store in use (riptide restore
// --replace) leaves the restored keys in the old layout: the restore
// records the backup's version, and EnsureSchema migrates them up,
// rebuilding the audit index of the restored trail.
func TestRestoreOfAnOlderBackupIsMigrated(t *testing.T) {
	ctx := context.Background()
	old := openReal(t, testenv.KeyPrefix(t))
	fillV1(t, old, 40)
	var buf bytes.Buffer
	if _, err := old.Backup(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	live := openReal(t, testenv.KeyPrefix(t))
	if _, err := live.EnsureSchema(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 60 { // another trail, indexed
		if _, err := store.NewAuditLog(live).Append(ctx, audit.Entry{Time: time.Now(), Actor: "rtk_live", Tenant: "tenant-1", Action: "x", Method: "GET", Path: "/", Status: 200 + i%2}); err != nil {
			t.Fatal(err)
		}
	}
	h, _, err := live.Restore(ctx, bytes.NewReader(buf.Bytes()), store.RestoreOptions{Replace: true})
	if err != nil || h.SchemaVersion != 1 {
		t.Fatalf("restore: %+v %v", h, err)
	}
	if v, _, _ := live.SchemaVersionOf(ctx); v != 1 {
		t.Fatalf("after restoring a version-1 backup the store says %d", v)
	}
	if v, err := live.EnsureSchema(ctx); err != nil || v != store.SchemaVersion {
		t.Fatalf("%d %v", v, err)
	}
	got, err := store.NewAuditLog(live).EntriesOf(ctx, "tenant-1", []string{"rtk_live"})
	if want := scanEntries(t, live, "tenant-1", "rtk_live"); err != nil || !slices.Equal(seqsOf(got), want) {
		t.Fatalf("index after restore: %v %v, scan %v", seqsOf(got), err, want)
	}
	for _, e := range got {
		if e.Actor == "rtk_live" {
			t.Fatalf("entry %d of the replaced trail still indexed", e.Seq)
		}
	}
}
