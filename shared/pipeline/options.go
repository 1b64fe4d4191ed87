package pipeline

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/riptidecrawler/riptide/shared/chunk"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/sessions"
	"github.com/riptidecrawler/riptide/shared/strategy"
)

// CacheMode says how a crawl uses the result cache.
type CacheMode string

const (
	// CacheReadThrough serves a cached result when there is one, else
	// crawls and stores the result.
	CacheReadThrough CacheMode = "read_through"
	// CacheBypass neither reads nor writes the cache.
	CacheBypass CacheMode = "bypass"
	// CacheRefresh crawls anew and overwrites the cached result.
	CacheRefresh CacheMode = "refresh"
	// CacheOnly answers from the cache only; a miss is a not_found error.
	CacheOnly CacheMode = "cache_only"
)

// RenderMode says whether a page goes through the headless browser.
type RenderMode string

const (
	// RenderAuto lets the gate decide from the fetched page.
	RenderAuto RenderMode = "auto"
	// RenderRaw never renders.
	RenderRaw RenderMode = "raw"
	// RenderHeadless always renders.
	RenderHeadless RenderMode = "headless"
)

// Format is one output of a crawl.
type Format string

const (
	FormatText     Format = "text"
	FormatMarkdown Format = "markdown"
	FormatHTML     Format = "html"     // clean HTML of the main content
	FormatRawHTML  Format = "raw_html" // the page as fetched (or rendered)
	FormatLinks    Format = "links"
	FormatMedia    Format = "media"
	FormatMetadata Format = "metadata"
)

var (
	cacheModes  = []CacheMode{CacheReadThrough, CacheBypass, CacheRefresh, CacheOnly}
	renderModes = []RenderMode{RenderAuto, RenderRaw, RenderHeadless}
	allFormats  = []Format{FormatText, FormatMarkdown, FormatHTML, FormatRawHTML, FormatLinks, FormatMedia, FormatMetadata}
	// DefaultFormats are returned when a request names none.
	DefaultFormats = []Format{FormatText, FormatMarkdown, FormatMetadata, FormatLinks}
)

// EnumValues list each enum's values for the API's JSON Schemas.
func (CacheMode) EnumValues() []string  { return strs(cacheModes) }
func (RenderMode) EnumValues() []string { return strs(renderModes) }
func (Format) EnumValues() []string     { return strs(allFormats) }

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// Limits and defaults of Options (documented in docs/crawl.md).
const (
	DefaultConcurrency  = 8
	MaxConcurrency      = 32
	DefaultTimeout      = 30 * time.Second
	MaxTimeout          = 120 * time.Second
	DefaultCacheTTL     = time.Hour
	MaxCacheTTL         = 7 * 24 * time.Hour
	DefaultMaxBodyBytes = 10 << 20
	MaxMaxBodyBytes     = 50 << 20
	MaxURLs             = 100
)

// Options are the per-request crawl options (the API's `options` object).
// Every field is optional; WithDefaults fills what the request left out.
type Options struct {
	Concurrency   int               `json:"concurrency,omitempty"`
	CacheMode     CacheMode         `json:"cache_mode,omitempty"`
	CacheTTLMS    int64             `json:"cache_ttl_ms,omitempty"`
	RespectRobots *bool             `json:"respect_robots,omitempty"`
	TimeoutMS     int64             `json:"timeout_ms,omitempty"`
	RenderMode    RenderMode        `json:"render_mode,omitempty"`
	Formats       []Format          `json:"formats,omitempty"`
	MaxBodyBytes  int64             `json:"max_body_bytes,omitempty"`
	UserAgent     string            `json:"user_agent,omitempty"`
	Headers       map[string]string `json:"headers,omitempty"`
	// Extraction runs structured-extraction strategies on the page after
	// the article extraction (docs/strategies.md); none by default.
	Extraction *strategy.Spec `json:"extraction,omitempty"`
	// Chunking splits the document into chunks (docs/chunking.md); its
	// own fields default as documented there. None by default.
	Chunking *chunk.Options `json:"chunking,omitempty"`
	// SessionID names a session (POST /api/v1/sessions): its cookies are
	// sent with every request of the crawl and the cookies the sites set
	// are kept in it. A crawl with a session bypasses the result cache.
	SessionID string `json:"session_id,omitempty"`

	// plan is Extraction compiled by Pipeline.PrepareStructured.
	plan *strategy.Plan
	// Politeness overrides the fetcher's per-host limits (a spider run's
	// per_host_concurrency and delay); not a request field.
	Politeness *fetch.Politeness `json:"-"`
}

// WithDefaults returns o with every unset field at its default.
func (o Options) WithDefaults() Options {
	if o.Concurrency == 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.CacheMode == "" {
		o.CacheMode = CacheReadThrough
	}
	if o.CacheTTLMS == 0 {
		o.CacheTTLMS = DefaultCacheTTL.Milliseconds()
	}
	if o.RespectRobots == nil {
		t := true
		o.RespectRobots = &t
	}
	if o.TimeoutMS == 0 {
		o.TimeoutMS = DefaultTimeout.Milliseconds()
	}
	if o.RenderMode == "" {
		o.RenderMode = RenderAuto
	}
	if len(o.Formats) == 0 {
		o.Formats = slices.Clone(DefaultFormats)
	}
	if o.MaxBodyBytes == 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.Chunking != nil {
		c := o.Chunking.WithDefaults()
		o.Chunking = &c
	}
	return o
}

// Validate checks o (after WithDefaults); field names in errors are
// prefixed with prefix ("options").
func (o Options) Validate(prefix string) error {
	var details []core.Detail
	bad := func(field, format string, args ...any) {
		details = append(details, core.Detail{Field: prefix + "." + field, Message: fmt.Sprintf(format, args...)})
	}
	if o.Concurrency < 1 || o.Concurrency > MaxConcurrency {
		bad("concurrency", "must be between 1 and %d", MaxConcurrency)
	}
	if !slices.Contains(cacheModes, o.CacheMode) {
		bad("cache_mode", "must be one of %s", join(cacheModes))
	}
	if o.CacheTTLMS < 1000 || o.CacheTTLMS > MaxCacheTTL.Milliseconds() {
		bad("cache_ttl_ms", "must be between 1000 and %d", MaxCacheTTL.Milliseconds())
	}
	if o.TimeoutMS < 100 || o.TimeoutMS > MaxTimeout.Milliseconds() {
		bad("timeout_ms", "must be between 100 and %d", MaxTimeout.Milliseconds())
	}
	if !slices.Contains(renderModes, o.RenderMode) {
		bad("render_mode", "must be one of %s", join(renderModes))
	}
	for i, f := range o.Formats {
		if !slices.Contains(allFormats, f) {
			bad(fmt.Sprintf("formats[%d]", i), "%q is not a format; formats are %s", f, join(allFormats))
		}
	}
	if o.MaxBodyBytes < 1024 || o.MaxBodyBytes > MaxMaxBodyBytes {
		bad("max_body_bytes", "must be between 1024 and %d", MaxMaxBodyBytes)
	}
	if len(o.UserAgent) > 512 {
		bad("user_agent", "must be at most 512 characters")
	}
	for k, v := range o.Headers {
		if !validHeaderName(k) || strings.ContainsAny(v, "\r\n") {
			bad("headers", "invalid header %q", k)
		}
	}
	if o.SessionID != "" && !sessions.ValidID(o.SessionID) {
		bad("session_id", "not a session id (session_ followed by 32 hex digits, from POST /api/v1/sessions)")
	}
	if o.Chunking != nil {
		if err := o.Chunking.Validate(prefix + ".chunking"); err != nil {
			details = append(details, core.AsError(err).Details...)
		}
	}
	if len(details) == 0 {
		return nil
	}
	return core.Errorf(core.ErrValidation, "%s: %s", details[0].Field, details[0].Message).WithDetails(details...)
}

// Has reports whether the options ask for format f.
func (o Options) Has(f Format) bool { return slices.Contains(o.Formats, f) }

// Timeout is the per-URL time budget.
func (o Options) Timeout() time.Duration { return time.Duration(o.TimeoutMS) * time.Millisecond }

// CacheTTL is how long a result stays cached.
func (o Options) CacheTTL() time.Duration { return time.Duration(o.CacheTTLMS) * time.Millisecond }

func validHeaderName(k string) bool {
	if k == "" || len(k) > 128 {
		return false
	}
	for _, c := range k {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", c)) {
			return false
		}
	}
	return true
}

func join[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}
