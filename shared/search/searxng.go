package search

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/vendorhttp"
)

// SearXNG is a self-hosted SearXNG instance: GET {base}/search?format=json.
// It needs no key, but the instance must enable the json format
// (settings.yml search.formats), or it answers 403.
type SearXNG struct {
	vendorClient
	BaseURL string // SEARXNG_URL; empty means not configured
}

const SearXNGURLVar = "SEARXNG_URL"

// NewSearXNG builds the adapter for the instance at baseURL (may be empty).
func NewSearXNG(baseURL string, client *http.Client) *SearXNG {
	return &SearXNG{BaseURL: baseURL, vendorClient: vendorClient{HTTP: client}}
}

func (*SearXNG) Name() string { return "searxng" }

func (s *SearXNG) Ready(context.Context) error {
	if strings.TrimSpace(s.BaseURL) == "" {
		return notConfigured("%s is not configured: set it to the base URL of a SearXNG instance with the json format enabled", SearXNGURLVar)
	}
	return nil
}

var searxngSafe = map[SafeSearch]string{SafeOff: "0", SafeModerate: "1", SafeStrict: "2"}

type searxngResponse struct {
	Results []struct {
		URL           string  `json:"url"`
		Title         string  `json:"title"`
		Content       string  `json:"content"`
		PublishedDate *string `json:"publishedDate"`
	} `json:"results"`
}

func (s *SearXNG) Search(ctx context.Context, q Query) (Response, error) {
	if err := s.Ready(ctx); err != nil {
		return Response{}, err
	}
	v := vendorhttp.Vendor{Name: "searxng"}
	p := url.Values{}
	p.Set("q", q.Text)
	p.Set("format", "json")
	p.Set("pageno", "1")
	p.Set("safesearch", searxngSafe[q.SafeSearch])
	if q.Freshness != FreshnessAny {
		p.Set("time_range", string(q.Freshness))
	}
	// SearXNG takes one locale: a language, optionally with a region.
	switch {
	case q.Language != "" && strings.Contains(q.Language, "-"):
		l, r, _ := strings.Cut(q.Language, "-")
		p.Set("language", l+"-"+strings.ToUpper(r))
	case q.Language != "" && q.Country != "":
		p.Set("language", q.Language+"-"+strings.ToUpper(q.Country))
	case q.Language != "":
		p.Set("language", q.Language)
	}
	out := Response{Provider: "searxng", Query: q.Text}
	if q.Country != "" && q.Language == "" {
		out.Notes = append(out.Notes, "searxng selects a region only together with a language: set language too")
	}
	req, err := http.NewRequest(http.MethodGet, strings.TrimRight(s.BaseURL, "/")+"/search?"+p.Encode(), nil)
	if err != nil {
		return Response{}, core.Wrap(core.ErrDependency, err, SearXNGURLVar+" is not a valid URL")
	}
	req.Header.Set("Accept", "application/json")
	raw, took, err := s.do(ctx, v, req)
	if err != nil {
		if e := core.AsError(err); e.Permanent && strings.Contains(e.Message, "HTTP 403") {
			e.Message = "searxng refused format=json (HTTP 403): enable json under search.formats in the instance's settings.yml"
		}
		return Response{}, err
	}
	var sr searxngResponse
	if err := v.DecodeJSON(raw, &sr); err != nil {
		return Response{}, err
	}
	now := s.now()
	for _, r := range sr.Results {
		if r.URL == "" {
			continue
		}
		res := Result{Title: r.Title, URL: r.URL, Snippet: r.Content}
		if r.PublishedDate != nil {
			res.PublishedDate = parsePublished(*r.PublishedDate, now)
		}
		out.Results = append(out.Results, res)
	}
	out.SearchTimeMS = took.Milliseconds()
	return finish(out, q.Limit), nil
}
