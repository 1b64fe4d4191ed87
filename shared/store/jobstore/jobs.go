// Package jobstore keeps the job system's state in Redis: jobs, their
// counts and metrics, schedules, workers' heartbeats, and the local queue
// (an in-process queue with SQS's semantics, persisted in Redis so a
// restart of `riptide serve` loses no queued job). It implements the
// ports of shared/jobs; docs/storage.md lists its keys.
//
// Its Lua scripts are hashed (redis.NewScript) on first use, not at
// package init, which every cold start of every function linking the
// package pays (docs/cold-start.md).
package jobstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/jobs"
	"github.com/riptidecrawler/riptide/shared/store"
)

// JobTTL is how long a job record lives after its last change.
const JobTTL = 7 * 24 * time.Hour

// Store is the Redis job store.
type Store struct {
	s   *store.Store
	c   redis.UniversalClient
	Now func() time.Time
}

// New returns the job store on s.
func New(s *store.Store) *Store { return &Store{s: s, c: s.Client, Now: time.Now} }

func (st *Store) key(parts ...string) string {
	return st.s.Key(append([]string{"jobs"}, parts...)...)
}

func (st *Store) jobKey(id string) string { return st.key("job", id) }

func dep(err error, what string) error {
	if err == nil {
		return nil
	}
	var ce *core.Error
	if errors.As(err, &ce) {
		return err
	}
	return core.Wrap(core.ErrDependency, err, "job store unavailable: "+what)
}

func idemKey(owner, key string) string {
	h := sha256.Sum256([]byte(owner + "\x00" + key))
	return hex.EncodeToString(h[:16])
}

func waiting(s jobs.State) bool { return s == jobs.StateQueued || s == jobs.StateRetrying }

// Create implements jobs.Store.
func (st *Store) Create(ctx context.Context, j *jobs.Job, window time.Duration) (*jobs.Job, bool, error) {
	if j.IdempotencyKey != "" {
		ik := st.key("idem", idemKey(j.Owner, j.IdempotencyKey))
		won, err := st.c.SetNX(ctx, ik, j.ID, window).Result()
		if err != nil {
			return nil, false, dep(err, "idempotency key")
		}
		if !won {
			first, err := st.c.Get(ctx, ik).Result()
			if err != nil {
				return nil, false, dep(err, "idempotency key")
			}
			// The first submission may still be writing its job.
			for i := 0; i < 40; i++ {
				got, err := st.Get(ctx, first)
				if err == nil {
					return got, false, nil
				}
				if core.TypeOf(err) != core.ErrNotFound {
					return nil, false, err
				}
				time.Sleep(25 * time.Millisecond)
			}
			return nil, false, core.Errorf(core.ErrConflict, "a job with idempotency_key %q is being submitted; retry shortly", j.IdempotencyKey)
		}
		defer func() {
			if err := ctx.Err(); err != nil {
				st.c.Del(context.WithoutCancel(ctx), ik)
			}
		}()
	}
	b, err := json.Marshal(j)
	if err != nil {
		return nil, false, err
	}
	score := float64(j.CreatedAt.UnixMilli())
	_, err = st.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, st.jobKey(j.ID), b, JobTTL)
		p.ZAdd(ctx, st.key("owner", j.Owner), redis.Z{Score: score, Member: j.ID})
		p.Expire(ctx, st.key("owner", j.Owner), JobTTL)
		p.HIncrBy(ctx, st.key("counts"), string(j.Status), 1)
		if waiting(j.Status) {
			p.ZAdd(ctx, st.key("waiting"), redis.Z{Score: score, Member: j.ID})
		}
		return nil
	})
	if err != nil {
		return nil, false, dep(err, "write job")
	}
	return j, true, nil
}

// deleteJob removes a job and its index entries, uncounting the state
// stored at that moment; the idempotency key only while it still names
// this job (a later submission may own it by now).
var deleteJob = sync.OnceValue(func() *redis.Script {
	return redis.NewScript(`
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('HINCRBY', KEYS[4], cjson.decode(raw).status, -1)
if KEYS[5] ~= KEYS[1] and redis.call('GET', KEYS[5]) == ARGV[1] then redis.call('DEL', KEYS[5]) end
return 1`)
})

// Delete implements jobs.Store.
func (st *Store) Delete(ctx context.Context, j *jobs.Job) error {
	cur, err := st.Get(ctx, j.ID)
	if core.TypeOf(err) == core.ErrNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	idem := st.jobKey(j.ID) // no idempotency key: the script skips it
	if cur.IdempotencyKey != "" {
		idem = st.key("idem", idemKey(cur.Owner, cur.IdempotencyKey))
	}
	keys := []string{st.jobKey(j.ID), st.key("owner", cur.Owner), st.key("waiting"), st.key("counts"), idem}
	if err := deleteJob().Run(ctx, st.c, keys, j.ID).Err(); err != nil {
		return dep(err, "delete job")
	}
	return nil
}

// Get implements jobs.Store.
func (st *Store) Get(ctx context.Context, id string) (*jobs.Job, error) {
	if !validID(id) {
		return nil, core.Errorf(core.ErrNotFound, "job %s not found", id)
	}
	raw, err := st.c.Get(ctx, st.jobKey(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, core.Errorf(core.ErrNotFound, "job %s not found", id)
	}
	if err != nil {
		return nil, dep(err, "read job")
	}
	var j jobs.Job
	if err := json.Unmarshal(raw, &j); err != nil {
		return nil, fmt.Errorf("job %s: corrupt record: %w", id, err)
	}
	return &j, nil
}

func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Update implements jobs.Store with an optimistic transaction (WATCH):
// a concurrent change makes fn run again on the new record.
func (st *Store) Update(ctx context.Context, id string, fn func(*jobs.Job) error) (*jobs.Job, error) {
	key := st.jobKey(id)
	for attempt := 0; attempt < 100; attempt++ {
		var out *jobs.Job
		err := st.c.Watch(ctx, func(tx *redis.Tx) error {
			raw, err := tx.Get(ctx, key).Bytes()
			if errors.Is(err, redis.Nil) {
				return core.Errorf(core.ErrNotFound, "job %s not found", id)
			}
			if err != nil {
				return err
			}
			var j jobs.Job
			if err := json.Unmarshal(raw, &j); err != nil {
				return fmt.Errorf("job %s: corrupt record: %w", id, err)
			}
			before := j.Status
			if err := fn(&j); err != nil {
				return fnError{err}
			}
			b, err := json.Marshal(&j)
			if err != nil {
				return err
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, key, b, JobTTL)
				if before != j.Status {
					p.HIncrBy(ctx, st.key("counts"), string(before), -1)
					p.HIncrBy(ctx, st.key("counts"), string(j.Status), 1)
					if waiting(j.Status) {
						p.ZAdd(ctx, st.key("waiting"), redis.Z{Score: float64(j.CreatedAt.UnixMilli()), Member: j.ID})
					} else {
						p.ZRem(ctx, st.key("waiting"), j.ID)
					}
				}
				return nil
			})
			out = &j
			return err
		}, key)
		if errors.Is(err, redis.TxFailedErr) {
			continue
		}
		var fe fnError
		if errors.As(err, &fe) {
			return nil, fe.err
		}
		if err != nil {
			return nil, dep(err, "update job")
		}
		return out, nil
	}
	return nil, core.Errorf(core.ErrConflict, "job %s changes too often to update", id)
}

// fnError carries the update function's own error out of the
// transaction (it is not a Redis failure).
type fnError struct{ err error }

func (e fnError) Error() string { return e.err.Error() }

// List implements jobs.Store: the owner's jobs newest first. The cursor
// is "<created ms>-<id>" of the last job shown, so pages stay stable
// while new jobs arrive.
func (st *Store) List(ctx context.Context, owner string, f jobs.Filter, cursor string, limit int) (*jobs.Page, error) {
	okey := st.key("owner", owner)
	zs, err := st.c.ZRevRangeWithScores(ctx, okey, 0, -1).Result()
	if err != nil {
		return nil, dep(err, "list jobs")
	}
	afterScore, afterID := int64(-1), ""
	if cursor != "" {
		s, id, ok := strings.Cut(cursor, "-")
		n, err := strconv.ParseInt(s, 10, 64)
		if !ok || err != nil {
			return nil, core.Errorf(core.ErrValidation, "cursor %q: use the next_cursor of the previous page", cursor)
		}
		afterScore, afterID = n, id
	}
	page := &jobs.Page{Jobs: []*jobs.Job{}}
	var gone []any
	const batch = 500
	for i := 0; i < len(zs); i += batch {
		chunk := zs[i:min(i+batch, len(zs))]
		keys := make([]string, len(chunk))
		for k, z := range chunk {
			keys[k] = st.jobKey(z.Member.(string))
		}
		vals, err := st.c.MGet(ctx, keys...).Result()
		if err != nil {
			return nil, dep(err, "list jobs")
		}
		for k, v := range vals {
			s, ok := v.(string)
			if !ok {
				gone = append(gone, chunk[k].Member)
				continue
			}
			var j jobs.Job
			if json.Unmarshal([]byte(s), &j) != nil || !matches(&j, f) {
				continue
			}
			page.Total++
			score := int64(chunk[k].Score)
			if afterID != "" && (score > afterScore || score == afterScore && j.ID >= afterID) {
				continue
			}
			if len(page.Jobs) < limit {
				page.Jobs = append(page.Jobs, &j)
			} else if page.NextCursor == "" {
				last := page.Jobs[len(page.Jobs)-1]
				page.NextCursor = fmt.Sprintf("%d-%s", last.CreatedAt.UnixMilli(), last.ID)
			}
		}
	}
	if len(gone) > 0 {
		st.c.ZRem(ctx, okey, gone...)
	}
	// Jobs with the same millisecond are ordered by id in the cursor.
	sort.SliceStable(page.Jobs, func(a, b int) bool {
		ja, jb := page.Jobs[a], page.Jobs[b]
		if !ja.CreatedAt.Equal(jb.CreatedAt) {
			return ja.CreatedAt.After(jb.CreatedAt)
		}
		return ja.ID > jb.ID
	})
	return page, nil
}

func matches(j *jobs.Job, f jobs.Filter) bool {
	if f.Status != "" && j.Status != f.Status {
		return false
	}
	if f.Type != "" && j.Type != f.Type {
		return false
	}
	if f.Search == "" {
		return true
	}
	q := strings.ToLower(f.Search)
	hay := []string{j.ID, j.Input.URL, j.IdempotencyKey, j.ScheduleID}
	hay = append(hay, j.Input.URLs...)
	for _, v := range j.Metadata {
		hay = append(hay, v)
	}
	for _, h := range hay {
		if strings.Contains(strings.ToLower(h), q) {
			return true
		}
	}
	return false
}

// Counts implements jobs.Store.
func (st *Store) Counts(ctx context.Context) (map[jobs.State]int64, *time.Time, error) {
	m, err := st.c.HGetAll(ctx, st.key("counts")).Result()
	if err != nil {
		return nil, nil, dep(err, "job counts")
	}
	out := map[jobs.State]int64{}
	for _, s := range jobs.AllStates {
		n, _ := strconv.ParseInt(m[string(s)], 10, 64)
		out[s] = max(0, n)
	}
	zs, err := st.c.ZRangeWithScores(ctx, st.key("waiting"), 0, 0).Result()
	if err != nil {
		return nil, nil, dep(err, "job counts")
	}
	if len(zs) == 0 {
		return out, nil, nil
	}
	t := time.UnixMilli(int64(zs[0].Score))
	return out, &t, nil
}
