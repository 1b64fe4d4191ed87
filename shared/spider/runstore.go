package spider

import (
	"context"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
)

// RunStore keeps the whole state of spider runs, so that a run's steps can
// run in any process one after another (a Lambda per step in AWS) and
// status and control read and write the same state. Every method that
// changes a run is atomic: two batches, or a batch and a control action,
// racing on one run each see the other's change whole. The budgets are the
// store's to hold: Claim reserves a page, an error slot and body bytes
// before a page is crawled, so max_pages, max_errors and max_bytes are
// exact however many pages are in flight and however many processes claim.
//
// Implementations: spiderruns.Runs (shared/store/spiderruns: Redis, and
// the embedded miniredis of `riptide serve`) and MemoryRunStore (one
// process; engine tests). The tests of this package run against both.
type RunStore interface {
	// Create stores a new run in state running and marks it active. Any
	// earlier state under the same id must have been deleted.
	Create(ctx context.Context, r NewRun) error
	// Load returns a run's state and frontier size; nil, nil when there is
	// no such run (never created, or expired).
	Load(ctx context.Context, id string) (*RunMeta, error)
	// Push enqueues links (see FoundLink) and returns how many were queued.
	Push(ctx context.Context, id string, p PushPolicy, links []FoundLink) (int, error)
	// Takeover makes batch the owner of the run and puts every URL still
	// claimed by an earlier batch (one that crashed or timed out) back in
	// the frontier with its budget released. It returns how many.
	Takeover(ctx context.Context, id, batch string) (int, error)
	// Claim pops up to c.Want URLs for c.Batch in priority order, reserving
	// the budget of each (see ClaimRequest).
	Claim(ctx context.Context, id string, c ClaimRequest) (Claim, error)
	// Complete records the outcomes of claimed URLs, each atomically with
	// pushing its links, and says what became of each (RecordStored,
	// RecordDuplicate, RecordStale), in order. It must not keep an
	// outcome's Result past its return: the caller reuses the buffer.
	Complete(ctx context.Context, id, batch string, p PushPolicy, outcomes []Outcome) ([]Recorded, error)
	// Transition moves the run's state to `to` if it is one of from, and
	// returns the state it found (empty: no such run). Pausing records
	// when; resuming moves the run's deadline by the time spent paused.
	Transition(ctx context.Context, id, to string, now time.Time, from ...string) (string, error)
	// Update sets the fields of u that are not zero.
	Update(ctx context.Context, id string, u RunUpdate) error
	// MarkWebhookSent records that the end-of-run webhook is being sent
	// and reports whether this call was the first to do so.
	MarkWebhookSent(ctx context.Context, id string) (bool, error)
	// Finish records the end of a run (state, stop reason, when, and the
	// cause of a failed run), takes it off the active list and makes every
	// part of it expire ttl from now.
	Finish(ctx context.Context, id string, end RunEnd, ttl time.Duration) error
	// Results returns up to limit result records from offset (completion
	// order) with the run's state and total; nil, nil when there is no
	// such run.
	Results(ctx context.Context, id string, offset int64, limit int) (*ResultRange, error)
	// Delete removes every part of a run (reset, or its owner's deletion).
	Delete(ctx context.Context, id string) error
	// OwnedRuns lists the ids of owner's runs that still exist, oldest
	// first (a tenant's export and deletion).
	OwnedRuns(ctx context.Context, owner string) ([]string, error)
	// ActiveRuns lists the runs marked active: created or resumed, and
	// not finished since. SetActive marks or unmarks one.
	ActiveRuns(ctx context.Context) ([]string, error)
	SetActive(ctx context.Context, id string, active bool) error
}

// NewRun is a run as Create stores it.
type NewRun struct {
	ID string
	// Owner is who may read and control the run (the caller's tenant or
	// id, as the API decides); "" for a run started outside the API.
	Owner string
	// Billing says who pays for the run's pages (Deps.BillingOf); opaque
	// to the engine, "" for nobody.
	Billing string
	// Gen counts resets: 1 for a new run.
	Gen     int64
	Seeds   []string
	Options Options
	// Budgets the store enforces in Claim (0: none).
	MaxPages  int
	MaxBytes  int64
	MaxErrors int
	// TTL is how long the run's state lives after its last write.
	TTL     time.Duration
	Created time.Time
}

// RunMeta is a run's stored state.
type RunMeta struct {
	State       string
	Owner       string
	Billing     string
	Gen         int64
	Initialized bool
	Seeds       []string
	Options     Options
	MaxPages    int
	MaxBytes    int64
	MaxErrors   int
	// Reserved counts page slots taken (claimed or recorded), InFlight the
	// claimed pages not yet recorded, ReservedBytes the body bytes taken.
	Reserved      int64
	InFlight      int64
	ReservedBytes int64
	Crawled       int64
	Failed        int64
	Bytes         int64
	// DupLinks counts links to URLs already queued or skipped.
	DupLinks int64
	// Skipped counts URLs not crawled, by reason, each once.
	Skipped      map[string]int64
	CurrentDepth int
	DepthMax     int
	// SeedHosts are hosts seeds moved to (redirects): in scope.
	SeedHosts    []string
	StopReason   string
	LastError    *core.ErrorInfo
	WebhookError string
	// Times are zero when not yet reached. Deadline is when max_duration
	// ends the run.
	Created, Started, Finished, Updated, Deadline time.Time
	// Queued is the frontier's size.
	Queued int64
}

// PushPolicy is how pushed links are ordered and kept.
type PushPolicy struct {
	// LIFO: among links of equal priority the newest pops first
	// (depth_first); otherwise the oldest (discovery order).
	LIFO bool
	// TTL is the expiry every part a push touches gets.
	TTL time.Duration
}

// LinkKind is what Push does with a link.
type LinkKind uint8

const (
	// LinkQueue queues the URL unless it was seen before (then it counts
	// as a duplicate link).
	LinkQueue LinkKind = iota
	// LinkTooDeep counts a too-deep URL under skipped max_depth, once,
	// without marking it seen: it may be found again nearer a seed.
	LinkTooDeep
	// LinkSkip marks the URL seen and counts its Reason once.
	LinkSkip
)

// FoundLink is one canonical URL handed to Push.
type FoundLink struct {
	URL  string
	Kind LinkKind
	// Priority is the base priority of a queued URL (lower pops first; a
	// whole number). The store adds the discovery sequence to it, so
	// equal priorities keep FIFO or LIFO order.
	Priority float64
	Depth    int
	Referrer string
	// Reason is the skip reason of LinkSkip.
	Reason string
}

// ClaimRequest asks for URLs to crawl. Each URL claimed reserves a page
// slot (reserved <= max_pages), an error slot (failed + in flight <=
// max_errors, so the run stays within max_errors even if every page in
// flight fails) and min(PageBytes, bytes left) of max_bytes.
type ClaimRequest struct {
	Batch     string
	Want      int
	Now       time.Time
	PageBytes int64
}

// Claim is the answer of RunStore.Claim: URLs, or why there are none.
type Claim struct {
	// Refused is empty when URLs were claimed, else one of the Claim*
	// reasons; Detail says more (the state found, the budget spent).
	Refused string
	Detail  string
	URLs    []ClaimedURL
}

// Reasons a claim hands out no URL.
const (
	ClaimNotRunning = "state"      // the run is not running (Detail: its state)
	ClaimSuperseded = "superseded" // another batch owns the run
	ClaimBudget     = "budget"     // a budget is spent (Detail: which)
	ClaimEmpty      = "empty"      // the frontier is empty
)

// ClaimedURL is one URL handed to a batch.
type ClaimedURL struct {
	URL      string
	Depth    int
	Referrer string
	// MaxBytes is the byte budget reserved for the page.
	MaxBytes int64
}

// OutcomeKind is how a claimed URL ended.
type OutcomeKind uint8

const (
	// OutcomeOK: crawled; the result is stored and the links pushed,
	// unless the content hash was seen before (then it is a skip
	// counted as duplicate_content).
	OutcomeOK OutcomeKind = iota
	// OutcomeFailed: the result is stored, counted as failed, and its
	// error becomes the run's last error.
	OutcomeFailed
	// OutcomeSkip: the page slot is released; Reason, if any, counted.
	OutcomeSkip
)

// Outcome is how one claimed URL ended.
type Outcome struct {
	URL    string
	Kind   OutcomeKind
	Reason string // skip reason; empty counts nothing (cancelled)
	// Bytes replaces the page's reserved bytes in the byte budget.
	Bytes       int64
	ContentHash string // empty: no de-duplication by content
	Result      []byte // the result record (JSON), OK and Failed
	Depth       int
	Error       *core.ErrorInfo // Failed
	Links       []FoundLink     // OK
	// KnownDupLinks counts links left out of Links because an earlier
	// stored outcome of the same batch already pushed them: each is a
	// duplicate the store would have found, so a stored OK outcome adds
	// them to dup_links without the store looking each one up.
	KnownDupLinks int
}

// Recorded is what Complete made of one outcome.
type Recorded int8

const (
	// RecordStale: the claim is no longer this batch's (a newer batch took
	// the URL over); the outcome is dropped, so no page counts twice.
	RecordStale Recorded = -1
	// RecordStored: recorded as given.
	RecordStored Recorded = 1
	// RecordDuplicate: an OK page whose content hash was seen, recorded as
	// a duplicate_content skip.
	RecordDuplicate Recorded = 2
)

// RunUpdate sets fields of a run; zero fields are left as they are.
type RunUpdate struct {
	// Started and Deadline mark the run initialised (Init).
	Started, Deadline time.Time
	Updated           time.Time
	// SeedHost adds a host a seed moved to.
	SeedHost     string
	WebhookError string
}

// RunEnd is how a run ended.
type RunEnd struct {
	State      string
	StopReason string
	At         time.Time
	// LastError, when set, replaces the run's last error (a failed step).
	LastError *core.ErrorInfo
}

// ResultRange is a slice of a run's results.
type ResultRange struct {
	State   string
	Total   int64
	Records [][]byte
}
