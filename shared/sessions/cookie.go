package sessions

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
)

// SameSite is a cookie's SameSite attribute, lowercase ("" when the site
// did not say). The browser enforces it; a crawl fetch is a top-level
// navigation typed by the user, which sends every mode.
type SameSite string

// SameSite values.
const (
	SameSiteStrict SameSite = "strict"
	SameSiteLax    SameSite = "lax"
	SameSiteNone   SameSite = "none"
)

// EnumValues lists the values for the API's JSON Schemas.
func (SameSite) EnumValues() []string {
	return []string{string(SameSiteStrict), string(SameSiteLax), string(SameSiteNone)}
}

// Cookie is one stored cookie (RFC 6265 §5.3's cookie record): what a
// session keeps between crawls, serialisable as it is.
type Cookie struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	// Domain is the canonical host (host-only) or the Domain attribute
	// without its leading dot.
	Domain string `json:"domain"`
	// HostOnly cookies go to Domain exactly; the others to Domain and
	// every host under it.
	HostOnly bool   `json:"host_only"`
	Path     string `json:"path"`
	// Expires is nil for a cookie without Expires or Max-Age: it lives
	// as long as the session.
	Expires   *time.Time `json:"expires,omitempty"`
	Secure    bool       `json:"secure"`
	HTTPOnly  bool       `json:"http_only"`
	SameSite  SameSite   `json:"same_site,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
}

// ID identifies a cookie in its jar: RFC 6265's (name, domain, path)
// triple; a cookie with the same ID replaces it.
func (c Cookie) ID() string { return c.Domain + ";" + c.Path + ";" + c.Name }

func (c Cookie) expired(now time.Time) bool { return c.Expires != nil && !c.Expires.After(now) }

// size is what counts against MaxCookieBytes (RFC 6265 §6.1: name and value).
func (c Cookie) size() int { return len(c.Name) + len(c.Value) }

// sameSiteOf maps net/http's SameSite to ours.
func sameSiteOf(s http.SameSite) SameSite {
	switch s {
	case http.SameSiteStrictMode:
		return SameSiteStrict
	case http.SameSiteLaxMode:
		return SameSiteLax
	case http.SameSiteNoneMode:
		return SameSiteNone
	}
	return ""
}

// CookieSpec is a cookie set through the API (POST /sessions/{id}/cookies),
// as a user copies it from a browser.
type CookieSpec struct {
	// Domain is the host the cookie belongs to ("shop.example.org"); a
	// leading dot is ignored.
	Domain string `json:"domain"`
	Name   string `json:"name"`
	Value  string `json:"value"`
	// Path defaults to "/".
	Path string `json:"path,omitempty"`
	// HostOnly sends the cookie to Domain only; by default it also goes
	// to every host under Domain (a Domain attribute).
	HostOnly bool `json:"host_only,omitempty"`
	// ExpiresAt (RFC 3339) or MaxAgeMS give the cookie an expiry; with
	// neither it lives as long as the session.
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	MaxAgeMS  int64      `json:"max_age_ms,omitempty"`
	// ExpiresInSeconds is the original API's name for MaxAgeMS/1000
	// (deprecated).
	ExpiresInSeconds int64    `json:"expires_in_seconds,omitempty"`
	Secure           bool     `json:"secure,omitempty"`
	HTTPOnly         bool     `json:"http_only,omitempty"`
	SameSite         SameSite `json:"same_site,omitempty"`
}

// cookie validates the spec and returns the cookie it stands for.
func (s CookieSpec) cookie(now time.Time) (Cookie, error) {
	bad := func(field, format string, args ...any) error {
		msg := fmt.Sprintf(format, args...)
		return core.Errorf(core.ErrValidation, "%s: %s", field, msg).WithDetails(core.Detail{Field: field, Message: msg})
	}
	domain, err := canonicalHost(strings.TrimPrefix(strings.TrimSpace(s.Domain), "."))
	if err != nil || domain == "" || strings.ContainsAny(domain, "/:@ ") {
		return Cookie{}, bad("domain", "a host name such as shop.example.org is required")
	}
	if !s.HostOnly && isIP(domain) {
		s.HostOnly = true // an address has no hosts under it
	}
	if !s.HostOnly && isPublicSuffix(domain) {
		return Cookie{}, bad("domain", "%s is a public suffix: a cookie for it would reach every site under it (set host_only: true for that host alone)", domain)
	}
	path := s.Path
	if path == "" {
		path = "/"
	}
	if path[0] != '/' {
		return Cookie{}, bad("path", "must start with /")
	}
	hc := &http.Cookie{Name: s.Name, Value: s.Value, Path: path}
	if err := hc.Valid(); err != nil {
		return Cookie{}, bad("name", "%v", err)
	}
	c := Cookie{Name: s.Name, Value: s.Value, Domain: domain, HostOnly: s.HostOnly, Path: path, Secure: s.Secure,
		HTTPOnly: s.HTTPOnly, CreatedAt: now}
	if c.size() > MaxCookieBytes {
		return Cookie{}, bad("value", "name and value take %d bytes, over the %d-byte limit", c.size(), MaxCookieBytes)
	}
	switch s.SameSite {
	case "", SameSiteStrict, SameSiteLax, SameSiteNone:
		c.SameSite = s.SameSite
	default:
		return Cookie{}, bad("same_site", "use strict, lax or none")
	}
	set := 0
	for _, b := range []bool{s.ExpiresAt != nil, s.MaxAgeMS != 0, s.ExpiresInSeconds != 0} {
		if b {
			set++
		}
	}
	switch {
	case set > 1:
		return Cookie{}, bad("expires_at", "give one of expires_at, max_age_ms and expires_in_seconds")
	case s.MaxAgeMS < 0 || s.ExpiresInSeconds < 0:
		return Cookie{}, bad("max_age_ms", "must be positive")
	case s.ExpiresAt != nil:
		if !s.ExpiresAt.After(now) {
			return Cookie{}, bad("expires_at", "is in the past")
		}
		t := s.ExpiresAt.UTC()
		c.Expires = &t
	case s.MaxAgeMS > 0:
		t := now.Add(time.Duration(s.MaxAgeMS) * time.Millisecond).UTC()
		c.Expires = &t
	case s.ExpiresInSeconds > 0:
		t := now.Add(time.Duration(s.ExpiresInSeconds) * time.Second).UTC()
		c.Expires = &t
	}
	return c, nil
}
