package store

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// SchemaVersion is the key layout this binary reads and writes. Bump it with
// a migration (the migrations list below) when the layout changes.
const SchemaVersion = 2

// baselineVersion is the layout of a store that has no schema key: the one
// RipTide wrote before the layout was versioned (and before any migration).
const baselineVersion = 1

// Migration changes the key layout from version From to From+1 (Up) and
// back (Down). Both must be idempotent and resumable: a runner that dies
// mid-step leaves the version unchanged, and the next runner repeats the
// step. Steps run under the schema lock, so never two at once.
type Migration struct {
	From int
	Name string
	Up   func(ctx context.Context, s *Store) error
	Down func(ctx context.Context, s *Store) error
}

// migrations is the chain: migrations[i] upgrades version i+1 to i+2.
var migrations = []Migration{auditIndexMigration}

// ErrMigrationInProgress means another runner holds the schema lock.
var ErrMigrationInProgress = errors.New("migration in progress")

// ErrMigrationLockLost means the lock expired under a running step (Redis
// was unreachable for longer than the lock's TTL); the step was stopped and
// its version not recorded.
var ErrMigrationLockLost = errors.New("migration lock lost")

// DefaultMigrationLockTTL is how long the schema lock lives without being
// renewed: a crashed runner blocks others this long at most. A running
// step renews it every third of it.
const DefaultMigrationLockTTL = 30 * time.Second

// MigrateOptions control Migrate.
type MigrateOptions struct {
	// Target is the version to bring the store to (0: SchemaVersion). A
	// target below the store's version runs Down steps.
	Target int
	// Wait is how long to wait for another runner's lock; 0 fails at once
	// with ErrMigrationInProgress.
	Wait time.Duration
	// LockTTL overrides DefaultMigrationLockTTL (tests).
	LockTTL time.Duration
	Logger  *slog.Logger
}

// MigrationStep is one step Migrate ran.
type MigrationStep struct {
	From     int           `json:"from"`
	To       int           `json:"to"`
	Name     string        `json:"name"`
	Duration time.Duration `json:"duration_ns"`
}

// MigrateResult says what Migrate did.
type MigrateResult struct {
	From  int             `json:"from"`
	To    int             `json:"to"`
	Steps []MigrationStep `json:"steps"`
}

// SchemaVersionOf reads the store's recorded version; found is false on a
// store that has none (a fresh one, or one older than versioning).
func (s *Store) SchemaVersionOf(ctx context.Context) (v int, found bool, err error) {
	raw, err := s.Client.Get(ctx, s.Key("schema_version")).Result()
	if errors.Is(err, redis.Nil) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("read schema version: %w", err)
	}
	if v, err = strconv.Atoi(raw); err != nil {
		return 0, true, fmt.Errorf("schema version %q is not a number", raw)
	}
	return v, true, nil
}

// EnsureSchemaWait bounds how long EnsureSchema waits for another runner
// (an instance starting at the same time, a deploy's migration).
const EnsureSchemaWait = 15 * time.Minute

// EnsureSchema brings an older store up to this binary's version (waiting
// for a migration another runner has under way) and refuses a newer one: a
// rollback must not write a layout it does not understand.
func (s *Store) EnsureSchema(ctx context.Context) (int, error) {
	r, err := s.Migrate(ctx, MigrateOptions{Wait: EnsureSchemaWait})
	return r.To, err
}

// Migrate brings the store to o.Target, one step at a time, under the
// schema lock, recording the version after each step.
func (s *Store) Migrate(ctx context.Context, o MigrateOptions) (MigrateResult, error) {
	return s.migrate(ctx, migrations, o)
}

func (s *Store) migrate(ctx context.Context, chain []Migration, o MigrateOptions) (MigrateResult, error) {
	latest := baselineVersion + len(chain)
	target := o.Target
	if target == 0 {
		target = latest
	}
	if target < baselineVersion || target > latest {
		return MigrateResult{}, fmt.Errorf("target version %d: this binary knows versions %d..%d", target, baselineVersion, latest)
	}
	// The common case (every start of an up-to-date store) takes no lock.
	v, found, err := s.SchemaVersionOf(ctx)
	if err != nil {
		return MigrateResult{}, err
	}
	if found && v > latest {
		return MigrateResult{From: v, To: v}, fmt.Errorf("%w: store has version %d, this binary supports up to %d", ErrSchemaTooNew, v, latest)
	}
	if found && v == target {
		return MigrateResult{From: v, To: v}, nil
	}

	ttl := o.LockTTL
	if ttl <= 0 {
		ttl = DefaultMigrationLockTTL
	}
	lock, err := s.acquireSchemaLock(ctx, ttl, o.Wait)
	if err != nil {
		return MigrateResult{From: v, To: v}, err
	}
	defer lock.release(context.WithoutCancel(ctx))

	// Another runner may have migrated while this one waited.
	if v, found, err = s.SchemaVersionOf(ctx); err != nil {
		return MigrateResult{}, err
	}
	if !found {
		v = baselineVersion
	}
	res := MigrateResult{From: v, To: v}
	if v > latest {
		return res, fmt.Errorf("%w: store has version %d, this binary supports up to %d", ErrSchemaTooNew, v, latest)
	}
	if !found && v == target {
		return res, lock.setVersion(ctx, v)
	}
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	for v != target {
		var m Migration
		var next int
		var run func(context.Context, *Store) error
		if target > v {
			m, next = chain[v-baselineVersion], v+1
			run = m.Up
		} else {
			m, next = chain[v-1-baselineVersion], v-1
			run = m.Down
		}
		start := time.Now()
		if err := lock.hold(ctx, func(ctx context.Context) error { return run(ctx, s) }); err != nil {
			return res, fmt.Errorf("migrate schema %d -> %d (%s): %w", v, next, m.Name, err)
		}
		if err := lock.setVersion(ctx, next); err != nil {
			return res, fmt.Errorf("record schema version %d: %w", next, err)
		}
		step := MigrationStep{From: v, To: next, Name: m.Name, Duration: time.Since(start)}
		res.Steps = append(res.Steps, step)
		log.InfoContext(ctx, "schema migrated", slog.Int("from", v), slog.Int("to", next), slog.String("migration", m.Name),
			slog.Duration("duration", step.Duration))
		v, res.To = next, next
	}
	return res, nil
}

// schemaLock is the schema lock held by one runner: SET NX PX with a
// random token, renewed and released only by the holder (compare first).
type schemaLock struct {
	s     *Store
	key   string
	token string
	ttl   time.Duration
}

var (
	// releaseScript deletes the lock only if this runner still holds it.
	releaseScript = sync.OnceValue(func() *redis.Script {
		return redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`)
	})
	// renewScript extends the lock only if this runner still holds it.
	renewScript = sync.OnceValue(func() *redis.Script {
		return redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) end return 0`)
	})
	// setVersionScript records a version only while the lock is held, so
	// a runner that lost its lock cannot overwrite its successor's record.
	setVersionScript = sync.OnceValue(func() *redis.Script {
		return redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("SET", KEYS[2], ARGV[2]) end return false`)
	})
)

func (s *Store) acquireSchemaLock(ctx context.Context, ttl, wait time.Duration) (*schemaLock, error) {
	l := &schemaLock{s: s, key: s.Key("schema_lock"), token: randomToken(), ttl: ttl}
	deadline := time.Now().Add(wait)
	poll := min(max(ttl/20, 20*time.Millisecond), 500*time.Millisecond)
	for {
		ok, err := s.Client.SetNX(ctx, l.key, l.token, ttl).Result()
		if err != nil {
			return nil, fmt.Errorf("take the migration lock: %w", err)
		}
		if ok {
			return l, nil
		}
		if time.Now().Add(poll).After(deadline) {
			return nil, fmt.Errorf("%w: another runner holds %s", ErrMigrationInProgress, l.key)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(poll):
		}
	}
}

// hold runs f while renewing the lock every third of its TTL; f's context
// is cancelled when the lock is lost.
func (l *schemaLock) hold(ctx context.Context, f func(context.Context) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	done := make(chan struct{})
	defer close(done)
	go func() {
		t := time.NewTicker(l.ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				n, err := renewScript().Run(ctx, l.s.Client, []string{l.key}, l.token, l.ttl.Milliseconds()).Int()
				if err == nil && n == 0 {
					cancel(ErrMigrationLockLost)
					return
				}
				// A failed renewal is retried at the next tick; the lock
				// lives a full TTL from the last success.
			}
		}
	}()
	err := f(ctx)
	if cause := context.Cause(ctx); errors.Is(cause, ErrMigrationLockLost) {
		return cause
	}
	return err
}

func (l *schemaLock) setVersion(ctx context.Context, v int) error {
	err := setVersionScript().Run(ctx, l.s.Client, []string{l.key, l.s.Key("schema_version")}, l.token, v).Err()
	if errors.Is(err, redis.Nil) {
		return ErrMigrationLockLost
	}
	return err
}

func (l *schemaLock) release(ctx context.Context) {
	_ = releaseScript().Run(ctx, l.s.Client, []string{l.key}, l.token).Err()
}

// randomToken identifies one lock holder.
func randomToken() string {
	var b [16]byte
	_, _ = crand.Read(b[:])
	return hex.EncodeToString(b[:])
}
