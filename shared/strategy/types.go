package strategy

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// convert turns raw text into a value of a field type.
func convert(raw, typ string, base *url.URL, dmy bool) (any, error) {
	switch typ {
	case "number":
		return parseNumber(raw)
	case "integer":
		f, err := parseNumber(raw)
		if err != nil {
			return nil, err
		}
		if f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return nil, fmt.Errorf("%v is not an integer", f)
		}
		return int64(f), nil
	case "boolean":
		return parseBool(raw)
	case "date":
		return parseDate(raw, dmy)
	case "url":
		return parseURL(raw, base)
	}
	return raw, nil
}

// numberRE finds the first number in a text: digits with the grouping
// and decimal separators of common locales (",", ".", "'", thin and
// no-break spaces).
// Compiled on first use, as are the patterns below: a function that never
// types a field should not compile them at every cold start.
var numberRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`[-+−]?\d(?:[\d,.'’\x{00a0}\x{202f} ]*\d)?`)
})

// parseNumber reads the first number in s: "$1,299.00" is 1299,
// "1.299,50 €" is 1299.5, "12,5" is 12.5. Separator rule: when both "."
// and "," occur, the last one is the decimal separator; when only one
// kind occurs once and is followed by exactly three digits, it groups
// thousands ("1,299" is 1299); otherwise it is the decimal separator.
func parseNumber(s string) (float64, error) {
	m := numberRE().FindString(s)
	if m == "" {
		return 0, fmt.Errorf("%q has no number", truncate(s, 60))
	}
	neg := strings.HasPrefix(m, "-") || strings.HasPrefix(m, "−")
	m = strings.TrimLeft(m, "+-−")
	m = strings.NewReplacer("'", "", "’", "", "\u00a0", "", "\u202f", "", " ", "").Replace(m)
	lastDot, lastComma := strings.LastIndex(m, "."), strings.LastIndex(m, ",")
	var dec byte
	switch {
	case lastDot >= 0 && lastComma >= 0:
		if lastDot > lastComma {
			dec = '.'
		} else {
			dec = ','
		}
	case lastDot >= 0 || lastComma >= 0:
		sep := byte('.')
		last := lastDot
		if lastComma >= 0 {
			sep, last = ',', lastComma
		}
		if strings.Count(m, string(sep)) == 1 && len(m)-last-1 != 3 {
			dec = sep
		} else if strings.Count(m, string(sep)) == 1 {
			dec = 0 // "1,299": thousands
		} else {
			dec = 0 // "1.299.000": grouping only
		}
	}
	var b strings.Builder
	for i := 0; i < len(m); i++ {
		switch c := m[i]; {
		case c >= '0' && c <= '9':
			b.WriteByte(c)
		case c == dec:
			b.WriteByte('.')
		}
	}
	f, err := strconv.ParseFloat(b.String(), 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%q is not a number", truncate(s, 60))
	}
	if neg {
		f = -f
	}
	return f, nil
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "1", "on", "y":
		return true, nil
	case "false", "no", "0", "off", "n":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean (true/false, yes/no, 1/0, on/off)", truncate(s, 60))
}

// parseURL resolves s against the page's base URL; the result must be an
// absolute http(s), mailto or tel URL.
func parseURL(s string, base *url.URL) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return "", fmt.Errorf("%q is not a URL", truncate(s, 60))
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	switch u.Scheme {
	case "http", "https":
		if u.Host == "" {
			return "", fmt.Errorf("%q has no host", truncate(s, 60))
		}
	case "mailto", "tel":
	case "":
		return "", fmt.Errorf("%q is relative and the page has no URL to resolve it against", truncate(s, 60))
	default:
		return "", fmt.Errorf("%q: scheme %s is not http, https, mailto or tel", truncate(s, 60), u.Scheme)
	}
	return u.String(), nil
}

// Date layouts: zoned ones are kept with their offset (RFC 3339), local
// date-times are taken as UTC, dates alone become YYYY-MM-DD.
var (
	zonedLayouts = []string{
		time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04Z07:00", "2006-01-02 15:04:05Z07:00",
		"2006-01-02 15:04:05 -0700", time.RFC1123Z, time.RFC1123, time.RFC850, "Mon, 2 Jan 2006 15:04:05 -0700",
		"Mon, 2 Jan 2006 15:04:05 MST", time.UnixDate, time.RubyDate,
	}
	localLayouts = []string{
		"2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05",
		"2006-01-02 15:04", "2006/01/02 15:04:05", "January 2, 2006 15:04", "January 2, 2006 3:04 PM", "Jan 2, 2006 3:04 PM",
	}
	dateLayouts = []string{
		"2006-01-02", "2006/01/02", "2006.01.02", "20060102", "January 2, 2006", "January 2 2006", "Jan 2, 2006",
		"Jan 2 2006", "Jan. 2, 2006", "2 January 2006", "2 Jan 2006", "2 Jan. 2006", "2. January 2006",
		"Monday, January 2, 2006", "Mon, Jan 2, 2006", "Monday, 2 January 2006", "Mon, 2 Jan 2006",
		"January 2nd, 2006", "2006-1-2",
	}
	numericDateRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$`) })
	ordinalRE     = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(\d)(st|nd|rd|th)\b`) })
)

// parseDate reads ISO 8601 / RFC 3339, RFC 1123 and common English
// formats; numeric day/month dates follow dmy (else mdy) unless one part
// is over 12.
func parseDate(s string, dmy bool) (string, error) {
	s = collapse(s)
	if s == "" || len(s) > 64 {
		return "", errors.New("not a date")
	}
	for _, l := range zonedLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.Format(time.RFC3339), nil
		}
	}
	for _, l := range localLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC().Format(time.RFC3339), nil
		}
	}
	plain := ordinalRE().ReplaceAllString(s, "$1")
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, plain); err == nil {
			return t.Format("2006-01-02"), nil
		}
	}
	if m := numericDateRE().FindStringSubmatch(s); m != nil {
		a, _ := strconv.Atoi(m[1])
		b, _ := strconv.Atoi(m[2])
		y, _ := strconv.Atoi(m[3])
		day, month := a, b
		if !dmy {
			day, month = b, a
		}
		if a > 12 && b <= 12 {
			day, month = a, b
		} else if b > 12 && a <= 12 {
			day, month = b, a
		}
		t := time.Date(y, time.Month(month), day, 0, 0, 0, 0, time.UTC)
		if month >= 1 && month <= 12 && t.Day() == day {
			return t.Format("2006-01-02"), nil
		}
	}
	return "", fmt.Errorf("%q is not a date this strategy reads (ISO 8601, RFC 1123, \"January 2, 2006\", \"2 Jan 2006\", 02/01/2006)", truncate(s, 60))
}
