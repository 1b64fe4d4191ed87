package jobstore

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/riptidecrawler/riptide/shared/jobs"
)

// Queue is the local job queue: SQS's semantics (visibility timeout,
// receive counts, a dead-letter queue after MaxReceives, delays) on Redis
// sorted sets, so a restarted `riptide serve` finds every queued job.
// There is one ready set per priority; a receive serves high first.
// Every key carries the {jobsq} hash tag: the scripts touch them together.
type Queue struct {
	st *Store
	// Visibility is how long a received message stays hidden before it is
	// delivered again (unless deleted or extended).
	Visibility time.Duration
	// MaxReceives: a message received this many times without being
	// deleted goes to the DLQ on its next receive (SQS's maxReceiveCount).
	MaxReceives int
	// Poll is how often an empty long-poll looks again.
	Poll time.Duration

	notify chan struct{}
}

// NewQueue returns the local queue on st.
func NewQueue(st *Store, visibility time.Duration, maxReceives int) *Queue {
	return &Queue{st: st, Visibility: visibility, MaxReceives: maxReceives, Poll: 100 * time.Millisecond, notify: make(chan struct{}, 1)}
}

func (q *Queue) k(parts ...string) string {
	return q.st.key(append([]string{"{jobsq}"}, parts...)...)
}

func (q *Queue) ready(p jobs.Priority) string { return q.k("ready", string(p)) }
func (q *Queue) msgPrefix() string            { return q.k("msg") + ":" }

// MaxDelay implements jobs.Queue: Redis has no 15-minute limit, but the
// worker re-sends longer waits anyway, so one bound serves both.
func (q *Queue) MaxDelay() time.Duration { return 15 * time.Minute }

// Send implements jobs.Queue.
func (q *Queue) Send(ctx context.Context, p jobs.Priority, body []byte, delay time.Duration) error {
	now := q.st.Now()
	// Members of one score sort by name: a time-ordered name keeps
	// messages sent in the same millisecond first-in, first-out.
	id := fmt.Sprintf("%016x%s", time.Now().UnixNano(), jobs.NewID()[:16])
	_, err := q.st.c.TxPipelined(ctx, func(pl redis.Pipeliner) error {
		pl.HSet(ctx, q.msgPrefix()+id, "body", body, "pri", string(p), "rc", 0, "sent", now.UnixMilli())
		pl.ZAdd(ctx, q.ready(p), redis.Z{Score: float64(now.Add(max(0, delay)).UnixMilli()), Member: id})
		return nil
	})
	if err != nil {
		return dep(err, "enqueue")
	}
	select {
	case q.notify <- struct{}{}:
	default:
	}
	return nil
}

// receive returns expired in-flight messages to their ready sets, then
// takes up to ARGV[2] visible ones, high priority first. A message
// already received MaxReceives times moves to the DLQ instead (with the
// reason of its last failure, or of its lost visibility).
var receive = sync.OnceValue(func() *redis.Script {
	return redis.NewScript(`
local now, max, vis, maxrc, mp = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local readyOf = {high = KEYS[1], normal = KEYS[2], low = KEYS[3]}
local expired = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now, 'LIMIT', 0, 1000)
for _, id in ipairs(expired) do
  redis.call('ZREM', KEYS[4], id)
  local m = mp .. id
  if redis.call('EXISTS', m) == 1 then
    if not redis.call('HGET', m, 'error') then
      redis.call('HSET', m, 'error', 'not deleted within the visibility timeout (the worker died or hung)')
    end
    redis.call('ZADD', readyOf[redis.call('HGET', m, 'pri')] or KEYS[2], now, id)
  end
end
local out = {}
for i = 1, 3 do
  while #out < max do
    local ids = redis.call('ZRANGEBYSCORE', KEYS[i], '-inf', now, 'LIMIT', 0, 1)
    if #ids == 0 then break end
    local id = ids[1]
    redis.call('ZREM', KEYS[i], id)
    local m = mp .. id
    if redis.call('EXISTS', m) == 1 then
      local rc = tonumber(redis.call('HGET', m, 'rc') or '0')
      if rc >= maxrc then
        redis.call('ZADD', KEYS[5], now, id)
      else
        rc = redis.call('HINCRBY', m, 'rc', 1)
        local receipt = id .. ':' .. rc
        redis.call('HSET', m, 'receipt', receipt)
        redis.call('ZADD', KEYS[4], now + vis, id)
        table.insert(out, {id, redis.call('HGET', m, 'body'), tostring(rc), redis.call('HGET', m, 'pri'), redis.call('HGET', m, 'sent'), receipt})
      end
    end
  end
end
return out`)
})

// Receive implements jobs.Queue: it long-polls up to wait.
func (q *Queue) Receive(ctx context.Context, maxN int, wait time.Duration) ([]jobs.Delivery, error) {
	deadline := time.Now().Add(wait)
	keys := []string{q.ready(jobs.PriorityHigh), q.ready(jobs.PriorityNormal), q.ready(jobs.PriorityLow), q.k("inflight"), q.k("dlq")}
	for {
		res, err := receive().Run(ctx, q.st.c, keys, q.st.Now().UnixMilli(), max(1, maxN), q.Visibility.Milliseconds(), q.MaxReceives, q.msgPrefix()).Slice()
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, dep(err, "receive")
		}
		if len(res) > 0 || !time.Now().Before(deadline) {
			out := make([]jobs.Delivery, 0, len(res))
			for _, r := range res {
				f := r.([]any)
				rc, _ := strconv.Atoi(f[2].(string))
				sent, _ := strconv.ParseInt(fmt.Sprint(f[4]), 10, 64)
				out = append(out, jobs.Delivery{ID: f[0].(string), Body: []byte(f[1].(string)), ReceiveCount: rc,
					Priority: jobs.Priority(fmt.Sprint(f[3])), SentAt: time.UnixMilli(sent), Receipt: f[5].(string)})
			}
			return out, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-q.notify:
		case <-time.After(min(q.Poll, time.Until(deadline))):
		}
	}
}

// ack deletes a message if the receipt is still the current one (a
// message redelivered to another worker is that worker's to delete).
var ack = sync.OnceValue(func() *redis.Script {
	return redis.NewScript(`
if redis.call('HGET', KEYS[2], 'receipt') ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
return 1`)
})

// Delete implements jobs.Queue.
func (q *Queue) Delete(ctx context.Context, d jobs.Delivery) error {
	return dep(ack().Run(ctx, q.st.c, []string{q.k("inflight"), q.msgPrefix() + d.ID}, d.ID, d.Receipt).Err(), "delete message")
}

var release = sync.OnceValue(func() *redis.Script {
	return redis.NewScript(`
if redis.call('HGET', KEYS[2], 'receipt') ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], 'error', ARGV[4])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
return 1`)
})

// Release implements jobs.Queue.
func (q *Queue) Release(ctx context.Context, d jobs.Delivery, delay time.Duration, reason string) error {
	at := q.st.Now().Add(max(0, delay)).UnixMilli()
	err := release().Run(ctx, q.st.c, []string{q.k("inflight"), q.msgPrefix() + d.ID, q.ready(d.Priority)}, d.ID, d.Receipt, at, reason).Err()
	return dep(err, "release message")
}

var extend = sync.OnceValue(func() *redis.Script {
	return redis.NewScript(`
if redis.call('HGET', KEYS[2], 'receipt') ~= ARGV[2] then return 0 end
return redis.call('ZADD', KEYS[1], 'XX', ARGV[3], ARGV[1])`)
})

// Extend implements jobs.Queue.
func (q *Queue) Extend(ctx context.Context, d jobs.Delivery, by time.Duration) error {
	at := q.st.Now().Add(by).UnixMilli()
	return dep(extend().Run(ctx, q.st.c, []string{q.k("inflight"), q.msgPrefix() + d.ID}, d.ID, d.Receipt, at).Err(), "extend message")
}

// Stats implements jobs.Queue.
func (q *Queue) Stats(ctx context.Context) (*jobs.QueueStats, error) {
	now := strconv.FormatInt(q.st.Now().UnixMilli(), 10)
	p := q.st.c.Pipeline()
	vis := map[jobs.Priority]*redis.IntCmd{}
	delayed := map[jobs.Priority]*redis.IntCmd{}
	oldest := map[jobs.Priority]*redis.ZSliceCmd{}
	for _, pr := range jobs.AllPriorities {
		vis[pr] = p.ZCount(ctx, q.ready(pr), "-inf", now)
		delayed[pr] = p.ZCount(ctx, q.ready(pr), "("+now, "+inf")
		oldest[pr] = p.ZRangeWithScores(ctx, q.ready(pr), 0, 0)
	}
	infl := p.ZCard(ctx, q.k("inflight"))
	dlq := p.ZCard(ctx, q.k("dlq"))
	if _, err := p.Exec(ctx); err != nil {
		return nil, dep(err, "queue stats")
	}
	s := &jobs.QueueStats{Backend: "local", Visible: map[jobs.Priority]int64{}, InFlight: infl.Val(), DeadLetter: dlq.Val()}
	nowMS, _ := strconv.ParseInt(now, 10, 64)
	var oldestMS int64 = -1
	for _, pr := range jobs.AllPriorities {
		s.Visible[pr] = vis[pr].Val()
		s.Delayed += delayed[pr].Val()
		if z := oldest[pr].Val(); len(z) > 0 && int64(z[0].Score) <= nowMS {
			if oldestMS < 0 || int64(z[0].Score) < oldestMS {
				oldestMS = int64(z[0].Score)
			}
		}
	}
	if oldestMS >= 0 {
		age := nowMS - oldestMS
		s.OldestAgeMS = &age
	}
	return s, nil
}

// DeadLetter is a message in the local DLQ.
type DeadLetter struct {
	ID           string    `json:"message_id"`
	Body         string    `json:"body"`
	ReceiveCount int       `json:"receive_count"`
	Error        string    `json:"error"`
	MovedAt      time.Time `json:"moved_at"`
}

// DeadLetters lists up to limit messages of the DLQ, oldest first.
func (q *Queue) DeadLetters(ctx context.Context, limit int) ([]DeadLetter, error) {
	zs, err := q.st.c.ZRangeWithScores(ctx, q.k("dlq"), 0, int64(limit-1)).Result()
	if err != nil {
		return nil, dep(err, "dead letters")
	}
	out := []DeadLetter{}
	for _, z := range zs {
		id := z.Member.(string)
		m, err := q.st.c.HGetAll(ctx, q.msgPrefix()+id).Result()
		if err != nil {
			return nil, dep(err, "dead letters")
		}
		rc, _ := strconv.Atoi(m["rc"])
		out = append(out, DeadLetter{ID: id, Body: m["body"], ReceiveCount: rc, Error: m["error"], MovedAt: time.UnixMilli(int64(z.Score)).UTC()})
	}
	return out, nil
}

var redrive = sync.OnceValue(func() *redis.Script {
	return redis.NewScript(`
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
local readyOf = {high = KEYS[2], normal = KEYS[3], low = KEYS[4]}
for _, id in ipairs(ids) do
  local m = ARGV[2] .. id
  redis.call('ZREM', KEYS[1], id)
  if redis.call('EXISTS', m) == 1 then
    redis.call('HSET', m, 'rc', 0)
    redis.call('HDEL', m, 'error', 'receipt')
    redis.call('ZADD', readyOf[redis.call('HGET', m, 'pri')] or KEYS[3], ARGV[1], id)
  end
end
return #ids`)
})

// Redrive implements jobs.Queue: every DLQ message goes back to its
// queue with a fresh receive count.
func (q *Queue) Redrive(ctx context.Context) (int, error) {
	n, err := redrive().Run(ctx, q.st.c, []string{q.k("dlq"), q.ready(jobs.PriorityHigh), q.ready(jobs.PriorityNormal), q.ready(jobs.PriorityLow)},
		q.st.Now().UnixMilli(), q.msgPrefix()).Int()
	if err != nil {
		return 0, dep(err, "redrive")
	}
	if n > 0 {
		select {
		case q.notify <- struct{}{}:
		default:
		}
	}
	return n, nil
}

var _ jobs.Queue = (*Queue)(nil)
var _ jobs.Store = (*Store)(nil)
var _ jobs.ScheduleStore = (*Store)(nil)
