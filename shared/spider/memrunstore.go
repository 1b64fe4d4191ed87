package spider

import (
	"container/heap"
	"context"
	"encoding/json"
	"math"
	"slices"
	"sync"
	"time"
)

// MemoryRunStore is a RunStore in this process's memory, one mutex around
// every run: the engine's tests need no Redis, and a program that crawls in
// one process may use it. It keeps the semantics of spiderruns.Runs (the
// tests run against both): exact budgets, takeover, priority order with
// ties popped by URL, expiry. State is lost with the process.
type MemoryRunStore struct {
	// Now is the clock of expiry (default time.Now).
	Now func() time.Time

	mu     sync.Mutex
	runs   map[string]*memRun
	active map[string]bool
}

// NewMemoryRunStore returns an empty store.
func NewMemoryRunStore() *MemoryRunStore {
	return &MemoryRunStore{Now: time.Now, runs: map[string]*memRun{}, active: map[string]bool{}}
}

// memRun is one run. Every part shares one expiry: the meta's expiry is set
// at Create and Finish and every other part is written after the meta and
// given the same TTL, so no part of a live run expires before the meta.
type memRun struct {
	m RunMeta // counters and fields; Options, Seeds and Queued are not kept here
	// options and seeds are kept encoded, as in Redis: what Load returns
	// is a copy the caller may change.
	options, seeds []byte
	seq            int64
	// batch owns the run once owned is set (by the first Takeover).
	batch       string
	owned       bool
	pausedMS    int64
	deadlineMS  int64
	frontier    frontier
	info        map[string]memInfo
	seen, deep  map[string]bool
	hashes      map[string]bool
	inflight    map[string]memClaim
	results     [][]byte
	webhookSent bool
	expires     time.Time
}

type memInfo struct {
	depth    int
	referrer string
}

type memClaim struct {
	batch string
	bytes int64
	score float64
}

func (s *MemoryRunStore) clock() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// run returns a live run (nil when absent or expired); s.mu is held.
func (s *MemoryRunStore) run(id string) *memRun {
	r := s.runs[id]
	if r != nil && !r.expires.IsZero() && !s.clock().Before(r.expires) {
		delete(s.runs, id)
		return nil
	}
	return r
}

// Create implements RunStore.
func (s *MemoryRunStore) Create(_ context.Context, n NewRun) error {
	opts, err := json.Marshal(n.Options)
	if err != nil {
		return err
	}
	seeds, err := json.Marshal(n.Seeds)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lazyInit()
	s.runs[n.ID] = &memRun{
		m: RunMeta{State: StateRunning, Owner: n.Owner, Billing: n.Billing, Gen: n.Gen, MaxPages: n.MaxPages, MaxBytes: n.MaxBytes, MaxErrors: n.MaxErrors,
			Created: msUTC(n.Created), Updated: msUTC(n.Created), Skipped: map[string]int64{}},
		options: opts, seeds: seeds,
		info: map[string]memInfo{}, seen: map[string]bool{}, deep: map[string]bool{}, hashes: map[string]bool{},
		inflight: map[string]memClaim{},
		expires:  s.clock().Add(n.TTL),
	}
	s.active[n.ID] = true
	return nil
}

func (s *MemoryRunStore) lazyInit() {
	if s.runs == nil {
		s.runs, s.active = map[string]*memRun{}, map[string]bool{}
	}
}

// Load implements RunStore.
func (s *MemoryRunStore) Load(_ context.Context, id string) (*RunMeta, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.run(id)
	if r == nil {
		return nil, nil
	}
	m := r.m
	m.Skipped = make(map[string]int64, len(r.m.Skipped))
	for k, v := range r.m.Skipped {
		m.Skipped[k] = v
	}
	m.SeedHosts = slices.Clone(r.m.SeedHosts)
	if r.m.LastError != nil {
		le := *r.m.LastError
		m.LastError = &le
	}
	m.Deadline = msTime0(r.deadlineMS)
	m.Queued = int64(r.frontier.Len())
	if err := json.Unmarshal(r.options, &m.Options); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(r.seeds, &m.Seeds); err != nil {
		return nil, err
	}
	return &m, nil
}

// Push implements RunStore.
func (s *MemoryRunStore) Push(_ context.Context, id string, p PushPolicy, links []FoundLink) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.run(id)
	if r == nil {
		return 0, nil
	}
	return r.push(p, links), nil
}

// push is spiderPushLua of spiderruns.Runs.
func (r *memRun) push(p PushPolicy, links []FoundLink) int {
	dir := 1.0
	if p.LIFO {
		dir = -1
	}
	seq0 := r.seq
	r.seq += int64(len(links))
	added, dups := 0, int64(0)
	for i, l := range links {
		switch l.Kind {
		case LinkQueue:
			if r.seen[l.URL] {
				dups++
				continue
			}
			r.seen[l.URL] = true
			score := math.RoundToEven(l.Priority) + dir*float64(seq0+int64(i)+1)
			heap.Push(&r.frontier, frontierItem{url: l.URL, score: score})
			r.info[l.URL] = memInfo{depth: l.Depth, referrer: l.Referrer}
			added++
		case LinkTooDeep:
			if !r.deep[l.URL] {
				r.deep[l.URL] = true
				r.m.Skipped[SkipMaxDepth]++
			}
		default:
			if r.seen[l.URL] {
				dups++
				continue
			}
			r.seen[l.URL] = true
			r.m.Skipped[l.Reason]++
		}
	}
	r.m.DupLinks += dups
	return added
}

// Takeover implements RunStore.
func (s *MemoryRunStore) Takeover(_ context.Context, id, batch string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.run(id)
	if r == nil {
		return 0, nil
	}
	r.batch, r.owned = batch, true
	n := 0
	for u, c := range r.inflight {
		heap.Push(&r.frontier, frontierItem{url: u, score: c.score})
		r.m.Reserved--
		r.m.InFlight--
		r.m.ReservedBytes -= c.bytes
		n++
	}
	clear(r.inflight)
	return n, nil
}

// Claim implements RunStore.
func (s *MemoryRunStore) Claim(_ context.Context, id string, c ClaimRequest) (Claim, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.run(id)
	if r == nil {
		return Claim{Refused: ClaimNotRunning}, nil
	}
	m := &r.m
	if m.State != StateRunning {
		return Claim{Refused: ClaimNotRunning, Detail: m.State}, nil
	}
	if !r.owned || r.batch != c.Batch {
		return Claim{Refused: ClaimSuperseded}, nil
	}
	if r.deadlineMS > 0 && c.Now.UnixMilli() >= r.deadlineMS {
		return Claim{Refused: ClaimBudget, Detail: StopMaxDuration}, nil
	}
	want := int64(c.Want)
	if m.MaxPages > 0 {
		want = min(want, int64(m.MaxPages)-m.Reserved)
		if want <= 0 {
			return Claim{Refused: ClaimBudget, Detail: StopMaxPages}, nil
		}
	}
	if m.MaxErrors > 0 {
		want = min(want, int64(m.MaxErrors)-m.Failed-m.InFlight)
		if want <= 0 {
			return Claim{Refused: ClaimBudget, Detail: StopMaxErrors}, nil
		}
	}
	if m.MaxBytes > 0 && m.MaxBytes-m.ReservedBytes <= 0 {
		return Claim{Refused: ClaimBudget, Detail: StopMaxBytes}, nil
	}
	if r.frontier.Len() == 0 || want <= 0 {
		return Claim{Refused: ClaimEmpty}, nil
	}
	popped := make([]frontierItem, 0, min(want, int64(r.frontier.Len())))
	for int64(len(popped)) < want && r.frontier.Len() > 0 {
		popped = append(popped, heap.Pop(&r.frontier).(frontierItem))
	}
	out := Claim{URLs: make([]ClaimedURL, 0, len(popped))}
	for _, it := range popped {
		b := c.PageBytes
		if m.MaxBytes > 0 {
			b = min(b, m.MaxBytes-m.ReservedBytes)
		}
		if b <= 0 {
			heap.Push(&r.frontier, it)
			continue
		}
		m.ReservedBytes += b
		m.Reserved++
		m.InFlight++
		r.inflight[it.url] = memClaim{batch: c.Batch, bytes: b, score: it.score}
		in := r.info[it.url]
		out.URLs = append(out.URLs, ClaimedURL{URL: it.url, Depth: in.depth, Referrer: in.referrer, MaxBytes: b})
	}
	return out, nil
}

// Complete implements RunStore.
func (s *MemoryRunStore) Complete(_ context.Context, id, batch string, p PushPolicy, outcomes []Outcome) ([]Recorded, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Recorded, len(outcomes))
	r := s.run(id)
	for i, o := range outcomes {
		if r == nil {
			out[i] = RecordStale
			continue
		}
		out[i] = r.complete(batch, p, o)
	}
	return out, nil
}

// complete is complete1 of spiderComplete in spiderruns.Runs.
func (r *memRun) complete(batch string, p PushPolicy, o Outcome) Recorded {
	c, ok := r.inflight[o.URL]
	if !ok || c.batch != batch {
		return RecordStale
	}
	m := &r.m
	delete(r.inflight, o.URL)
	m.InFlight--
	m.ReservedBytes += o.Bytes - c.bytes
	m.Bytes += o.Bytes
	ret := RecordStored
	kind, reason := o.Kind, o.Reason
	if kind == OutcomeOK && o.ContentHash != "" {
		if r.hashes[o.ContentHash] {
			kind, reason, ret = OutcomeSkip, SkipDuplicateContent, RecordDuplicate
		}
		r.hashes[o.ContentHash] = true
	}
	if kind == OutcomeSkip {
		m.Reserved--
		if reason != "" {
			m.Skipped[reason]++
		}
		return ret
	}
	r.results = append(r.results, slices.Clone(o.Result))
	m.CurrentDepth = o.Depth
	m.DepthMax = max(m.DepthMax, o.Depth)
	if kind == OutcomeFailed {
		m.Failed++
		m.LastError = nil
		if o.Error != nil {
			le := *o.Error
			m.LastError = &le
		}
		return ret
	}
	m.Crawled++
	m.DupLinks += int64(o.KnownDupLinks)
	if len(o.Links) > 0 {
		r.push(p, o.Links)
	}
	return ret
}

// Transition implements RunStore.
func (s *MemoryRunStore) Transition(_ context.Context, id, to string, now time.Time, from ...string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.run(id)
	if r == nil {
		return "", nil
	}
	was := r.m.State
	if !slices.Contains(from, was) {
		return was, nil
	}
	r.m.State = to
	if to == StatePaused {
		r.pausedMS = now.UnixMilli()
	}
	if was == StatePaused && to == StateRunning && r.pausedMS > 0 && r.deadlineMS > 0 {
		r.deadlineMS += now.UnixMilli() - r.pausedMS
	}
	return was, nil
}

// Update implements RunStore.
func (s *MemoryRunStore) Update(_ context.Context, id string, u RunUpdate) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.run(id)
	if r == nil {
		return nil
	}
	if !u.Started.IsZero() {
		r.m.Initialized = true
		r.m.Started = msUTC(u.Started)
		r.deadlineMS = u.Deadline.UnixMilli()
	}
	if !u.Updated.IsZero() {
		r.m.Updated = msUTC(u.Updated)
	}
	if u.SeedHost != "" && !slices.Contains(r.m.SeedHosts, u.SeedHost) {
		r.m.SeedHosts = append(r.m.SeedHosts, u.SeedHost)
	}
	if u.WebhookError != "" {
		r.m.WebhookError = u.WebhookError
	}
	return nil
}

// MarkWebhookSent implements RunStore.
func (s *MemoryRunStore) MarkWebhookSent(_ context.Context, id string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.run(id)
	if r == nil || r.webhookSent {
		return false, nil
	}
	r.webhookSent = true
	return true, nil
}

// Finish implements RunStore.
func (s *MemoryRunStore) Finish(_ context.Context, id string, end RunEnd, ttl time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.active, id)
	r := s.run(id)
	if r == nil {
		return nil
	}
	r.m.State, r.m.StopReason = end.State, end.StopReason
	r.m.Finished, r.m.Updated = msUTC(end.At), msUTC(end.At)
	if end.LastError != nil {
		le := *end.LastError
		r.m.LastError = &le
	}
	r.expires = s.clock().Add(ttl)
	return nil
}

// Results implements RunStore.
func (s *MemoryRunStore) Results(_ context.Context, id string, offset int64, limit int) (*ResultRange, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.run(id)
	if r == nil {
		return nil, nil
	}
	total := int64(len(r.results))
	lo := min(max(offset, 0), total)
	hi := min(lo+int64(max(limit, 0)), total)
	recs := make([][]byte, 0, hi-lo)
	for _, rec := range r.results[lo:hi] {
		recs = append(recs, slices.Clone(rec))
	}
	return &ResultRange{State: r.m.State, Total: total, Records: recs}, nil
}

// Delete implements RunStore.
func (s *MemoryRunStore) Delete(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.runs, id)
	return nil
}

// OwnedRuns implements RunStore.
func (s *MemoryRunStore) OwnedRuns(_ context.Context, owner string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id := range s.runs {
		if r := s.run(id); r != nil && r.m.Owner == owner {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b string) int { return s.runs[a].m.Created.Compare(s.runs[b].m.Created) })
	return ids, nil
}

// ActiveRuns implements RunStore.
func (s *MemoryRunStore) ActiveRuns(context.Context) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.active))
	for id := range s.active {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids, nil
}

// SetActive implements RunStore.
func (s *MemoryRunStore) SetActive(_ context.Context, id string, active bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lazyInit()
	if active {
		s.active[id] = true
	} else {
		delete(s.active, id)
	}
	return nil
}

// msUTC is t at the millisecond precision runs are stored with.
func msUTC(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return time.UnixMilli(t.UnixMilli()).UTC()
}

func msTime0(ms int64) time.Time {
	if ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// frontier is a min-heap of queued URLs by score, ties by URL (the order
// of a Redis sorted set's ZPOPMIN).
type frontier []frontierItem

type frontierItem struct {
	url   string
	score float64
}

func (f frontier) Len() int { return len(f) }
func (f frontier) Less(i, j int) bool {
	if f[i].score != f[j].score {
		return f[i].score < f[j].score
	}
	return f[i].url < f[j].url
}
func (f frontier) Swap(i, j int) { f[i], f[j] = f[j], f[i] }
func (f *frontier) Push(x any)   { *f = append(*f, x.(frontierItem)) }
func (f *frontier) Pop() any {
	old := *f
	it := old[len(old)-1]
	*f = old[:len(old)-1]
	return it
}

var _ RunStore = (*MemoryRunStore)(nil)
