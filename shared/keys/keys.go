// Package keys manages API keys as data: each key has a visible id, a
// secret kept only as a salted, peppered hash, scopes, an expiry, a
// per-key rate-limit plan, a tenant, and usage counters. It is a pure
// engine: the Store port is implemented over Redis in shared/store.
package keys

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/ratelimit"
)

// Scope names a permission. A key holds one or more; admin holds them all.
type Scope string

// The scopes, one per family of route groups (routes.Route.Scope).
const (
	ScopeCrawl  Scope = "crawl"
	ScopeRender Scope = "render"
	ScopeSpider Scope = "spider"
	ScopeJobs   Scope = "jobs"
	ScopeSearch Scope = "search"
	ScopeLLM    Scope = "llm"
	ScopeAdmin  Scope = "admin"
	ScopeRead   Scope = "read"
)

// AllScopes lists every scope, in documentation order.
var AllScopes = []Scope{ScopeCrawl, ScopeRender, ScopeSpider, ScopeJobs, ScopeSearch, ScopeLLM, ScopeAdmin, ScopeRead}

// TenantOwner is the owner of the data (jobs, schedules, sessions, spider
// runs) that any caller of tenant creates: every key of a tenant, a
// rotated key's successor and an identity provider's users with that
// tenant claim share it, and a tenant's deletion finds it by this name.
func TenantOwner(tenant string) string { return "tenant:" + tenant }

// ValidScope reports whether s names a scope.
func ValidScope(s Scope) bool { return slices.Contains(AllScopes, s) }

// Allows reports whether a holder of scopes may call a route needing need.
// admin allows everything; read allows reading any group (readOnly routes).
func Allows(scopes []Scope, need Scope, readOnly bool) bool {
	for _, s := range scopes {
		if s == ScopeAdmin || s == need || (readOnly && s == ScopeRead && need != ScopeAdmin) {
			return true
		}
	}
	return false
}

// Key is a managed API key's record. The secret is never stored: only
// Hash = HMAC-SHA256(pepper, salt || secret).
type Key struct {
	ID        string    `json:"id"`
	Name      string    `json:"name,omitempty"`
	Tenant    string    `json:"tenant,omitempty"`
	Scopes    []Scope   `json:"scopes"`
	CreatedAt time.Time `json:"created_at"`
	// ExpiresAt is zero for a key that does not expire.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	RevokedAt time.Time `json:"revoked_at,omitzero"`
	// RateLimit is the key's plan in requests per minute; 0 means the
	// server default (RIPTIDE_RATE_LIMIT).
	RateLimit int `json:"rate_limit_per_minute,omitempty"`
	// Plan names the key's rate-limit plan (RIPTIDE_RATE_PLANS); "" is
	// the default plan. RateLimit, when set, still replaces the plan's
	// requests quota.
	Plan string `json:"plan,omitempty"`
	// RotatedTo is the id of the key that replaced this one.
	RotatedTo string `json:"rotated_to,omitempty"`
	Salt      string `json:"salt"`
	Hash      string `json:"hash"`
}

// Active reports whether k can authenticate at now.
func (k Key) Active(now time.Time) bool {
	return k.RevokedAt.IsZero() && (k.ExpiresAt.IsZero() || now.Before(k.ExpiresAt))
}

// Usage are a key's counters.
type Usage struct {
	Requests      int64     `json:"requests"`
	URLs          int64     `json:"urls"`
	RenderSeconds float64   `json:"render_seconds"`
	Tokens        int64     `json:"tokens"`
	LastUsed      time.Time `json:"last_used,omitzero"`
}

// Delta is one request's contribution to a key's usage.
type Delta struct {
	Requests      int64
	URLs          int64
	RenderSeconds float64
	Tokens        int64
}

// Store keeps key records and usage, shared by every process.
type Store interface {
	Put(ctx context.Context, k Key) error
	// Get returns the key with id, or ErrNotFound.
	Get(ctx context.Context, id string) (Key, error)
	List(ctx context.Context) ([]Key, error)
	// Delete removes a key record and its usage (data deletion, not
	// revocation: a revoked key stays listed).
	Delete(ctx context.Context, id string) error
	AddUsage(ctx context.Context, id string, d Delta, now time.Time) error
	Usage(ctx context.Context, id string) (Usage, error)
}

// ErrNotFound is returned by Store.Get for an unknown id.
var ErrNotFound = errors.New("key not found")

// Token format: "rtk_<id>_<secret>". The id is visible (logs, listings,
// support); the secret is 32 random bytes. A fast hash is enough: the
// secret has 256 bits of entropy, unlike a password, and every request
// verifies one.
const (
	tokenPrefix = "rtk_"
	idBytes     = 6
	secretBytes = 32
)

// LooksManaged reports whether token has the managed key format (other
// tokens go to the bootstrap keys).
func LooksManaged(token string) bool {
	_, _, ok := parseToken(token)
	return ok
}

func parseToken(token string) (id, secret string, ok bool) {
	rest, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok {
		return "", "", false
	}
	id, secret, ok = strings.Cut(rest, "_")
	if !ok || len(id) != 2*idBytes || len(secret) < 40 {
		return "", "", false
	}
	if _, err := hex.DecodeString(id); err != nil {
		return "", "", false
	}
	return id, secret, true
}

// Service creates, checks and manages keys.
type Service struct {
	Store Store
	// Pepper is a server secret mixed into every hash (RIPTIDE_KEY_PEPPER):
	// a copy of Redis alone cannot be used to test guesses. Optional.
	Pepper []byte
	// LoadPepper, when set, reads the pepper instead (from a secret:
	// RIPTIDE_KEY_PEPPER_SECRET_ARN) on first use, once per process: a
	// cold start does not wait for it, and a process never mixes two
	// peppers. A failed read is tried again on the next call.
	LoadPepper func(ctx context.Context) ([]byte, error)
	// CacheTTL bounds how long a process trusts a key record it read:
	// revocation reaches every process within it. Zero means DefaultCacheTTL.
	CacheTTL time.Duration
	Now      func() time.Time
	// KnownPlan, when set, refuses keys naming a plan it does not know
	// (the configured RIPTIDE_RATE_PLANS).
	KnownPlan func(name string) bool

	mu     sync.Mutex
	cache  map[string]cached
	pepper []byte // loaded by LoadPepper
	loaded bool
}

// DefaultCacheTTL keeps revocation within the promised 60 s with margin.
const DefaultCacheTTL = 30 * time.Second

type cached struct {
	key Key
	at  time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// pepperOf returns the pepper, loading it once when LoadPepper is set.
func (s *Service) pepperOf(ctx context.Context) ([]byte, error) {
	if s.LoadPepper == nil {
		return s.Pepper, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loaded {
		return s.pepper, nil
	}
	p, err := s.LoadPepper(ctx)
	if err != nil {
		// The error names the secret, never its value.
		return nil, core.Wrap(core.ErrDependency, err, "the API key pepper is unavailable")
	}
	s.pepper, s.loaded = p, true
	return p, nil
}

func hashWith(pepper []byte, salt, secret string) string {
	m := hmac.New(sha256.New, pepper)
	m.Write([]byte(salt))
	m.Write([]byte{0})
	m.Write([]byte(secret))
	return hex.EncodeToString(m.Sum(nil))
}

// Spec describes a key to create.
type Spec struct {
	Name      string
	Tenant    string
	Scopes    []Scope
	ExpiresAt time.Time
	RateLimit int
	Plan      string
}

// Validate checks a spec.
func (sp Spec) Validate() error {
	if len(sp.Scopes) == 0 {
		return core.Errorf(core.ErrValidation, "scopes: at least one scope is required (one of %s)", scopeList()).
			WithDetails(core.Detail{Field: "scopes", Message: "required"})
	}
	for _, sc := range sp.Scopes {
		if !ValidScope(sc) {
			return core.Errorf(core.ErrValidation, "scopes: unknown scope %q (one of %s)", sc, scopeList()).
				WithDetails(core.Detail{Field: "scopes", Message: "unknown scope"})
		}
	}
	if sp.RateLimit < 0 {
		return core.Errorf(core.ErrValidation, "rate_limit_per_minute must be 0 (server default) or more").
			WithDetails(core.Detail{Field: "rate_limit_per_minute", Message: "negative"})
	}
	if sp.Plan != "" && !ratelimit.ValidPlanName(sp.Plan) {
		return core.Errorf(core.ErrValidation, "plan %q: plan names are lowercase letters, digits, '-' and '_' (at most 40)", sp.Plan).
			WithDetails(core.Detail{Field: "plan", Message: "invalid plan name"})
	}
	if len(sp.Name) > 200 || len(sp.Tenant) > 200 {
		return core.Errorf(core.ErrValidation, "name and tenant are at most 200 characters")
	}
	if strings.ContainsAny(sp.Tenant, ":{}* \t\n") {
		return core.Errorf(core.ErrValidation, "tenant %q: use letters, digits, '-', '_' and '.'", sp.Tenant).
			WithDetails(core.Detail{Field: "tenant", Message: "invalid characters"})
	}
	return nil
}

func scopeList() string {
	out := make([]string, len(AllScopes))
	for i, s := range AllScopes {
		out[i] = string(s)
	}
	return strings.Join(out, ", ")
}

// Create stores a new key and returns its record and its token, which is
// shown once and never again.
func (s *Service) Create(ctx context.Context, sp Spec) (Key, string, error) {
	if err := sp.Validate(); err != nil {
		return Key{}, "", err
	}
	if sp.Plan != "" && s.KnownPlan != nil && !s.KnownPlan(sp.Plan) {
		return Key{}, "", core.Errorf(core.ErrValidation, "plan %q is not configured (RIPTIDE_RATE_PLANS)", sp.Plan).
			WithDetails(core.Detail{Field: "plan", Message: "unknown plan"})
	}
	now := s.now()
	if !sp.ExpiresAt.IsZero() && !sp.ExpiresAt.After(now) {
		return Key{}, "", core.Errorf(core.ErrValidation, "expires_at must be in the future").
			WithDetails(core.Detail{Field: "expires_at", Message: "in the past"})
	}
	pepper, err := s.pepperOf(ctx)
	if err != nil {
		return Key{}, "", err
	}
	id, secret, salt := randomHex(idBytes), randomB64(secretBytes), randomHex(16)
	k := Key{ID: id, Name: sp.Name, Tenant: sp.Tenant, Scopes: slices.Compact(slices.Sorted(slices.Values(sp.Scopes))),
		CreatedAt: now.UTC().Truncate(time.Second), ExpiresAt: sp.ExpiresAt.UTC(), RateLimit: sp.RateLimit, Plan: sp.Plan,
		Salt: salt, Hash: hashWith(pepper, salt, secret)}
	if err := s.Store.Put(ctx, k); err != nil {
		return Key{}, "", core.Wrap(core.ErrDependency, err, "store the key")
	}
	return k, tokenPrefix + id + "_" + secret, nil
}

// Authenticate checks a managed token and returns its key. Unknown,
// revoked and expired keys all answer the same authentication_error (a
// caller learns nothing about which); a store failure is a dependency_error.
func (s *Service) Authenticate(ctx context.Context, token string) (Key, error) {
	invalid := core.Errorf(core.ErrAuthentication, "invalid API key")
	id, secret, ok := parseToken(token)
	if !ok {
		return Key{}, invalid
	}
	k, err := s.lookup(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Key{}, invalid
	}
	if err != nil {
		return Key{}, core.Wrap(core.ErrDependency, err, "API keys are unavailable")
	}
	pepper, err := s.pepperOf(ctx)
	if err != nil {
		return Key{}, err
	}
	if subtle.ConstantTimeCompare([]byte(hashWith(pepper, k.Salt, secret)), []byte(k.Hash)) != 1 || !k.Active(s.now()) {
		return Key{}, invalid
	}
	return k, nil
}

// DerivedSecret returns a secret bound to managed key id, for credentials
// that stand in for the key for a short while (WebSocket tokens): HMAC of
// the pepper over the key's stored hash and purpose. It needs the pepper,
// so a copy of the key store alone cannot forge one; it changes when the
// key's secret does; and an unknown, revoked or expired key has none (the
// same authentication_error as Authenticate).
func (s *Service) DerivedSecret(ctx context.Context, id, purpose string) ([]byte, Key, error) {
	k, err := s.lookup(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, Key{}, core.Errorf(core.ErrAuthentication, "invalid API key")
	}
	if err != nil {
		return nil, Key{}, core.Wrap(core.ErrDependency, err, "API keys are unavailable")
	}
	if !k.Active(s.now()) {
		return nil, Key{}, core.Errorf(core.ErrAuthentication, "invalid API key")
	}
	pepper, err := s.pepperOf(ctx)
	if err != nil {
		return nil, Key{}, err
	}
	m := hmac.New(sha256.New, pepper)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(k.Hash))
	return m.Sum(nil), k, nil
}

// IDOf returns the key id of a managed token ("" when token is not one).
func IDOf(token string) string {
	id, _, _ := parseToken(token)
	return id
}

// lookup reads a key record through the per-process cache.
func (s *Service) lookup(ctx context.Context, id string) (Key, error) {
	ttl := s.CacheTTL
	if ttl == 0 {
		ttl = DefaultCacheTTL
	}
	now := s.now()
	s.mu.Lock()
	c, ok := s.cache[id]
	s.mu.Unlock()
	if ok && now.Sub(c.at) < ttl {
		return c.key, nil
	}
	k, err := s.Store.Get(ctx, id)
	if err != nil {
		return Key{}, err
	}
	s.mu.Lock()
	if s.cache == nil || len(s.cache) > 10000 {
		s.cache = map[string]cached{}
	}
	s.cache[id] = cached{key: k, at: now}
	s.mu.Unlock()
	return k, nil
}

// forget drops id from this process's cache (its own changes apply at once).
func (s *Service) forget(id string) {
	s.mu.Lock()
	delete(s.cache, id)
	s.mu.Unlock()
}

// Get returns a key record with its usage.
func (s *Service) Get(ctx context.Context, id string) (Key, Usage, error) {
	k, err := s.Store.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Key{}, Usage{}, core.Errorf(core.ErrNotFound, "no API key with id %q", id)
	}
	if err != nil {
		return Key{}, Usage{}, core.Wrap(core.ErrDependency, err, "read the key")
	}
	u, err := s.Store.Usage(ctx, id)
	if err != nil {
		return Key{}, Usage{}, core.Wrap(core.ErrDependency, err, "read the key's usage")
	}
	return k, u, nil
}

// List returns every key, newest first, optionally of one tenant.
func (s *Service) List(ctx context.Context, tenant string) ([]Key, error) {
	all, err := s.Store.List(ctx)
	if err != nil {
		return nil, core.Wrap(core.ErrDependency, err, "list keys")
	}
	out := all[:0]
	for _, k := range all {
		if tenant == "" || k.Tenant == tenant {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b Key) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// Revoke revokes a key at once in this process and within CacheTTL in
// every other. Revoking a revoked key is a no-op that returns it.
func (s *Service) Revoke(ctx context.Context, id string) (Key, error) {
	k, _, err := s.Get(ctx, id)
	if err != nil {
		return Key{}, err
	}
	if k.RevokedAt.IsZero() {
		k.RevokedAt = s.now().UTC().Truncate(time.Second)
		if err := s.Store.Put(ctx, k); err != nil {
			return Key{}, core.Wrap(core.ErrDependency, err, "revoke the key")
		}
	}
	s.forget(id)
	return k, nil
}

// MaxRotationGrace bounds how long a rotated key keeps working.
const MaxRotationGrace = 7 * 24 * time.Hour

// Rotate replaces a key by a new one with the same name, tenant, scopes,
// expiry and plan. The old key keeps working for grace (0: revoked now),
// so that clients can switch without an outage.
func (s *Service) Rotate(ctx context.Context, id string, grace time.Duration) (old, replacement Key, token string, err error) {
	if grace < 0 || grace > MaxRotationGrace {
		return Key{}, Key{}, "", core.Errorf(core.ErrValidation, "grace_seconds must be between 0 and %d", int(MaxRotationGrace.Seconds())).
			WithDetails(core.Detail{Field: "grace_seconds", Message: "out of range"})
	}
	old, _, err = s.Get(ctx, id)
	if err != nil {
		return Key{}, Key{}, "", err
	}
	now := s.now()
	if !old.Active(now) {
		return Key{}, Key{}, "", core.Errorf(core.ErrConflict, "key %s is revoked or expired; create a new key instead", id)
	}
	exp := old.ExpiresAt
	if !exp.IsZero() && !exp.After(now) {
		exp = time.Time{}
	}
	replacement, token, err = s.Create(ctx, Spec{Name: old.Name, Tenant: old.Tenant, Scopes: old.Scopes, ExpiresAt: exp, RateLimit: old.RateLimit, Plan: old.Plan})
	if err != nil {
		return Key{}, Key{}, "", err
	}
	old.RotatedTo = replacement.ID
	if grace == 0 {
		old.RevokedAt = now.UTC().Truncate(time.Second)
	} else if end := now.Add(grace).UTC().Truncate(time.Second); old.ExpiresAt.IsZero() || end.Before(old.ExpiresAt) {
		old.ExpiresAt = end
	}
	if err := s.Store.Put(ctx, old); err != nil {
		return Key{}, Key{}, "", core.Wrap(core.ErrDependency, err, "retire the old key")
	}
	s.forget(id)
	return old, replacement, token, nil
}

// Record adds a request's usage to a key (also its last-used time).
func (s *Service) Record(ctx context.Context, id string, d Delta) error {
	return s.Store.AddUsage(ctx, id, d, s.now())
}

// DeleteKey removes a key record and its usage altogether (privacy
// deletion; revoke first to stop its use).
func (s *Service) DeleteKey(ctx context.Context, id string) error {
	s.forget(id)
	if err := s.Store.Delete(ctx, id); err != nil {
		return core.Wrap(core.ErrDependency, err, "delete the key")
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

func randomB64(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
