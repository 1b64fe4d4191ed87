package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Tables keeps extracted tables for their export, under
// <prefix>tables:v1:<id>, each with a TTL (the original kept them in an
// unbounded map forever). Values are gzipped like cache entries.
type Tables struct {
	s *Store
}

// NewTables returns the table store of s.
func NewTables(s *Store) *Tables { return &Tables{s: s} }

func (t *Tables) key(id string) string { return t.s.Key("tables", "v1", id) }

// Put stores one table (its JSON) under id for ttl.
func (t *Tables) Put(ctx context.Context, id string, value []byte, ttl time.Duration) error {
	v, err := encodeValue(value)
	if err != nil {
		return err
	}
	if err := t.s.Client.Set(ctx, t.key(id), v, ttl).Err(); err != nil {
		return fmt.Errorf("tables put: %w", err)
	}
	return nil
}

// Get returns the table stored under id; ok is false when there is none
// (never stored, or expired).
func (t *Tables) Get(ctx context.Context, id string) ([]byte, bool, error) {
	raw, err := t.s.Client.Get(ctx, t.key(id)).Bytes()
	if errors.Is(err, redis.Nil) || (err == nil && len(raw) == 0) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("tables get: %w", err)
	}
	b, err := decodeValue(raw)
	if err != nil {
		return nil, false, fmt.Errorf("table %s: %w", id, err)
	}
	return b, true, nil
}
