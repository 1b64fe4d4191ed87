package spider

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/riptidecrawler/riptide/shared/bufpool"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/fetch"
)

// Init seeds the frontier of a new run: the seed URLs at depth 0 and, unless
// sitemap is "skip", the URLs of the seeds' sitemaps. It starts the duration
// clock. Calling it again on an initialised run changes nothing (a retried
// step or a resumed run).
func (e *Engine) Init(ctx context.Context, id string) (StepOutput, error) {
	r, err := e.load(ctx, id)
	if err != nil {
		return StepOutput{}, err
	}
	if r.m.Initialized || r.m.State != StateRunning {
		return e.decide(ctx, r.id)
	}
	now := e.now()
	links := make([]FoundLink, 0, len(r.seeds))
	for _, s := range r.seeds {
		links = append(links, FoundLink{URL: s, Kind: LinkQueue, Priority: r.priority(Link{URL: s}, 0)})
	}
	if r.opts.Sitemap != SitemapSkip && e.site != nil {
		links = append(links, e.discoverSitemaps(ctx, r)...)
	}
	if _, err := e.runs.Push(ctx, r.id, r.pushPolicy(), links); err != nil {
		return StepOutput{}, core.Wrap(core.ErrDependency, err, "enqueue URLs")
	}
	deadline := now.Add(time.Duration(r.opts.MaxDurationMS) * time.Millisecond)
	if err := e.runs.Update(ctx, r.id, RunUpdate{Started: now, Deadline: deadline, Updated: now}); err != nil {
		return StepOutput{}, core.Wrap(core.ErrDependency, err, "record run start")
	}
	return e.decide(ctx, r.id)
}

// CrawlBatch crawls the run's frontier for one slice: it takes over the run
// (requeueing URLs orphaned by a crashed batch), then keeps up to
// `concurrency` pages in flight, each claimed with its budget reserved
// before the fetch, until the slice ends, the frontier is empty, a budget
// is spent or the run is paused or stopped. Pages in flight when the slice
// ends are finished first, so a batch leaves nothing claimed behind.
func (e *Engine) CrawlBatch(ctx context.Context, id string) (StepOutput, error) {
	r, err := e.load(ctx, id)
	if err != nil {
		return StepOutput{}, err
	}
	if r.m.State != StateRunning {
		return e.decide(ctx, r.id)
	}
	if e.crawler == nil {
		return StepOutput{}, errNoCrawler
	}
	batch := NewID()[:12]
	if _, err := e.runs.Takeover(ctx, r.id, batch); err != nil {
		return StepOutput{}, core.Wrap(core.ErrDependency, err, "take over the run")
	}
	sliceEnd := e.now().Add(e.cfg.Slice)
	if dl, ok := ctx.Deadline(); ok && dl.Add(-e.cfg.SliceMargin).Before(sliceEnd) {
		sliceEnd = dl.Add(-e.cfg.SliceMargin)
	}
	runDeadline := r.m.Deadline
	// Pages are cancelled at the run's deadline, not at the slice's end.
	pageCtx, cancel := context.WithDeadline(context.WithoutCancel(ctx), runDeadline)
	defer cancel()
	go func() {
		select {
		case <-ctx.Done(): // the invocation itself is gone
			cancel()
		case <-pageCtx.Done():
		}
	}()

	w := &batchWork{e: e, r: r, batch: batch, ctx: pageCtx,
		records: make(chan completion, r.opts.Concurrency), policy: r.pushPolicy()}
	recorded := make(chan struct{})
	go func() { w.recorder(); close(recorded) }()
	done := make(chan struct{}, r.opts.Concurrency)
	inFlight := 0
	var firstErr error
	var errMu sync.Mutex
	setErr := func(err error) {
		errMu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		errMu.Unlock()
	}
	var wg sync.WaitGroup
	for {
		if e.now().After(sliceEnd) || pageCtx.Err() != nil {
			break
		}
		errMu.Lock()
		failed := firstErr != nil
		errMu.Unlock()
		if failed {
			break
		}
		// Claim in groups (a quarter of the concurrency) rather than one
		// slot at a time: one script call pops several URLs, which matters
		// on the embedded Redis, whose ZPOPMIN sorts the whole set.
		free := r.opts.Concurrency - inFlight
		if free == 0 || inFlight > 0 && free < claimGroup(r.opts.Concurrency) {
			<-done
			inFlight--
			continue
		}
		items, why, err := w.claim(free)
		if err != nil {
			setErr(err)
			break
		}
		if len(items) == 0 {
			if inFlight == 0 || why == ClaimNotRunning || why == ClaimSuperseded {
				break
			}
			// Pages in flight may release their slots (skips) or add
			// links: wait for one, then ask again.
			select {
			case <-done:
				inFlight--
			case <-pageCtx.Done():
			}
			continue
		}
		for _, it := range items {
			inFlight++
			wg.Add(1)
			go func(it ClaimedURL) {
				defer wg.Done()
				if err := w.crawl(it); err != nil {
					setErr(err)
				}
				done <- struct{}{}
			}(it)
		}
	}
	go func() { wg.Wait(); close(done) }()
	for range done {
	}
	close(w.records)
	<-recorded
	if firstErr != nil {
		return StepOutput{}, firstErr
	}
	if err := e.runs.Update(context.WithoutCancel(ctx), r.id, RunUpdate{Updated: e.now()}); err != nil {
		return StepOutput{}, core.Wrap(core.ErrDependency, err, "record batch end")
	}
	return e.decide(context.WithoutCancel(ctx), r.id)
}

func claimGroup(concurrency int) int { return max(1, concurrency/4) }

// batchWork is the state of one CrawlBatch shared by its workers.
type batchWork struct {
	e     *Engine
	r     *run
	batch string
	ctx   context.Context
	// records carries outcomes to the recorder goroutine.
	records chan completion
	policy  PushPolicy

	delayMu sync.Mutex
	delays  map[string]time.Duration
}

// claim claims up to n URLs; without any, it says why (a Claim* reason,
// or "deadline" when the run's deadline cut the call short).
func (w *batchWork) claim(n int) ([]ClaimedURL, string, error) {
	c, err := w.e.runs.Claim(w.ctx, w.r.id, ClaimRequest{Batch: w.batch, Want: n, Now: w.e.now(), PageBytes: w.e.cfg.PageBytes})
	if err != nil {
		if w.ctx.Err() != nil {
			return nil, "deadline", nil
		}
		return nil, "", core.Wrap(core.ErrDependency, err, "claim URLs from the frontier")
	}
	return c.URLs, c.Refused, nil
}

// crawl crawls one claimed URL and records the outcome. Only store
// failures are returned: a page failing is an outcome, not an error.
func (w *batchWork) crawl(it ClaimedURL) error {
	r := w.r
	u, err := url.Parse(it.URL)
	if err != nil {
		return w.complete(it, OutcomeSkip, "", nil, nil, 0, "", nil)
	}
	// Per-host concurrency and delay are the fetch layer's: its limiter is
	// shared by every batch, run and (through Redis) instance, so the host
	// sees one polite crawler however the work is spread.
	polite := fetch.Politeness{PerHostConcurrency: r.opts.PerHostConcurrency, PerHostDelay: w.hostDelay(u)}
	start := w.e.now()
	page, cerr := w.e.crawler.CrawlPage(w.ctx, PageRequest{URL: it.URL, Depth: it.Depth, MaxBytes: it.MaxBytes,
		RespectRobots: r.opts.Robots(), Politeness: polite, Extraction: r.opts.Extraction, Chunking: r.opts.Chunking})
	elapsed := w.e.now().Sub(start)
	var bytes int64
	if page != nil {
		bytes = min(page.Bytes, it.MaxBytes)
		if page.Release != nil {
			// Every path below has encoded the result record (a copy of
			// the document) or dropped the page by the time crawl returns.
			defer page.Release()
		}
	}
	if cerr != nil && w.ctx.Err() != nil {
		// Cancelled at the run's deadline: the slot is released, the run
		// ends with max_duration.
		return w.complete(it, OutcomeSkip, "", nil, nil, bytes, "", nil)
	}
	if cerr != nil && core.TypeOf(cerr) == core.ErrRobotsDisallowed {
		return w.complete(it, OutcomeSkip, SkipRobots, nil, nil, bytes, "", nil)
	}
	res := &Result{URL: it.URL, Depth: it.Depth, Referrer: it.Referrer, Bytes: bytes, CrawledAt: start.UTC(), DurationMS: elapsed.Milliseconds()}
	if page != nil {
		res.FinalURL, res.Status, res.ContentType, res.Truncated = page.FinalURL, page.Status, page.ContentType, page.Truncated
		if res.FinalURL == it.URL {
			res.FinalURL = ""
		}
	}
	if cerr != nil {
		res.Error = pageError(cerr, it.URL)
		return w.complete(it, OutcomeFailed, "", res, nil, bytes, "", res.Error)
	}
	if page == nil {
		res.Error = &core.ErrorInfo{Type: core.ErrInternal, Message: "the page crawler returned neither a page nor an error", URL: it.URL}
		return w.complete(it, OutcomeFailed, "", res, nil, bytes, "", res.Error)
	}
	if fu, err := url.Parse(page.FinalURL); err == nil && page.FinalURL != "" && fu.Host != u.Host {
		if it.Depth == 0 {
			// A seed moved (example.com -> www.example.com): its new host
			// is the site, for this run and every later batch.
			r.scope.addSeedHost(fu.Host)
			if err := w.e.runs.Update(context.WithoutCancel(w.ctx), r.id, RunUpdate{SeedHost: fu.Host}); err != nil {
				return core.Wrap(core.ErrDependency, err, "record a seed's new host")
			}
		} else if why := r.scope.check(fu, false); why == SkipOutOfScope {
			return w.complete(it, OutcomeSkip, SkipOutOfScope, nil, nil, bytes, "", nil)
		}
	}
	if !r.scope.acceptsType(page.ContentType) {
		return w.complete(it, OutcomeSkip, SkipContentType, nil, nil, bytes, "", nil)
	}
	res.Document = page.Document
	res.Extraction, res.Chunking = page.Extraction, page.Chunking
	res.LinksFound = len(page.Links)
	var links []FoundLink
	if r.opts.Sitemap != SitemapOnly {
		links = w.foundLinks(page, it)
	}
	return w.complete(it, OutcomeOK, "", res, links, bytes, page.ContentHash, nil)
}

// foundLinks canonicalises and classifies a page's links.
func (w *batchWork) foundLinks(page *Page, it ClaimedURL) []FoundLink {
	r := w.r
	norm := r.opts.normalizer()
	depth := it.Depth + 1
	tooDeep := depth > r.opts.Depth()
	referrer := it.URL
	out := make([]FoundLink, 0, len(page.Links))
	local := make(map[string]bool, len(page.Links))
	for _, l := range page.Links {
		c, err := norm.Normalize(l.URL)
		if err != nil || local[c] {
			continue
		}
		local[c] = true
		fl := FoundLink{URL: c}
		cu, err := url.Parse(c)
		if err != nil {
			continue
		}
		why := r.scope.check(cu, false)
		switch {
		case l.NoFollow:
			fl.Kind, fl.Reason = LinkSkip, SkipNoFollow
		case why != "":
			fl.Kind, fl.Reason = LinkSkip, why
		case tooDeep:
			fl.Kind = LinkTooDeep
		default:
			fl.Kind, fl.Depth, fl.Referrer = LinkQueue, depth, referrer
			l.URL = c
			fl.Priority = r.priority(l, depth)
		}
		out = append(out, fl)
	}
	if r.opts.Strategy == DepthFirst {
		// The frontier pops the newest link first; pushing a page's links
		// in reverse makes its first link the next page crawled.
		slices.Reverse(out)
	}
	return out
}

func (w *batchWork) complete(it ClaimedURL, kind OutcomeKind, reason string, res *Result, links []FoundLink, bytes int64, hash string, perr *core.ErrorInfo) error {
	o := Outcome{URL: it.URL, Kind: kind, Reason: reason, Bytes: bytes, ContentHash: hash, Depth: it.Depth, Error: perr, Links: links}
	var buf *[]byte
	if res != nil {
		buf = resultBuffers.Get()
		var err error
		if o.Result, err = appendResult(*buf, res); err != nil {
			resultBuffers.Put(buf)
			return core.Wrap(core.ErrInternal, err, "encode result")
		}
	}
	c := completion{outcome: o, done: make(chan error, 1)}
	w.records <- c
	err := <-c.done
	// Complete has returned and does not keep records (RunStore), so the
	// buffer serves the next page.
	if buf != nil {
		*buf = o.Result
		resultBuffers.Put(buf)
	}
	return err
}

// resultBuffers holds the buffers pages encode their result records into.
// A record lives from its page's end to the store call that records it, a
// few milliseconds; reusing its buffer saves an allocation of the document's
// size (20-300 KB) per page, an eighth of what a spider run allocated.
var resultBuffers = bufpool.New(1 << 20)

// completion is one page's outcome waiting to be recorded.
type completion struct {
	outcome Outcome
	done    chan error
}

// maxRecordGroup bounds the outcomes recorded by one store call.
const maxRecordGroup = 16

// recorder records outcomes: whatever has queued up while the previous
// call ran goes in the next one, so pages finishing together cost one
// round trip (and one Lua state on the embedded Redis) instead of one
// each. A lone page is recorded at once: no added latency.
func (w *batchWork) recorder() {
	// Recording must not be cut short by the run's deadline.
	ctx := context.WithoutCancel(w.ctx)
	outcomes := make([]Outcome, 0, maxRecordGroup)
	var known knownLinks
	for first := range w.records {
		group := []completion{first}
	more:
		for len(group) < maxRecordGroup {
			select {
			case c, ok := <-w.records:
				if !ok {
					break more
				}
				group = append(group, c)
			default:
				break more
			}
		}
		outcomes = outcomes[:0]
		for _, c := range group {
			o := c.outcome
			known.filter(&o)
			outcomes = append(outcomes, o)
		}
		recorded, err := w.e.runs.Complete(ctx, w.r.id, w.batch, w.policy, outcomes)
		if err != nil {
			err = core.Wrap(core.ErrDependency, err, "record crawled pages")
		} else {
			w.e.countPages(outcomes, recorded)
			w.e.chargePages(ctx, w.r, outcomes, recorded)
			for i := range outcomes {
				if i < len(recorded) {
					known.remember(&outcomes[i], recorded[i])
				}
			}
		}
		for _, c := range group {
			c.done <- err
		}
	}
}

// countPages tells the metrics what became of recorded pages: crawled
// ("ok") or failed (the error type). Skips, duplicates and outcomes a newer
// batch took over are not pages of the run.
func (e *Engine) countPages(outcomes []Outcome, recorded []Recorded) {
	if e.pages == nil {
		return
	}
	for i, o := range outcomes {
		if i >= len(recorded) || recorded[i] != RecordStored {
			continue
		}
		switch {
		case o.Kind == OutcomeOK:
			e.pages.RecordSpiderPage("ok")
		case o.Kind == OutcomeFailed && o.Error != nil:
			e.pages.RecordSpiderPage(string(o.Error.Type))
		}
	}
}

// chargePages charges the run's payer for the pages stored by this
// completion, crawled or failed (a failed fetch was still made), except
// the seeds, which the API spent before the run existed. Skips,
// duplicates and outcomes a newer batch took over are not pages.
func (e *Engine) chargePages(ctx context.Context, r *run, outcomes []Outcome, recorded []Recorded) {
	if e.meter == nil || r.m.Billing == "" {
		return
	}
	n := 0
	for i, o := range outcomes {
		if i >= len(recorded) || recorded[i] != RecordStored || (o.Kind != OutcomeOK && o.Kind != OutcomeFailed) {
			continue
		}
		if !slices.Contains(r.seeds, o.URL) {
			n++
		}
	}
	if n > 0 {
		e.meter.ChargePages(ctx, r.m.Billing, n)
	}
}

// hostDelay is the run's delay between two requests to u's host:
// delay_ms, raised to the host's Crawl-delay when robots.txt is obeyed.
func (w *batchWork) hostDelay(u *url.URL) time.Duration {
	base := time.Duration(w.r.opts.DelayMS) * time.Millisecond
	if w.e.site == nil || !w.r.opts.Robots() {
		return base
	}
	w.delayMu.Lock()
	defer w.delayMu.Unlock()
	if w.delays == nil {
		w.delays = map[string]time.Duration{}
	}
	d, ok := w.delays[u.Host]
	if !ok {
		d = base
		// The fetch layer caches robots.txt; failures leave the base
		// delay (the page fetch reports the real error).
		if info, err := w.e.site.Robots(w.ctx, u.Scheme+"://"+u.Host+"/"); err == nil && info.CrawlDelay > d {
			d = info.CrawlDelay
		}
		w.delays[u.Host] = d
	}
	return d
}

// decide reads the run after a step and says what comes next.
func (e *Engine) decide(ctx context.Context, id string) (StepOutput, error) {
	m, err := e.loadMeta(ctx, id)
	if err != nil {
		return StepOutput{}, err
	}
	out := StepOutput{SpiderID: id, State: m.State}
	switch m.State {
	case StatePaused:
		out.Next = NextPaused
		return out, nil
	case StateStopping:
		out.Next = NextFinalize
		return out, nil
	case StateRunning:
	default:
		out.Next = NextDone
		return out, nil
	}
	if !m.Initialized {
		out.Next = "init"
		return out, nil
	}
	if reason := budgetSpent(m, e.now()); reason != "" || m.Queued == 0 && m.InFlight == 0 {
		out.Next = NextFinalize
		return out, nil
	}
	out.Next = NextCrawl
	return out, nil
}

// budgetSpent names the budget that ends the run, if any. A page budget
// counts as spent only when nothing is in flight: a page in flight may
// still release its slot.
func budgetSpent(m *RunMeta, now time.Time) string {
	switch {
	case !m.Deadline.IsZero() && !now.Before(m.Deadline):
		return StopMaxDuration
	case m.InFlight > 0:
		return ""
	case m.MaxPages > 0 && m.Reserved >= int64(m.MaxPages):
		return StopMaxPages
	case m.MaxErrors > 0 && m.Failed >= int64(m.MaxErrors):
		return StopMaxErrors
	case m.MaxBytes > 0 && m.ReservedBytes >= m.MaxBytes:
		return StopMaxBytes
	}
	return ""
}

// Finalize ends a run: it records the final state and stop reason, sets
// the expiry of every key of the run, and sends the webhook once.
// stepErr is set when the state machine caught a failing step.
func (e *Engine) Finalize(ctx context.Context, id string, stepErr *StepError) (StepOutput, error) {
	r, err := e.load(ctx, id)
	if err != nil {
		return StepOutput{}, err
	}
	state := r.m.State
	if !Terminal(state) {
		end := RunEnd{State: StateCompleted, StopReason: budgetSpent(r.m, e.now())}
		switch {
		case stepErr != nil:
			end.State, end.StopReason = StateFailed, StopFailed
			end.LastError = &core.ErrorInfo{Type: core.ErrInternal, Message: "step failed: " + stepErr.Error + ": " + truncate(stepErr.Cause, 500)}
		case state == StateStopping:
			end.State, end.StopReason = StateStopped, StopRequested
		case end.StopReason == "" && r.m.Queued == 0:
			end.StopReason = StopFrontierEmpty
		case end.StopReason == "":
			// Finalize asked while work remains (a forced end).
			end.State, end.StopReason = StateStopped, StopRequested
		}
		end.At = e.now()
		// Pages still claimed by a batch that died (its Redis failed
		// under it, its Lambda timed out) go back to the frontier, so an
		// ended run has none in flight; a batch still working finds its
		// claims taken over and its outcomes dropped as stale.
		if r.m.InFlight > 0 {
			if _, err := e.runs.Takeover(ctx, id, "final-"+NewID()[:8]); err != nil {
				return StepOutput{}, core.Wrap(core.ErrDependency, err, "release the run's claimed pages")
			}
		}
		if err := e.runs.Finish(ctx, id, end, r.ttl); err != nil {
			return StepOutput{}, core.Wrap(core.ErrDependency, err, "record the end of the run")
		}
		state = end.State
	}
	if r.opts.WebhookURL != "" && e.notifier != nil {
		if first, err := e.runs.MarkWebhookSent(ctx, id); err == nil && first {
			st, err := e.Status(ctx, id)
			if err == nil {
				if err := e.notify(ctx, r.opts, st); err != nil {
					e.log.WarnContext(ctx, "spider webhook failed", "spider_id", id, "error", err.Error())
					_ = e.runs.Update(ctx, id, RunUpdate{WebhookError: truncate(err.Error(), 300)})
				}
			}
		}
	}
	return StepOutput{SpiderID: id, Next: NextDone, State: state}, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// appendResult appends a result's JSON encoding to buf, its document
// spliced in as is: the crawler produced the document with encoding/json
// already, and letting json.Marshal validate and compact a RawMessage of
// 50-200 KB per page cost an eighth of a spider's CPU.
func appendResult(buf []byte, res *Result) ([]byte, error) {
	doc := res.Document
	head := *res
	head.Document = nil
	b, err := json.Marshal(&head)
	if err != nil {
		return nil, err
	}
	if len(doc) == 0 {
		return append(buf, b...), nil
	}
	buf = slices.Grow(buf, len(b)+len(doc)+12)
	buf = append(buf, b[:len(b)-1]...) // drop the closing brace
	buf = append(buf, `,"document":`...)
	buf = append(buf, doc...)
	return append(buf, '}'), nil
}
