package spider

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/fetch"
)

// SiteFetcher is what the spider needs of the fetch layer besides pages:
// robots.txt (Crawl-delay, Sitemap lines) and raw sitemap files.
// *fetch.Fetcher implements it.
type SiteFetcher interface {
	Robots(ctx context.Context, rawURL string) (*fetch.RobotsInfo, error)
	Fetch(ctx context.Context, req fetch.Request) (*fetch.Response, error)
}

// Config tunes an Engine; zero values take the defaults in the comments.
type Config struct {
	// Slice is the longest one CrawlBatch step works before handing back
	// to its orchestrator (2m). In Lambda the invocation's deadline, less
	// SliceMargin, shortens it.
	Slice time.Duration
	// SliceMargin is left before a Lambda deadline for pages in flight to
	// finish and the step to report (60s; above the fetch timeout).
	SliceMargin time.Duration
	// PageBytes caps one page's body (10 MiB); it is the byte budget
	// reserved per page in flight.
	PageBytes int64
	// SyncMaxPages is the largest max_pages answered inline (20).
	SyncMaxPages int
	// SitemapMaxURLs caps URLs read from sitemaps per run (50 000) and
	// SitemapMaxFiles the sitemap files fetched (50).
	SitemapMaxURLs  int
	SitemapMaxFiles int
}

func (c Config) withDefaults() Config {
	if c.Slice <= 0 {
		c.Slice = 2 * time.Minute
	}
	if c.SliceMargin <= 0 {
		c.SliceMargin = 60 * time.Second
	}
	if c.PageBytes <= 0 {
		c.PageBytes = 10 << 20
	}
	if c.SyncMaxPages <= 0 {
		c.SyncMaxPages = DefaultSyncMaxPages
	}
	if c.SitemapMaxURLs <= 0 {
		c.SitemapMaxURLs = 50_000
	}
	if c.SitemapMaxFiles <= 0 {
		c.SitemapMaxFiles = 50
	}
	return c
}

// Deps are an Engine's dependencies. Runs is required.
type Deps struct {
	// Runs keeps the runs' state: spiderruns.New (Redis) in every
	// deployment, NewMemoryRunStore in one process (riptide serve on its
	// embedded Redis: shared/wire/spiderrunswire).
	Runs RunStore
	// Crawler crawls pages (the page pipeline). Without it runs cannot be
	// created (not_implemented), while status, control and results of
	// stored runs still work.
	Crawler PageCrawler
	// Site reads robots.txt and sitemaps; nil disables sitemaps and
	// Crawl-delay (pages still obey robots.txt through the crawler).
	Site SiteFetcher
	// Notifier sends the end-of-run webhook; nil disables webhooks.
	Notifier Notifier
	// Pages counts the pages runs crawl, for the metrics (monitoring's
	// spider_pages, riptide_spider_pages_total); nil counts nothing.
	Pages PageCounter
	// Meter charges pages beyond the seeds (the API spends the seeds up
	// front) to the run's Billing; nil charges nothing.
	Meter PageMeter
	// BillingOf says who pays for a run created under ctx (the API's
	// caller); nil or "" is nobody.
	BillingOf func(ctx context.Context) string
	// NewScorer builds the best_first scorer of a run (default
	// KeywordScorer over options.keywords).
	NewScorer func(Options) Scorer
	Logger    *slog.Logger
	Config    Config
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
}

// PageMeter charges the pages a run fetches to whoever started it (their
// rate-limit plan and usage counters). A run outlives the request that
// started it, so the charge is made as batches record their pages, to the
// run's Billing, which BillingOf read from the starting request.
type PageMeter interface {
	ChargePages(ctx context.Context, billing string, pages int)
}

// PageCounter counts crawled pages by outcome: "ok" or the error type
// (monitor.Recorder is one).
type PageCounter interface {
	RecordSpiderPage(outcome string)
}

// Engine runs deep crawls whose whole state lives in a RunStore: the three
// step handlers (Init, CrawlBatch, Finalize) can run in any process, one
// after another, and status and control read and write the same state.
type Engine struct {
	runs      RunStore
	crawler   PageCrawler
	site      SiteFetcher
	notifier  Notifier
	pages     PageCounter
	meter     PageMeter
	billingOf func(ctx context.Context) string
	newScorer func(Options) Scorer
	log       *slog.Logger
	cfg       Config
	now       func() time.Time
}

// New builds an Engine.
func New(d Deps) (*Engine, error) {
	if d.Runs == nil {
		return nil, errors.New("spider: Runs is required")
	}
	e := &Engine{runs: d.Runs, crawler: d.Crawler, site: d.Site, notifier: d.Notifier, pages: d.Pages, meter: d.Meter, billingOf: d.BillingOf, newScorer: d.NewScorer,
		log: d.Logger, cfg: d.Config.withDefaults(), now: d.Now}
	if e.newScorer == nil {
		e.newScorer = func(o Options) Scorer { return KeywordScorer{Keywords: o.Keywords} }
	}
	if e.log == nil {
		e.log = slog.Default()
	}
	if e.now == nil {
		e.now = time.Now
	}
	return e, nil
}

// SyncMaxPages is the largest max_pages a synchronous run may ask for.
func (e *Engine) SyncMaxPages() int { return e.cfg.SyncMaxPages }

// Run states.
const (
	StateRunning   = "running"
	StatePaused    = "paused"
	StateStopping  = "stopping"
	StateStopped   = "stopped"
	StateCompleted = "completed"
	StateFailed    = "failed"
)

// Terminal reports whether a state is final.
func Terminal(state string) bool {
	return state == StateStopped || state == StateCompleted || state == StateFailed
}

// Stop reasons.
const (
	StopFrontierEmpty = "frontier_empty"
	StopMaxPages      = "max_pages"
	StopMaxDuration   = "max_duration"
	StopMaxBytes      = "max_bytes"
	StopMaxErrors     = "max_errors"
	StopRequested     = "stop_requested"
	StopFailed        = "step_failed"
)

// Steps, as named in task input and in the state machine.
const (
	StepInit       = "init"
	StepCrawlBatch = "crawl_batch"
	StepFinalize   = "finalize"
)

// Next values of a step's output: what the orchestrator does next.
const (
	NextCrawl    = "crawl_batch"
	NextFinalize = "finalize"
	NextPaused   = "paused"
	NextDone     = "done"
)

// StepInput is a step's task input (Step Functions or the local loop).
type StepInput struct {
	Step     string `json:"step"`
	SpiderID string `json:"spider_id"`
	// Error is the Step Functions error caught before a forced Finalize
	// ({"Error": ..., "Cause": ...}).
	Error *StepError `json:"error,omitempty"`
}

// StepError is the error object Step Functions passes to a Catch.
type StepError struct {
	Error string `json:"Error"`
	Cause string `json:"Cause"`
}

// StepOutput is a step's result: the state machine's Choice reads Next.
type StepOutput struct {
	SpiderID string `json:"spider_id"`
	Next     string `json:"next"`
	State    string `json:"state"`
}

// pageError is the cause of a failed page, with the error vocabulary of
// the whole API.
func pageError(err error, url string) *core.ErrorInfo {
	info := core.InfoOf(err)
	info.URL = url
	return info
}

// Result is one crawled or failed page of a run.
type Result struct {
	URL         string          `json:"url"`
	FinalURL    string          `json:"final_url,omitempty"`
	Depth       int             `json:"depth"`
	Referrer    string          `json:"referrer,omitempty"`
	Status      int             `json:"status"`
	ContentType string          `json:"content_type,omitempty"`
	Bytes       int64           `json:"bytes"`
	Truncated   bool            `json:"truncated,omitempty"`
	LinksFound  int             `json:"links_found"`
	CrawledAt   time.Time       `json:"crawled_at"`
	DurationMS  int64           `json:"duration_ms"`
	Document    json.RawMessage `json:"document,omitempty"`
	// Extraction and Chunking: options.extraction / options.chunking
	// results, the same shapes as on /api/v1/crawl.
	Extraction json.RawMessage `json:"extraction,omitempty"`
	Chunking   json.RawMessage `json:"chunking,omitempty"`
	Error      *core.ErrorInfo `json:"error,omitempty"`
}

// NewID returns a new run id: 16 random bytes, hex.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// validID keeps ids from a URL from reaching store keys unchecked.
func validID(id string) bool {
	if len(id) < 8 || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func notFound(id string) error {
	return core.Errorf(core.ErrNotFound, "no spider run %q (runs expire result_ttl_ms after their last activity)", id)
}

// CheckOwner answers not_found unless run id exists and belongs to owner:
// another caller's run is indistinguishable from none, so ids cannot be
// probed. A run stored without an owner (started before runs had one)
// belongs to no caller.
func (e *Engine) CheckOwner(ctx context.Context, owner, id string) error {
	m, err := e.loadMeta(ctx, id)
	if err != nil {
		return err
	}
	if m.Owner != owner {
		return notFound(id)
	}
	return nil
}

// Create stores a new run (state running, not yet initialised) and returns
// its id. Seeds and options must have been validated (ValidateSeeds,
// Options.Normalize). A launcher then runs its steps.
func (e *Engine) Create(ctx context.Context, owner string, seeds []string, o Options) (string, error) {
	if e.crawler == nil {
		return "", errNoCrawler
	}
	id := NewID()
	return id, e.create(ctx, id, owner, seeds, o, 1)
}

func (e *Engine) create(ctx context.Context, id, owner string, seeds []string, o Options, gen int64) error {
	var billing string
	if e.billingOf != nil {
		billing = e.billingOf(ctx)
	}
	err := e.runs.Create(ctx, NewRun{ID: id, Owner: owner, Billing: billing, Gen: gen, Seeds: seeds, Options: o,
		MaxPages: o.MaxPages, MaxBytes: o.MaxBytes, MaxErrors: o.MaxErrors,
		TTL: time.Duration(o.ResultTTLMS) * time.Millisecond, Created: e.now()})
	if err != nil {
		return core.Wrap(core.ErrDependency, err, "store the spider run")
	}
	return nil
}

// run is a run's state needed by the steps.
type run struct {
	id     string
	m      *RunMeta
	opts   Options
	seeds  []string
	scope  *scope
	scorer Scorer
	ttl    time.Duration
}

// loadMeta reads a run's stored state: not_found when there is none.
func (e *Engine) loadMeta(ctx context.Context, id string) (*RunMeta, error) {
	if !validID(id) {
		return nil, notFound(id)
	}
	m, err := e.runs.Load(ctx, id)
	if err != nil {
		return nil, core.Wrap(core.ErrDependency, err, "read the spider run from its store")
	}
	if m == nil {
		return nil, notFound(id)
	}
	return m, nil
}

func (e *Engine) load(ctx context.Context, id string) (*run, error) {
	m, err := e.loadMeta(ctx, id)
	if err != nil {
		return nil, err
	}
	r := &run{id: id, m: m, opts: m.Options, seeds: m.Seeds}
	if r.scope, err = newScope(r.seeds, r.opts); err != nil {
		return nil, core.Wrap(core.ErrInternal, err, "stored scope")
	}
	for _, host := range m.SeedHosts {
		r.scope.addSeedHost(host)
	}
	r.ttl = time.Duration(r.opts.ResultTTLMS) * time.Millisecond
	if r.opts.Strategy == BestFirst {
		r.scorer = e.newScorer(r.opts)
	}
	return r, nil
}

// pushPolicy is how this run's links are ordered and kept: the store adds
// the discovery sequence to each priority, newest first for depth_first.
func (r *run) pushPolicy() PushPolicy {
	return PushPolicy{LIFO: r.opts.Strategy == DepthFirst, TTL: r.ttl}
}

// priority returns the base priority of a URL at depth (lower pops first).
func (r *run) priority(l Link, depth int) float64 {
	switch r.opts.Strategy {
	case DepthFirst:
		return 0
	case BestFirst:
		s := clamp01(r.scorer.Score(l, depth))
		return float64(int64((1-s)*1000)) * 1e12
	}
	return float64(depth) * 1e12
}

// HandleStep runs one step from a task event (Step Functions or the local
// loop): {"step": "init"|"crawl_batch"|"finalize", "spider_id": "..."}.
func (e *Engine) HandleStep(ctx context.Context, payload json.RawMessage) (any, error) {
	var in StepInput
	if err := json.Unmarshal(payload, &in); err != nil {
		return nil, fmt.Errorf("spider step: decode input: %w", err)
	}
	switch in.Step {
	case StepInit:
		return e.Init(ctx, in.SpiderID)
	case StepCrawlBatch:
		return e.CrawlBatch(ctx, in.SpiderID)
	case StepFinalize:
		return e.Finalize(ctx, in.SpiderID, in.Error)
	}
	return nil, fmt.Errorf("spider step: unknown step %q (want init, crawl_batch or finalize)", in.Step)
}
