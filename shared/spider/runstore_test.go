package spider_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/spider"
)

// The RunStore contract, checked on every store with exact values: the
// engine tests show that crawls come out right, these pin the rules each
// store must keep (order, budgets, takeover, counters) so a difference
// between the Lua scripts and the in-memory store shows up here first.

var t0 = time.UnixMilli(1_700_000_000_000).UTC()

func newRun(t *testing.T, rs spider.RunStore, n spider.NewRun) string {
	t.Helper()
	n.ID = spider.NewID()
	if n.Gen == 0 {
		n.Gen = 1
	}
	if n.TTL == 0 {
		n.TTL = time.Hour
	}
	if n.Created.IsZero() {
		n.Created = t0
	}
	o, err := spider.Options{MaxPages: max(n.MaxPages, 1)}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	n.Options = o
	if err := rs.Create(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	if c := claim(t, rs, n.ID, "b0", 1, 1); c.Refused != spider.ClaimSuperseded {
		t.Fatalf("claim by a batch that never took the run over: %+v", c)
	}
	takeover(t, rs, n.ID, "b0")
	return n.ID
}

func load(t *testing.T, rs spider.RunStore, id string) *spider.RunMeta {
	t.Helper()
	m, err := rs.Load(context.Background(), id)
	if err != nil || m == nil {
		t.Fatalf("load %s: %v %v", id, m, err)
	}
	return m
}

func queue(urls ...string) []spider.FoundLink {
	out := make([]spider.FoundLink, len(urls))
	for i, u := range urls {
		out[i] = spider.FoundLink{URL: u, Kind: spider.LinkQueue}
	}
	return out
}

func push(t *testing.T, rs spider.RunStore, id string, lifo bool, links []spider.FoundLink) int {
	t.Helper()
	n, err := rs.Push(context.Background(), id, spider.PushPolicy{LIFO: lifo, TTL: time.Hour}, links)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func claim(t *testing.T, rs spider.RunStore, id, batch string, want int, pageBytes int64) spider.Claim {
	t.Helper()
	c, err := rs.Claim(context.Background(), id, spider.ClaimRequest{Batch: batch, Want: want, Now: t0, PageBytes: pageBytes})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func takeover(t *testing.T, rs spider.RunStore, id, batch string) int {
	t.Helper()
	n, err := rs.Takeover(context.Background(), id, batch)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func complete(t *testing.T, rs spider.RunStore, id, batch string, outcomes ...spider.Outcome) []spider.Recorded {
	t.Helper()
	got, err := rs.Complete(context.Background(), id, batch, spider.PushPolicy{TTL: time.Hour}, outcomes)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func urls(c spider.Claim) []string {
	var out []string
	for _, u := range c.URLs {
		out = append(out, u.URL)
	}
	return out
}

func TestRunStorePushAndOrder(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		rs := openRuns(t, backend)
		ctx := context.Background()
		if m, err := rs.Load(ctx, "0123456789abcdef"); m != nil || err != nil {
			t.Fatalf("unknown run: %v %v", m, err)
		}
		id := newRun(t, rs, spider.NewRun{Seeds: []string{"http://a.test/"}, MaxErrors: 9})
		m := load(t, rs, id)
		if m.State != spider.StateRunning || m.Gen != 1 || m.Initialized || !slices.Equal(m.Seeds, []string{"http://a.test/"}) ||
			m.MaxErrors != 9 || !m.Created.Equal(t0) || m.Queued != 0 || m.Options.MaxPages != 1 {
			t.Fatalf("created run %+v", m)
		}
		if ids, _ := rs.ActiveRuns(ctx); !slices.Contains(ids, id) {
			t.Errorf("active runs %v lack %s", ids, id)
		}
		added := push(t, rs, id, false, []spider.FoundLink{
			{URL: "u1", Kind: spider.LinkQueue, Priority: 1e12, Depth: 1, Referrer: "r1"},
			{URL: "u2", Kind: spider.LinkQueue},
			{URL: "u3", Kind: spider.LinkQueue, Depth: 2, Referrer: "r3"},
			{URL: "u2", Kind: spider.LinkQueue, Depth: 5}, // a duplicate link
			{URL: "deep", Kind: spider.LinkTooDeep},
			{URL: "deep", Kind: spider.LinkTooDeep}, // counted once, not a duplicate
			{URL: "x", Kind: spider.LinkSkip, Reason: spider.SkipExcluded},
			{URL: "x", Kind: spider.LinkSkip, Reason: spider.SkipExcluded}, // seen: a duplicate
			{URL: "deep", Kind: spider.LinkQueue, Depth: 3},                // found again nearer a seed
		})
		m = load(t, rs, id)
		if added != 4 || m.Queued != 4 || m.DupLinks != 2 || m.Skipped[spider.SkipMaxDepth] != 1 || m.Skipped[spider.SkipExcluded] != 1 || len(m.Skipped) != 2 {
			t.Fatalf("added %d, queued %d, dup links %d, skipped %v", added, m.Queued, m.DupLinks, m.Skipped)
		}
		// Lower priority first, then discovery order (FIFO).
		c := claim(t, rs, id, "b0", 10, 100)
		want := []spider.ClaimedURL{{URL: "u2", MaxBytes: 100}, {URL: "u3", Depth: 2, Referrer: "r3", MaxBytes: 100},
			{URL: "deep", Depth: 3, MaxBytes: 100}, {URL: "u1", Depth: 1, Referrer: "r1", MaxBytes: 100}}
		if c.Refused != "" || !slices.Equal(c.URLs, want) {
			t.Fatalf("claim %+v, want %+v", c, want)
		}
		if c := claim(t, rs, id, "b0", 10, 100); c.Refused != spider.ClaimEmpty || len(c.URLs) != 0 {
			t.Errorf("claim of an empty frontier: %+v", c)
		}

		// LIFO: equal priorities pop newest first, across pushes too.
		lifo := newRun(t, rs, spider.NewRun{})
		push(t, rs, lifo, true, queue("a", "b"))
		push(t, rs, lifo, true, queue("c"))
		if got := urls(claim(t, rs, lifo, "b0", 10, 100)); !slices.Equal(got, []string{"c", "b", "a"}) {
			t.Errorf("LIFO order %v", got)
		}
	})
}

func TestRunStoreBudgets(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		rs := openRuns(t, backend)
		five := queue("p1", "p2", "p3", "p4", "p5")

		pages := newRun(t, rs, spider.NewRun{MaxPages: 3})
		push(t, rs, pages, false, five)
		if got := urls(claim(t, rs, pages, "b0", 2, 100)); !slices.Equal(got, []string{"p1", "p2"}) {
			t.Fatalf("first claim %v", got)
		}
		if got := urls(claim(t, rs, pages, "b0", 5, 100)); !slices.Equal(got, []string{"p3"}) {
			t.Fatalf("claim within max_pages 3: %v", got)
		}
		if c := claim(t, rs, pages, "b0", 5, 100); c.Refused != spider.ClaimBudget || c.Detail != spider.StopMaxPages {
			t.Fatalf("claim past max_pages: %+v", c)
		}
		// A skip gives its page slot back.
		complete(t, rs, pages, "b0", spider.Outcome{URL: "p1", Kind: spider.OutcomeSkip, Reason: spider.SkipRobots})
		if got := urls(claim(t, rs, pages, "b0", 5, 100)); !slices.Equal(got, []string{"p4"}) {
			t.Fatalf("claim after a skip: %v", got)
		}
		if m := load(t, rs, pages); m.Reserved != 3 || m.InFlight != 3 || m.Skipped[spider.SkipRobots] != 1 {
			t.Errorf("reserved %d, in flight %d, skipped %v", m.Reserved, m.InFlight, m.Skipped)
		}

		// Pages in flight hold error slots: failed + in flight <= max_errors.
		errs := newRun(t, rs, spider.NewRun{MaxErrors: 2})
		push(t, rs, errs, false, five)
		if got := urls(claim(t, rs, errs, "b0", 5, 100)); len(got) != 2 {
			t.Fatalf("claim with max_errors 2: %v", got)
		}
		if c := claim(t, rs, errs, "b0", 5, 100); c.Refused != spider.ClaimBudget || c.Detail != spider.StopMaxErrors {
			t.Fatalf("claim past max_errors: %+v", c)
		}
		complete(t, rs, errs, "b0", spider.Outcome{URL: "p1", Kind: spider.OutcomeFailed, Result: []byte(`{}`)})
		if c := claim(t, rs, errs, "b0", 5, 100); c.Refused != spider.ClaimBudget {
			t.Fatalf("one failed and one in flight still fill max_errors 2: %+v", c)
		}
		complete(t, rs, errs, "b0", spider.Outcome{URL: "p2", Kind: spider.OutcomeOK, Result: []byte(`{}`)})
		if got := urls(claim(t, rs, errs, "b0", 5, 100)); !slices.Equal(got, []string{"p3"}) {
			t.Fatalf("claim after a success: %v", got)
		}

		// Each page reserves min(page bytes, bytes left); a page that
		// would get nothing goes back to the frontier.
		bytes := newRun(t, rs, spider.NewRun{MaxBytes: 250})
		push(t, rs, bytes, false, five)
		c := claim(t, rs, bytes, "b0", 5, 100)
		if got := []int64{c.URLs[0].MaxBytes, c.URLs[1].MaxBytes, c.URLs[2].MaxBytes}; len(c.URLs) != 3 || !slices.Equal(got, []int64{100, 100, 50}) {
			t.Fatalf("byte reservations %+v", c.URLs)
		}
		if m := load(t, rs, bytes); m.Queued != 2 || m.ReservedBytes != 250 || m.Reserved != 3 {
			t.Fatalf("queued %d, reserved bytes %d, reserved %d", m.Queued, m.ReservedBytes, m.Reserved)
		}
		if c := claim(t, rs, bytes, "b0", 5, 100); c.Refused != spider.ClaimBudget || c.Detail != spider.StopMaxBytes {
			t.Fatalf("claim past max_bytes: %+v", c)
		}
		// A page smaller than its reservation gives the rest back.
		complete(t, rs, bytes, "b0", spider.Outcome{URL: "p1", Kind: spider.OutcomeOK, Bytes: 30, Result: []byte(`{}`)})
		if c := claim(t, rs, bytes, "b0", 5, 100); len(c.URLs) != 1 || c.URLs[0].URL != "p4" || c.URLs[0].MaxBytes != 70 {
			t.Fatalf("claim after a small page: %+v", c)
		}
		if m := load(t, rs, bytes); m.Bytes != 30 || m.ReservedBytes != 250 {
			t.Errorf("bytes %d, reserved bytes %d", m.Bytes, m.ReservedBytes)
		}

		// The deadline (set at Init) is a budget too.
		timed := newRun(t, rs, spider.NewRun{})
		push(t, rs, timed, false, five)
		if err := rs.Update(context.Background(), timed, spider.RunUpdate{Started: t0, Deadline: t0.Add(time.Second), Updated: t0}); err != nil {
			t.Fatal(err)
		}
		m := load(t, rs, timed)
		if !m.Initialized || !m.Started.Equal(t0) || !m.Deadline.Equal(t0.Add(time.Second)) {
			t.Fatalf("started run %+v", m)
		}
		late, err := rs.Claim(context.Background(), timed, spider.ClaimRequest{Batch: "b0", Want: 1, Now: t0.Add(time.Second), PageBytes: 1})
		if err != nil || late.Refused != spider.ClaimBudget || late.Detail != spider.StopMaxDuration {
			t.Fatalf("claim at the deadline: %+v %v", late, err)
		}
		if c := claim(t, rs, timed, "b0", 1, 1); len(c.URLs) != 1 {
			t.Fatalf("claim before the deadline: %+v", c)
		}
	})
}

func TestRunStoreComplete(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		rs := openRuns(t, backend)
		ctx := context.Background()
		id := newRun(t, rs, spider.NewRun{})
		push(t, rs, id, false, queue("a", "b", "c", "d"))
		takeover(t, rs, id, "b1")
		if got := urls(claim(t, rs, id, "b1", 4, 100)); len(got) != 4 {
			t.Fatalf("claim %v", got)
		}
		fail := &core.ErrorInfo{Type: core.ErrFetch, Message: "HTTP 500", Retryable: true, URL: "c"}
		got := complete(t, rs, id, "b1",
			spider.Outcome{URL: "a", Kind: spider.OutcomeOK, Bytes: 10, ContentHash: "h1", Result: []byte(`{"u":"a"}`), Depth: 1,
				Links: []spider.FoundLink{{URL: "n1", Kind: spider.LinkQueue, Depth: 2, Referrer: "a"}, {URL: "b", Kind: spider.LinkQueue}}, KnownDupLinks: 3},
			spider.Outcome{URL: "b", Kind: spider.OutcomeOK, Bytes: 20, ContentHash: "h1", Result: []byte(`{"u":"b"}`), Depth: 3,
				Links: queue("n2"), KnownDupLinks: 5},
			spider.Outcome{URL: "c", Kind: spider.OutcomeFailed, Bytes: 5, Result: []byte(`{"u":"c"}`), Depth: 2, Error: fail, KnownDupLinks: 7},
			spider.Outcome{URL: "d", Kind: spider.OutcomeSkip, Bytes: 7},
			spider.Outcome{URL: "never-claimed", Kind: spider.OutcomeOK, Result: []byte(`{}`)},
		)
		want := []spider.Recorded{spider.RecordStored, spider.RecordDuplicate, spider.RecordStored, spider.RecordStored, spider.RecordStale}
		if !slices.Equal(got, want) {
			t.Fatalf("recorded %v, want %v", got, want)
		}
		m := load(t, rs, id)
		// b, a duplicate by content, pushed nothing; a's link to b was a
		// duplicate link, and its 3 known duplicates count. b's and c's
		// known duplicates do not: neither pushed links.
		if m.Crawled != 1 || m.Failed != 1 || m.Reserved != 2 || m.InFlight != 0 || m.ReservedBytes != 42 || m.Bytes != 42 ||
			m.Skipped[spider.SkipDuplicateContent] != 1 || len(m.Skipped) != 1 || m.DupLinks != 4 || m.Queued != 1 ||
			m.CurrentDepth != 2 || m.DepthMax != 2 || m.LastError == nil || *m.LastError != *fail {
			t.Fatalf("after completion %+v (last error %+v)", m, m.LastError)
		}
		if c := claim(t, rs, id, "b1", 5, 100); len(c.URLs) != 1 || c.URLs[0] != (spider.ClaimedURL{URL: "n1", Depth: 2, Referrer: "a", MaxBytes: 100}) {
			t.Fatalf("pushed link %+v", c)
		}
		r, err := rs.Results(ctx, id, 0, 10)
		if err != nil || r.State != spider.StateRunning || r.Total != 2 || len(r.Records) != 2 || string(r.Records[0]) != `{"u":"a"}` || string(r.Records[1]) != `{"u":"c"}` {
			t.Fatalf("results %+v %v", r, err)
		}
		if r, _ := rs.Results(ctx, id, 1, 10); r.Total != 2 || len(r.Records) != 1 || string(r.Records[0]) != `{"u":"c"}` {
			t.Errorf("results from 1: %+v", r)
		}
		if r, _ := rs.Results(ctx, id, 5, 10); r.Total != 2 || len(r.Records) != 0 {
			t.Errorf("results past the end: %+v", r)
		}
		if r, _ := rs.Results(ctx, id, 0, 0); r.Total != 2 || len(r.Records) != 0 {
			t.Errorf("results, limit 0: %+v", r)
		}
		if r, err := rs.Results(ctx, "0123456789abcdef", 0, 10); r != nil || err != nil {
			t.Errorf("results of an unknown run: %+v %v", r, err)
		}
	})
}

// A batch that died leaves claims behind: the next batch takes them back
// with their budget, in their old order, and the dead batch can neither
// claim nor record any more.
func TestRunStoreTakeover(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		rs := openRuns(t, backend)
		id := newRun(t, rs, spider.NewRun{MaxPages: 10, MaxBytes: 1000})
		push(t, rs, id, false, queue("a", "b", "c"))
		takeover(t, rs, id, "old")
		if got := urls(claim(t, rs, id, "old", 2, 100)); !slices.Equal(got, []string{"a", "b"}) {
			t.Fatalf("claim %v", got)
		}
		if n := takeover(t, rs, id, "new"); n != 2 {
			t.Fatalf("took over %d, want 2", n)
		}
		if m := load(t, rs, id); m.Reserved != 0 || m.InFlight != 0 || m.ReservedBytes != 0 || m.Queued != 3 {
			t.Fatalf("after takeover %+v", m)
		}
		if got := complete(t, rs, id, "old", spider.Outcome{URL: "a", Kind: spider.OutcomeOK, Result: []byte(`{}`)}); got[0] != spider.RecordStale {
			t.Errorf("the old batch recorded a page: %v", got)
		}
		if c := claim(t, rs, id, "old", 1, 100); c.Refused != spider.ClaimSuperseded {
			t.Errorf("the old batch claimed: %+v", c)
		}
		if got := urls(claim(t, rs, id, "new", 3, 100)); !slices.Equal(got, []string{"a", "b", "c"}) {
			t.Errorf("order after takeover %v", got)
		}
	})
}

func TestRunStoreStateAndLifecycle(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		rs := openRuns(t, backend)
		ctx := context.Background()
		id := newRun(t, rs, spider.NewRun{Owner: "tenant:acme"})
		if err := rs.Update(ctx, id, spider.RunUpdate{Started: t0, Deadline: t0.Add(time.Minute), Updated: t0}); err != nil {
			t.Fatal(err)
		}
		transition := func(to string, now time.Time, from ...string) string {
			t.Helper()
			was, err := rs.Transition(ctx, id, to, now, from...)
			if err != nil {
				t.Fatal(err)
			}
			return was
		}
		if was := transition(spider.StatePaused, t0.Add(10*time.Second), spider.StateRunning); was != spider.StateRunning {
			t.Fatalf("pause found %q", was)
		}
		if c := claim(t, rs, id, "b0", 1, 1); c.Refused != spider.ClaimNotRunning || c.Detail != spider.StatePaused {
			t.Errorf("claim on a paused run: %+v", c)
		}
		if was := transition(spider.StateStopping, t0, spider.StateRunning); was != spider.StatePaused || load(t, rs, id).State != spider.StatePaused {
			t.Errorf("a refused transition found %q and changed the state to %s", was, load(t, rs, id).State)
		}
		// Resuming 5 s after pausing moves the deadline by 5 s.
		transition(spider.StateRunning, t0.Add(15*time.Second), spider.StatePaused)
		if m := load(t, rs, id); m.State != spider.StateRunning || !m.Deadline.Equal(t0.Add(65*time.Second)) {
			t.Errorf("resumed: state %s, deadline %v", m.State, m.Deadline.Sub(t0))
		}
		if was, err := rs.Transition(ctx, "0123456789abcdef", spider.StatePaused, t0, spider.StateRunning); was != "" || err != nil {
			t.Errorf("transition of an unknown run: %q %v", was, err)
		}

		for range 2 {
			if err := rs.Update(ctx, id, spider.RunUpdate{SeedHost: "www.a.test", WebhookError: "HTTP 500"}); err != nil {
				t.Fatal(err)
			}
		}
		if m := load(t, rs, id); !slices.Equal(m.SeedHosts, []string{"www.a.test"}) || m.WebhookError != "HTTP 500" {
			t.Errorf("seed hosts %v, webhook error %q", m.SeedHosts, m.WebhookError)
		}
		first, err1 := rs.MarkWebhookSent(ctx, id)
		again, err2 := rs.MarkWebhookSent(ctx, id)
		if !first || again || err1 != nil || err2 != nil {
			t.Errorf("webhook marks: %v %v (%v %v)", first, again, err1, err2)
		}

		end := spider.RunEnd{State: spider.StateFailed, StopReason: spider.StopFailed, At: t0.Add(time.Hour),
			LastError: &core.ErrorInfo{Type: core.ErrInternal, Message: "step failed"}}
		if err := rs.Finish(ctx, id, end, time.Hour); err != nil {
			t.Fatal(err)
		}
		m := load(t, rs, id)
		if m.State != spider.StateFailed || m.Owner != "tenant:acme" || m.StopReason != spider.StopFailed || !m.Finished.Equal(end.At) || !m.Updated.Equal(end.At) ||
			m.LastError == nil || *m.LastError != *end.LastError {
			t.Errorf("finished run %+v", m)
		}
		active := func() bool {
			ids, err := rs.ActiveRuns(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return slices.Contains(ids, id)
		}
		if active() {
			t.Error("a finished run is still active")
		}
		if err := rs.SetActive(ctx, id, true); err != nil || !active() {
			t.Errorf("set active: %v", err)
		}
		if err := rs.SetActive(ctx, id, false); err != nil || active() {
			t.Errorf("set inactive: %v", err)
		}

		owned := func(owner string) []string {
			ids, err := rs.OwnedRuns(ctx, owner)
			if err != nil {
				t.Fatal(err)
			}
			return ids
		}
		if got := owned("tenant:acme"); !slices.Equal(got, []string{id}) || len(owned("tenant:globex")) != 0 {
			t.Errorf("owned runs %v, another owner's %v", got, owned("tenant:globex"))
		}
		push(t, rs, id, false, queue("z"))
		if err := rs.Delete(ctx, id); err != nil {
			t.Fatal(err)
		}
		if got := owned("tenant:acme"); len(got) != 0 {
			t.Errorf("owned runs after delete: %v", got)
		}
		if m, err := rs.Load(ctx, id); m != nil || err != nil {
			t.Errorf("deleted run: %+v %v", m, err)
		}
		// Reset: a new generation under the same id starts empty.
		if err := rs.Create(ctx, spider.NewRun{ID: id, Gen: 2, TTL: time.Hour, Created: t0}); err != nil {
			t.Fatal(err)
		}
		if m := load(t, rs, id); m.Gen != 2 || m.Queued != 0 || m.Crawled != 0 || m.SeedHosts != nil || !active() {
			t.Errorf("recreated run %+v", m)
		}
	})
}

// A finished run expires its TTL after it ends, in every backend (the
// embedded store follows the wall clock).
func TestRunStoreExpiry(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		rs := openRuns(t, backend)
		ctx := context.Background()
		id := newRun(t, rs, spider.NewRun{})
		push(t, rs, id, false, queue("a"))
		if err := rs.Finish(ctx, id, spider.RunEnd{State: spider.StateCompleted, At: t0}, 100*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		load(t, rs, id)
		time.Sleep(250 * time.Millisecond)
		if m, err := rs.Load(ctx, id); m != nil || err != nil {
			t.Errorf("run alive after its TTL: %+v %v", m, err)
		}
	})
}
