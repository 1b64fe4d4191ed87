package search

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/vendorhttp"
)

// Brave is the Brave Search API: GET {base}/res/v1/web/search with the key
// in X-Subscription-Token and the query in URL parameters.
type Brave struct {
	vendorClient
	BaseURL string // default DefaultBraveURL
}

const (
	BraveKeyVar     = "BRAVE_API_KEY"
	DefaultBraveURL = "https://api.search.brave.com"
	braveMaxResults = 20
)

// NewBrave builds the adapter.
func NewBrave(keys vendorhttp.KeySource, client *http.Client) *Brave {
	return &Brave{vendorClient: vendorClient{Keys: keys, HTTP: client}}
}

func (*Brave) Name() string { return "brave" }

func (b *Brave) Ready(ctx context.Context) error {
	_, err := b.key(ctx, BraveKeyVar)
	return err
}

// Countries and search languages Brave accepts (its web search reference).
var (
	braveCountries = strings.Fields("AR AU AT BE BR CA CL DK FI FR DE HK IN ID IT JP KR MY MX NL NZ NO CN PL PT PH RU SA ZA ES SE CH TW TR GB US")
	braveLanguages = strings.Fields("ar eu bn bg ca zh-hans zh-hant hr cs da nl en en-gb et fi fr gl de gu he hi hu is it jp kn ko lv lt ms ml mr nb pl pt-br pt-pt pa ro ru sr sk sl es sv ta te th tr uk vi")
	// ISO codes whose Brave spelling differs.
	braveLanguageAlias = map[string]string{"ja": "jp", "zh": "zh-hans", "zh-cn": "zh-hans", "zh-tw": "zh-hant", "zh-hk": "zh-hant", "pt": "pt-pt", "no": "nb"}
	braveFreshness     = map[Freshness]string{FreshnessDay: "pd", FreshnessWeek: "pw", FreshnessMonth: "pm", FreshnessYear: "py"}
)

type braveResponse struct {
	Web struct {
		Results []struct {
			Title       string `json:"title"`
			URL         string `json:"url"`
			Description string `json:"description"`
			PageAge     string `json:"page_age"`
			Age         string `json:"age"`
		} `json:"results"`
	} `json:"web"`
}

func (b *Brave) Search(ctx context.Context, q Query) (Response, error) {
	v := vendorhttp.Vendor{Name: "brave", KeyVar: BraveKeyVar}
	key, err := b.key(ctx, BraveKeyVar)
	if err != nil {
		return Response{}, err
	}
	out := Response{Provider: "brave", Query: q.Text}
	p := url.Values{}
	p.Set("q", q.Text)
	p.Set("count", strconv.Itoa(min(q.Limit, braveMaxResults)))
	if q.Limit > braveMaxResults {
		out.Notes = append(out.Notes, fmt.Sprintf("brave returns at most %d results per search", braveMaxResults))
	}
	if q.Country != "" {
		if c := strings.ToUpper(q.Country); slices.Contains(braveCountries, c) {
			p.Set("country", c)
		} else {
			out.Notes = append(out.Notes, fmt.Sprintf("brave does not support country %q: searched worldwide", q.Country))
		}
	}
	if q.Language != "" {
		lang := q.Language
		if a, ok := braveLanguageAlias[lang]; ok {
			lang = a
		}
		if !slices.Contains(braveLanguages, lang) && slices.Contains(braveLanguages, q.language()) {
			lang = q.language()
		}
		if slices.Contains(braveLanguages, lang) {
			p.Set("search_lang", lang)
		} else {
			out.Notes = append(out.Notes, fmt.Sprintf("brave does not support language %q: no language filter", q.Language))
		}
	}
	p.Set("safesearch", string(q.SafeSearch))
	if f := braveFreshness[q.Freshness]; f != "" {
		p.Set("freshness", f)
	}
	p.Set("text_decorations", "false")
	req, err := http.NewRequest(http.MethodGet, strings.TrimRight(orDefault(b.BaseURL, DefaultBraveURL), "/")+"/res/v1/web/search?"+p.Encode(), nil)
	if err != nil {
		return Response{}, v.Malformed(err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Subscription-Token", key)
	raw, took, err := b.do(ctx, v, req)
	if err != nil {
		// Brave answers a wrong key with 422 SUBSCRIPTION_TOKEN_INVALID.
		if bytes.Contains(raw, []byte("SUBSCRIPTION_TOKEN_INVALID")) {
			return Response{}, &core.Error{Type: core.ErrDependency, Permanent: true,
				Message: "brave rejected the credentials (check " + BraveKeyVar + "): " + vendorhttp.VendorMessage(raw)}
		}
		return Response{}, err
	}
	var br braveResponse
	if err := v.DecodeJSON(raw, &br); err != nil {
		return Response{}, err
	}
	now := b.now()
	for _, r := range br.Web.Results {
		if r.URL == "" {
			continue
		}
		pub := parsePublished(r.PageAge, now)
		if pub == nil {
			pub = parsePublished(r.Age, now)
		}
		out.Results = append(out.Results, Result{Title: r.Title, URL: r.URL, Snippet: r.Description, PublishedDate: pub})
	}
	out.SearchTimeMS = took.Milliseconds()
	return finish(out, q.Limit), nil
}
