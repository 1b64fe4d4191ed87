// Package sessionstore is the Redis adapter of the sessions engine
// (sessions.Store): one hash per session holding its record and its
// cookies, expiring with the session, and an index per API key for
// listing. The embedded miniredis of `riptide serve` runs the same code.
//
// Its Lua scripts are hashed (redis.NewScript) on first use, not at
// package init, which every cold start of every function linking the
// package pays (docs/cold-start.md).
package sessionstore

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/sessions"
	"github.com/riptidecrawler/riptide/shared/store"
)

// Store keeps sessions in Redis:
//
//	<prefix>session:<id>              hash: owner, created, expires, last_used, uses, ttl (ms),
//	                                  and c:<cookie id> -> cookie JSON; expires with the session
//	<prefix>sessions:owner:<owner>    sorted set (lexical): "<created ms>:<id>" per session
//	<prefix>sessions:cleaned:<owner>  counter of expired sessions cleaned up
type Store struct{ s *store.Store }

// New returns the session store of s.
func New(s *store.Store) *Store { return &Store{s: s} }

var _ sessions.Store = (*Store)(nil)

const cookiePrefix = "c:"

// metaFields are the hash fields that are not cookies.
var metaFields = []string{"owner", "created", "expires", "last_used", "uses", "ttl"}

func (st *Store) key(id string) string           { return st.s.Key("session", id) }
func (st *Store) index(owner string) string      { return st.s.Key("sessions", "owner", owner) }
func (st *Store) cleanedKey(owner string) string { return st.s.Key("sessions", "cleaned", owner) }

// member is a session's index entry: sorting members sorts by creation.
func member(created time.Time, id string) string {
	return fmt.Sprintf("%016d:%s", created.UnixMilli(), id)
}

func parseMember(m string) (time.Time, string, bool) {
	ms, id, ok := strings.Cut(m, ":")
	if !ok {
		return time.Time{}, "", false
	}
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil {
		return time.Time{}, "", false
	}
	return time.UnixMilli(n).UTC(), id, true
}

func ms(t time.Time) int64 { return t.UnixMilli() }

// Create implements sessions.Store.
func (st *Store) Create(ctx context.Context, s sessions.Session) error {
	_, err := st.s.Client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, st.key(s.ID), "owner", s.Owner, "created", ms(s.CreatedAt), "expires", ms(s.ExpiresAt),
			"last_used", ms(s.LastUsedAt), "uses", s.Uses, "ttl", s.TTLMS)
		p.PExpireAt(ctx, st.key(s.ID), s.ExpiresAt)
		p.ZAdd(ctx, st.index(s.Owner), redis.Z{Member: member(s.CreatedAt, s.ID)})
		return nil
	})
	return err
}

// Load implements sessions.Store.
func (st *Store) Load(ctx context.Context, id string) (*sessions.Session, []sessions.Cookie, error) {
	h, err := st.s.Client.HGetAll(ctx, st.key(id)).Result()
	if err != nil {
		return nil, nil, err
	}
	if len(h) == 0 {
		return nil, nil, nil
	}
	s, err := sessionOf(id, h)
	if err != nil {
		return nil, nil, err
	}
	var cookies []sessions.Cookie
	for f, v := range h {
		if !strings.HasPrefix(f, cookiePrefix) {
			continue
		}
		var c sessions.Cookie
		if err := json.Unmarshal([]byte(v), &c); err != nil {
			return nil, nil, fmt.Errorf("session %s: corrupt cookie %q: %w", id, f, err)
		}
		cookies = append(cookies, c)
	}
	s.CookieCount = len(cookies)
	return s, cookies, nil
}

// sessionOf reads a session's record from its hash fields.
func sessionOf(id string, h map[string]string) (*sessions.Session, error) {
	num := func(f string) (int64, error) {
		n, err := strconv.ParseInt(h[f], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("session %s: corrupt field %s: %w", id, f, err)
		}
		return n, nil
	}
	var v [5]int64
	for i, f := range []string{"created", "expires", "last_used", "uses", "ttl"} {
		n, err := num(f)
		if err != nil {
			return nil, err
		}
		v[i] = n
	}
	return &sessions.Session{ID: id, Owner: h["owner"], CreatedAt: time.UnixMilli(v[0]).UTC(), ExpiresAt: time.UnixMilli(v[1]).UTC(),
		LastUsedAt: time.UnixMilli(v[2]).UTC(), Uses: v[3], TTLMS: v[4]}, nil
}

// touchScript moves a session's expiry atomically, so that a crawl's
// sliding renewal never undoes an extend running beside it: the new
// expiry is max(expires + add, at_least), refused past max (0: none).
var touchScript = sync.OnceValue(func() *redis.Script {
	return redis.NewScript(`
local cur = redis.call('HGET', KEYS[1], 'expires')
if not cur then return -1 end
local e = tonumber(cur) + tonumber(ARGV[1])
if tonumber(ARGV[2]) > e then e = tonumber(ARGV[2]) end
if tonumber(ARGV[3]) > 0 and e > tonumber(ARGV[3]) then return -2 end
redis.call('HSET', KEYS[1], 'expires', e, 'last_used', ARGV[4])
redis.call('HINCRBY', KEYS[1], 'uses', ARGV[5])
redis.call('PEXPIREAT', KEYS[1], e)
return e`)
})

// Touch implements sessions.Store.
func (st *Store) Touch(ctx context.Context, id string, t sessions.Touch) (*sessions.Session, error) {
	var atLeast, max int64
	if !t.AtLeast.IsZero() {
		atLeast = ms(t.AtLeast)
	}
	if !t.Max.IsZero() {
		max = ms(t.Max)
	}
	n, err := touchScript().Run(ctx, st.s.Client, []string{st.key(id)}, t.Add.Milliseconds(), atLeast, max, ms(t.LastUsed), t.Uses).Int64()
	if err != nil {
		return nil, err
	}
	switch n {
	case -1:
		return nil, nil
	case -2:
		return nil, sessions.ErrTooLong
	}
	h, err := st.s.Client.HMGet(ctx, st.key(id), metaFields...).Result()
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for i, f := range metaFields {
		if s, ok := h[i].(string); ok {
			m[f] = s
		}
	}
	if m["created"] == "" {
		return nil, nil // expired in between
	}
	return sessionOf(id, m)
}

// saveScript writes cookie changes only while the session exists: a
// plain HSET on an expired session would bring back a hash with no
// expiry. ARGV: number of fields to set, then field/value pairs, then
// fields to delete.
var saveScript = sync.OnceValue(func() *redis.Script {
	return redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local n = tonumber(ARGV[1])
for i = 2, 2 * n, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
for i = 2 * n + 2, #ARGV do redis.call('HDEL', KEYS[1], ARGV[i]) end
return 1`)
})

// SaveCookies implements sessions.Store.
func (st *Store) SaveCookies(ctx context.Context, id string, set []sessions.Cookie, removed []string) (bool, error) {
	args := []any{len(set)}
	for _, c := range set {
		b, err := json.Marshal(c)
		if err != nil {
			return false, err
		}
		args = append(args, cookiePrefix+c.ID(), string(b))
	}
	for _, r := range removed {
		args = append(args, cookiePrefix+r)
	}
	n, err := saveScript().Run(ctx, st.s.Client, []string{st.key(id)}, args...).Int()
	return n == 1, err
}

// Delete implements sessions.Store.
func (st *Store) Delete(ctx context.Context, owner, id string) error {
	created, err := st.s.Client.HGet(ctx, st.key(id), "created").Int64()
	if err != nil && !errors.Is(err, redis.Nil) {
		return err
	}
	_, err = st.s.Client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, st.key(id))
		if created > 0 {
			p.ZRem(ctx, st.index(owner), member(time.UnixMilli(created), id))
		}
		return nil
	})
	return err
}

// List implements sessions.Store. The cursor is the last member shown,
// base64url-encoded; expired sessions are skipped (cleanup drops them
// from the index).
func (st *Store) List(ctx context.Context, owner, cursor string, limit int) ([]sessions.Session, string, error) {
	min := "-"
	if cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(cursor)
		if _, _, ok := parseMember(string(raw)); err != nil || !ok {
			return nil, "", core.Errorf(core.ErrValidation, "cursor: not a cursor of this listing").WithDetails(core.Detail{Field: "cursor", Message: "invalid"})
		}
		min = "(" + string(raw)
	}
	var page []sessions.Session
	last := ""
	for len(page) < limit {
		members, err := st.s.Client.ZRangeArgs(ctx, redis.ZRangeArgs{Key: st.index(owner), Start: min, Stop: "+", ByLex: true, Count: int64(limit)}).Result()
		if err != nil {
			return nil, "", err
		}
		if len(members) == 0 {
			return page, "", nil
		}
		cmds := make([]*redis.SliceCmd, len(members))
		lens := make([]*redis.IntCmd, len(members))
		_, err = st.s.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, m := range members {
				_, id, _ := parseMember(m)
				cmds[i] = p.HMGet(ctx, st.key(id), metaFields...)
				lens[i] = p.HLen(ctx, st.key(id))
			}
			return nil
		})
		if err != nil {
			return nil, "", err
		}
		for i, m := range members {
			_, id, _ := parseMember(m)
			h := map[string]string{}
			for k, f := range metaFields {
				if s, ok := cmds[i].Val()[k].(string); ok {
					h[f] = s
				}
			}
			min, last = "("+m, m
			if h["created"] == "" {
				continue
			}
			s, err := sessionOf(id, h)
			if err != nil {
				return nil, "", err
			}
			s.CookieCount = int(lens[i].Val()) - len(metaFields)
			page = append(page, *s)
			if len(page) == limit {
				break
			}
		}
		if len(members) < limit {
			return page, "", nil
		}
	}
	// More may follow: point after the last member looked at.
	if more, err := st.s.Client.ZRangeArgs(ctx, redis.ZRangeArgs{Key: st.index(owner), Start: "(" + last, Stop: "+", ByLex: true, Count: 1}).Result(); err != nil || len(more) == 0 {
		return page, "", err
	}
	return page, base64.RawURLEncoding.EncodeToString([]byte(last)), nil
}

// Index implements sessions.Store.
func (st *Store) Index(ctx context.Context, owner string) ([]sessions.IndexEntry, error) {
	members, err := st.s.Client.ZRange(ctx, st.index(owner), 0, -1).Result()
	if err != nil {
		return nil, err
	}
	exists := make([]*redis.IntCmd, len(members))
	_, err = st.s.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, m := range members {
			_, id, _ := parseMember(m)
			exists[i] = p.Exists(ctx, st.key(id))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]sessions.IndexEntry, 0, len(members))
	for i, m := range members {
		created, id, ok := parseMember(m)
		if !ok {
			continue
		}
		out = append(out, sessions.IndexEntry{ID: id, CreatedAt: created, Live: exists[i].Val() == 1})
	}
	return out, nil
}

// Forget implements sessions.Store.
func (st *Store) Forget(ctx context.Context, owner string, ids []string) error {
	drop := map[string]bool{}
	for _, id := range ids {
		drop[id] = true
	}
	members, err := st.s.Client.ZRange(ctx, st.index(owner), 0, -1).Result()
	if err != nil {
		return err
	}
	var rm []any
	for _, m := range members {
		if _, id, ok := parseMember(m); ok && drop[id] {
			rm = append(rm, m)
		}
	}
	if len(rm) == 0 {
		return nil
	}
	_, err = st.s.Client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRem(ctx, st.index(owner), rm...)
		p.IncrBy(ctx, st.cleanedKey(owner), int64(len(rm)))
		return nil
	})
	return err
}

// DeleteOwner implements sessions.Store.
func (st *Store) DeleteOwner(ctx context.Context, owner string) (int64, error) {
	members, err := st.s.Client.ZRange(ctx, st.index(owner), 0, -1).Result()
	if err != nil {
		return 0, err
	}
	keys := []string{st.index(owner), st.cleanedKey(owner)}
	for _, m := range members {
		if _, id, ok := parseMember(m); ok {
			keys = append(keys, st.key(id))
		}
	}
	var sessionsGone *redis.IntCmd
	_, err = st.s.Client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		if len(keys) > 2 { // DEL with no key is an error that aborts the transaction
			sessionsGone = p.Del(ctx, keys[2:]...)
		}
		p.Del(ctx, keys[:2]...)
		return nil
	})
	if err != nil || sessionsGone == nil {
		return 0, err
	}
	return sessionsGone.Val(), nil
}

// Cleaned implements sessions.Store.
func (st *Store) Cleaned(ctx context.Context, owner string) (int64, error) {
	n, err := st.s.Client.Get(ctx, st.cleanedKey(owner)).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return n, err
}
