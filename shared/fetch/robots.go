package fetch

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/temoto/robotstxt"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/urlnorm"
)

// robotsMaxBytes is how much of a robots.txt is read; RFC 9309 asks
// crawlers to parse at least 500 KiB.
const robotsMaxBytes = 512 << 10

// RobotsInfo is what a site's robots.txt says to RipTide.
type RobotsInfo struct {
	URL        string        // the robots.txt URL
	Status     int           // its HTTP status (after redirects)
	Allowed    bool          // whether the URL asked about may be fetched
	CrawlDelay time.Duration // Crawl-delay for our user agent (0: none)
	Sitemaps   []string      // Sitemap lines, absolute URLs as written
	FetchedAt  time.Time
}

type robotsEntry struct {
	done        chan struct{}
	url         string
	status      int
	data        *robotstxt.RobotsData // nil: no rules (allow all)
	disallowAll bool                  // 5xx or 429: the host is off limits for a while
	fetched     time.Time
	expires     time.Time
	err         error // not cached: the next caller tries again
}

// robotsCache holds one robots.txt per scheme://host:port, fetching each
// once even when many requests for the host arrive together.
type robotsCache struct {
	mu      sync.Mutex
	entries map[string]*robotsEntry
	max     int
}

func robotsKey(u *url.URL) string { return u.Scheme + "://" + u.Host }

// robotsAgent extracts the product token robots.txt groups are matched
// against (RFC 9309 section 2.2.1): "RipTideBot/1.0 (+...)" gives "riptidebot".
func robotsAgent(ua string) string {
	end := strings.IndexFunc(ua, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_' || r == '-')
	})
	if end >= 0 {
		ua = ua[:end]
	}
	return strings.ToLower(ua)
}

func (f *Fetcher) robotsFor(ctx context.Context, u *url.URL, c *call) (*robotsEntry, error) {
	key := robotsKey(u)
	rc := f.robots
	for {
		rc.mu.Lock()
		e := rc.entries[key]
		if e != nil {
			select {
			case <-e.done:
				if e.err == nil && time.Now().Before(e.expires) {
					rc.mu.Unlock()
					return e, nil
				}
				delete(rc.entries, key)
				e = nil
			default:
				rc.mu.Unlock()
				select {
				case <-e.done:
					continue
				case <-ctx.Done():
					return nil, classify(ctx, "GET "+key+"/robots.txt", context.Cause(ctx)).err
				}
			}
		}
		e = &robotsEntry{done: make(chan struct{})}
		rc.entries[key] = e
		rc.evictLocked()
		rc.mu.Unlock()

		f.loadRobots(ctx, u, c, e)
		close(e.done)
		if e.err != nil {
			rc.mu.Lock()
			if rc.entries[key] == e {
				delete(rc.entries, key)
			}
			rc.mu.Unlock()
			return nil, e.err
		}
		return e, nil
	}
}

// evictLocked keeps the cache within its size: expired entries go first,
// then any finished ones.
func (rc *robotsCache) evictLocked() {
	if len(rc.entries) <= rc.max {
		return
	}
	now := time.Now()
	for k, e := range rc.entries {
		select {
		case <-e.done:
			if now.After(e.expires) {
				delete(rc.entries, k)
			}
		default:
		}
	}
	for k, e := range rc.entries {
		if len(rc.entries) <= rc.max {
			return
		}
		select {
		case <-e.done:
			delete(rc.entries, k)
		default:
		}
	}
}

// loadRobots fetches and interprets robots.txt per RFC 9309: 2xx is parsed;
// 4xx (except 429) means no rules; 5xx and 429 mean "disallow everything"
// for RobotsErrorTTL; a redirect chain too long or to a refused URL counts
// as unavailable (no rules). Network errors and timeouts are returned as
// they are and not cached: the page itself would fail the same way, and
// the client deserves the real cause rather than a robots verdict.
func (f *Fetcher) loadRobots(ctx context.Context, u *url.URL, c *call, e *robotsEntry) {
	ru := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/robots.txt"}
	e.url = ru.String()
	rcall := *c
	rcall.robots = false
	rcall.maxRedirects = 5
	rcall.maxBody = robotsMaxBytes
	rcall.header = c.header.Clone()
	rcall.header.Set("Accept", "text/plain,*/*;q=0.5")
	rcall.header.Del("Authorization")
	fr, err := f.follow(ctx, ru, &rcall)
	now := time.Now()
	e.fetched = now
	e.expires = now.Add(f.opts.RobotsTTL)
	if err != nil {
		var ce *core.Error
		switch {
		case errors.Is(err, errTooManyRedirects), errors.As(err, &ce) && ce.Type == core.ErrInvalidURL:
			f.log.InfoContext(ctx, "robots.txt unavailable, no rules", "url", e.url, "reason", err.Error())
			return
		}
		e.err = robotsError(err)
		return
	}
	res := fr.res
	e.status = res.status
	switch {
	case res.status >= 200 && res.status < 300:
		body := res.body
		if res.truncated {
			// Parse whole lines only.
			if i := strings.LastIndexByte(string(body), '\n'); i >= 0 {
				body = body[:i+1]
			}
		}
		data, perr := robotstxt.FromBytes(body)
		if perr != nil {
			f.log.InfoContext(ctx, "robots.txt unparsable, no rules", "url", e.url, "error", perr.Error())
			return
		}
		e.data = data
	case res.status == http.StatusTooManyRequests || res.status >= 500:
		e.disallowAll = true
		e.expires = now.Add(f.opts.RobotsErrorTTL)
	}
}

func robotsError(err error) error {
	ce := core.AsError(err)
	if ce.Type == core.ErrBlockedURL {
		return ce
	}
	return &core.Error{Type: ce.Type, Message: "robots.txt: " + ce.Message, Cause: ce.Cause,
		RetryAfterSeconds: ce.RetryAfterSeconds}
}

// robotsPath is what robots.txt rules are matched against: path and query.
func robotsPath(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return p
}

func (f *Fetcher) checkRobots(ctx context.Context, u *url.URL, c *call) error {
	if u.Path == "/robots.txt" {
		return nil
	}
	e, err := f.robotsFor(ctx, u, c)
	if err != nil {
		return err
	}
	if e.disallowAll {
		return core.Errorf(core.ErrRobotsDisallowed,
			"%s answered HTTP %d; %s is off limits until it can be read (RFC 9309)", e.url, e.status, u.Host)
	}
	if e.data != nil && !e.data.FindGroup(c.agent).Test(robotsPath(u)) {
		return core.Errorf(core.ErrRobotsDisallowed, "%s disallows %s for %s", e.url, robotsPath(u), c.agent)
	}
	return nil
}

// Robots returns what the robots.txt of rawURL's site says: whether rawURL
// may be fetched, the Crawl-delay and the Sitemap lines. It shares the
// cache Fetch uses, and fetches robots.txt through the same guarded client.
func (f *Fetcher) Robots(ctx context.Context, rawURL string) (*RobotsInfo, error) {
	u, err := urlnorm.Validate(rawURL)
	if err != nil {
		return nil, err
	}
	c, err := f.newCall(Request{URL: rawURL}, u)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeoutCause(ctx, f.opts.Timeout, &totalTimeoutError{f.opts.Timeout})
	defer cancel()
	e, err := f.robotsFor(ctx, u, c)
	if err != nil {
		return nil, err
	}
	info := &RobotsInfo{URL: e.url, Status: e.status, FetchedAt: e.fetched, Allowed: !e.disallowAll}
	if e.data != nil {
		g := e.data.FindGroup(c.agent)
		info.Allowed = u.Path == "/robots.txt" || g.Test(robotsPath(u))
		info.CrawlDelay = g.CrawlDelay
		info.Sitemaps = append([]string(nil), e.data.Sitemaps...)
	}
	return info, nil
}
