package sessions

import (
	"net"
	"net/url"
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// canonicalHost is RFC 6265 §5.1.2's canonicalized host name: lowercase,
// A-labels for internationalised names, without port or trailing dot.
func canonicalHost(host string) (string, error) {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSuffix(host, "]"), "["), ".")
	if isIP(host) {
		return strings.ToLower(host), nil
	}
	return idna.Lookup.ToASCII(strings.ToLower(host))
}

func isIP(host string) bool { return net.ParseIP(host) != nil }

// domainMatch is RFC 6265 §5.1.3: host equals domain, or ends with
// "."+domain and is a host name (an IP address only matches itself).
func domainMatch(host, domain string) bool {
	if host == domain {
		return true
	}
	return !isIP(host) && len(host) > len(domain) && strings.HasSuffix(host, domain) && host[len(host)-len(domain)-1] == '.'
}

// pathMatch is RFC 6265 §5.1.4.
func pathMatch(requestPath, cookiePath string) bool {
	if requestPath == cookiePath {
		return true
	}
	if !strings.HasPrefix(requestPath, cookiePath) {
		return false
	}
	return strings.HasSuffix(cookiePath, "/") || requestPath[len(cookiePath)] == '/'
}

// defaultPath is RFC 6265 §5.1.4's default-path of a request URI path: the
// directory of the path, "/" when there is none.
func defaultPath(p string) string {
	if p == "" || p[0] != '/' {
		return "/"
	}
	i := strings.LastIndex(p, "/")
	if i == 0 {
		return "/"
	}
	return p[:i]
}

// isPublicSuffix reports whether domain is a public suffix ("com",
// "co.uk", "github.io"): a cookie for it would reach every site under it,
// so only a host-only cookie of that very host may have it (RFC 6265 §5.3
// step 5). Names the list does not know count as their last label, as in
// browsers.
func isPublicSuffix(domain string) bool {
	if isIP(domain) {
		return false
	}
	ps, _ := publicsuffix.PublicSuffix(domain)
	return ps == domain
}

// secureContext reports whether a URL may receive and set Secure cookies:
// https, and loopback hosts as browsers treat them (potentially
// trustworthy origins), so a local fixture site behaves like the real one.
func secureContext(u *url.URL, host string) bool {
	if u.Scheme == "https" {
		return true
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// requestPath is the path of u used for matching ("/" when empty).
func requestPath(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		return "/"
	}
	return p
}
