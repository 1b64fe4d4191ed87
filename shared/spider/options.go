package spider

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/riptidecrawler/riptide/shared/chunk"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/strategy"
	"github.com/riptidecrawler/riptide/shared/urlnorm"
)

// Limits of a run's options. They keep one request from asking for a crawl
// the deployment cannot hold (Redis memory, Step Functions history).
const (
	MaxSeeds       = 100
	MaxMaxPages    = 100_000
	MaxMaxDepth    = 100
	MaxConcurrency = 64
	MaxPatterns    = 50
	// DefaultSyncMaxPages is the largest run answered inline (sync: true).
	DefaultSyncMaxPages = 20
)

// Strategy orders the frontier.
type Strategy string

const (
	BreadthFirst Strategy = "breadth_first"
	DepthFirst   Strategy = "depth_first"
	// BestFirst pops the link with the highest Scorer value first.
	BestFirst Strategy = "best_first"
)

// UnmarshalJSON accepts the canonical names and the short aliases bfs/dfs.
func (s *Strategy) UnmarshalJSON(b []byte) error {
	v, err := enumString(b, "strategy")
	if err != nil {
		return err
	}
	switch v {
	case "breadth_first", "bfs":
		*s = BreadthFirst
	case "depth_first", "dfs":
		*s = DepthFirst
	case "best_first":
		*s = BestFirst
	default:
		return enumError("options.strategy", v, "breadth_first", "depth_first", "best_first")
	}
	return nil
}

// ScopeMode says which hosts links may lead to, relative to the seeds.
type ScopeMode string

const (
	SameHost ScopeMode = "same_host"
	// SameDomain admits hosts with the same registrable domain (public
	// suffix list): blog.example.co.uk with www.example.co.uk.
	SameDomain ScopeMode = "same_domain"
	AnyHost    ScopeMode = "any"
)

func (m *ScopeMode) UnmarshalJSON(b []byte) error {
	return unmarshalEnum(b, "scope", m, SameHost, SameDomain, AnyHost)
}

// SitemapMode says how sitemaps feed the frontier.
type SitemapMode string

const (
	// SitemapInclude seeds the frontier with sitemap URLs and follows links too.
	SitemapInclude SitemapMode = "include"
	// SitemapOnly crawls the sitemap URLs (and seeds) without following links.
	SitemapOnly SitemapMode = "only"
	// SitemapSkip ignores sitemaps.
	SitemapSkip SitemapMode = "skip"
)

func (m *SitemapMode) UnmarshalJSON(b []byte) error {
	return unmarshalEnum(b, "sitemap", m, SitemapInclude, SitemapOnly, SitemapSkip)
}

// TrailingSlash is the API name of urlnorm's trailing-slash policy.
type TrailingSlash string

const (
	KeepSlash   TrailingSlash = "keep"
	RemoveSlash TrailingSlash = "remove"
	AddSlash    TrailingSlash = "add"
)

func (t *TrailingSlash) UnmarshalJSON(b []byte) error {
	return unmarshalEnum(b, "trailing_slash", t, KeepSlash, RemoveSlash, AddSlash)
}

// unmarshalEnum decodes a JSON string into dst when it is one of allowed,
// else answers a validation_error naming the field and the values.
func unmarshalEnum[T ~string](b []byte, name string, dst *T, allowed ...T) error {
	v, err := enumString(b, name)
	if err != nil {
		return err
	}
	if !slices.Contains(allowed, T(v)) {
		want := make([]string, len(allowed))
		for i, a := range allowed {
			want[i] = string(a)
		}
		return enumError("options."+name, v, want...)
	}
	*dst = T(v)
	return nil
}

func enumString(b []byte, name string) (string, error) {
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return "", core.Errorf(core.ErrValidation, "options.%s: expected a string", name).
			WithDetails(core.Detail{Field: "options." + name, Message: "expected a string"})
	}
	return v, nil
}

func enumError(field, got string, want ...string) error {
	return core.Errorf(core.ErrValidation, "%s: %q is not one of %s", field, got, strings.Join(want, ", ")).
		WithDetails(core.Detail{Field: field, Message: "one of " + strings.Join(want, ", ")})
}

// Options configure a run. Every field has a default (Defaults); a partial
// object from a client is filled from them by Normalize.
type Options struct {
	Strategy Strategy `json:"strategy,omitempty"`
	// Keywords feed the default best_first scorer (relevance of URL and
	// anchor text).
	Keywords []string `json:"keywords,omitempty"`

	// Budgets. They are exact: the run never records more pages, bytes or
	// errors than asked, whatever the concurrency (see docs/spider.md).
	// MaxPages counts result records (pages crawled plus pages failed).
	MaxPages int `json:"max_pages,omitempty"`
	// MaxDepth is the most link hops from a seed (0: the seeds only).
	MaxDepth *int `json:"max_depth,omitempty"`
	// MaxDurationMS bounds the run's wall time; in-flight pages are
	// cancelled at the deadline.
	MaxDurationMS int64 `json:"max_duration_ms,omitempty"`
	// MaxBytes bounds the body bytes downloaded by the run (0: no bound).
	MaxBytes int64 `json:"max_bytes,omitempty"`
	// MaxErrors stops the run after this many failed pages (0: no bound).
	MaxErrors int `json:"max_errors,omitempty"`

	Concurrency int `json:"concurrency,omitempty"`
	// DelayMS is the least time between two requests to one host; a
	// robots.txt Crawl-delay raises it.
	DelayMS            int64 `json:"delay_ms,omitempty"`
	PerHostConcurrency int   `json:"per_host_concurrency,omitempty"`
	RespectRobots      *bool `json:"respect_robots,omitempty"`

	Scope ScopeMode `json:"scope,omitempty"`
	// Include and Exclude are patterns on the URL path: globs ("/blog/*",
	// "/docs/**") or, with a "re:" prefix, regular expressions. With any
	// Include, a link's path must match one. Seeds are exempt.
	Include      []string `json:"include,omitempty"`
	Exclude      []string `json:"exclude,omitempty"`
	ContentTypes []string `json:"content_types,omitempty"`

	Sitemap SitemapMode `json:"sitemap,omitempty"`
	// SitemapModifiedSince drops sitemap entries whose lastmod is older.
	SitemapModifiedSince *time.Time `json:"sitemap_modified_since,omitempty"`

	// IgnoreParams are query parameters dropped when canonicalising links
	// ("utm_*"); nil means urlnorm's tracking list, [] drops none.
	IgnoreParams  []string      `json:"ignore_params,omitempty"`
	TrailingSlash TrailingSlash `json:"trailing_slash,omitempty"`

	// ResultTTLMS is how long the run's state and results stay in Redis
	// after the last write.
	ResultTTLMS int64 `json:"result_ttl_ms,omitempty"`

	// WebhookURL receives the run summary when the run ends; with
	// WebhookSecret the body is signed (X-RipTide-Signature).
	WebhookURL    string `json:"webhook_url,omitempty"`
	WebhookSecret string `json:"webhook_secret,omitempty"`

	// Extraction and Chunking apply to every crawled page as they do on
	// /api/v1/crawl (docs/strategies.md, docs/chunking.md); each result
	// then carries "extraction" and "chunking". Extraction is compiled
	// when the run starts (Service.Strategies), so a bad spec is a 400,
	// not a run of failed pages.
	Extraction *strategy.Spec `json:"extraction,omitempty"`
	Chunking   *chunk.Options `json:"chunking,omitempty"`
}

// Defaults are the documented defaults of every option.
func Defaults() Options {
	depth := 3
	robots := true
	return Options{
		Strategy:           BreadthFirst,
		MaxPages:           100,
		MaxDepth:           &depth,
		MaxDurationMS:      int64(10 * time.Minute / time.Millisecond),
		Concurrency:        8,
		PerHostConcurrency: 4,
		RespectRobots:      &robots,
		Scope:              SameHost,
		ContentTypes:       []string{"text/html", "application/xhtml+xml"},
		Sitemap:            SitemapInclude,
		TrailingSlash:      KeepSlash,
		ResultTTLMS:        int64(24 * time.Hour / time.Millisecond),
	}
}

// Depth returns MaxDepth with its default applied.
func (o Options) Depth() int {
	if o.MaxDepth == nil {
		return *Defaults().MaxDepth
	}
	return *o.MaxDepth
}

// Robots reports whether robots.txt is obeyed.
func (o Options) Robots() bool { return o.RespectRobots == nil || *o.RespectRobots }

// Normalize fills unset options from Defaults and validates every value.
// Errors are validation_error naming the field.
func (o Options) Normalize() (Options, error) {
	d := Defaults()
	if o.Strategy == "" {
		o.Strategy = d.Strategy
	}
	if o.MaxPages == 0 {
		o.MaxPages = d.MaxPages
	}
	if o.MaxDepth == nil {
		o.MaxDepth = d.MaxDepth
	}
	if o.MaxDurationMS == 0 {
		o.MaxDurationMS = d.MaxDurationMS
	}
	if o.Concurrency == 0 {
		o.Concurrency = d.Concurrency
	}
	if o.PerHostConcurrency == 0 {
		o.PerHostConcurrency = d.PerHostConcurrency
	}
	if o.RespectRobots == nil {
		o.RespectRobots = d.RespectRobots
	}
	if o.Scope == "" {
		o.Scope = d.Scope
	}
	if o.ContentTypes == nil {
		o.ContentTypes = d.ContentTypes
	}
	if o.Sitemap == "" {
		o.Sitemap = d.Sitemap
	}
	if o.TrailingSlash == "" {
		o.TrailingSlash = d.TrailingSlash
	}
	if o.ResultTTLMS == 0 {
		o.ResultTTLMS = d.ResultTTLMS
	}
	var errs []core.Detail
	bad := func(field, format string, args ...any) {
		errs = append(errs, core.Detail{Field: "options." + field, Message: fmt.Sprintf(format, args...)})
	}
	if o.MaxPages < 1 || o.MaxPages > MaxMaxPages {
		bad("max_pages", "must be 1..%d", MaxMaxPages)
	}
	if *o.MaxDepth < 0 || *o.MaxDepth > MaxMaxDepth {
		bad("max_depth", "must be 0..%d", MaxMaxDepth)
	}
	if o.MaxDurationMS < 1000 || o.MaxDurationMS > int64(7*24*time.Hour/time.Millisecond) {
		bad("max_duration_ms", "must be 1000..604800000 (7 days)")
	}
	if o.MaxBytes < 0 {
		bad("max_bytes", "must not be negative")
	}
	if o.MaxErrors < 0 {
		bad("max_errors", "must not be negative")
	}
	if o.Concurrency < 1 || o.Concurrency > MaxConcurrency {
		bad("concurrency", "must be 1..%d", MaxConcurrency)
	}
	if o.PerHostConcurrency < 1 || o.PerHostConcurrency > MaxConcurrency {
		bad("per_host_concurrency", "must be 1..%d", MaxConcurrency)
	}
	if o.DelayMS < 0 || o.DelayMS > 60_000 {
		bad("delay_ms", "must be 0..60000")
	}
	if o.ResultTTLMS < 60_000 || o.ResultTTLMS > int64(30*24*time.Hour/time.Millisecond) {
		bad("result_ttl_ms", "must be 60000..2592000000 (30 days)")
	}
	if len(o.Include) > MaxPatterns || len(o.Exclude) > MaxPatterns {
		bad("include", "at most %d include and %d exclude patterns", MaxPatterns, MaxPatterns)
	}
	for i, p := range o.Include {
		if _, err := compilePattern(p); err != nil {
			bad(fmt.Sprintf("include[%d]", i), "%v", err)
		}
	}
	for i, p := range o.Exclude {
		if _, err := compilePattern(p); err != nil {
			bad(fmt.Sprintf("exclude[%d]", i), "%v", err)
		}
	}
	for i, ct := range o.ContentTypes {
		o.ContentTypes[i] = strings.ToLower(strings.TrimSpace(ct))
		if !strings.Contains(ct, "/") {
			bad(fmt.Sprintf("content_types[%d]", i), "%q is not a media type", ct)
		}
	}
	if o.Strategy == BestFirst && len(o.Keywords) == 0 {
		bad("keywords", "best_first needs at least one keyword for the default scorer")
	}
	if len(o.Keywords) > MaxPatterns {
		bad("keywords", "at most %d keywords", MaxPatterns)
	}
	if o.WebhookURL != "" {
		if u, err := url.Parse(o.WebhookURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("webhook_url", "must be an absolute http or https URL")
		}
	} else if o.WebhookSecret != "" {
		bad("webhook_secret", "given without webhook_url")
	}
	if o.Chunking != nil {
		if err := o.Chunking.Validate("options.chunking"); err != nil {
			e := core.AsError(err)
			if len(e.Details) > 0 {
				errs = append(errs, e.Details...)
			} else {
				errs = append(errs, core.Detail{Field: "options.chunking", Message: e.Message})
			}
		}
	}
	if len(errs) > 0 {
		msg := errs[0].Field + ": " + errs[0].Message
		if len(errs) > 1 {
			msg += fmt.Sprintf(" (and %d more)", len(errs)-1)
		}
		return o, core.Errorf(core.ErrValidation, "%s", msg).WithDetails(errs...)
	}
	return o, nil
}

// normalizer returns the URL canonicalisation the options ask for.
func (o Options) normalizer() urlnorm.Options {
	n := urlnorm.Options{IgnoreParams: o.IgnoreParams}
	if o.IgnoreParams == nil {
		n.IgnoreParams = urlnorm.DefaultIgnoreParams()
	}
	switch o.TrailingSlash {
	case RemoveSlash:
		n.TrailingSlash = urlnorm.RemoveTrailingSlash
	case AddSlash:
		n.TrailingSlash = urlnorm.AddTrailingSlash
	}
	return n
}

// Public returns the options as shown to clients: the webhook secret is
// never echoed.
func (o Options) Public() Options {
	if o.WebhookSecret != "" {
		o.WebhookSecret = "redacted"
	}
	return o
}

// ValidateSeeds canonicalises the seed URLs (invalid_url naming the index).
func ValidateSeeds(seeds []string, o Options) ([]string, error) {
	if len(seeds) == 0 {
		return nil, core.Errorf(core.ErrValidation, "seed_urls: at least one URL is required").
			WithDetails(core.Detail{Field: "seed_urls", Message: "required"})
	}
	if len(seeds) > MaxSeeds {
		return nil, core.Errorf(core.ErrValidation, "seed_urls: at most %d URLs", MaxSeeds).
			WithDetails(core.Detail{Field: "seed_urls", Message: fmt.Sprintf("at most %d", MaxSeeds)})
	}
	norm := o.normalizer()
	out := make([]string, 0, len(seeds))
	seen := map[string]bool{}
	for i, s := range seeds {
		c, err := norm.Normalize(s)
		if err != nil {
			msg := err.Error()
			if ce, ok := err.(*core.Error); ok {
				msg = ce.Message
			}
			field := fmt.Sprintf("seed_urls[%d]", i)
			return nil, core.Errorf(core.ErrInvalidURL, "%s: %s", field, msg).WithDetails(core.Detail{Field: field, Message: msg})
		}
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out, nil
}
