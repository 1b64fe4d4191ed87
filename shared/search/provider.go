package search

import (
	"context"
	"time"
)

// Provider is one search vendor.
type Provider interface {
	// Name is the provider's id in requests and configuration ("serper").
	Name() string
	// Ready returns nil when the provider has what it needs (a key, a base
	// URL), else the dependency_error that names the missing variable.
	Ready(ctx context.Context) error
	// Search runs q (already normalised) and returns at most q.Limit
	// results in the vendor's rank order.
	Search(ctx context.Context, q Query) (Response, error)
}

// Response is the vendor-neutral answer to a search.
type Response struct {
	Provider string   `json:"provider"`
	Query    string   `json:"query"`
	Results  []Result `json:"results"`
	// SearchTimeMS is the time the vendor call took.
	SearchTimeMS int64 `json:"search_time_ms"`
	// Notes say which parts of the query this provider could not honour
	// (a filter it lacks, a limit above its maximum).
	Notes []string `json:"notes,omitempty"`
}

// Result is one hit, normalised across vendors.
type Result struct {
	Rank    int    `json:"rank"` // 1-based
	Title   string `json:"title"`
	URL     string `json:"url"`
	Snippet string `json:"snippet,omitempty"`
	// PublishedDate is when the page was published, when the vendor says
	// (RFC 3339; vendors giving "3 days ago" are resolved against the time
	// of the search).
	PublishedDate *time.Time `json:"published_date,omitempty"`
}
