package sessions

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
)

// Store keeps sessions and their cookies where every instance sees them
// (shared/store/sessionstore: Redis, or the embedded one).
type Store interface {
	// Create stores a new session and indexes it under its owner.
	Create(ctx context.Context, s Session) error
	// Load returns a session and its cookies; nil when there is none
	// (never created, deleted or expired).
	Load(ctx context.Context, id string) (*Session, []Cookie, error)
	// Touch moves a session's expiry as t says and returns the session
	// after it; nil when there is none. ErrTooLong when t.Max is passed.
	Touch(ctx context.Context, id string, t Touch) (*Session, error)
	// SaveCookies writes the set cookies and removes the cookie IDs;
	// false when the session no longer exists (nothing is written).
	SaveCookies(ctx context.Context, id string, set []Cookie, removed []string) (bool, error)
	// Delete removes a session and its index entry.
	Delete(ctx context.Context, owner, id string) error
	// List pages through an owner's live sessions in creation order;
	// cursor is "" for the first page, next "" after the last.
	List(ctx context.Context, owner, cursor string, limit int) (page []Session, next string, err error)
	// Index lists every session indexed under an owner, live or expired.
	Index(ctx context.Context, owner string) ([]IndexEntry, error)
	// Forget drops the index entries of expired sessions and adds them to
	// the owner's count of cleaned sessions.
	Forget(ctx context.Context, owner string, ids []string) error
	// Cleaned is the owner's count of cleaned sessions.
	Cleaned(ctx context.Context, owner string) (int64, error)
	// DeleteOwner removes every session indexed under owner, the index
	// and the owner's counters, and returns how many sessions it removed.
	DeleteOwner(ctx context.Context, owner string) (int64, error)
}

// Touch says how to move a session's expiry: to the later of its expiry
// plus Add and AtLeast, never past Max (when set); Uses is added to its
// use count and LastUsed recorded.
type Touch struct {
	Add      time.Duration
	AtLeast  time.Time
	Max      time.Time
	LastUsed time.Time
	Uses     int64
}

// ErrTooLong is a Store's answer to a Touch past its Max.
var ErrTooLong = errors.New("session expiry beyond the maximum")

// IndexEntry is one session of an owner's index.
type IndexEntry struct {
	ID        string
	CreatedAt time.Time
	Live      bool
}

// Limiter counts a session's uses in a shared window (the store's rate
// limiter): Take with key "session:<id>".
type Limiter interface {
	Take(ctx context.Context, key string) (core.RateDecision, error)
}

// Service is the sessions engine: the API's operations, each scoped to
// the owner (an API key) that created the session, and the jar lending
// of crawls and renders.
type Service struct {
	Store Store
	// Limiter bounds the pages crawled with one session (nil: no limit).
	Limiter Limiter
	// Owner names the caller of a crawl from its context (the API key's
	// fingerprint); nil means one owner for all.
	Owner func(ctx context.Context) string
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// now is the clock at the store's resolution (milliseconds), so a
// session answered at creation is the one read back later.
func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Millisecond)
	}
	return time.Now().UTC().Truncate(time.Millisecond)
}

func (s *Service) owner(ctx context.Context) string {
	if s.Owner == nil {
		return ""
	}
	return s.Owner(ctx)
}

// notFound never says whether the session exists under another key.
func notFound(id string) error {
	return core.Errorf(core.ErrNotFound, "session %s not found: it expired, was deleted, or belongs to another API key (create one with POST /api/v1/sessions)", id)
}

func unavailable(err error) error {
	if core.TypeOf(err) != core.ErrInternal {
		return err
	}
	return core.Wrap(core.ErrDependency, err, "session store unavailable")
}

// CreateSpec is the body of POST /api/v1/sessions (every field optional).
type CreateSpec struct {
	// TTLMS is the idle lifetime (default 24 h, 1 minute to 30 days).
	TTLMS int64 `json:"ttl_ms,omitempty"`
}

// Create starts an empty session for owner.
func (s *Service) Create(ctx context.Context, owner string, spec CreateSpec) (*View, error) {
	ttl := DefaultTTL
	if spec.TTLMS != 0 {
		ttl = time.Duration(spec.TTLMS) * time.Millisecond
		if ttl < MinTTL || ttl > MaxTTL {
			return nil, core.Errorf(core.ErrValidation, "ttl_ms: must be between %d and %d", MinTTL.Milliseconds(), MaxTTL.Milliseconds()).
				WithDetails(core.Detail{Field: "ttl_ms", Message: "out of range"})
		}
	}
	idx, err := s.Store.Index(ctx, owner)
	if err != nil {
		return nil, unavailable(err)
	}
	if live := countLive(idx); live >= MaxPerOwner {
		return nil, core.Errorf(core.ErrConflict, "this API key has %d live sessions, the maximum: delete some (DELETE /api/v1/sessions/{id}) or let them expire", live)
	}
	now := s.now()
	sess := Session{ID: NewID(), Owner: owner, TTLMS: ttl.Milliseconds(), CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(ttl)}
	if err := s.Store.Create(ctx, sess); err != nil {
		return nil, unavailable(err)
	}
	return &View{Session: sess}, nil
}

func countLive(idx []IndexEntry) int {
	n := 0
	for _, e := range idx {
		if e.Live {
			n++
		}
	}
	return n
}

// View is a session as the API shows it.
type View struct {
	Session
	// Domains is the number of distinct cookie domains.
	Domains int `json:"total_domains"`
}

// load returns owner's session id and its jar, or not_found.
func (s *Service) load(ctx context.Context, owner, id string) (*Session, *Jar, error) {
	if !ValidID(id) {
		return nil, nil, notFound(id)
	}
	sess, cookies, err := s.Store.Load(ctx, id)
	if err != nil {
		return nil, nil, unavailable(err)
	}
	if sess == nil || sess.Owner != owner || !sess.ExpiresAt.After(s.now()) {
		return nil, nil, notFound(id)
	}
	return sess, NewJar(cookies, s.now), nil
}

// Get returns owner's session id.
func (s *Service) Get(ctx context.Context, owner, id string) (*View, error) {
	sess, jar, err := s.load(ctx, owner, id)
	if err != nil {
		return nil, err
	}
	sess.CookieCount = len(jar.All())
	return &View{Session: *sess, Domains: jar.Domains()}, nil
}

// Page is one page of a listing.
type Page struct {
	Sessions   []Session `json:"sessions"`
	NextCursor string    `json:"next_cursor,omitempty"`
}

// List pages through owner's live sessions, oldest first.
func (s *Service) List(ctx context.Context, owner, cursor string, limit int) (*Page, error) {
	page, next, err := s.Store.List(ctx, owner, cursor, limit)
	if err != nil {
		return nil, unavailable(err)
	}
	if page == nil {
		page = []Session{}
	}
	return &Page{Sessions: page, NextCursor: next}, nil
}

// Delete removes owner's session id; deleting one that does not exist (or
// is not owner's) does nothing.
func (s *Service) Delete(ctx context.Context, owner, id string) error {
	if !ValidID(id) {
		return nil
	}
	sess, _, err := s.Store.Load(ctx, id)
	if err != nil {
		return unavailable(err)
	}
	if sess == nil || sess.Owner != owner {
		return nil
	}
	return unavailable(s.Store.Delete(ctx, owner, id))
}

// Extend adds to the session's expiry (at most MaxTTL from now).
func (s *Service) Extend(ctx context.Context, owner, id string, add time.Duration) (*View, error) {
	if add <= 0 {
		return nil, core.Errorf(core.ErrValidation, "additional_ms: must be positive").WithDetails(core.Detail{Field: "additional_ms", Message: "must be positive"})
	}
	if _, _, err := s.load(ctx, owner, id); err != nil {
		return nil, err
	}
	now := s.now()
	sess, err := s.Store.Touch(ctx, id, Touch{Add: add, Max: now.Add(MaxTTL), LastUsed: now})
	if errors.Is(err, ErrTooLong) {
		return nil, core.Errorf(core.ErrValidation, "additional_ms: the session would expire more than %s from now (the maximum)", MaxTTL).
			WithDetails(core.Detail{Field: "additional_ms", Message: "too long"})
	}
	if err != nil {
		return nil, unavailable(err)
	}
	if sess == nil {
		return nil, notFound(id)
	}
	return s.Get(ctx, owner, id)
}

// save writes the jar's changes back and slides the session's expiry.
func (s *Service) save(ctx context.Context, sess *Session, jar *Jar, uses int64) error {
	set, removed := jar.Changes()
	if len(set)+len(removed) > 0 {
		ok, err := s.Store.SaveCookies(ctx, sess.ID, set, removed)
		if err != nil {
			return unavailable(err)
		}
		if !ok {
			return notFound(sess.ID)
		}
	}
	now := s.now()
	if _, err := s.Store.Touch(ctx, sess.ID, Touch{AtLeast: now.Add(sess.TTL()), LastUsed: now, Uses: uses}); err != nil {
		return unavailable(err)
	}
	return nil
}

// SetCookie stores a cookie given through the API.
func (s *Service) SetCookie(ctx context.Context, owner, id string, spec CookieSpec) (*Cookie, error) {
	c, err := spec.cookie(s.now())
	if err != nil {
		return nil, err
	}
	sess, jar, err := s.load(ctx, owner, id)
	if err != nil {
		return nil, err
	}
	jar.Put(c)
	if err := s.save(ctx, sess, jar, 0); err != nil {
		return nil, err
	}
	return &c, nil
}

// Cookies lists every cookie of the session.
func (s *Service) Cookies(ctx context.Context, owner, id string) ([]Cookie, error) {
	_, jar, err := s.load(ctx, owner, id)
	if err != nil {
		return nil, err
	}
	return jar.All(), nil
}

// ClearCookies removes every cookie of the session and says how many.
func (s *Service) ClearCookies(ctx context.Context, owner, id string) (int, error) {
	sess, jar, err := s.load(ctx, owner, id)
	if err != nil {
		return 0, err
	}
	n := jar.Remove(func(Cookie) bool { return true })
	return n, s.save(ctx, sess, jar, 0)
}

// DomainCookies lists the cookies that apply to host (its own and those
// of the domains above it), in the order a request sends them.
func (s *Service) DomainCookies(ctx context.Context, owner, id, host string) ([]Cookie, error) {
	_, jar, err := s.load(ctx, owner, id)
	if err != nil {
		return nil, err
	}
	return nonNil(jar.ForHost(host)), nil
}

func nonNil(cs []Cookie) []Cookie {
	if cs == nil {
		return []Cookie{}
	}
	return cs
}

// Cookie returns the cookie named name that applies to host (the first a
// request would send, or the one on path when path is given).
func (s *Service) Cookie(ctx context.Context, owner, id, host, name, path string) (*Cookie, error) {
	_, jar, err := s.load(ctx, owner, id)
	if err != nil {
		return nil, err
	}
	for _, c := range jar.ForHost(host) {
		if c.Name == name && (path == "" || c.Path == path) {
			return &c, nil
		}
	}
	return nil, cookieNotFound(id, host, name)
}

func cookieNotFound(id, host, name string) error {
	return core.Errorf(core.ErrNotFound, "session %s has no cookie %q for %s", id, name, host)
}

// DeleteCookie removes the cookies named name that apply to host (only the
// one on path when path is given) and says how many.
func (s *Service) DeleteCookie(ctx context.Context, owner, id, host, name, path string) (int, error) {
	sess, jar, err := s.load(ctx, owner, id)
	if err != nil {
		return 0, err
	}
	drop := map[string]bool{}
	for _, c := range jar.ForHost(host) {
		if c.Name == name && (path == "" || c.Path == path) {
			drop[c.ID()] = true
		}
	}
	if len(drop) == 0 {
		return 0, cookieNotFound(id, host, name)
	}
	n := jar.Remove(func(c Cookie) bool { return drop[c.ID()] })
	return n, s.save(ctx, sess, jar, 0)
}

// Stats are an owner's session statistics.
type Stats struct {
	TotalSessions   int   `json:"total_sessions"`
	ExpiredPending  int   `json:"expired_sessions_pending"`
	ExpiredCleaned  int64 `json:"expired_sessions_cleaned"`
	CreatedLastHour int   `json:"sessions_created_last_hour"`
	AvgAgeMS        int64 `json:"avg_session_age_ms"`
	MaxSessions     int   `json:"max_sessions"`
}

// Stats reports on owner's sessions.
func (s *Service) Stats(ctx context.Context, owner string) (*Stats, error) {
	idx, err := s.Store.Index(ctx, owner)
	if err != nil {
		return nil, unavailable(err)
	}
	cleaned, err := s.Store.Cleaned(ctx, owner)
	if err != nil {
		return nil, unavailable(err)
	}
	now := s.now()
	st := &Stats{ExpiredCleaned: cleaned, MaxSessions: MaxPerOwner}
	var age time.Duration
	for _, e := range idx {
		if !e.Live {
			st.ExpiredPending++
			continue
		}
		st.TotalSessions++
		age += now.Sub(e.CreatedAt)
		if now.Sub(e.CreatedAt) <= time.Hour {
			st.CreatedLastHour++
		}
	}
	if st.TotalSessions > 0 {
		st.AvgAgeMS = (age / time.Duration(st.TotalSessions)).Milliseconds()
	}
	return st, nil
}

// CleanupReport is the answer of a cleanup.
type CleanupReport struct {
	RemovedCount int    `json:"removed_count"`
	Message      string `json:"message"`
}

// Cleanup forgets owner's expired sessions. Their data is gone already
// (the store expires it); this drops what still names them.
func (s *Service) Cleanup(ctx context.Context, owner string) (*CleanupReport, error) {
	idx, err := s.Store.Index(ctx, owner)
	if err != nil {
		return nil, unavailable(err)
	}
	var gone []string
	for _, e := range idx {
		if !e.Live {
			gone = append(gone, e.ID)
		}
	}
	if len(gone) > 0 {
		if err := s.Store.Forget(ctx, owner, gone); err != nil {
			return nil, unavailable(err)
		}
	}
	return &CleanupReport{RemovedCount: len(gone), Message: fmt.Sprintf("Cleaned up %d expired sessions", len(gone))}, nil
}

// Check reports whether the caller of ctx may use session id (crawls
// check before they start, so a bad id is a 4xx, not a failed page).
func (s *Service) Check(ctx context.Context, id string) error {
	_, _, err := s.load(ctx, s.owner(ctx), id)
	return err
}

// Lease is a session's jar lent to one page of a crawl or render.
type Lease struct {
	sess *Session
	Jar  *Jar
}

// Open lends the session's jar to one page crawled by the caller of ctx:
// the page counts against the session's rate limit. Give it back with
// Save.
func (s *Service) Open(ctx context.Context, id string) (*Lease, error) {
	sess, jar, err := s.load(ctx, s.owner(ctx), id)
	if err != nil {
		return nil, err
	}
	if s.Limiter != nil {
		d, err := s.Limiter.Take(ctx, "session:"+id)
		if err != nil {
			return nil, unavailable(err)
		}
		if !d.Allowed {
			return nil, core.Errorf(core.ErrRateLimited, "session %s: more than %d pages this minute; retry after %s",
				id, d.Limit, d.Reset.UTC().Format(time.RFC3339))
		}
	}
	return &Lease{sess: sess, Jar: jar}, nil
}

// Save writes back what the page changed in the jar and counts the use.
func (s *Service) Save(ctx context.Context, l *Lease) error {
	return s.save(ctx, l.sess, l.Jar, 1)
}

// ParseCookiePath validates the optional path query of the cookie routes.
func ParseCookiePath(p string) error {
	if p != "" && !strings.HasPrefix(p, "/") {
		return core.Errorf(core.ErrValidation, "path: must start with /").WithDetails(core.Detail{Field: "path", Message: "must start with /"})
	}
	return nil
}
