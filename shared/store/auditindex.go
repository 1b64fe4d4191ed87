package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/riptidecrawler/riptide/shared/audit"
)

// The audit index (schema version 2) finds one caller's audit entries
// without reading the whole trail, which a tenant's data export (docs/
// privacy.md) did on every request:
//
//	<prefix>audit:idx:actor:<h(actor)>    ZSET of the sequence numbers of the actor's entries
//	<prefix>audit:idx:tenant:<h(tenant)>  ZSET of the sequence numbers of the tenant's entries
//	<prefix>audit:idx:through          every entry up to this sequence number is indexed
//
// Append indexes an entry only when the watermark is right behind it, so
// the index is never silently incomplete: entries appended by a binary
// that does not index (a rollback) stay above the watermark, and readers
// scan the trail from there.
const (
	auditIndexBatch = 1000
)

// The index keys carry a hash of the actor or tenant, not the name: the
// index is kept with the trail it is derived from (docs/privacy.md), and
// after a tenant's deletion no key should be named after it.
func (a *AuditLog) actorIndex(actor string) string {
	return a.s.Key("audit", "idx", "actor", indexName(actor))
}

func (a *AuditLog) tenantIndex(tenant string) string {
	return a.s.Key("audit", "idx", "tenant", indexName(tenant))
}

func indexName(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:12])
}

func (a *AuditLog) indexedThrough() string { return a.s.Key("audit", "idx", "through") }

// indexEntry queues e's index writes (inside Append's transaction).
func (a *AuditLog) indexEntry(ctx context.Context, p redis.Pipeliner, e audit.Entry) {
	z := redis.Z{Score: float64(e.Seq), Member: e.Seq}
	if e.Actor != "" {
		p.ZAdd(ctx, a.actorIndex(e.Actor), z)
	}
	if e.Tenant != "" {
		p.ZAdd(ctx, a.tenantIndex(e.Tenant), z)
	}
}

// readThrough reads the watermark (0 when absent).
func readThrough(ctx context.Context, c redis.Cmdable, key string) (int64, error) {
	n, err := c.Get(ctx, key).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return n, err
}

// raiseThroughScript moves the watermark up, never down.
var raiseThroughScript = sync.OnceValue(func() *redis.Script {
	return redis.NewScript(`local cur = tonumber(redis.call("GET", KEYS[1]) or "0")
if tonumber(ARGV[1]) > cur then redis.call("SET", KEYS[1], ARGV[1]) end return 0`)
})

// auditIndexMigration (1 -> 2) builds the index from the trail; its down
// step deletes it.
var auditIndexMigration = Migration{
	From: 1,
	Name: "audit-index",
	Up: func(ctx context.Context, s *Store) error {
		// From scratch: a version-1 store has no index of its own, so
		// whatever is there is stale (the index of a trail a restore has
		// replaced). Idempotent, not resumable: a rerun starts over.
		if err := s.deleteMatching(ctx, s.Key("audit", "idx")+":*"); err != nil {
			return err
		}
		return NewAuditLog(s).buildIndex(ctx)
	},
	Down: func(ctx context.Context, s *Store) error {
		return s.deleteMatching(ctx, s.Key("audit", "idx")+":*")
	},
}

// buildIndex indexes the trail from the watermark to its end, a batch at a
// time, until it catches up with concurrent appends, which index
// themselves from then on.
func (a *AuditLog) buildIndex(ctx context.Context) error {
	for {
		through, err := readThrough(ctx, a.s.Client, a.indexedThrough())
		if err != nil {
			return err
		}
		rows, err := a.Range(ctx, through+1, auditIndexBatch)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		pipe := a.s.Client.Pipeline()
		last := through
		for i, r := range rows {
			if r.Err != nil {
				// A damaged entry (audit verify reports it) still
				// advances the watermark: it belongs to no one we can name.
				last = through + int64(i) + 1
				continue
			}
			a.indexEntry(ctx, pipe, r.Entry)
			last = r.Entry.Seq
		}
		// EVAL, not EVALSHA: a pipeline cannot fall back on NOSCRIPT.
		raiseThroughScript().Eval(ctx, pipe, []string{a.indexedThrough()}, last)
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return fmt.Errorf("index audit entries %d..%d: %w", through+1, last, err)
		}
	}
}

// deleteMatching deletes every key matching a SCAN pattern.
func (s *Store) deleteMatching(ctx context.Context, pattern string) error {
	iter := s.Client.Scan(ctx, 0, pattern, backupBatch).Iterator()
	var batch []string
	for iter.Next(ctx) {
		if batch = append(batch, iter.Val()); len(batch) == backupBatch {
			if err := s.Client.Unlink(ctx, batch...).Err(); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if err := iter.Err(); err != nil {
		return err
	}
	if len(batch) > 0 {
		return s.Client.Unlink(ctx, batch...).Err()
	}
	return nil
}

// EntriesOf returns the entries of a tenant or of any of the actors, by
// sequence number: from the index up to its watermark, by reading the
// trail beyond it.
func (a *AuditLog) EntriesOf(ctx context.Context, tenant string, actors []string) ([]audit.Entry, error) {
	through, err := readThrough(ctx, a.s.Client, a.indexedThrough())
	if err != nil {
		return nil, err
	}
	var seqs []int64
	seen := map[int64]bool{}
	keys := []string{}
	if tenant != "" {
		keys = append(keys, a.tenantIndex(tenant))
	}
	for _, p := range actors {
		if p != "" {
			keys = append(keys, a.actorIndex(p))
		}
	}
	if through > 0 {
		for _, k := range keys {
			members, err := a.s.Client.ZRangeArgs(ctx, redis.ZRangeArgs{Key: k, Start: 1, Stop: through, ByScore: true}).Result()
			if err != nil {
				return nil, err
			}
			for _, m := range members {
				n, err := strconv.ParseInt(m, 10, 64)
				if err != nil || seen[n] {
					continue
				}
				seen[n] = true
				seqs = append(seqs, n)
			}
		}
	}
	slices.Sort(seqs)
	// Entries up to the anchor were trimmed after their export.
	anchor, err := a.Anchor(ctx)
	if err != nil {
		return nil, err
	}
	seqs = slices.DeleteFunc(seqs, func(n int64) bool { return n <= anchor.Seq })
	mine := map[string]bool{}
	for _, p := range actors {
		if p != "" {
			mine[p] = true
		}
	}
	out := []audit.Entry{}
	for i := 0; i < len(seqs); i += auditIndexBatch {
		chunk := seqs[i:min(i+auditIndexBatch, len(seqs))]
		pipe := a.s.Client.Pipeline()
		cmds := make([]*redis.StringCmd, len(chunk))
		for j, n := range chunk {
			cmds[j] = pipe.LIndex(ctx, a.Key(), n-1-anchor.Seq)
		}
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return nil, err
		}
		for _, c := range cmds {
			if r := audit.Decode([]byte(c.Val())); r.Err == nil {
				out = append(out, r.Entry)
			}
		}
	}
	// Beyond the watermark: the trail itself.
	for pos := max(through, anchor.Seq) + 1; ; {
		rows, err := a.Range(ctx, pos, auditIndexBatch)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if r.Err == nil && ((tenant != "" && r.Entry.Tenant == tenant) || mine[r.Entry.Actor]) {
				out = append(out, r.Entry)
			}
		}
		pos += int64(len(rows))
		if len(rows) < auditIndexBatch {
			return out, nil
		}
	}
}
