package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/riptidecrawler/riptide/shared/audit"
)

// AuditLog is the hash-chained audit log in Redis (audit.Log, audit.Cursor):
//
//	<prefix>audit:log       LIST of entries as JSON, entry n at index n-1
//	<prefix>audit:head      "<seq> <hash>" of the last entry
//	<prefix>audit:exported  last sequence number exported to the blob store
//	<prefix>audit:anchor    "<seq> <hash>" of the last entry trimmed after export
//
// After a trim the list starts at entry anchor+1: entry n is at index
// n-1-anchor.
//
// Appends from many processes are serialised with WATCH on the head: a
// concurrent append makes the transaction fail and it is retried, so the
// chain never forks.
//
// Appends within one process are serialised by a mutex first, so that the
// local server's many concurrent requests do not retry against each other;
// only appends from different processes (Lambda instances) contend.
type AuditLog struct {
	s  *Store
	mu sync.Mutex
}

// NewAuditLog returns the audit log over s.
func NewAuditLog(s *Store) *AuditLog { return &AuditLog{s: s} }

var (
	_ audit.Log     = (*AuditLog)(nil)
	_ audit.Cursor  = (*AuditLog)(nil)
	_ audit.Trimmer = (*AuditLog)(nil)
)

// Key returns the Redis key of the log list (tests tamper with it).
func (a *AuditLog) Key() string { return a.s.Key("audit", "log") }

func (a *AuditLog) head() string { return a.s.Key("audit", "head") }

// Append implements audit.Log.
func (a *AuditLog) Append(ctx context.Context, e audit.Entry) (audit.Entry, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var sealed audit.Entry
	for attempt := 0; attempt < 50; attempt++ {
		if attempt > 0 {
			// Another process appended first: back off a little, with jitter.
			select {
			case <-ctx.Done():
				return audit.Entry{}, ctx.Err()
			case <-time.After(time.Duration(attempt)*time.Millisecond + time.Duration(rand.IntN(1000))*time.Microsecond):
			}
		}
		err := a.s.Client.Watch(ctx, func(tx *redis.Tx) error {
			h, err := tx.Get(ctx, a.head()).Result()
			if err != nil && !errors.Is(err, redis.Nil) {
				return err
			}
			var seq int64
			prev := ""
			if h != "" {
				s, hash, _ := strings.Cut(h, " ")
				if seq, err = strconv.ParseInt(s, 10, 64); err != nil {
					return fmt.Errorf("audit head %q: %w", h, err)
				}
				prev = hash
			}
			sealed = audit.Seal(e, seq, prev)
			b, err := json.Marshal(sealed)
			if err != nil {
				return err
			}
			through, err := readThrough(ctx, tx, a.indexedThrough())
			if err != nil {
				return err
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.RPush(ctx, a.Key(), b)
				p.Set(ctx, a.head(), strconv.FormatInt(sealed.Seq, 10)+" "+sealed.Hash, 0)
				// Index the entry only when every earlier one is (see
				// auditindex.go): a store not yet migrated has no
				// watermark and keeps none until the migration builds it.
				if through == sealed.Seq-1 {
					a.indexEntry(ctx, p, sealed)
					p.Set(ctx, a.indexedThrough(), sealed.Seq, 0)
				}
				return nil
			})
			return err
		}, a.head(), a.indexedThrough())
		if errors.Is(err, redis.TxFailedErr) {
			continue
		}
		return sealed, err
	}
	return audit.Entry{}, errors.New("audit append: too much contention")
}

func (a *AuditLog) anchorKey() string { return a.s.Key("audit", "anchor") }

// auditRangeScript reads entries by sequence number, offset by the anchor
// in the same step (a trim between the two reads would shift the list).
// Sequence numbers at or below the anchor are gone: it starts after it.
var auditRangeScript = sync.OnceValue(func() *redis.Script {
	return redis.NewScript(`local a = redis.call("GET", KEYS[2])
local base = 0
if a then base = tonumber(string.match(a, "^(%d+)")) end
local start = tonumber(ARGV[1]) - 1 - base
if start < 0 then start = 0 end
return redis.call("LRANGE", KEYS[1], start, start + tonumber(ARGV[2]) - 1)`)
})

// Range implements audit.Log: from is a sequence number.
func (a *AuditLog) Range(ctx context.Context, from int64, n int) ([]audit.Raw, error) {
	if from < 1 || n <= 0 {
		return nil, nil
	}
	vals, err := auditRangeScript().Run(ctx, a.s.Client, []string{a.Key(), a.anchorKey()}, from, n).StringSlice()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, err
	}
	out := make([]audit.Raw, len(vals))
	for i, v := range vals {
		out[i] = audit.Decode([]byte(v))
	}
	return out, nil
}

// Len implements audit.Log.
func (a *AuditLog) Len(ctx context.Context) (int64, error) {
	anchor, err := a.Anchor(ctx)
	if err != nil {
		return 0, err
	}
	n, err := a.s.Client.LLen(ctx, a.Key()).Result()
	return anchor.Seq + n, err
}

// Anchor implements audit.Log.
func (a *AuditLog) Anchor(ctx context.Context) (audit.Anchor, error) {
	return readAnchor(ctx, a.s.Client, a.anchorKey())
}

func readAnchor(ctx context.Context, c redis.Cmdable, key string) (audit.Anchor, error) {
	v, err := c.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return audit.Anchor{Hash: audit.Genesis}, nil
	}
	if err != nil {
		return audit.Anchor{}, err
	}
	s, hash, _ := strings.Cut(v, " ")
	seq, err := strconv.ParseInt(s, 10, 64)
	if err != nil || hash == "" {
		return audit.Anchor{}, fmt.Errorf("audit anchor %q is malformed", v)
	}
	return audit.Anchor{Seq: seq, Hash: hash}, nil
}

// TrimThrough implements audit.Trimmer: in one transaction (WATCH on the
// anchor, so two trims cannot both apply), the entries up to next.Seq
// leave the list and next becomes the anchor. Appends only push at the
// tail and do not conflict. The index loses the trimmed sequence numbers
// afterwards (entries it names that are gone are skipped by readers).
func (a *AuditLog) TrimThrough(ctx context.Context, next audit.Anchor) error {
	err := a.s.Client.Watch(ctx, func(tx *redis.Tx) error {
		cur, err := readAnchor(ctx, tx, a.anchorKey())
		if err != nil {
			return err
		}
		if next.Seq <= cur.Seq {
			return nil
		}
		last, err := tx.LIndex(ctx, a.Key(), next.Seq-1-cur.Seq).Result()
		if err != nil {
			return fmt.Errorf("audit trim: entry %d is not in the store: %w", next.Seq, err)
		}
		if r := audit.Decode([]byte(last)); r.Err != nil || r.Entry.Seq != next.Seq || r.Entry.Hash != next.Hash {
			return fmt.Errorf("audit trim: entry %d is not the one verified", next.Seq)
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.LTrim(ctx, a.Key(), next.Seq-cur.Seq, -1)
			p.Set(ctx, a.anchorKey(), strconv.FormatInt(next.Seq, 10)+" "+next.Hash, 0)
			return nil
		})
		return err
	}, a.anchorKey())
	if err != nil {
		return err
	}
	return a.trimIndex(ctx, next.Seq)
}

// trimIndex removes sequence numbers up to seq from every index set.
func (a *AuditLog) trimIndex(ctx context.Context, seq int64) error {
	iter := a.s.Client.Scan(ctx, 0, a.s.Key("audit", "idx")+":*", backupBatch).Iterator()
	for iter.Next(ctx) {
		if iter.Val() == a.indexedThrough() {
			continue
		}
		if err := a.s.Client.ZRemRangeByScore(ctx, iter.Val(), "-inf", strconv.FormatInt(seq, 10)).Err(); err != nil {
			return err
		}
	}
	return iter.Err()
}

// Exported implements audit.Cursor.
func (a *AuditLog) Exported(ctx context.Context) (int64, error) {
	n, err := a.s.Client.Get(ctx, a.s.Key("audit", "exported")).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return n, err
}

// SetExported implements audit.Cursor.
func (a *AuditLog) SetExported(ctx context.Context, seq int64) error {
	return a.s.Client.Set(ctx, a.s.Key("audit", "exported"), seq, 0).Err()
}
