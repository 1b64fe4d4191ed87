package spider

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"golang.org/x/net/publicsuffix"
)

// Skip reasons, as counted in Status.Skipped.
const (
	SkipRobots           = "robots"
	SkipOutOfScope       = "out_of_scope"
	SkipExcluded         = "excluded"
	SkipMaxDepth         = "max_depth"
	SkipContentType      = "content_type"
	SkipDuplicateContent = "duplicate_content"
	SkipNoFollow         = "nofollow"
	SkipInvalidURL       = "invalid_url"
	SkipSitemapOld       = "sitemap_lastmod"
)

// SkipReasons lists every skip reason, in a stable order.
var SkipReasons = []string{SkipRobots, SkipOutOfScope, SkipExcluded, SkipMaxDepth, SkipContentType,
	SkipDuplicateContent, SkipNoFollow, SkipInvalidURL, SkipSitemapOld}

// scope decides which URLs a run may crawl.
type scope struct {
	// mu guards hosts and domains, which grow when a seed redirects to
	// another host (example.com -> www.example.com).
	mu           sync.RWMutex
	mode         ScopeMode
	hosts        map[string]bool // seed hosts (host:port) for same_host
	domains      map[string]bool // seed registrable domains for same_domain
	include      []*regexp.Regexp
	exclude      []*regexp.Regexp
	contentTypes map[string]bool
}

func newScope(seeds []string, o Options) (*scope, error) {
	s := &scope{mode: o.Scope, hosts: map[string]bool{}, domains: map[string]bool{}, contentTypes: map[string]bool{}}
	for _, seed := range seeds {
		u, err := url.Parse(seed)
		if err != nil {
			return nil, err
		}
		s.hosts[u.Host] = true
		s.domains[registrableDomain(u.Hostname())] = true
	}
	for _, p := range o.Include {
		re, err := compilePattern(p)
		if err != nil {
			return nil, err
		}
		s.include = append(s.include, re)
	}
	for _, p := range o.Exclude {
		re, err := compilePattern(p)
		if err != nil {
			return nil, err
		}
		s.exclude = append(s.exclude, re)
	}
	for _, ct := range o.ContentTypes {
		s.contentTypes[ct] = true
	}
	return s, nil
}

// registrableDomain is eTLD+1 ("example.co.uk"); an IP address or a name
// that is itself a public suffix stands for itself.
func registrableDomain(host string) string {
	d, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return host
	}
	return d
}

// check returns the skip reason for a canonical URL, or "" when it is in
// scope. Seeds pass the host rule by construction; include patterns do not
// apply to them (isSeed).
func (s *scope) check(u *url.URL, isSeed bool) string {
	s.mu.RLock()
	inHost, inDomain := s.hosts[u.Host], s.domains[registrableDomain(u.Hostname())]
	s.mu.RUnlock()
	switch s.mode {
	case SameHost:
		if !inHost {
			return SkipOutOfScope
		}
	case SameDomain:
		if !inDomain {
			return SkipOutOfScope
		}
	}
	if isSeed {
		return ""
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	for _, re := range s.exclude {
		if re.MatchString(p) {
			return SkipExcluded
		}
	}
	if len(s.include) > 0 {
		for _, re := range s.include {
			if re.MatchString(p) {
				return ""
			}
		}
		return SkipExcluded
	}
	return ""
}

// addSeedHost admits the host a seed redirected to, as if it were a seed.
func (s *scope) addSeedHost(host string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hosts[host] = true
	h := host
	if hn, _, err := net.SplitHostPort(host); err == nil {
		h = hn
	}
	s.domains[registrableDomain(strings.Trim(h, "[]"))] = true
}

// acceptsType reports whether a page of this media type is kept. An empty
// type (no header, nothing sniffed) is kept: the pipeline decided to
// return it.
func (s *scope) acceptsType(ct string) bool {
	return ct == "" || len(s.contentTypes) == 0 || s.contentTypes[ct]
}

// compilePattern turns an include/exclude pattern into a regexp matched
// against the whole path: "re:<expr>" is a regular expression (unanchored,
// as written); anything else is a glob where "**" matches across slashes,
// "*" within one segment and "?" one character.
func compilePattern(p string) (*regexp.Regexp, error) {
	if p == "" {
		return nil, fmt.Errorf("empty pattern")
	}
	if expr, ok := strings.CutPrefix(p, "re:"); ok {
		re, err := regexp.Compile(expr)
		if err != nil {
			return nil, fmt.Errorf("invalid regular expression: %v", err)
		}
		return re, nil
	}
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '*':
			if i+1 < len(p) && p[i+1] == '*' {
				b.WriteString(".*")
				i++
			} else {
				b.WriteString("[^/]*")
			}
		case '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}
