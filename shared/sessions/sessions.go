// Package sessions keeps browser sessions: a cookie jar per session id in
// Redis, so a login done in one render is there for the next, from any
// Lambda instance. The sessions endpoint group builds on it.
package sessions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/store"
)

// DefaultTTL is how long an unused session lives; every use extends it.
const DefaultTTL = 24 * time.Hour

// MaxCookies bounds one jar.
const MaxCookies = 500

// Cookie is one cookie of a jar (the same JSON shape as a render cookie).
type Cookie struct {
	Name     string     `json:"name"`
	Value    string     `json:"value"`
	Domain   string     `json:"domain,omitempty"`
	Path     string     `json:"path,omitempty"`
	Expires  *time.Time `json:"expires,omitempty"`
	HTTPOnly bool       `json:"http_only,omitempty"`
	Secure   bool       `json:"secure,omitempty"`
	SameSite string     `json:"same_site,omitempty"`
}

func (c Cookie) key() string { return c.Domain + "\x00" + c.Path + "\x00" + c.Name }

// Store is the session store in Redis: <prefix>session:<id>:cookies.
type Store struct {
	s   *store.Store
	TTL time.Duration
	Now func() time.Time
}

// New returns the session store of s.
func New(s *store.Store) *Store { return &Store{s: s, TTL: DefaultTTL, Now: time.Now} }

// ValidID reports whether id is acceptable as a session id: 1-64 of
// [A-Za-z0-9_-], safe in keys and URLs.
func ValidID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func (st *Store) key(id string) string { return st.s.Key("session", id, "cookies") }

// Cookies returns the session's unexpired cookies (none for a new session).
func (st *Store) Cookies(ctx context.Context, id string) ([]Cookie, error) {
	if !ValidID(id) {
		return nil, core.Errorf(core.ErrValidation, "session_id %q: use 1-64 letters, digits, _ or -", id)
	}
	raw, err := st.s.Client.Get(ctx, st.key(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, core.Wrap(core.ErrDependency, err, "session store unavailable")
	}
	var jar []Cookie
	if err := json.Unmarshal(raw, &jar); err != nil {
		return nil, fmt.Errorf("session %s: corrupt cookie jar: %w", id, err)
	}
	now := st.Now()
	live := jar[:0]
	for _, c := range jar {
		if c.Expires == nil || c.Expires.After(now) {
			live = append(live, c)
		}
	}
	return live, nil
}

// Save merges cookies into the session's jar (same name, domain and path
// replace; expired ones are dropped) and extends the session.
func (st *Store) Save(ctx context.Context, id string, cookies []Cookie) error {
	jar, err := st.Cookies(ctx, id)
	if err != nil {
		return err
	}
	byKey := map[string]int{}
	for i, c := range jar {
		byKey[c.key()] = i
	}
	now := st.Now()
	for _, c := range cookies {
		if i, ok := byKey[c.key()]; ok {
			jar[i] = c
		} else {
			byKey[c.key()] = len(jar)
			jar = append(jar, c)
		}
	}
	out := jar[:0]
	for _, c := range jar {
		if c.Expires == nil || c.Expires.After(now) {
			out = append(out, c)
		}
	}
	if len(out) > MaxCookies {
		out = out[len(out)-MaxCookies:]
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	if err := st.s.Client.Set(ctx, st.key(id), b, st.TTL).Err(); err != nil {
		return core.Wrap(core.ErrDependency, err, "session store unavailable")
	}
	return nil
}
