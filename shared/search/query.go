// Package search runs web searches through one interface over several
// vendors (Serper, Brave Search, SearXNG, Tavily) and deep searches: search,
// then crawl the top hits through the crawl pipeline, optionally chunk them
// and answer the query with citations through an LLM. Vendor adapters speak
// each vendor's documented wire format with net/http; keys come from a
// vendorhttp.KeySource, so a missing one is a dependency_error naming the
// variable at request time, never an empty answer.
package search

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/riptidecrawler/riptide/shared/core"
)

// Limits of a query (docs/search.md).
const (
	MaxQueryRunes = 500
	DefaultLimit  = 10
	MaxLimit      = 50
)

// Freshness restricts results to recent pages.
type Freshness string

const (
	FreshnessAny   Freshness = ""
	FreshnessDay   Freshness = "day"
	FreshnessWeek  Freshness = "week"
	FreshnessMonth Freshness = "month"
	FreshnessYear  Freshness = "year"
)

// SafeSearch filters adult content.
type SafeSearch string

const (
	SafeOff      SafeSearch = "off"
	SafeModerate SafeSearch = "moderate"
	SafeStrict   SafeSearch = "strict"
)

var (
	freshnessValues = []Freshness{FreshnessDay, FreshnessWeek, FreshnessMonth, FreshnessYear}
	safeValues      = []SafeSearch{SafeOff, SafeModerate, SafeStrict}
	// Compiled on first use (a search), not at every cold start.
	countryRE  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z]{2}$`) })
	languageRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z]{2,3}(-[a-z0-9]{2,8})?$`) })
)

// EnumValues list each enum's values for the API's JSON Schemas.
func (Freshness) EnumValues() []string {
	return []string{string(FreshnessDay), string(FreshnessWeek), string(FreshnessMonth), string(FreshnessYear)}
}
func (SafeSearch) EnumValues() []string {
	return []string{string(SafeOff), string(SafeModerate), string(SafeStrict)}
}

// Query is one web search, vendor-neutral. Country is an ISO 3166-1 alpha-2
// code ("us"), Language an ISO 639-1 code with an optional region
// ("en", "pt-br").
type Query struct {
	Text       string     `json:"query"`
	Limit      int        `json:"limit,omitempty"`
	Country    string     `json:"country,omitempty"`
	Language   string     `json:"language,omitempty"`
	Freshness  Freshness  `json:"freshness,omitempty"`
	SafeSearch SafeSearch `json:"safe_search,omitempty"`
}

// Normalize trims and lowercases q's fields, fills defaults and validates
// it. A query is refused for what would break a vendor call (control
// characters, invalid UTF-8, length), never for its words: "drop table
// syntax" is a fine thing to search for.
func (q Query) Normalize(prefix string) (Query, error) {
	var details []core.Detail
	bad := func(field, format string, args ...any) {
		details = append(details, core.Detail{Field: prefix + field, Message: fmt.Sprintf(format, args...)})
	}
	q.Text = strings.TrimSpace(q.Text)
	switch n := utf8.RuneCountInString(q.Text); {
	case !utf8.ValidString(q.Text):
		bad("query", "must be valid UTF-8")
	case n == 0:
		bad("query", "is required")
	case n > MaxQueryRunes:
		bad("query", "is %d characters long; the limit is %d", n, MaxQueryRunes)
	case strings.IndexFunc(q.Text, unicode.IsControl) >= 0:
		bad("query", "must not contain control characters (newlines, tabs, NUL, ...)")
	}
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	if q.Limit < 1 || q.Limit > MaxLimit {
		bad("limit", "must be between 1 and %d", MaxLimit)
	}
	q.Country = strings.ToLower(strings.TrimSpace(q.Country))
	if q.Country != "" && !countryRE().MatchString(q.Country) {
		bad("country", "must be an ISO 3166-1 alpha-2 code such as \"us\" or \"de\"")
	}
	q.Language = strings.ToLower(strings.TrimSpace(q.Language))
	if q.Language != "" && !languageRE().MatchString(q.Language) {
		bad("language", "must be an ISO 639-1 code such as \"en\", optionally with a region (\"pt-br\")")
	}
	if q.Freshness != FreshnessAny && !slices.Contains(freshnessValues, q.Freshness) {
		bad("freshness", "must be one of day, week, month, year")
	}
	if q.SafeSearch == "" {
		q.SafeSearch = SafeModerate
	}
	if !slices.Contains(safeValues, q.SafeSearch) {
		bad("safe_search", "must be one of off, moderate, strict")
	}
	if len(details) > 0 {
		return q, core.Errorf(core.ErrValidation, "%s: %s", details[0].Field, details[0].Message).WithDetails(details...)
	}
	return q, nil
}

// language returns the language part of q.Language ("pt" of "pt-br").
func (q Query) language() string {
	l, _, _ := strings.Cut(q.Language, "-")
	return l
}
