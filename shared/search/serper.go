package search

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/riptidecrawler/riptide/shared/vendorhttp"
)

// Serper (serper.dev, Google results): POST {base}/search with the key in
// X-API-KEY and a JSON body {q, num, gl, hl, tbs}.
type Serper struct {
	vendorClient
	BaseURL string // default DefaultSerperURL
}

const (
	SerperKeyVar     = "SERPER_API_KEY"
	DefaultSerperURL = "https://google.serper.dev"
	serperMaxResults = 100
)

// NewSerper builds the adapter; nothing is dialled until the first search.
func NewSerper(keys vendorhttp.KeySource, client *http.Client) *Serper {
	return &Serper{vendorClient: vendorClient{Keys: keys, HTTP: client}}
}

func (*Serper) Name() string { return "serper" }

func (s *Serper) Ready(ctx context.Context) error {
	_, err := s.key(ctx, SerperKeyVar)
	return err
}

// serperRequest is the documented request body.
type serperRequest struct {
	Q   string `json:"q"`
	Num int    `json:"num,omitempty"`
	GL  string `json:"gl,omitempty"`
	HL  string `json:"hl,omitempty"`
	TBS string `json:"tbs,omitempty"`
}

type serperResponse struct {
	Organic []struct {
		Title    string `json:"title"`
		Link     string `json:"link"`
		Snippet  string `json:"snippet"`
		Date     string `json:"date"`
		Position int    `json:"position"`
	} `json:"organic"`
}

// Google's qdr time filters.
var serperTBS = map[Freshness]string{FreshnessDay: "qdr:d", FreshnessWeek: "qdr:w", FreshnessMonth: "qdr:m", FreshnessYear: "qdr:y"}

func (s *Serper) Search(ctx context.Context, q Query) (Response, error) {
	v := vendorhttp.Vendor{Name: "serper", KeyVar: SerperKeyVar}
	key, err := s.key(ctx, SerperKeyVar)
	if err != nil {
		return Response{}, err
	}
	out := Response{Provider: "serper", Query: q.Text}
	body := serperRequest{Q: q.Text, Num: min(q.Limit, serperMaxResults), GL: q.Country, HL: q.Language, TBS: serperTBS[q.Freshness]}
	if q.SafeSearch == SafeStrict {
		out.Notes = append(out.Notes, "serper has no safe-search setting: results are not filtered")
	}
	buf, _ := json.Marshal(body)
	req, err := http.NewRequest(http.MethodPost, strings.TrimRight(orDefault(s.BaseURL, DefaultSerperURL), "/")+"/search", bytes.NewReader(buf))
	if err != nil {
		return Response{}, v.Malformed(err)
	}
	req.Header.Set("X-API-KEY", key)
	req.Header.Set("Content-Type", "application/json")
	raw, took, err := s.do(ctx, v, req)
	if err != nil {
		return Response{}, err
	}
	var sr serperResponse
	if err := v.DecodeJSON(raw, &sr); err != nil {
		return Response{}, err
	}
	now := s.now()
	for _, o := range sr.Organic {
		if o.Link == "" {
			continue
		}
		out.Results = append(out.Results, Result{Title: o.Title, URL: o.Link, Snippet: o.Snippet, PublishedDate: parsePublished(o.Date, now)})
	}
	out.SearchTimeMS = took.Milliseconds()
	return finish(out, q.Limit), nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// finish ranks results 1..n after dropping duplicates and cutting to limit.
func finish(r Response, limit int) Response {
	seen := map[string]bool{}
	kept := r.Results[:0]
	for _, res := range r.Results {
		if seen[res.URL] {
			continue
		}
		seen[res.URL] = true
		kept = append(kept, res)
	}
	if len(kept) > limit {
		kept = kept[:limit]
	}
	for i := range kept {
		kept[i].Rank = i + 1
	}
	if kept == nil {
		kept = []Result{}
	}
	r.Results = kept
	return r
}
