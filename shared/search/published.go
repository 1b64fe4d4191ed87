package search

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Layouts vendors use for publication dates: Brave's page_age and
// SearXNG's publishedDate are ISO 8601 (often without a zone), Tavily's
// published_date is RFC 1123-like, Serper's date is Google's display form.
var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02",
	time.RFC1123,
	time.RFC1123Z,
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 02 Jan 2006 15:04:05 MST",
	"Jan 2, 2006",
	"January 2, 2006",
	"2 Jan 2006",
	"2 January 2006",
}

// relativeRE is compiled on first use, not at every cold start of the
// functions that link search.
var relativeRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(\d+|an?)\s+(second|sec|minute|min|hour|hr|day|week|month|year)s?\s+ago$`)
})

// parsePublished reads a vendor's publication date; relative forms ("3
// days ago") are resolved against now. Unreadable values give nil: a
// missing date is better than a wrong one.
func parsePublished(s string, now time.Time) *time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			if t.Year() < 1900 {
				return nil
			}
			t = t.UTC()
			return &t
		}
	}
	m := relativeRE().FindStringSubmatch(strings.ToLower(s))
	if m == nil {
		return nil
	}
	n := 1
	if m[1] != "a" && m[1] != "an" {
		n, _ = strconv.Atoi(m[1])
	}
	var t time.Time
	switch m[2] {
	case "second", "sec":
		t = now.Add(-time.Duration(n) * time.Second)
	case "minute", "min":
		t = now.Add(-time.Duration(n) * time.Minute)
	case "hour", "hr":
		t = now.Add(-time.Duration(n) * time.Hour)
	case "day":
		t = now.AddDate(0, 0, -n)
	case "week":
		t = now.AddDate(0, 0, -7*n)
	case "month":
		t = now.AddDate(0, -n, 0)
	case "year":
		t = now.AddDate(-n, 0, 0)
	}
	t = t.UTC().Truncate(time.Second)
	return &t
}
