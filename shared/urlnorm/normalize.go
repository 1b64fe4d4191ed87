package urlnorm

import (
	"net/url"
	"slices"
	"strings"
)

// TrailingSlash says what normalisation does with a slash ending the path.
// The root path "/" is never changed.
type TrailingSlash int

const (
	// KeepTrailingSlash leaves the path as written: `/a` and `/a/` may be
	// different pages, and often are on real sites.
	KeepTrailingSlash TrailingSlash = iota
	// RemoveTrailingSlash turns `/a/` (and `/a//`) into `/a`.
	RemoveTrailingSlash
	// AddTrailingSlash turns `/a` into `/a/`.
	AddTrailingSlash
)

// Options tunes Normalize. The zero value drops no query parameter; use
// DefaultOptions for the tracking-parameter list.
type Options struct {
	// IgnoreParams lists query parameter names dropped from the URL,
	// compared case-insensitively; a trailing `*` matches any suffix
	// (`utm_*`).
	IgnoreParams []string
	// TrailingSlash is the trailing-slash policy (default: keep).
	TrailingSlash TrailingSlash
	// KeepQueryOrder leaves query parameters in their original order
	// instead of sorting them.
	KeepQueryOrder bool
	// KeepFragment keeps the `#fragment` (normalised) instead of dropping it;
	// for sites whose routing lives in the fragment.
	KeepFragment bool
}

// DefaultIgnoreParams returns the tracking parameters dropped by default:
// they identify a click or a campaign, never a different page.
func DefaultIgnoreParams() []string {
	return []string{
		"utm_*", "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid",
		"yclid", "twclid", "ttclid", "igshid", "li_fat_id", "mc_cid", "mc_eid",
		"_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "vero_id", "oly_anon_id", "oly_enc_id",
	}
}

// DefaultOptions is what Normalize uses: tracking parameters dropped, query
// sorted, fragment dropped, trailing slash kept.
func DefaultOptions() Options {
	return Options{IgnoreParams: DefaultIgnoreParams()}
}

// Normalize returns the canonical form of raw with DefaultOptions.
func Normalize(raw string) (string, error) {
	return DefaultOptions().Normalize(raw)
}

// Normalize validates raw (see Validate) and returns its canonical form:
//   - scheme and host lowercase, host in punycode, IPv4 in dotted decimal,
//     default port (80 for http, 443 for https) removed;
//   - percent-encoding normalised: escapes of unreserved characters
//     (`A-Z a-z 0-9 - . _ ~`) decoded, other escapes in uppercase hex,
//     characters that must be escaped (space, non-ASCII, `"<>` ...) escaped,
//     a stray `%` written `%25`;
//   - dot segments resolved (`/a/./b/../c` is `/a/c`), empty path `/`;
//   - ignored query parameters removed, the rest sorted by name then value
//     (a stable sort, so repeated names keep a deterministic order), empty
//     query dropped; `+` and `%20` are left distinct because servers may
//     treat them differently;
//   - fragment removed.
//
// Normalize is idempotent: normalising its output gives the same string.
func (o Options) Normalize(raw string) (string, error) {
	u, err := Validate(raw)
	if err != nil {
		return "", err
	}
	out := o.normalizeURL(u, strings.TrimSpace(raw))
	if len(out) > MaxURLLength {
		// Escaping can lengthen a URL; refusing here keeps Normalize
		// idempotent (its output always validates).
		return "", invalid("URL is longer than %d characters once normalised", MaxURLLength)
	}
	return out, nil
}

// rawPathAndFragment cuts the path and fragment out of the URL as written.
// url.URL.EscapedPath cannot be used: when the path holds a byte Go must
// escape, Go re-escapes the whole decoded path and also escapes sub-delims
// such as "!", so the same path would come out two ways.
func rawPathAndFragment(raw string) (path, fragment string) {
	_, rest, _ := strings.Cut(raw, "://")
	rest, fragment, _ = strings.Cut(rest, "#")
	rest, _, _ = strings.Cut(rest, "?")
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		path = rest[i:]
	}
	return path, fragment
}

func (o Options) normalizeURL(u *url.URL, raw string) string {
	rawPath, rawFragment := rawPathAndFragment(raw)
	var b strings.Builder
	b.Grow(len(u.Host) + len(u.Path) + len(u.RawQuery) + 16)
	b.WriteString(u.Scheme)
	b.WriteString("://")
	host, port := u.Hostname(), u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	b.WriteString(joinHostPort(host, port))

	path := removeDotSegments(normalizeEscapes(rawPath, pathByte))
	switch o.TrailingSlash {
	case RemoveTrailingSlash:
		if trimmed := strings.TrimRight(path, "/"); trimmed != "" {
			path = trimmed
		} else {
			path = "/"
		}
	case AddTrailingSlash:
		if !strings.HasSuffix(path, "/") {
			path += "/"
		}
	}
	b.WriteString(path)

	if q := o.normalizeQuery(u.RawQuery); q != "" {
		b.WriteByte('?')
		b.WriteString(q)
	}
	if o.KeepFragment && rawFragment != "" {
		if f := normalizeEscapes(rawFragment, queryByte); f != "" {
			b.WriteByte('#')
			b.WriteString(f)
		}
	}
	return b.String()
}

type queryParam struct{ key, value, raw string }

func (o Options) normalizeQuery(raw string) string {
	if raw == "" {
		return ""
	}
	var params []queryParam
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		key, value, hasValue := strings.Cut(part, "=")
		key = normalizeEscapes(key, queryKeyByte)
		if key == "" && !hasValue {
			continue
		}
		if o.ignored(key) {
			continue
		}
		p := queryParam{key: key, raw: key}
		if hasValue {
			p.value = normalizeEscapes(value, queryByte)
			p.raw = key + "=" + p.value
		}
		params = append(params, p)
	}
	if !o.KeepQueryOrder {
		slices.SortStableFunc(params, func(a, b queryParam) int {
			if c := strings.Compare(a.key, b.key); c != 0 {
				return c
			}
			return strings.Compare(a.raw, b.raw)
		})
	}
	parts := make([]string, len(params))
	for i, p := range params {
		parts[i] = p.raw
	}
	return strings.Join(parts, "&")
}

func (o Options) ignored(key string) bool {
	if len(o.IgnoreParams) == 0 {
		return false
	}
	name, err := url.QueryUnescape(key)
	if err != nil {
		name = key
	}
	name = strings.ToLower(name)
	for _, pat := range o.IgnoreParams {
		pat = strings.ToLower(pat)
		if prefix, ok := strings.CutSuffix(pat, "*"); ok {
			if strings.HasPrefix(name, prefix) {
				return true
			}
		} else if name == pat {
			return true
		}
	}
	return false
}

// removeDotSegments applies RFC 3986 section 5.2.4 to an absolute path.
func removeDotSegments(p string) string {
	if p == "" || p == "/" {
		return "/"
	}
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	out := make([]string, 0, len(segs))
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case ".":
			if last {
				out = append(out, "")
			}
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	return "/" + strings.Join(out, "/")
}

func isUnreserved(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

func isSubDelim(c byte) bool { return strings.IndexByte("!$&'()*+,;=", c) >= 0 }

// pathByte reports the characters a path may hold unescaped (RFC 3986 pchar and "/").
func pathByte(c byte) bool {
	return isUnreserved(c) || isSubDelim(c) || c == ':' || c == '@' || c == '/'
}

// queryByte is the same for a query value or a fragment: pchar, "/" and "?",
// except "&" which separates parameters.
func queryByte(c byte) bool { return c != '&' && (pathByte(c) || c == '?') }

// queryKeyByte also escapes "=", which would end the name.
func queryKeyByte(c byte) bool { return c != '=' && queryByte(c) }

const upperHex = "0123456789ABCDEF"

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// normalizeEscapes rewrites s so that each byte is written exactly one way:
// unreserved characters literally, allowed characters as they were (literal
// or escaped, since escaping a delimiter can change meaning), everything
// else escaped in uppercase hex.
func normalizeEscapes(s string, allowed func(byte) bool) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' {
			if i+2 < len(s) {
				hi, ok1 := unhex(s[i+1])
				lo, ok2 := unhex(s[i+2])
				if ok1 && ok2 {
					v := hi<<4 | lo
					if isUnreserved(v) {
						b.WriteByte(v)
					} else {
						b.WriteByte('%')
						b.WriteByte(upperHex[v>>4])
						b.WriteByte(upperHex[v&15])
					}
					i += 2
					continue
				}
			}
			b.WriteString("%25")
			continue
		}
		if allowed(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&15])
	}
	return b.String()
}
