package urlnorm

import (
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/net/idna"
)

// hostProfile follows the WHATWG URL standard's domain-to-ASCII: UTS #46
// mapping (case, width, compatibility forms), non-transitional, hyphens and
// underscores allowed as browsers allow them. It is read-only.
var hostProfile = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.Transitional(false),
	idna.StrictDomainName(false),
	idna.CheckHyphens(false),
)

// CanonicalHost returns the canonical spelling of a URL host (without
// brackets or port): IPv6 in RFC 5952 form, IPv4 in dotted decimal whatever
// legacy form it was written in, names lowercased and converted to punycode
// with the trailing dot removed. Hosts a browser would refuse are refused
// with core.ErrInvalidURL.
func CanonicalHost(h string) (string, error) {
	if h == "" {
		return "", invalid("URL has no host")
	}
	if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
		h = h[1 : len(h)-1]
	}
	if strings.Contains(h, ":") {
		a, err := netip.ParseAddr(h)
		if err != nil || !a.Is6() {
			return "", invalid("invalid IPv6 address %q", h)
		}
		if a.Zone() != "" {
			return "", invalid("IPv6 zone identifiers are not allowed in URLs")
		}
		return a.String(), nil
	}
	ascii, err := hostProfile.ToASCII(strings.ToLower(h))
	if err != nil {
		return "", invalid("invalid host name %q: %v", h, err)
	}
	ascii = strings.TrimSuffix(ascii, ".")
	if ascii == "" {
		return "", invalid("invalid host name %q", h)
	}
	if endsInNumber(ascii) {
		a, ok := parseIPv4(ascii)
		if !ok {
			return "", invalid("invalid IPv4 address %q", h)
		}
		return a.String(), nil
	}
	if len(ascii) > 253 {
		return "", invalid("host name is longer than 253 characters")
	}
	for _, label := range strings.Split(ascii, ".") {
		if label == "" {
			return "", invalid("host name %q has an empty label", h)
		}
		if len(label) > 63 {
			return "", invalid("host name %q has a label longer than 63 characters", h)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return "", invalid("host name %q contains %q", h, string(rune(c)))
			}
		}
	}
	return ascii, nil
}

// endsInNumber is the WHATWG test that makes a host an IPv4 address: its
// last label is a number (decimal, or hexadecimal with 0x).
func endsInNumber(h string) bool {
	parts := strings.Split(h, ".")
	last := parts[len(parts)-1]
	if last == "" {
		if len(parts) == 1 {
			return false
		}
		last = parts[len(parts)-2]
	}
	if last == "" {
		return false
	}
	if strings.Trim(last, "0123456789") == "" {
		return true
	}
	_, ok := parseIPv4Number(last)
	return ok
}

// parseIPv4 implements the WHATWG IPv4 parser: one to four parts, each
// decimal, octal (leading 0) or hexadecimal (0x); the last part fills the
// remaining bytes, so `127.1` is 127.0.0.1 and `2130706433` is too.
func parseIPv4(h string) (netip.Addr, bool) {
	parts := strings.Split(h, ".")
	if parts[len(parts)-1] == "" && len(parts) > 1 {
		parts = parts[:len(parts)-1]
	}
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		n, ok := parseIPv4Number(p)
		if !ok {
			return netip.Addr{}, false
		}
		nums[i] = n
	}
	for _, n := range nums[:len(nums)-1] {
		if n > 255 {
			return netip.Addr{}, false
		}
	}
	last := nums[len(nums)-1]
	if last >= 1<<(8*(5-len(nums))) {
		return netip.Addr{}, false
	}
	v := last
	for i, n := range nums[:len(nums)-1] {
		v += n << (8 * (3 - i))
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

func parseIPv4Number(s string) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	base := 10
	switch {
	case len(s) >= 2 && (s[:2] == "0x" || s[:2] == "0X"):
		s, base = s[2:], 16
		if s == "" {
			return 0, true
		}
	case len(s) >= 2 && s[0] == '0':
		s, base = s[1:], 8
	}
	// Bound the length so huge digit strings cannot overflow quietly.
	if len(s) > 32 {
		return 0, false
	}
	n, err := strconv.ParseUint(s, base, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}
