package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/riptidecrawler/riptide/shared/keys"
)

// APIKeys keeps managed API keys in Redis (keys.Store):
//
//	<prefix>apikey:<id>        JSON record (salted hash, never the secret)
//	<prefix>apikeys            SET of ids
//	<prefix>apikey_usage:<id>  HASH requests, urls, render_ms, tokens, last_used
//
// Records have no TTL: an expired or revoked key stays listed until it is
// deleted (docs/data-retention.md).
type APIKeys struct{ s *Store }

// NewAPIKeys returns the key store over s.
func NewAPIKeys(s *Store) *APIKeys { return &APIKeys{s: s} }

var _ keys.Store = (*APIKeys)(nil)

func (a *APIKeys) recordKey(id string) string { return a.s.Key("apikey", id) }
func (a *APIKeys) usageKey(id string) string  { return a.s.Key("apikey_usage", id) }

// Put implements keys.Store.
func (a *APIKeys) Put(ctx context.Context, k keys.Key) error {
	b, err := json.Marshal(k)
	if err != nil {
		return err
	}
	_, err = a.s.Client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, a.recordKey(k.ID), b, 0)
		p.SAdd(ctx, a.s.Key("apikeys"), k.ID)
		return nil
	})
	return err
}

// Get implements keys.Store.
func (a *APIKeys) Get(ctx context.Context, id string) (keys.Key, error) {
	b, err := a.s.Client.Get(ctx, a.recordKey(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return keys.Key{}, keys.ErrNotFound
	}
	if err != nil {
		return keys.Key{}, err
	}
	var k keys.Key
	if err := json.Unmarshal(b, &k); err != nil {
		return keys.Key{}, fmt.Errorf("key record %s: %w", id, err)
	}
	return k, nil
}

// List implements keys.Store.
func (a *APIKeys) List(ctx context.Context) ([]keys.Key, error) {
	ids, err := a.s.Client.SMembers(ctx, a.s.Key("apikeys")).Result()
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = a.recordKey(id)
	}
	vals, err := a.s.Client.MGet(ctx, names...).Result()
	if err != nil {
		return nil, err
	}
	out := make([]keys.Key, 0, len(vals))
	for i, v := range vals {
		str, ok := v.(string)
		if !ok {
			continue // deleted between SMEMBERS and MGET
		}
		var k keys.Key
		if err := json.Unmarshal([]byte(str), &k); err != nil {
			return nil, fmt.Errorf("key record %s: %w", ids[i], err)
		}
		out = append(out, k)
	}
	return out, nil
}

// Delete implements keys.Store.
func (a *APIKeys) Delete(ctx context.Context, id string) error {
	_, err := a.s.Client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, a.recordKey(id), a.usageKey(id))
		p.SRem(ctx, a.s.Key("apikeys"), id)
		return nil
	})
	return err
}

// AddUsage implements keys.Store: one round trip per request.
func (a *APIKeys) AddUsage(ctx context.Context, id string, d keys.Delta, now time.Time) error {
	k := a.usageKey(id)
	_, err := a.s.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
		if d.Requests != 0 {
			p.HIncrBy(ctx, k, "requests", d.Requests)
		}
		if d.URLs != 0 {
			p.HIncrBy(ctx, k, "urls", d.URLs)
		}
		if d.RenderSeconds != 0 {
			p.HIncrBy(ctx, k, "render_ms", int64(d.RenderSeconds*1000))
		}
		if d.Tokens != 0 {
			p.HIncrBy(ctx, k, "tokens", d.Tokens)
		}
		p.HSet(ctx, k, "last_used", now.Unix())
		return nil
	})
	return err
}

// Usage implements keys.Store.
func (a *APIKeys) Usage(ctx context.Context, id string) (keys.Usage, error) {
	m, err := a.s.Client.HGetAll(ctx, a.usageKey(id)).Result()
	if err != nil {
		return keys.Usage{}, err
	}
	n := func(f string) int64 { v, _ := strconv.ParseInt(m[f], 10, 64); return v }
	u := keys.Usage{Requests: n("requests"), URLs: n("urls"), RenderSeconds: float64(n("render_ms")) / 1000, Tokens: n("tokens")}
	if t := n("last_used"); t > 0 {
		u.LastUsed = time.Unix(t, 0).UTC()
	}
	return u, nil
}
