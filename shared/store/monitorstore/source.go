package monitorstore

import (
	"context"
	"fmt"
	"time"

	"github.com/riptidecrawler/riptide/shared/monitor"
	"github.com/riptidecrawler/riptide/shared/store"
)

// Source reads the minute buckets of every instance.
type Source struct{ s *store.Store }

var _ monitor.Source = Source{}

// NewSource returns the reader of s's buckets.
func NewSource(s *store.Store) Source { return Source{s: s} }

// liveGaugeMinutes: gauges (memory, CPU, queue depth) are read from the
// last minutes of a window only: an instance that stopped reporting is
// gone, not busy.
const liveGaugeMinutes = 2

// Window merges the buckets of the minutes in [from, to) in one pipeline.
func (src Source) Window(ctx context.Context, from, to time.Time) (monitor.Window, error) {
	first, last := from.Unix()/60, (to.Unix()-1)/60
	if last < first {
		return monitor.Window{From: from, To: to, Aggregate: monitor.NewAggregate()}, nil
	}
	if last-first >= monitor.MaxWindowMinutes {
		first = last - monitor.MaxWindowMinutes + 1
		from = time.Unix(first*60, 0)
	}
	pipe := src.s.Client.Pipeline()
	type read struct {
		minute int64
		get    interface {
			Result() (map[string]string, error)
		}
	}
	reads := make([]read, 0, last-first+1)
	for m := first; m <= last; m++ {
		reads = append(reads, read{m, pipe.HGetAll(ctx, BucketKey(src.s, m))})
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return monitor.Window{}, fmt.Errorf("read metric buckets: %w", err)
	}
	agg := monitor.NewAggregate()
	for _, rd := range reads {
		fields, err := rd.get.Result()
		if err != nil {
			return monitor.Window{}, fmt.Errorf("read metric bucket %d: %w", rd.minute, err)
		}
		gauges := rd.minute > last-liveGaugeMinutes
		for f, v := range fields {
			if err := agg.AddField(f, v, gauges); err != nil {
				// A field this binary does not understand (a newer
				// writer's) is skipped, not fatal.
				continue
			}
		}
	}
	return monitor.Window{From: from, To: to, Aggregate: agg}, nil
}
