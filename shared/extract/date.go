package extract

import (
	"strings"
	"time"
)

// Dates come from machine-readable places only (meta tags, JSON-LD,
// <time datetime>), so a short list of layouts covers them. Free-text date
// parsing in many languages (what go-dateparser does) costs hundreds of
// milliseconds of package init and is deliberately not attempted.

var zonedLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04Z07:00",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05 Z07:00",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05 -0700 MST",
	time.RFC1123Z,
	time.RFC1123,
	time.RFC850,
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	time.UnixDate,
}

var localLayouts = []string{
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006/01/02 15:04:05",
}

var dateLayouts = []string{
	"2006-01-02",
	"2006/01/02",
	"2006.01.02",
	"02.01.2006",
	"2.1.2006",
	"20060102",
	"January 2, 2006",
	"Jan 2, 2006",
	"2 January 2006",
	"2 Jan 2006",
	"Monday, January 2, 2006",
}

// normalizeDate returns s as RFC 3339 in UTC when it carries a time (a time
// without a zone is taken as UTC), as YYYY-MM-DD when it is a date only, and
// "" when it cannot be read or is implausible.
func normalizeDate(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return ""
	}
	for _, l := range zonedLayouts {
		if t, err := time.Parse(l, s); err == nil && plausible(t) {
			return t.UTC().Format(time.RFC3339)
		}
	}
	for _, l := range localLayouts {
		if t, err := time.Parse(l, s); err == nil && plausible(t) {
			return t.Format(time.RFC3339)
		}
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil && plausible(t) {
			return t.Format("2006-01-02")
		}
	}
	// A date followed by anything else ("2021-03-08T10:00:00+01:00[Europe/Berlin]").
	if len(s) > 10 {
		if t, err := time.Parse("2006-01-02", s[:10]); err == nil && plausible(t) {
			return t.Format("2006-01-02")
		}
	}
	return ""
}

func plausible(t time.Time) bool {
	return t.Year() >= 1990 && t.Year() <= 2100
}
