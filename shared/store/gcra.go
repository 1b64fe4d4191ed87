package store

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/riptidecrawler/riptide/shared/ratelimit"
)

// GCRA keeps the rate limiter's theoretical arrival times in Redis, one
// key per caller, scope and dimension
// (<prefix>ratelimit:<caller>:<group or _all>:<dimension>), and decides
// in one Lua script, so every Lambda instance shares the same budget and
// a decision over several cells is all or nothing.
//
// github.com/go-redis/redis_rate (GCRA on go-redis) was the candidate
// library; it does not fit: it cannot charge a cost after the fact (a
// refused spend stores nothing, so no debt), it decides one key per call
// (a batch would spend requests even when its URLs are refused), and it
// puts every key under a fixed "rate:" prefix outside RIPTIDE_KEY_PREFIX.
type GCRA struct {
	s *Store
	// Now, when set, is the clock; nil uses the Redis server's TIME, the
	// one clock every instance agrees on.
	Now func() time.Time
}

// NewGCRA returns the Redis store of the rate limiter.
func NewGCRA(s *Store) *GCRA { return &GCRA{s: s} }

// gcraScript is ratelimit's decide() in Lua. ARGV[1] is now in Unix ms
// ("" for the server's clock); then four per cell: emission interval,
// tolerance (burst × interval), need, take. It returns allowed, now and
// each cell's TAT before the decision (never earlier than now). Keys that
// a decision moves expire when their cell is full again.
var gcraScript = sync.OnceValue(func() *redis.Script {
	return redis.NewScript(`
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end
local tat = {}
local allowed = 1
for i = 1, #KEYS do
  local b = 1 + 4 * (i - 1)
  local v = tonumber(redis.call('GET', KEYS[i]) or now) or now
  if v < now then v = now end
  tat[i] = v
  local need = tonumber(ARGV[b + 3])
  if need > 0 and v + need * tonumber(ARGV[b + 1]) - tonumber(ARGV[b + 2]) > now + 0.000001 then
    allowed = 0
  end
end
if allowed == 1 then
  for i = 1, #KEYS do
    local b = 1 + 4 * (i - 1)
    local take = tonumber(ARGV[b + 4])
    if take > 0 then
      local nxt = tat[i] + take * tonumber(ARGV[b + 1])
      redis.call('SET', KEYS[i], string.format('%.3f', nxt), 'PX', math.ceil(nxt - now) + 1)
    end
  end
end
local out = {allowed, string.format('%.3f', now)}
for i = 1, #KEYS do out[i + 2] = string.format('%.3f', tat[i]) end
return out`)
})

// Spend implements ratelimit.Store.
func (g *GCRA) Spend(ctx context.Context, caller string, cells []ratelimit.Cell) (ratelimit.Outcome, error) {
	var out ratelimit.Outcome
	keys := make([]string, len(cells))
	args := make([]any, 1, 1+4*len(cells))
	args[0] = ""
	if g.Now != nil {
		args[0] = strconv.FormatFloat(float64(g.Now().UnixMicro())/1000, 'f', 3, 64)
	}
	for i, c := range cells {
		scope := c.Scope
		if scope == ratelimit.AllGroups {
			scope = "_all"
		}
		keys[i] = g.s.Key("ratelimit", caller, scope, c.Dim.String())
		args = append(args, fmtMs(c.Interval), fmtMs(c.Tolerance), fmtMs(c.Need), fmtMs(c.Take))
	}
	res, err := gcraScript().Run(ctx, g.s.Client, keys, args...).Slice()
	if err != nil {
		return out, fmt.Errorf("rate limit: %w", err)
	}
	if len(res) != len(cells)+2 {
		return out, fmt.Errorf("rate limit: script answered %d values for %d cells", len(res), len(cells))
	}
	allowed, _ := res[0].(int64)
	out.Allowed = allowed == 1
	if out.Now, err = parseScriptFloat(res[1]); err != nil {
		return out, err
	}
	for i := range cells {
		if out.TAT[i], err = parseScriptFloat(res[i+2]); err != nil {
			return out, err
		}
	}
	return out, nil
}

func fmtMs(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func parseScriptFloat(v any) (float64, error) {
	s, ok := v.(string)
	if !ok {
		return 0, fmt.Errorf("rate limit: script answered %T, want a string", v)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("rate limit: script answered %q: %w", s, err)
	}
	return f, nil
}
