// Package urlnorm validates the URLs users hand to RipTide and normalises
// them into one canonical spelling, so that the cache, the spider's seen set
// and the frontier agree on when two URLs are the same page.
//
// Validation parses the URL; it never looks for substrings (the original
// service refused `/v10.2/` because it contained "10." and `data.json`
// because it contained ".js"). Which addresses may be fetched is not decided
// here but by the fetch package's SSRF guard, on the resolved IP.
package urlnorm

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/riptidecrawler/riptide/shared/core"
)

// MaxURLLength is the longest URL accepted, in bytes.
const MaxURLLength = 2048

// Validate checks that raw is a URL RipTide may be asked to fetch and returns
// it parsed, with the host in canonical form: lowercase, IDNA to punycode,
// trailing dot removed, and IPv4 addresses written in any of the legacy forms
// browsers accept (`2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1`) rewritten
// as dotted decimal. Rewriting them, rather than passing them to a resolver,
// means the SSRF guard judges the address a browser would reach.
//
// The error is a core.ErrInvalidURL whose message names the problem.
func Validate(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, invalid("URL is empty")
	}
	if len(raw) > MaxURLLength {
		return nil, invalid("URL is longer than %d characters", MaxURLLength)
	}
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c < 0x20 || c == 0x7f || c == ' ' {
			return nil, invalid("URL contains a control character or space at byte %d", i)
		}
		if raw[i] == '\\' {
			// WHATWG parsers read `\` as `/` in http(s) URLs and Go does not:
			// `http://a.com\@127.0.0.1/` would be two different hosts to two
			// different parsers, so refuse it rather than guess.
			return nil, invalid("URL contains a backslash")
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, invalid("cannot parse URL: %s", parseReason(err))
	}
	if u.Scheme == "" {
		return nil, invalid("URL is not absolute (no scheme)")
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, invalid("scheme must be http or https, got %q", u.Scheme)
	}
	if u.Opaque != "" {
		return nil, invalid("URL has no host (write %s://host/...)", u.Scheme)
	}
	if u.User != nil {
		return nil, invalid("URL must not contain a user name or password")
	}
	if u.Host == "" {
		return nil, invalid("URL has no host")
	}
	host, err := CanonicalHost(u.Hostname())
	if err != nil {
		return nil, err
	}
	port := u.Port()
	if strings.HasSuffix(u.Host, ":") && port == "" {
		port = "" // "http://x:/" means the default port.
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return nil, invalid("invalid port %q", port)
		}
		port = strconv.Itoa(n)
	}
	u.Host = joinHostPort(host, port)
	return u, nil
}

func joinHostPort(host, port string) string {
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port == "" {
		return host
	}
	return host + ":" + port
}

func invalid(format string, args ...any) *core.Error {
	return core.Errorf(core.ErrInvalidURL, format, args...)
}

// parseReason strips the URL (which the client already has) from a url.Error.
func parseReason(err error) string {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err.Error()
	}
	return fmt.Sprint(err)
}
