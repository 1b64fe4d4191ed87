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
	_ audit.Log    = (*AuditLog)(nil)
	_ audit.Cursor = (*AuditLog)(nil)
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

// Range implements audit.Log.
func (a *AuditLog) Range(ctx context.Context, from int64, n int) ([]audit.Raw, error) {
	if from < 1 || n <= 0 {
		return nil, nil
	}
	vals, err := a.s.Client.LRange(ctx, a.Key(), from-1, from-1+int64(n)-1).Result()
	if err != nil {
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
	return a.s.Client.LLen(ctx, a.Key()).Result()
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
