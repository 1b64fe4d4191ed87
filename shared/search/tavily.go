package search

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/riptidecrawler/riptide/shared/vendorhttp"
)

// Tavily: POST {base}/search with "Authorization: Bearer <key>" and a JSON
// body. Its country filter takes lowercase English country names and
// applies to the general topic only.
type Tavily struct {
	vendorClient
	BaseURL string // default DefaultTavilyURL
}

const (
	TavilyKeyVar     = "TAVILY_API_KEY"
	DefaultTavilyURL = "https://api.tavily.com"
	tavilyMaxResults = 20
)

// NewTavily builds the adapter.
func NewTavily(keys vendorhttp.KeySource, client *http.Client) *Tavily {
	return &Tavily{vendorClient: vendorClient{Keys: keys, HTTP: client}}
}

func (*Tavily) Name() string { return "tavily" }

func (t *Tavily) Ready(ctx context.Context) error {
	_, err := t.key(ctx, TavilyKeyVar)
	return err
}

type tavilyRequest struct {
	Query       string `json:"query"`
	SearchDepth string `json:"search_depth"`
	Topic       string `json:"topic"`
	MaxResults  int    `json:"max_results"`
	TimeRange   string `json:"time_range,omitempty"`
	Country     string `json:"country,omitempty"`
}

type tavilyResponse struct {
	Results []struct {
		Title         string  `json:"title"`
		URL           string  `json:"url"`
		Content       string  `json:"content"`
		PublishedDate *string `json:"published_date"`
	} `json:"results"`
}

// tavilyCountries maps ISO codes to the names Tavily accepts.
var tavilyCountries = map[string]string{
	"ar": "argentina", "at": "austria", "au": "australia", "be": "belgium", "br": "brazil", "ca": "canada",
	"ch": "switzerland", "cl": "chile", "cn": "china", "co": "colombia", "cz": "czech republic", "de": "germany",
	"dk": "denmark", "eg": "egypt", "es": "spain", "fi": "finland", "fr": "france", "gb": "united kingdom",
	"gr": "greece", "hk": "hong kong", "hu": "hungary", "id": "indonesia", "ie": "ireland", "il": "israel",
	"in": "india", "it": "italy", "jp": "japan", "kr": "south korea", "mx": "mexico", "my": "malaysia",
	"ng": "nigeria", "nl": "netherlands", "no": "norway", "nz": "new zealand", "ph": "philippines",
	"pk": "pakistan", "pl": "poland", "pt": "portugal", "ro": "romania", "ru": "russia", "sa": "saudi arabia",
	"se": "sweden", "sg": "singapore", "th": "thailand", "tr": "turkey", "tw": "taiwan", "ua": "ukraine",
	"us": "united states", "vn": "vietnam", "za": "south africa", "ae": "united arab emirates",
}

func (t *Tavily) Search(ctx context.Context, q Query) (Response, error) {
	v := vendorhttp.Vendor{Name: "tavily", KeyVar: TavilyKeyVar}
	key, err := t.key(ctx, TavilyKeyVar)
	if err != nil {
		return Response{}, err
	}
	out := Response{Provider: "tavily", Query: q.Text}
	body := tavilyRequest{Query: q.Text, SearchDepth: "basic", Topic: "general", MaxResults: min(q.Limit, tavilyMaxResults)}
	if q.Limit > tavilyMaxResults {
		out.Notes = append(out.Notes, fmt.Sprintf("tavily returns at most %d results per search", tavilyMaxResults))
	}
	if q.Freshness != FreshnessAny {
		body.TimeRange = string(q.Freshness)
	}
	if q.Country != "" {
		if name, ok := tavilyCountries[q.Country]; ok {
			body.Country = name
		} else {
			out.Notes = append(out.Notes, fmt.Sprintf("tavily does not support country %q: searched worldwide", q.Country))
		}
	}
	if q.Language != "" {
		out.Notes = append(out.Notes, "tavily has no language filter: language was not applied")
	}
	if q.SafeSearch == SafeStrict {
		out.Notes = append(out.Notes, "tavily has no safe-search setting: results are not filtered")
	}
	buf, _ := json.Marshal(body)
	req, err := http.NewRequest(http.MethodPost, strings.TrimRight(orDefault(t.BaseURL, DefaultTavilyURL), "/")+"/search", bytes.NewReader(buf))
	if err != nil {
		return Response{}, v.Malformed(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	raw, took, err := t.do(ctx, v, req)
	if err != nil {
		return Response{}, err
	}
	var tr tavilyResponse
	if err := v.DecodeJSON(raw, &tr); err != nil {
		return Response{}, err
	}
	now := t.now()
	for _, r := range tr.Results {
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
