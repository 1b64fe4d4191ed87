package monitorstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/monitor"
	"github.com/riptidecrawler/riptide/shared/store"
)

// Rules keeps the alert rules in one hash (<prefix>monitor:rules, name ->
// JSON). The built-in rules are written once, on first use (a marker key
// remembers it), so a deleted built-in stays deleted.
type Rules struct{ s *store.Store }

var _ monitor.RuleStore = Rules{}

// NewRules returns the rule store of s.
func NewRules(s *store.Store) Rules { return Rules{s: s} }

func (r Rules) key() string       { return r.s.Key("monitor", "rules") }
func (r Rules) seededKey() string { return r.s.Key("monitor", "rules", "seeded") }

// seed writes the built-in rules once. HSETNX keeps a rule someone edited
// meanwhile; the marker is set last, so a failed seed is retried.
func (r Rules) seed(ctx context.Context) error {
	n, err := r.s.Client.Exists(ctx, r.seededKey()).Result()
	if err != nil || n > 0 {
		return err
	}
	pipe := r.s.Client.Pipeline()
	for _, rule := range monitor.BuiltinRules() {
		b, err := json.Marshal(rule)
		if err != nil {
			return err
		}
		pipe.HSetNX(ctx, r.key(), rule.Name, b)
	}
	pipe.Set(ctx, r.seededKey(), time.Now().UTC().Format(time.RFC3339), 0)
	_, err = pipe.Exec(ctx)
	return err
}

// Rules returns every rule, by name.
func (r Rules) Rules(ctx context.Context) ([]monitor.Rule, error) {
	if err := r.seed(ctx); err != nil {
		return nil, fmt.Errorf("seed alert rules: %w", err)
	}
	raw, err := r.s.Client.HGetAll(ctx, r.key()).Result()
	if err != nil {
		return nil, fmt.Errorf("read alert rules: %w", err)
	}
	out := make([]monitor.Rule, 0, len(raw))
	for name, v := range raw {
		var rule monitor.Rule
		if err := json.Unmarshal([]byte(v), &rule); err != nil {
			return nil, fmt.Errorf("alert rule %s: %w", name, err)
		}
		out = append(out, rule)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// putScript writes a rule only if it exists (update) or only if it does
// not (create), atomically.
var putScript = sync.OnceValue(func() *redis.Script {
	return redis.NewScript(`
local exists = redis.call('HEXISTS', KEYS[1], ARGV[1])
if ARGV[3] == 'create' and exists == 1 then return 0 end
if ARGV[3] == 'update' and exists == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1`)
})

// PutRule creates (create: conflict if the name exists) or replaces
// (not_found if it does not) a rule.
func (r Rules) PutRule(ctx context.Context, rule monitor.Rule, create bool) error {
	if err := r.seed(ctx); err != nil {
		return fmt.Errorf("seed alert rules: %w", err)
	}
	b, err := json.Marshal(rule)
	if err != nil {
		return err
	}
	mode := "update"
	if create {
		mode = "create"
	}
	ok, err := putScript().Run(ctx, r.s.Client, []string{r.key()}, rule.Name, b, mode).Int()
	if err != nil {
		return fmt.Errorf("write alert rule: %w", err)
	}
	if ok == 0 && create {
		return core.Errorf(core.ErrConflict, "alert rule %q exists; update it with PUT /api/v1/monitoring/alerts/rules/%s", rule.Name, rule.Name)
	}
	if ok == 0 {
		return core.Errorf(core.ErrNotFound, "no alert rule %q", rule.Name)
	}
	return nil
}

// DeleteRule removes a rule (and its alert state).
func (r Rules) DeleteRule(ctx context.Context, name string) error {
	if err := r.seed(ctx); err != nil {
		return fmt.Errorf("seed alert rules: %w", err)
	}
	n, err := r.s.Client.HDel(ctx, r.key(), name).Result()
	if err != nil {
		return fmt.Errorf("delete alert rule: %w", err)
	}
	if n == 0 {
		return core.Errorf(core.ErrNotFound, "no alert rule %q", name)
	}
	_ = r.s.Client.HDel(ctx, NewAlerts(r.s).key(), name).Err()
	return nil
}

// Alerts keeps the alert states (<prefix>monitor:alerts, rule -> JSON) and
// paces evaluations with a key that lives one interval.
type Alerts struct{ s *store.Store }

var _ monitor.AlertStore = Alerts{}

// NewAlerts returns the alert state store of s.
func NewAlerts(s *store.Store) Alerts { return Alerts{s: s} }

func (a Alerts) key() string { return a.s.Key("monitor", "alerts") }

// States returns the last evaluation's states by rule.
func (a Alerts) States(ctx context.Context) (map[string]monitor.AlertState, error) {
	raw, err := a.s.Client.HGetAll(ctx, a.key()).Result()
	if err != nil {
		return nil, fmt.Errorf("read alert states: %w", err)
	}
	out := make(map[string]monitor.AlertState, len(raw))
	for name, v := range raw {
		var st monitor.AlertState
		if json.Unmarshal([]byte(v), &st) == nil {
			out[name] = st
		}
	}
	return out, nil
}

// SaveStates replaces the states.
func (a Alerts) SaveStates(ctx context.Context, states map[string]monitor.AlertState) error {
	pipe := a.s.Client.TxPipeline()
	pipe.Del(ctx, a.key())
	if len(states) > 0 {
		fields := make(map[string]any, len(states))
		for name, st := range states {
			b, err := json.Marshal(st)
			if err != nil {
				return err
			}
			fields[name] = b
		}
		pipe.HSet(ctx, a.key(), fields)
	}
	_, err := pipe.Exec(ctx)
	return err
}

// ClaimEvaluation sets the pacing key if it is absent: the first caller
// in each interval evaluates, across every instance.
func (a Alerts) ClaimEvaluation(ctx context.Context, interval time.Duration) (bool, error) {
	ok, err := a.s.Client.SetNX(ctx, a.s.Key("monitor", "alerts", "evaluated"), time.Now().UTC().Format(time.RFC3339Nano), interval).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	return ok, err
}
