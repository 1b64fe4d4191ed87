package jobstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/jobs"
)

// PutSchedule implements jobs.ScheduleStore.
func (st *Store) PutSchedule(ctx context.Context, s *jobs.Schedule) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	_, err = st.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, st.key("schedule", s.ID), b, 0)
		p.ZAdd(ctx, st.key("schedules", s.Owner), redis.Z{Score: float64(s.CreatedAt.UnixMilli()), Member: s.ID})
		return nil
	})
	return dep(err, "write schedule")
}

// GetSchedule implements jobs.ScheduleStore.
func (st *Store) GetSchedule(ctx context.Context, id string) (*jobs.Schedule, error) {
	if !validID(id) {
		return nil, core.Errorf(core.ErrNotFound, "schedule %s not found", id)
	}
	raw, err := st.c.Get(ctx, st.key("schedule", id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, core.Errorf(core.ErrNotFound, "schedule %s not found", id)
	}
	if err != nil {
		return nil, dep(err, "read schedule")
	}
	var s jobs.Schedule
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("schedule %s: corrupt record: %w", id, err)
	}
	return &s, nil
}

// DeleteSchedule implements jobs.ScheduleStore.
func (st *Store) DeleteSchedule(ctx context.Context, id string) error {
	s, err := st.GetSchedule(ctx, id)
	if err != nil {
		return err
	}
	_, err = st.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, st.key("schedule", id))
		p.ZRem(ctx, st.key("schedules", s.Owner), id)
		p.ZRem(ctx, st.key("schedules_due"), id)
		return nil
	})
	return dep(err, "delete schedule")
}

// ListSchedules implements jobs.ScheduleStore.
func (st *Store) ListSchedules(ctx context.Context, owner string) ([]*jobs.Schedule, error) {
	ids, err := st.c.ZRange(ctx, st.key("schedules", owner), 0, -1).Result()
	if err != nil {
		return nil, dep(err, "list schedules")
	}
	out := []*jobs.Schedule{}
	for _, id := range ids {
		s, err := st.GetSchedule(ctx, id)
		if core.TypeOf(err) == core.ErrNotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// SetDue implements jobs.ScheduleStore.
func (st *Store) SetDue(ctx context.Context, id string, t time.Time) error {
	k := st.key("schedules_due")
	if t.IsZero() {
		return dep(st.c.ZRem(ctx, k, id).Err(), "disarm schedule")
	}
	return dep(st.c.ZAdd(ctx, k, redis.Z{Score: float64(t.UnixMilli()), Member: id}).Err(), "arm schedule")
}

// claimDue pops due members atomically: each due time goes to one caller.
var claimDue = sync.OnceValue(func() *redis.Script {
	return redis.NewScript(`
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
for i = 1, #due, 2 do redis.call('ZREM', KEYS[1], due[i]) end
return due`)
})

// ClaimDue implements jobs.ScheduleStore.
func (st *Store) ClaimDue(ctx context.Context, now time.Time, limit int) ([]jobs.DueSchedule, error) {
	res, err := claimDue().Run(ctx, st.c, []string{st.key("schedules_due")}, now.UnixMilli(), limit).StringSlice()
	if err != nil {
		return nil, dep(err, "due schedules")
	}
	var out []jobs.DueSchedule
	for i := 0; i+1 < len(res); i += 2 {
		ms, _ := strconv.ParseFloat(res[i+1], 64)
		out = append(out, jobs.DueSchedule{ID: res[i], Due: time.UnixMilli(int64(ms)).UTC()})
	}
	return out, nil
}
