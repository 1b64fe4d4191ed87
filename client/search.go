package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// SearchQuery is a web search (GET /api/v1/search, docs/search.md).
type SearchQuery struct {
	Q          string
	Limit      int    // default 10, at most 100
	Country    string // ISO 3166-1 alpha-2
	Language   string // ISO 639-1
	Freshness  string // day, week, month or year
	SafeSearch string // off, moderate or strict
	Provider   string // default: the server's configured one
}

// SearchResponse is a search's hits.
type SearchResponse struct {
	Query        string         `json:"query"`
	Provider     string         `json:"provider"`
	TotalResults int            `json:"total_results"`
	SearchTimeMS int64          `json:"search_time_ms"`
	Results      []SearchResult `json:"results"`
	Notes        []string       `json:"notes,omitempty"`
}

// SearchResult is one hit.
type SearchResult struct {
	Rank          int    `json:"rank"`
	Title         string `json:"title"`
	URL           string `json:"url"`
	Snippet       string `json:"snippet,omitempty"`
	PublishedDate string `json:"published_date,omitempty"`
}

// Search runs a web search through the server's search provider.
func (cl *Client) Search(ctx context.Context, s SearchQuery) (*SearchResponse, error) {
	q := url.Values{"q": {s.Q}}
	for k, v := range map[string]string{"country": s.Country, "language": s.Language, "freshness": s.Freshness,
		"safe_search": s.SafeSearch, "provider": s.Provider} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if s.Limit > 0 {
		q.Set("limit", strconv.Itoa(s.Limit))
	}
	var out SearchResponse
	if _, err := cl.do(ctx, call{method: http.MethodGet, path: "/search", query: q}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
