package sessions

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Jar limits: RFC 6265 §6.1 asks for at least 4096 bytes per cookie, 50
// per domain and 3000 in all; a session is one site's login, not a
// browser's profile, so the total is lower (and a jar is read on every
// page of a crawl).
const (
	MaxCookieBytes = 4096
	MaxPerDomain   = 180
	MaxCookies     = 500
)

// Jar is a session's cookie jar, following RFC 6265 (with its update
// draft's rule that only secure origins set Secure cookies): domain and
// path matching, host-only and domain cookies, Expires and Max-Age, the
// public-suffix check. Unlike net/http/cookiejar its entries can be listed
// and rebuilt, so a session's jar lives in a store between crawls; it
// records which cookies changed so that only they are written back.
// It implements http.CookieJar and is safe for concurrent use.
type Jar struct {
	mu      sync.Mutex
	entries map[string]Cookie
	changed map[string]bool
	now     func() time.Time
}

// NewJar rebuilds a jar from stored cookies; now is the clock (nil:
// time.Now).
func NewJar(cookies []Cookie, now func() time.Time) *Jar {
	if now == nil {
		now = time.Now
	}
	j := &Jar{entries: make(map[string]Cookie, len(cookies)), changed: map[string]bool{}, now: now}
	for _, c := range cookies {
		j.entries[c.ID()] = c
	}
	return j
}

// SetCookies implements http.CookieJar: the Set-Cookie headers of a
// response from u, processed as RFC 6265 §5.3 says (a cookie the rules
// refuse is ignored, as a browser does).
func (j *Jar) SetCookies(u *url.URL, cookies []*http.Cookie) {
	if u.Scheme != "http" && u.Scheme != "https" {
		return
	}
	host, err := canonicalHost(u.Host)
	if err != nil || host == "" {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.now()
	for i, hc := range cookies {
		// Cookies of one response are created in header order (a
		// nanosecond apart), which is the order they are sent in.
		c, remove, ok := j.fromSetCookie(u, host, hc, now.Add(time.Duration(i)))
		if !ok {
			continue
		}
		old, had := j.entries[c.ID()]
		// A cookie from an insecure origin never replaces a Secure one
		// (RFC 6265bis §5.7 step 16).
		if had && old.Secure && !secureContext(u, host) {
			continue
		}
		if remove {
			if had {
				delete(j.entries, c.ID())
				j.changed[c.ID()] = true
			}
			continue
		}
		if had {
			c.CreatedAt = old.CreatedAt
		}
		j.entries[c.ID()] = c
		j.changed[c.ID()] = true
		j.evict(c.Domain, now)
	}
}

// fromSetCookie turns one Set-Cookie of a response from u into a stored
// cookie; remove means the site deleted it (expiry in the past, Max-Age
// 0 or below); ok false means it is refused.
func (j *Jar) fromSetCookie(u *url.URL, host string, hc *http.Cookie, now time.Time) (c Cookie, remove, ok bool) {
	if hc.Name == "" || len(hc.Name)+len(hc.Value) > MaxCookieBytes {
		return Cookie{}, false, false
	}
	c = Cookie{Name: hc.Name, Value: hc.Value, Secure: hc.Secure, HTTPOnly: hc.HttpOnly, SameSite: sameSiteOf(hc.SameSite), CreatedAt: now}
	if c.Secure && !secureContext(u, host) {
		return Cookie{}, false, false
	}
	// Domain (§5.2.3, §5.3 steps 4-6).
	domain := strings.ToLower(strings.TrimPrefix(hc.Domain, "."))
	switch {
	case domain == "":
		c.Domain, c.HostOnly = host, true
	case isIP(host):
		if domain != host {
			return Cookie{}, false, false
		}
		c.Domain, c.HostOnly = host, true
	default:
		d, err := canonicalHost(domain)
		if err != nil {
			return Cookie{}, false, false
		}
		if isPublicSuffix(d) {
			if d != host {
				return Cookie{}, false, false
			}
			c.Domain, c.HostOnly = host, true
			break
		}
		if !domainMatch(host, d) {
			return Cookie{}, false, false
		}
		c.Domain = d
	}
	// Path (§5.2.4): a missing or relative one is the default path.
	c.Path = hc.Path
	if c.Path == "" || c.Path[0] != '/' {
		c.Path = defaultPath(requestPath(u))
	}
	// Expiry (§5.2.1, §5.2.2): Max-Age wins over Expires.
	switch {
	case hc.MaxAge < 0:
		return c, true, true
	case hc.MaxAge > 0:
		t := now.Add(time.Duration(hc.MaxAge) * time.Second).UTC()
		c.Expires = &t
	case !hc.Expires.IsZero():
		if !hc.Expires.After(now) {
			return c, true, true
		}
		t := hc.Expires.UTC()
		c.Expires = &t
	}
	return c, false, true
}

// evict keeps the jar within its limits after a cookie was added to
// domain: expired cookies go first, then the oldest of the domain, then
// the oldest of all (RFC 6265 §5.3's eviction order, creation time
// standing in for last access).
func (j *Jar) evict(domain string, now time.Time) {
	var ofDomain []Cookie
	for id, c := range j.entries {
		if c.expired(now) {
			delete(j.entries, id)
			j.changed[id] = true
			continue
		}
		if c.Domain == domain {
			ofDomain = append(ofDomain, c)
		}
	}
	byAge := func(a, b Cookie) int { return a.CreatedAt.Compare(b.CreatedAt) }
	if over := len(ofDomain) - MaxPerDomain; over > 0 {
		slices.SortStableFunc(ofDomain, byAge)
		for _, c := range ofDomain[:over] {
			delete(j.entries, c.ID())
			j.changed[c.ID()] = true
		}
	}
	if over := len(j.entries) - MaxCookies; over > 0 {
		all := make([]Cookie, 0, len(j.entries))
		for _, c := range j.entries {
			all = append(all, c)
		}
		slices.SortStableFunc(all, byAge)
		for _, c := range all[:over] {
			delete(j.entries, c.ID())
			j.changed[c.ID()] = true
		}
	}
}

// Cookies implements http.CookieJar: the cookies to send with a request
// to u (RFC 6265 §5.4), longest path first, then oldest first.
func (j *Jar) Cookies(u *url.URL) []*http.Cookie {
	sel := j.Matching(u)
	out := make([]*http.Cookie, len(sel))
	for i, c := range sel {
		out[i] = &http.Cookie{Name: c.Name, Value: c.Value}
	}
	return out
}

// Matching returns the stored cookies a request to u carries, in the
// order they are sent.
func (j *Jar) Matching(u *url.URL) []Cookie {
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil
	}
	host, err := canonicalHost(u.Host)
	if err != nil || host == "" {
		return nil
	}
	secure, path := secureContext(u, host), requestPath(u)
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.now()
	var sel []Cookie
	for id, c := range j.entries {
		if c.expired(now) {
			delete(j.entries, id)
			j.changed[id] = true
			continue
		}
		if c.HostOnly && host != c.Domain || !c.HostOnly && !domainMatch(host, c.Domain) {
			continue
		}
		if !pathMatch(path, c.Path) || c.Secure && !secure {
			continue
		}
		sel = append(sel, c)
	}
	sortForSending(sel)
	return sel
}

// sortForSending is §5.4 step 2: longer paths first, then earlier
// creation; the name breaks remaining ties so the order is stable.
func sortForSending(cs []Cookie) {
	slices.SortFunc(cs, func(a, b Cookie) int {
		if d := len(b.Path) - len(a.Path); d != 0 {
			return d
		}
		if d := a.CreatedAt.Compare(b.CreatedAt); d != 0 {
			return d
		}
		return strings.Compare(a.ID(), b.ID())
	})
}

// ForHost returns the unexpired cookies that apply to host on any path
// (what GET /sessions/{id}/cookies/{domain} lists).
func (j *Jar) ForHost(host string) []Cookie {
	h, err := canonicalHost(strings.TrimPrefix(host, "."))
	if err != nil {
		return nil
	}
	var sel []Cookie
	for _, c := range j.All() {
		if c.Domain == h || !c.HostOnly && domainMatch(h, c.Domain) {
			sel = append(sel, c)
		}
	}
	sortForSending(sel)
	return sel
}

// All returns every unexpired cookie, sorted by domain, path and name.
func (j *Jar) All() []Cookie {
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.now()
	out := make([]Cookie, 0, len(j.entries))
	for id, c := range j.entries {
		if c.expired(now) {
			delete(j.entries, id)
			j.changed[id] = true
			continue
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Cookie) int { return strings.Compare(a.ID(), b.ID()) })
	return out
}

// Len is the number of stored cookies (expired ones included until they
// are next looked at).
func (j *Jar) Len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.entries)
}

// Put stores c as it is (a cookie set through the API, or read back from
// a browser), replacing the cookie with its ID.
func (j *Jar) Put(c Cookie) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if old, ok := j.entries[c.ID()]; ok && !old.CreatedAt.IsZero() {
		c.CreatedAt = old.CreatedAt
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = j.now()
	}
	j.entries[c.ID()] = c
	j.changed[c.ID()] = true
	j.evict(c.Domain, j.now())
}

// Remove deletes the cookies for which drop is true and returns how many.
func (j *Jar) Remove(drop func(Cookie) bool) int {
	j.mu.Lock()
	defer j.mu.Unlock()
	n := 0
	for id, c := range j.entries {
		if drop(c) {
			delete(j.entries, id)
			j.changed[id] = true
			n++
		}
	}
	return n
}

// Changes returns the cookies added or replaced and the IDs of those
// removed since the jar was built (or since the last Changes), and
// forgets them: what a store writes back.
func (j *Jar) Changes() (set []Cookie, removed []string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for id := range j.changed {
		if c, ok := j.entries[id]; ok {
			set = append(set, c)
		} else {
			removed = append(removed, id)
		}
	}
	clear(j.changed)
	slices.Sort(removed)
	slices.SortFunc(set, func(a, b Cookie) int { return strings.Compare(a.ID(), b.ID()) })
	return set, removed
}

// Domains counts the distinct domains of the stored cookies.
func (j *Jar) Domains() int {
	seen := map[string]bool{}
	for _, c := range j.All() {
		seen[c.Domain] = true
	}
	return len(seen)
}

// Sync folds a browser's view of the jar back in after a render: sent are
// the cookies the browser was given, got those it had at the end. New and
// changed cookies are stored; a sent cookie the browser no longer has was
// deleted or expired by the site and is removed.
func (j *Jar) Sync(sent, got []Cookie) {
	have := make(map[string]bool, len(got))
	for _, c := range got {
		have[c.ID()] = true
		j.mu.Lock()
		old, ok := j.entries[c.ID()]
		j.mu.Unlock()
		if ok && sameCookie(old, c) {
			continue
		}
		j.Put(c)
	}
	j.Remove(func(c Cookie) bool {
		if have[c.ID()] {
			return false
		}
		for _, s := range sent {
			if s.ID() == c.ID() {
				return true
			}
		}
		return false
	})
}

// sameCookie compares what a browser reports (not the creation time).
func sameCookie(a, b Cookie) bool {
	sameExpiry := a.Expires == nil && b.Expires == nil ||
		a.Expires != nil && b.Expires != nil && a.Expires.Truncate(time.Second).Equal(b.Expires.Truncate(time.Second))
	return a.Value == b.Value && a.HostOnly == b.HostOnly && a.Secure == b.Secure && a.HTTPOnly == b.HTTPOnly &&
		a.SameSite == b.SameSite && sameExpiry
}
