// Package gatewaykeys lets API Gateway's usage plans throttle each RipTide
// caller at the gateway, before any function runs.
//
// API Gateway applies a usage plan only to requests it can attribute to an
// API Gateway API key. RipTide's callers authenticate with RipTide keys,
// bootstrap keys or OIDC bearer tokens, none of which API Gateway knows, so
// the REST API's methods take their key from a Lambda authorizer
// (ApiKeySourceType AUTHORIZER): the authorizer authenticates the request
// the way the application does and answers with the usage identifier key
// of that caller. This package picks that key: one API Gateway key per
// caller, created the first time the caller is seen and attached to the
// usage plan of the caller's rate-limit plan (moved when the plan changes).
//
// The authorizer meters; it does not decide access. A request whose
// credential fails is metered on the "anonymous" caller and still reaches
// the application, which answers 401 in RipTide's error shape and writes
// the audit entry. The key values are not credentials: with the key source
// AUTHORIZER, API Gateway ignores any x-api-key a client sends, so a value
// only says which bucket a request is counted in.
package gatewaykeys

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// Callers and plans with a fixed meaning.
const (
	// AnonymousCaller is the caller of every request without a valid
	// credential (missing, wrong, expired, revoked).
	AnonymousCaller = "anonymous"
	// AnonymousPlan is the usage plan of AnonymousCaller when the stack
	// defines one; DefaultPlan otherwise.
	AnonymousPlan = "anonymous"
	// DefaultPlan is the plan of a caller whose plan the stack does not
	// define (as the application's rate limiter does).
	DefaultPlan = "default"
)

// UsagePlanName is the name of plan's usage plan in stack's REST API. The
// CDK app names the plans; the authorizer finds them by this name.
func UsagePlanName(stack, plan string) string { return stack + "-" + plan }

// KeyName is the name of caller's API Gateway key in stack.
func KeyName(stack, caller string) string { return stack + "-" + caller }

// KeyValue is the value of caller's API Gateway key in stack: derived, so
// every authorizer instance computes the same one, and unique per stack
// (API Gateway wants values unique in the account and region, and at least
// 20 characters).
func KeyValue(stack, caller string) string {
	sum := sha256.Sum256([]byte("riptide-gateway-key\x00" + stack + "\x00" + caller))
	return "rtgw" + hex.EncodeToString(sum[:20])
}

// SharedCaller is the caller whose key every caller of plan falls back to
// when its own key cannot be made (API Gateway's control plane throttled or
// down). The CDK app creates these keys with the stack, so they exist
// before the first request.
func SharedCaller(plan string) string { return "plan-" + plan }

// Errors a Gateway reports.
var (
	// ErrKeyExists: CreateKey of a value an existing key has.
	ErrKeyExists = errors.New("api key value exists")
	// ErrNotFound: no such usage plan, key or plan membership.
	ErrNotFound = errors.New("not found")
)

// Gateway is API Gateway's control plane, the calls Meter needs.
type Gateway interface {
	// UsagePlanID returns the id of the usage plan named name (ErrNotFound).
	UsagePlanID(ctx context.Context, name string) (string, error)
	// CreateKey creates an enabled API key and returns its id
	// (ErrKeyExists when the value is taken).
	CreateKey(ctx context.Context, name, value, description string) (string, error)
	// FindKey returns the id of the key named name with value (ErrNotFound).
	FindKey(ctx context.Context, name, value string) (string, error)
	// PlansOf returns the ids of the usage plans key keyID is attached to.
	PlansOf(ctx context.Context, keyID string) ([]string, error)
	// AddToPlan attaches key keyID to usage plan planID; attaching a key
	// the plan has is not an error.
	AddToPlan(ctx context.Context, planID, keyID string) error
	// RemoveFromPlan detaches it; a key the plan does not have is not an
	// error.
	RemoveFromPlan(ctx context.Context, planID, keyID string) error
}

// Entry is what Memo remembers of a caller's key.
type Entry struct {
	KeyID string `json:"key_id"`
	// Plan is the rate-limit plan whose usage plan the key is attached to.
	Plan string `json:"plan"`
}

// Memo remembers, across authorizer instances, which callers have a key
// and in which plan, so a cold authorizer does not call the control plane
// (whose rate limits are a few requests per second per account) for
// every caller again. Redis in AWS (shared/store.GatewayKeyMemo).
type Memo interface {
	// Get returns caller's entry; ok is false when none is kept.
	Get(ctx context.Context, caller string) (e Entry, ok bool, err error)
	// Put keeps caller's entry.
	Put(ctx context.Context, caller string, e Entry) error
}

// Meter picks the usage identifier key of a caller, making the key and its
// plan membership when they are missing.
type Meter struct {
	Gateway Gateway
	Memo    Memo
	// Stack names the stack: usage plan names, key names and values.
	Stack string
	// Plans are the plans the stack has usage plans for.
	Plans []string
	// Fresh is how long an instance trusts what it has seen without
	// asking Memo again (0: one minute). A key someone deleted by hand is
	// made again when Memo's entry expires.
	Fresh  time.Duration
	Logger *slog.Logger

	mu      sync.Mutex
	seen    map[string]seenEntry
	planIDs map[string]string
}

type seenEntry struct {
	Entry
	at time.Time
}

// PlanOf is the plan caller is metered on: plan when the stack has it, else
// the default plan (anonymous callers: the anonymous plan if there is one).
func (m *Meter) PlanOf(caller, plan string) string {
	if caller == AnonymousCaller {
		plan = AnonymousPlan
	}
	if plan != "" && slices.Contains(m.Plans, plan) {
		return plan
	}
	return DefaultPlan
}

// KeyFor returns the usage identifier key to meter caller on, under plan.
// When caller's own key cannot be made or attached it returns the plan's
// shared key and the error that prevented it (the caller is still metered,
// on a bucket it shares with others of its plan, until the control plane
// answers again).
func (m *Meter) KeyFor(ctx context.Context, caller, plan string) (string, error) {
	plan = m.PlanOf(caller, plan)
	if err := m.ensure(ctx, caller, plan); err != nil {
		return KeyValue(m.Stack, SharedCaller(plan)), fmt.Errorf("gateway key of %s (plan %s): %w", caller, plan, err)
	}
	return KeyValue(m.Stack, caller), nil
}

func (m *Meter) fresh() time.Duration {
	if m.Fresh > 0 {
		return m.Fresh
	}
	return time.Minute
}

// ensure makes sure caller's key exists and is attached to plan's usage
// plan, and to no other of the stack's.
func (m *Meter) ensure(ctx context.Context, caller, plan string) error {
	m.mu.Lock()
	s, ok := m.seen[caller]
	m.mu.Unlock()
	if ok && s.Plan == plan && time.Since(s.at) < m.fresh() {
		return nil
	}
	e, ok, err := m.Memo.Get(ctx, caller)
	if err != nil {
		return fmt.Errorf("read gateway key memo: %w", err)
	}
	created := false
	if !ok {
		if e.KeyID, created, err = m.createKey(ctx, caller); err != nil {
			return err
		}
	}
	if e.Plan != plan {
		if err := m.attach(ctx, caller, e.KeyID, plan, created); err != nil {
			return err
		}
		e.Plan = plan
		if err := m.Memo.Put(ctx, caller, e); err != nil {
			return fmt.Errorf("keep gateway key memo: %w", err)
		}
	}
	m.mu.Lock()
	if m.seen == nil {
		m.seen = map[string]seenEntry{}
	}
	m.seen[caller] = seenEntry{Entry: e, at: time.Now()}
	m.mu.Unlock()
	return nil
}

// createKey creates caller's key, or finds it when another instance (or an
// earlier memo that expired) made it; created tells which.
func (m *Meter) createKey(ctx context.Context, caller string) (id string, created bool, err error) {
	name, value := KeyName(m.Stack, caller), KeyValue(m.Stack, caller)
	id, err = m.Gateway.CreateKey(ctx, name, value, "RipTide caller "+caller+": metered by the stack's usage plans (made by the authorizer)")
	if errors.Is(err, ErrKeyExists) {
		if id, err = m.Gateway.FindKey(ctx, name, value); err != nil {
			return "", false, fmt.Errorf("find existing gateway key %s: %w", name, err)
		}
		return id, false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("create gateway key %s: %w", name, err)
	}
	return id, true, nil
}

// attach moves key keyID to plan's usage plan. API Gateway lets a key be in
// one usage plan per stage, so a key that existed before leaves the plans
// it is in first: asked of the gateway, not of the memo, which may have
// expired or be older than a change made by hand.
func (m *Meter) attach(ctx context.Context, caller, keyID, plan string, created bool) error {
	target, err := m.planID(ctx, plan)
	if err != nil {
		return err
	}
	if !created {
		in, err := m.Gateway.PlansOf(ctx, keyID)
		if err != nil {
			return fmt.Errorf("usage plans of gateway key of %s: %w", caller, err)
		}
		attached := false
		for _, id := range in {
			if id == target {
				attached = true
				continue
			}
			if err := m.Gateway.RemoveFromPlan(ctx, id, keyID); err != nil && !errors.Is(err, ErrNotFound) {
				return fmt.Errorf("detach gateway key of %s from usage plan %s: %w", caller, id, err)
			}
		}
		if attached {
			return nil
		}
	}
	if err := m.Gateway.AddToPlan(ctx, target, keyID); err != nil {
		return fmt.Errorf("attach gateway key of %s to plan %s: %w", caller, plan, err)
	}
	if m.Logger != nil {
		m.Logger.InfoContext(ctx, "gateway key attached", slog.String("caller", caller), slog.String("plan", plan), slog.String("key_id", keyID))
	}
	return nil
}

// planID returns the id of plan's usage plan, asked once per instance.
func (m *Meter) planID(ctx context.Context, plan string) (string, error) {
	m.mu.Lock()
	id, ok := m.planIDs[plan]
	m.mu.Unlock()
	if ok {
		return id, nil
	}
	id, err := m.Gateway.UsagePlanID(ctx, UsagePlanName(m.Stack, plan))
	if err != nil {
		return "", fmt.Errorf("usage plan %s: %w", UsagePlanName(m.Stack, plan), err)
	}
	m.mu.Lock()
	if m.planIDs == nil {
		m.planIDs = map[string]string{}
	}
	m.planIDs[plan] = id
	m.mu.Unlock()
	return id, nil
}
