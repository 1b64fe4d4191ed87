package jobstore

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/riptidecrawler/riptide/shared/jobs"
)

// DurationSamples is how many recent processing times the percentiles
// are computed from (overall and per type).
const DurationSamples = 10_000

// Record implements jobs.Store: counters overall and per type, and the
// processing time of finished runs.
func (st *Store) Record(ctx context.Context, e jobs.Event) error {
	_, err := st.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.HIncrBy(ctx, st.key("events"), string(e.Kind), 1)
		p.HIncrBy(ctx, st.key("events", string(e.Type)), string(e.Kind), 1)
		p.HSetNX(ctx, st.key("events"), "since", st.Now().UTC().Format(time.RFC3339))
		if e.Kind == jobs.EventCompleted || e.Kind == jobs.EventFailed {
			ms := e.Duration.Milliseconds()
			for _, k := range []string{st.key("durations"), st.key("durations", string(e.Type))} {
				p.LPush(ctx, k, ms)
				p.LTrim(ctx, k, 0, DurationSamples-1)
			}
		}
		return nil
	})
	return dep(err, "record job metrics")
}

// Totals implements jobs.Store.
func (st *Store) Totals(ctx context.Context) (*jobs.Totals, error) {
	t := &jobs.Totals{Counters: map[jobs.Kind]int64{}, PerType: map[jobs.Type]map[jobs.Kind]int64{}, DurationsPerType: map[jobs.Type][]int64{}}
	p := st.c.Pipeline()
	all := p.HGetAll(ctx, st.key("events"))
	durs := p.LRange(ctx, st.key("durations"), 0, -1)
	per := map[jobs.Type]*redis.MapStringStringCmd{}
	perDur := map[jobs.Type]*redis.StringSliceCmd{}
	for _, typ := range jobs.AllTypes {
		per[typ] = p.HGetAll(ctx, st.key("events", string(typ)))
		perDur[typ] = p.LRange(ctx, st.key("durations", string(typ)), 0, -1)
	}
	if _, err := p.Exec(ctx); err != nil && err != redis.Nil {
		return nil, dep(err, "job metrics")
	}
	for k, v := range all.Val() {
		if k == "since" {
			t.Since, _ = time.Parse(time.RFC3339, v)
			continue
		}
		t.Counters[jobs.Kind(k)], _ = strconv.ParseInt(v, 10, 64)
	}
	t.Durations = ints(durs.Val())
	for _, typ := range jobs.AllTypes {
		m := per[typ].Val()
		if len(m) == 0 {
			continue
		}
		c := map[jobs.Kind]int64{}
		for k, v := range m {
			c[jobs.Kind(k)], _ = strconv.ParseInt(v, 10, 64)
		}
		t.PerType[typ] = c
		t.DurationsPerType[typ] = ints(perDur[typ].Val())
	}
	return t, nil
}

func ints(ss []string) []int64 {
	out := make([]int64, 0, len(ss))
	for _, s := range ss {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// Beat implements jobs.Store.
func (st *Store) Beat(ctx context.Context, b jobs.WorkerBeat, ttl time.Duration) error {
	raw, err := json.Marshal(b)
	if err != nil {
		return err
	}
	_, err = st.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, st.key("worker", b.WorkerID), raw, ttl)
		p.ZAdd(ctx, st.key("workers"), redis.Z{Score: float64(b.LastSeen.UnixMilli()), Member: b.WorkerID})
		return nil
	})
	return dep(err, "worker heartbeat")
}

// Beats implements jobs.Store.
func (st *Store) Beats(ctx context.Context, within time.Duration) ([]jobs.WorkerBeat, error) {
	now := st.Now()
	zk := st.key("workers")
	st.c.ZRemRangeByScore(ctx, zk, "-inf", strconv.FormatInt(now.Add(-within).UnixMilli(), 10))
	ids, err := st.c.ZRevRange(ctx, zk, 0, 999).Result()
	if err != nil {
		return nil, dep(err, "worker heartbeats")
	}
	out := []jobs.WorkerBeat{}
	if len(ids) == 0 {
		return out, nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = st.key("worker", id)
	}
	vals, err := st.c.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, dep(err, "worker heartbeats")
	}
	for _, v := range vals {
		s, ok := v.(string)
		if !ok {
			continue
		}
		var b jobs.WorkerBeat
		if json.Unmarshal([]byte(s), &b) == nil {
			out = append(out, b)
		}
	}
	return out, nil
}
