package ratelimit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Quota is one dimension's budget: PerMinute units refill over every
// minute, and at most Burst can be spent at once (0: one minute's worth).
type Quota struct {
	PerMinute float64 `json:"per_minute"`
	Burst     float64 `json:"burst,omitempty"`
}

// UnmarshalJSON accepts a bare number (units per minute) or
// {"per_minute": n, "burst": b}.
func (q *Quota) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] != '{' {
		return json.Unmarshal(b, &q.PerMinute)
	}
	type plain Quota
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode((*plain)(q))
}

// Capacity is the most that can be spent at once, in units.
func (q Quota) Capacity() float64 {
	if q.Burst > 0 {
		return q.Burst
	}
	return q.PerMinute
}

// AllGroups is the scope of a plan's quotas shared by every route group:
// one budget per caller whichever group the request is for.
const AllGroups = "*"

// DefaultPlan is the plan of callers whose key names none.
const DefaultPlan = "default"

// Plan maps a scope (a route group, or AllGroups) to its quotas by
// dimension name. A request for group g spends from the AllGroups quotas
// and from g's own.
type Plan map[string]map[string]Quota

// Plans are the plans by name.
type Plans map[string]Plan

// planName with the length check in ValidPlanName is
// ^[a-z0-9][a-z0-9_-]{0,39}$ without the 39 copies a bounded repeat
// compiles to (hundreds of allocations at every cold start).
// Compiled on first use: most cold starts never validate a plan name.
var planName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`) })

// ValidPlanName reports whether name can name a plan (lowercase letters,
// digits, '-' and '_', at most 40).
func ValidPlanName(name string) bool { return len(name) <= 40 && planName().MatchString(name) }

// DefaultPlans are the plans when RIPTIDE_RATE_PLANS does not replace
// them: one "default" plan with requestsPerMinute shared by every group
// and the cost quotas of the groups that spend money. requestsPerMinute 0
// turns limiting off (an empty plan), as RIPTIDE_RATE_LIMIT=0 always did.
func DefaultPlans(requestsPerMinute int) Plans {
	if requestsPerMinute <= 0 {
		return Plans{DefaultPlan: Plan{}}
	}
	return Plans{DefaultPlan: Plan{
		AllGroups:    {"requests": {PerMinute: float64(requestsPerMinute)}},
		"crawl":      {"urls": {PerMinute: 3000}},
		"render":     {"render_seconds": {PerMinute: 600}},
		"deepsearch": {"requests": {PerMinute: 60}, "llm_tokens": {PerMinute: 200_000}},
		"llm":        {"llm_tokens": {PerMinute: 200_000}},
		"strategies": {"llm_tokens": {PerMinute: 200_000}},
	}}
}

// ParsePlans reads plans from JSON ({"plan": {"group": {"dimension":
// quota}}}) and checks them. Plans missing from the JSON keep their
// defaults; a "default" plan given in the JSON replaces the built-in one.
func ParsePlans(raw string, defaults Plans) (Plans, error) {
	out := Plans{}
	for k, v := range defaults {
		out[k] = v
	}
	if strings.TrimSpace(raw) == "" {
		return out, nil
	}
	var in Plans
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return nil, fmt.Errorf("plans must be JSON like {\"pro\": {\"*\": {\"requests\": 1200}, \"crawl\": {\"urls\": 6000}}}: %v", err)
	}
	for name, p := range in {
		if err := p.validate(name); err != nil {
			return nil, err
		}
		out[name] = p
	}
	return out, nil
}

func (p Plan) validate(name string) error {
	if !ValidPlanName(name) {
		return fmt.Errorf("plan %q: names are lowercase letters, digits, '-' and '_' (at most 40)", name)
	}
	for scope, qs := range p {
		if scope != AllGroups && !ValidPlanName(scope) {
			return fmt.Errorf("plan %q: %q is not a route group (or \"*\" for every group)", name, scope)
		}
		for dim, q := range qs {
			if _, ok := ParseDimension(dim); !ok {
				return fmt.Errorf("plan %q, group %q: unknown dimension %q (one of %s)", name, scope, dim, strings.Join(Dimensions(), ", "))
			}
			if q.PerMinute <= 0 || q.Burst < 0 {
				return fmt.Errorf("plan %q, group %q, %s: per_minute must be more than 0 and burst 0 or more (leave a dimension out for no limit)", name, scope, dim)
			}
		}
	}
	return nil
}

// Names lists the plan names, sorted.
func (ps Plans) Names() []string {
	out := make([]string, 0, len(ps))
	for k := range ps {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
