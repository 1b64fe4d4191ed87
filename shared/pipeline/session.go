package pipeline

import (
	"context"
	"strings"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/render"
	"github.com/riptidecrawler/riptide/shared/sessions"
)

// CheckSession reports whether the caller of ctx may crawl with session
// id, so a request naming a missing or foreign session is refused before
// anything is fetched ("" is no session: nil).
func (p *Pipeline) CheckSession(ctx context.Context, id string) error {
	if id == "" {
		return nil
	}
	if p.Sessions == nil {
		return core.Errorf(core.ErrNotImplemented, "session_id: sessions are not available in this deployment")
	}
	return p.Sessions.Check(ctx, id)
}

// openSession lends the session's jar to one page (nil for no session).
func (p *Pipeline) openSession(ctx context.Context, id string) (*sessions.Lease, error) {
	if id == "" {
		return nil, nil
	}
	if p.Sessions == nil {
		return nil, core.Errorf(core.ErrNotImplemented, "session_id: sessions are not available in this deployment")
	}
	return p.Sessions.Open(ctx, id)
}

// saveSession writes the page's cookies back even when the page ran out
// of time: a login that worked must not be lost with the extraction.
func (p *Pipeline) saveSession(ctx context.Context, lease *sessions.Lease) error {
	if lease == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	return p.Sessions.Save(ctx, lease)
}

// browserCookies are the session's cookies as the browser takes them:
// the browser does its own matching, so it gets them all (a login
// redirect to another host of the site needs them).
func browserCookies(lease *sessions.Lease) []render.Cookie {
	if lease == nil {
		return nil
	}
	all := lease.Jar.All()
	out := make([]render.Cookie, len(all))
	for i, c := range all {
		out[i] = toBrowser(c)
	}
	return out
}

// keepBrowserCookies folds the browser's cookies after a render back into
// the session: new and changed ones are stored, and the session cookies
// it was given that it no longer has (the site deleted them) are removed.
func keepBrowserCookies(lease *sessions.Lease, sent, got []render.Cookie) {
	if lease == nil {
		return
	}
	given := make([]sessions.Cookie, len(sent))
	for i, c := range sent {
		given[i] = fromBrowser(c)
	}
	after := make([]sessions.Cookie, len(got))
	for i, c := range got {
		after[i] = fromBrowser(c)
	}
	lease.Jar.Sync(given, after)
}

// toBrowser: a domain cookie's Domain has its leading dot, a host-only
// cookie is tied to its host, as Chromium reports and takes them.
func toBrowser(c sessions.Cookie) render.Cookie {
	rc := render.Cookie{Name: c.Name, Value: c.Value, Domain: "." + c.Domain, Path: c.Path, Expires: c.Expires,
		HTTPOnly: c.HTTPOnly, Secure: c.Secure, SameSite: string(c.SameSite)}
	if c.HostOnly {
		rc.Domain, rc.HostOnly = c.Domain, true
	}
	return rc
}

func fromBrowser(rc render.Cookie) sessions.Cookie {
	c := sessions.Cookie{Name: rc.Name, Value: rc.Value, Domain: strings.ToLower(strings.TrimPrefix(rc.Domain, ".")), Path: rc.Path,
		Expires: rc.Expires, HTTPOnly: rc.HTTPOnly, Secure: rc.Secure, SameSite: sessions.SameSite(strings.ToLower(rc.SameSite))}
	c.HostOnly = rc.HostOnly || !strings.HasPrefix(rc.Domain, ".")
	if c.Path == "" {
		c.Path = "/"
	}
	switch c.SameSite {
	case sessions.SameSiteStrict, sessions.SameSiteLax, sessions.SameSiteNone:
	default:
		c.SameSite = ""
	}
	return c
}
