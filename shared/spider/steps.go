package spider

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
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
	if r.m["initialized"] == "1" || r.m["state"] != StateRunning {
		return e.decide(ctx, r.id)
	}
	now := e.now()
	links := make([]linkArg, 0, len(r.seeds))
	for _, s := range r.seeds {
		links = append(links, linkArg{url: s, base: r.priority(Link{URL: s}, 0), tag: "q:" + formatInfo(0, "")})
	}
	if r.opts.Sitemap != SitemapSkip && e.site != nil {
		links = append(links, e.discoverSitemaps(ctx, r)...)
	}
	if err := e.push(ctx, r, links); err != nil {
		return StepOutput{}, err
	}
	deadline := now.Add(time.Duration(r.opts.MaxDurationMS) * time.Millisecond)
	if err := e.st.Client.HSet(ctx, r.keys.meta, "initialized", "1", "started_ms", now.UnixMilli(),
		"deadline_ms", deadline.UnixMilli(), "updated_ms", now.UnixMilli()).Err(); err != nil {
		return StepOutput{}, core.Wrap(core.ErrDependency, err, "record run start")
	}
	return e.decide(ctx, r.id)
}

// push enqueues links (in chunks, so one script call stays small).
func (e *Engine) push(ctx context.Context, r *run, links []linkArg) error {
	const chunk = 500
	for len(links) > 0 {
		n := min(len(links), chunk)
		args := []any{r.seqDir(), r.ttl.Milliseconds(), n}
		args = appendLinks(args, links[:n])
		keys := []string{r.keys.meta, r.keys.seen, r.keys.deep, r.keys.frontier, r.keys.info}
		if err := scriptPush.Run(ctx, e.st.Client, keys, args...).Err(); err != nil {
			return core.Wrap(core.ErrDependency, err, "enqueue URLs in Redis")
		}
		links = links[n:]
	}
	return nil
}

// claimed is one URL handed to this batch.
type claimed struct {
	url      string
	depth    int
	referrer string
	maxBytes int64
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
	if r.m["state"] != StateRunning {
		return e.decide(ctx, r.id)
	}
	if e.crawler == nil {
		return StepOutput{}, errNoCrawler
	}
	batch := NewID()[:12]
	if err := scriptTakeover.Run(ctx, e.st.Client, []string{r.keys.meta, r.keys.inflight, r.keys.frontier}, batch).Err(); err != nil {
		return StepOutput{}, core.Wrap(core.ErrDependency, err, "take over the run")
	}
	sliceEnd := e.now().Add(e.cfg.Slice)
	if dl, ok := ctx.Deadline(); ok && dl.Add(-e.cfg.SliceMargin).Before(sliceEnd) {
		sliceEnd = dl.Add(-e.cfg.SliceMargin)
	}
	runDeadline := time.UnixMilli(r.m.int("deadline_ms"))
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

	w := &batchWork{e: e, r: r, batch: batch, ctx: pageCtx, hosts: newHostGate(r.opts.PerHostConcurrency),
		records: make(chan completion, r.opts.Concurrency)}
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
			if inFlight == 0 || why == "state" || why == "superseded" {
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
			go func(it claimed) {
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
	if err := e.st.Client.HSet(context.WithoutCancel(ctx), r.keys.meta, "updated_ms", e.now().UnixMilli()).Err(); err != nil {
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
	hosts *hostGate
	// records carries outcomes to the recorder goroutine.
	records chan completion

	delayMu sync.Mutex
	delays  map[string]time.Duration
}

func (w *batchWork) claim(n int) ([]claimed, string, error) {
	k := w.r.keys
	res, err := scriptClaim.Run(w.ctx, w.e.st.Client, []string{k.meta, k.frontier, k.info, k.inflight},
		w.batch, n, w.e.now().UnixMilli(), w.e.cfg.PageBytes).StringSlice()
	if err != nil {
		if w.ctx.Err() != nil {
			return nil, "deadline", nil
		}
		return nil, "", core.Wrap(core.ErrDependency, err, "claim URLs from the frontier")
	}
	if len(res) < 2 {
		return nil, "", core.Errorf(core.ErrInternal, "claim: short reply")
	}
	if res[0] != "ok" {
		return nil, res[0], nil
	}
	var out []claimed
	for i := 2; i+2 < len(res); i += 3 {
		depth, ref := parseInfo(res[i+1])
		b, _ := strconv.ParseInt(res[i+2], 10, 64)
		out = append(out, claimed{url: res[i], depth: depth, referrer: ref, maxBytes: b})
	}
	return out, "ok", nil
}

// crawl crawls one claimed URL and records the outcome. Only Redis
// failures are returned: a page failing is an outcome, not an error.
func (w *batchWork) crawl(it claimed) error {
	r := w.r
	u, err := url.Parse(it.url)
	if err != nil {
		return w.complete(it, "skip", "", nil, nil, 0, "", nil)
	}
	release, err := w.hosts.acquire(w.ctx, u.Host)
	if err != nil {
		return w.complete(it, "skip", "", nil, nil, 0, "", nil)
	}
	defer release()
	if err := w.politeness(u); err != nil {
		if w.ctx.Err() != nil {
			return w.complete(it, "skip", "", nil, nil, 0, "", nil)
		}
		return err
	}
	start := w.e.now()
	page, cerr := w.e.crawler.CrawlPage(w.ctx, PageRequest{URL: it.url, Depth: it.depth, MaxBytes: it.maxBytes, RespectRobots: r.opts.Robots()})
	elapsed := w.e.now().Sub(start)
	var bytes int64
	if page != nil {
		bytes = min(page.Bytes, it.maxBytes)
	}
	if cerr != nil && w.ctx.Err() != nil {
		// Cancelled at the run's deadline: the slot is released, the run
		// ends with max_duration.
		return w.complete(it, "skip", "", nil, nil, bytes, "", nil)
	}
	if cerr != nil && core.TypeOf(cerr) == core.ErrRobotsDisallowed {
		return w.complete(it, "skip", SkipRobots, nil, nil, bytes, "", nil)
	}
	res := &Result{URL: it.url, Depth: it.depth, Referrer: it.referrer, Bytes: bytes, CrawledAt: start.UTC(), DurationMS: elapsed.Milliseconds()}
	if page != nil {
		res.FinalURL, res.Status, res.ContentType, res.Truncated = page.FinalURL, page.Status, page.ContentType, page.Truncated
		if res.FinalURL == it.url {
			res.FinalURL = ""
		}
	}
	if cerr != nil {
		res.Error = pageError(cerr, it.url)
		return w.complete(it, "failed", "", res, nil, bytes, "", res.Error)
	}
	if page == nil {
		res.Error = &PageError{Type: core.ErrInternal, Message: "the page crawler returned neither a page nor an error", URL: it.url}
		return w.complete(it, "failed", "", res, nil, bytes, "", res.Error)
	}
	if fu, err := url.Parse(page.FinalURL); err == nil && page.FinalURL != "" && fu.Host != u.Host {
		if it.depth == 0 {
			// A seed moved (example.com -> www.example.com): its new host
			// is the site, for this run and every later batch.
			r.scope.addSeedHost(fu.Host)
			if err := w.e.st.Client.HSet(context.WithoutCancel(w.ctx), r.keys.meta, seedHostField+fu.Host, "1").Err(); err != nil {
				return core.Wrap(core.ErrDependency, err, "record a seed's new host")
			}
		} else if why := r.scope.check(fu, false); why == SkipOutOfScope {
			return w.complete(it, "skip", SkipOutOfScope, nil, nil, bytes, "", nil)
		}
	}
	if !r.scope.acceptsType(page.ContentType) {
		return w.complete(it, "skip", SkipContentType, nil, nil, bytes, "", nil)
	}
	res.Document = page.Document
	res.LinksFound = len(page.Links)
	var links []linkArg
	if r.opts.Sitemap != SitemapOnly {
		links = w.linkArgs(page, it)
	}
	return w.complete(it, "ok", "", res, links, bytes, page.ContentHash, nil)
}

// linkArgs canonicalises and classifies a page's links.
func (w *batchWork) linkArgs(page *Page, it claimed) []linkArg {
	r := w.r
	norm := r.opts.normalizer()
	depth := it.depth + 1
	tooDeep := depth > r.opts.Depth()
	referrer := it.url
	out := make([]linkArg, 0, len(page.Links))
	local := make(map[string]bool, len(page.Links))
	for _, l := range page.Links {
		c, err := norm.Normalize(l.URL)
		if err != nil || local[c] {
			continue
		}
		local[c] = true
		la := linkArg{url: c}
		cu, err := url.Parse(c)
		if err != nil {
			continue
		}
		why := r.scope.check(cu, false)
		switch {
		case l.NoFollow:
			la.tag = "s:" + SkipNoFollow
		case why != "":
			la.tag = "s:" + why
		case tooDeep:
			la.tag = "d:"
		default:
			la.tag = "q:" + formatInfo(depth, referrer)
			l.URL = c
			la.base = r.priority(l, depth)
		}
		out = append(out, la)
	}
	if r.opts.Strategy == DepthFirst {
		// The frontier pops the newest link first; pushing a page's links
		// in reverse makes its first link the next page crawled.
		slices.Reverse(out)
	}
	return out
}

func (w *batchWork) complete(it claimed, outcome, reason string, res *Result, links []linkArg, bytes int64, hash string, perr *PageError) error {
	var resJSON, errJSON []byte
	if res != nil {
		var err error
		if resJSON, err = marshalResult(res); err != nil {
			return core.Wrap(core.ErrInternal, err, "encode result")
		}
	}
	if perr != nil {
		errJSON, _ = json.Marshal(perr)
	}
	args := []any{it.url, outcome, reason, bytes, hash, resJSON, it.depth, errJSON, len(links)}
	args = appendLinks(args, links)
	c := completion{args: args, done: make(chan error, 1)}
	w.records <- c
	return <-c.done
}

// completion is one page's outcome waiting to be recorded.
type completion struct {
	args []any
	done chan error
}

// maxRecordGroup bounds the outcomes recorded by one script call.
const maxRecordGroup = 16

// recorder writes outcomes to Redis: whatever has queued up while the
// previous call ran goes in the next one, so pages finishing together
// cost one round trip (and one Lua state on the embedded Redis) instead
// of one each. A lone page is recorded at once: no added latency.
func (w *batchWork) recorder() {
	k := w.r.keys
	keys := []string{k.meta, k.inflight, k.results, k.hashes, k.seen, k.deep, k.frontier, k.info}
	// Recording must not be cut short by the run's deadline.
	ctx := context.WithoutCancel(w.ctx)
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
		args := []any{w.batch, w.r.ttl.Milliseconds(), w.r.seqDir(), len(group)}
		for _, c := range group {
			args = append(args, c.args...)
		}
		err := scriptComplete.Run(ctx, w.e.st.Client, keys, args...).Err()
		if err != nil {
			err = core.Wrap(core.ErrDependency, err, "record crawled pages")
		}
		for _, c := range group {
			c.done <- err
		}
	}
}

// politeness waits for the host's next request slot when the run has a
// delay for it (delay_ms, raised to the host's Crawl-delay).
func (w *batchWork) politeness(u *url.URL) error {
	d := w.hostDelay(u)
	if d <= 0 {
		return nil
	}
	wait, err := scriptPoliteness.Run(w.ctx, w.e.st.Client, []string{w.r.keys.hostNext},
		u.Host, w.e.now().UnixMilli(), d.Milliseconds(), w.r.ttl.Milliseconds()).Int64()
	if err != nil {
		return core.Wrap(core.ErrDependency, err, "book a host slot")
	}
	if wait <= 0 {
		return nil
	}
	t := time.NewTimer(time.Duration(wait) * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-w.ctx.Done():
		return w.ctx.Err()
	}
}

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

// hostGate bounds the requests in flight per host within one batch (only
// one batch of a run works at a time, so this bounds the run).
type hostGate struct {
	n  int
	mu sync.Mutex
	s  map[string]chan struct{}
}

func newHostGate(n int) *hostGate { return &hostGate{n: n, s: map[string]chan struct{}{}} }

func (g *hostGate) acquire(ctx context.Context, host string) (func(), error) {
	g.mu.Lock()
	ch := g.s[host]
	if ch == nil {
		ch = make(chan struct{}, g.n)
		g.s[host] = ch
	}
	g.mu.Unlock()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// decide reads the run after a step and says what comes next.
func (e *Engine) decide(ctx context.Context, id string) (StepOutput, error) {
	k := keysFor(e.st, id)
	pipe := e.st.Client.Pipeline()
	mcmd := pipe.HGetAll(ctx, k.meta)
	qcmd := pipe.ZCard(ctx, k.frontier)
	if _, err := pipe.Exec(ctx); err != nil {
		return StepOutput{}, core.Wrap(core.ErrDependency, err, "read run state")
	}
	m := meta(mcmd.Val())
	if len(m) == 0 {
		return StepOutput{}, notFound(id)
	}
	out := StepOutput{SpiderID: id, State: m["state"]}
	switch m["state"] {
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
	if m["initialized"] != "1" {
		out.Next = "init"
		return out, nil
	}
	if reason := budgetSpent(m, e.now()); reason != "" || qcmd.Val() == 0 && m.int("inflight") == 0 {
		out.Next = NextFinalize
		return out, nil
	}
	out.Next = NextCrawl
	return out, nil
}

// budgetSpent names the budget that ends the run, if any. A page budget
// counts as spent only when nothing is in flight: a page in flight may
// still release its slot.
func budgetSpent(m meta, now time.Time) string {
	inflight := m.int("inflight")
	switch {
	case m.int("deadline_ms") > 0 && now.UnixMilli() >= m.int("deadline_ms"):
		return StopMaxDuration
	case inflight > 0:
		return ""
	case m.int("max_pages") > 0 && m.int("reserved") >= m.int("max_pages"):
		return StopMaxPages
	case m.int("max_errors") > 0 && m.int("failed") >= m.int("max_errors"):
		return StopMaxErrors
	case m.int("max_bytes") > 0 && m.int("reserved_bytes") >= m.int("max_bytes"):
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
	k := r.keys
	state := r.m["state"]
	if !Terminal(state) {
		frontier, err := e.st.Client.ZCard(ctx, k.frontier).Result()
		if err != nil {
			return StepOutput{}, core.Wrap(core.ErrDependency, err, "read the frontier")
		}
		final, reason := StateCompleted, budgetSpent(r.m, e.now())
		switch {
		case stepErr != nil:
			final, reason = StateFailed, StopFailed
			le, _ := json.Marshal(PageError{Type: core.ErrInternal, Message: "step failed: " + stepErr.Error + ": " + truncate(stepErr.Cause, 500)})
			e.st.Client.HSet(ctx, k.meta, "last_error", le)
		case state == StateStopping:
			final, reason = StateStopped, StopRequested
		case reason == "" && frontier == 0:
			reason = StopFrontierEmpty
		case reason == "":
			// Finalize asked while work remains (a forced end).
			final, reason = StateStopped, StopRequested
		}
		now := e.now().UnixMilli()
		pipe := e.st.Client.TxPipeline()
		pipe.HSet(ctx, k.meta, "state", final, "stop_reason", reason, "finished_ms", now, "updated_ms", now)
		pipe.SRem(ctx, activeKey(e.st), id)
		for _, key := range k.all() {
			pipe.PExpire(ctx, key, r.ttl)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return StepOutput{}, core.Wrap(core.ErrDependency, err, "record the end of the run")
		}
		state = final
	}
	if r.opts.WebhookURL != "" && e.notifier != nil {
		if first, err := e.st.Client.HSetNX(ctx, k.meta, "webhook_sent", "1").Result(); err == nil && first {
			st, err := e.Status(ctx, id)
			if err == nil {
				if err := e.notify(ctx, r.opts, st); err != nil {
					e.log.WarnContext(ctx, "spider webhook failed", "spider_id", id, "error", err.Error())
					e.st.Client.HSet(ctx, k.meta, "webhook_error", truncate(err.Error(), 300))
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

// marshalResult encodes a result with its document spliced in as is: the
// crawler produced the document with encoding/json already, and letting
// json.Marshal validate and compact a RawMessage of 50-200 KB per page cost
// an eighth of a spider's CPU.
func marshalResult(res *Result) ([]byte, error) {
	doc := res.Document
	if len(doc) == 0 {
		return json.Marshal(res)
	}
	head := *res
	head.Document = nil
	b, err := json.Marshal(&head)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(b)+len(doc)+12)
	out = append(out, b[:len(b)-1]...) // drop the closing brace
	out = append(out, `,"document":`...)
	out = append(out, doc...)
	return append(out, '}'), nil
}
