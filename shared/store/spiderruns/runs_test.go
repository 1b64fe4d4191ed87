package spiderruns_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/spider"
	"github.com/riptidecrawler/riptide/shared/store"
	"github.com/riptidecrawler/riptide/shared/store/spiderruns"
)

// The behaviour of Runs is tested with the engine's (shared/spider runs
// every test on it); these tests pin what only Redis shows: the key layout
// of docs/storage.md, which runs written by earlier releases are read
// with, and the errors of a broken Redis or record.

func open(t *testing.T, backend string) *store.Store {
	t.Helper()
	url := ""
	if backend == "redis" {
		url = testenv.RedisURL(t)
	}
	s, err := store.Open(store.Options{URL: url, Prefix: "t" + spider.NewID()[:10] + ":"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestKeyLayout(t *testing.T) {
	for _, backend := range []string{"embedded", "redis"} {
		t.Run(backend, func(t *testing.T) {
			s := open(t, backend)
			rs := spiderruns.New(s)
			ctx := context.Background()
			id := spider.NewID()
			now := time.UnixMilli(1_700_000_000_000)
			o, _ := spider.Options{MaxPages: 7}.Normalize()
			if err := rs.Create(ctx, spider.NewRun{ID: id, Gen: 1, Seeds: []string{"http://a.test/"}, Options: o, MaxPages: 7,
				TTL: time.Hour, Created: now}); err != nil {
				t.Fatal(err)
			}
			if _, err := rs.Push(ctx, id, spider.PushPolicy{TTL: time.Hour}, []spider.FoundLink{
				{URL: "http://a.test/", Kind: spider.LinkQueue, Priority: 2e12, Depth: 2, Referrer: "http://a.test/r"},
				{URL: "http://a.test/x", Kind: spider.LinkSkip, Reason: spider.SkipExcluded},
			}); err != nil {
				t.Fatal(err)
			}
			if _, err := rs.Takeover(ctx, id, "batch1"); err != nil {
				t.Fatal(err)
			}
			if _, err := rs.Claim(ctx, id, spider.ClaimRequest{Batch: "batch1", Want: 1, Now: now, PageBytes: 500}); err != nil {
				t.Fatal(err)
			}
			if err := rs.Update(ctx, id, spider.RunUpdate{SeedHost: "www.a.test"}); err != nil {
				t.Fatal(err)
			}
			c := s.Client
			base := s.Key("spider", "{"+id+"}")
			meta := c.HGetAll(ctx, base+":meta").Val()
			for f, want := range map[string]string{"state": "running", "gen": "1", "max_pages": "7", "reserved": "1", "inflight": "1",
				"reserved_bytes": "500", "skip:excluded": "1", "seq": "2", "batch": "batch1", "ttl_ms": "3600000",
				"created_ms": "1700000000000", "seed_host:www.a.test": "1", "seeds": `["http://a.test/"]`} {
				if meta[f] != want {
					t.Errorf("meta %s = %q, want %q", f, meta[f], want)
				}
			}
			if !strings.Contains(meta["options"], `"max_pages":7`) {
				t.Errorf("meta options %s", meta["options"])
			}
			if got := c.HGet(ctx, base+":inflight", "http://a.test/").Val(); got != "batch1|500|2000000000001" {
				t.Errorf("inflight value %q", got)
			}
			if got := c.HGet(ctx, base+":info", "http://a.test/").Val(); got != "2 http://a.test/r" {
				t.Errorf("info value %q", got)
			}
			if !c.SIsMember(ctx, base+":seen", "http://a.test/x").Val() || !c.SIsMember(ctx, s.Key("spider", "active"), id).Val() {
				t.Error("seen or active set incomplete")
			}
			if ttl := c.PTTL(ctx, base+":meta").Val(); ttl <= 0 || ttl > time.Hour {
				t.Errorf("meta TTL %v", ttl)
			}
		})
	}
}

// A run stored by an earlier release (the same hash, written field by
// field) reads back whole.
func TestReadsAStoredRun(t *testing.T) {
	s := open(t, "embedded")
	ctx := context.Background()
	id := spider.NewID()
	base := s.Key("spider", "{"+id+"}")
	s.Client.HSet(ctx, base+":meta", map[string]any{
		"state": "completed", "gen": "2", "options": `{"strategy":"depth_first","max_pages":10}`, "seeds": `["http://a.test/"]`,
		"max_pages": "10", "initialized": "1", "crawled": "8", "failed": "2", "bytes": "1234", "dup_links": "3",
		"skip:robots": "4", "current_depth": "2", "depth_max": "3", "stop_reason": "max_pages", "seed_host:b.test": "1",
		"last_error": `{"type":"fetch_error","message":"HTTP 500","retryable":true,"url":"http://a.test/z"}`,
		"created_ms": "1700000000000", "started_ms": "1700000001000", "finished_ms": "1700000009000", "deadline_ms": "1700000601000",
	})
	s.Client.ZAdd(ctx, base+":frontier", redis.Z{Score: 1, Member: "http://a.test/q"})
	m, err := spiderruns.New(s).Load(ctx, id)
	if err != nil || m == nil {
		t.Fatal(m, err)
	}
	if m.State != "completed" || m.Gen != 2 || m.Options.Strategy != spider.DepthFirst || !m.Initialized || m.Crawled != 8 || m.Failed != 2 ||
		m.Bytes != 1234 || m.DupLinks != 3 || m.Skipped["robots"] != 4 || m.CurrentDepth != 2 || m.DepthMax != 3 ||
		m.StopReason != "max_pages" || len(m.SeedHosts) != 1 || m.SeedHosts[0] != "b.test" || m.Queued != 1 ||
		m.LastError == nil || *m.LastError != (core.ErrorInfo{Type: core.ErrFetch, Message: "HTTP 500", Retryable: true, URL: "http://a.test/z"}) ||
		m.Started.UnixMilli() != 1700000001000 || m.Finished.UnixMilli() != 1700000009000 || m.Deadline.UnixMilli() != 1700000601000 {
		t.Fatalf("read %+v", m)
	}
}

func TestErrors(t *testing.T) {
	s := open(t, "embedded")
	rs := spiderruns.New(s)
	ctx := context.Background()
	id := spider.NewID()
	s.Client.HSet(ctx, s.Key("spider", "{"+id+"}")+":meta", "state", "running", "options", "not json")
	if _, err := rs.Load(ctx, id); err == nil || !strings.Contains(err.Error(), "options") {
		t.Errorf("load of a corrupt record: %v", err)
	}
	s.Close()
	if _, err := rs.Claim(ctx, id, spider.ClaimRequest{Batch: "b", Want: 1, Now: time.Now(), PageBytes: 1}); err == nil {
		t.Error("claim on a closed store: no error")
	}
	if _, err := rs.Complete(ctx, id, "b", spider.PushPolicy{TTL: time.Hour}, []spider.Outcome{{URL: "u"}}); err == nil {
		t.Error("complete on a closed store: no error")
	}
	if _, err := rs.Results(ctx, id, 0, 10); err == nil {
		t.Error("results on a closed store: no error")
	}
}

// Large result records live in string keys of their own, named in the
// results list; they read back in order with the small ones, take the
// run's final TTL at Finish, and go with the run.
func TestLargeRecordsInKeysOfTheirOwn(t *testing.T) {
	for _, backend := range []string{"embedded", "redis"} {
		t.Run(backend, func(t *testing.T) {
			s := open(t, backend)
			rs := spiderruns.New(s)
			ctx := context.Background()
			id := spider.NewID()
			now := time.Now()
			p := spider.PushPolicy{TTL: time.Hour}
			if err := rs.Create(ctx, spider.NewRun{ID: id, Gen: 1, Seeds: []string{"a"}, TTL: time.Hour, Created: now}); err != nil {
				t.Fatal(err)
			}
			if _, err := rs.Push(ctx, id, p, []spider.FoundLink{{URL: "a"}, {URL: "b"}, {URL: "c"}, {URL: "d"}, {URL: "e"}}); err != nil {
				t.Fatal(err)
			}
			if _, err := rs.Takeover(ctx, id, "b1"); err != nil {
				t.Fatal(err)
			}
			if c, err := rs.Claim(ctx, id, spider.ClaimRequest{Batch: "b1", Want: 5, Now: now, PageBytes: 10}); err != nil || len(c.URLs) != 5 {
				t.Fatalf("claim %+v %v", c, err)
			}
			large := func(u string) []byte { return []byte(`{"u":"` + u + `","doc":"` + strings.Repeat(u, 5000) + `"}`) }
			got, err := rs.Complete(ctx, id, "b1", p, []spider.Outcome{
				{URL: "a", Kind: spider.OutcomeOK, ContentHash: "h1", Result: large("a")},
				{URL: "b", Kind: spider.OutcomeOK, ContentHash: "h1", Result: large("b")}, // duplicate content: not stored
				{URL: "c", Kind: spider.OutcomeFailed, Result: []byte(`{"u":"c"}`)},
				{URL: "d", Kind: spider.OutcomeOK, ContentHash: "h2", Result: large("d")},
				{URL: "stale", Kind: spider.OutcomeOK, Result: large("s")}, // never claimed: not stored
			})
			if err != nil || len(got) != 5 || got[1] != spider.RecordDuplicate || got[4] != spider.RecordStale {
				t.Fatalf("complete %v %v", got, err)
			}
			recKeys := s.Client.Keys(ctx, s.Key("spider", "{"+id+"}")+":rec:*").Val()
			if len(recKeys) != 2 {
				t.Fatalf("record keys %v, want the two stored large records", recKeys)
			}
			if ttl := s.Client.PTTL(ctx, recKeys[0]).Val(); ttl <= time.Hour {
				t.Errorf("record key TTL %v while running: want the run's TTL plus the slack", ttl)
			}
			r, err := rs.Results(ctx, id, 0, 10)
			if err != nil || r.Total != 3 || len(r.Records) != 3 || string(r.Records[0]) != string(large("a")) ||
				string(r.Records[1]) != `{"u":"c"}` || string(r.Records[2]) != string(large("d")) {
				t.Fatalf("results %v (total %d, %d records)", err, r.Total, len(r.Records))
			}
			if r, err := rs.Results(ctx, id, 2, 1); err != nil || len(r.Records) != 1 || string(r.Records[0]) != string(large("d")) {
				t.Fatalf("results from 2: %v", err)
			}
			if err := rs.Finish(ctx, id, spider.RunEnd{State: spider.StateCompleted, At: now}, time.Minute); err != nil {
				t.Fatal(err)
			}
			for _, k := range recKeys {
				if ttl := s.Client.PTTL(ctx, k).Val(); ttl <= 0 || ttl > time.Minute {
					t.Errorf("record key %s TTL %v after Finish, want the run's final minute", k, ttl)
				}
			}
			// A record key that is gone (a run paused past the slack) is an
			// error, not a hole in the results.
			s.Client.Del(ctx, recKeys[0])
			if _, err := rs.Results(ctx, id, 0, 10); err == nil || !strings.Contains(err.Error(), "expired") {
				t.Errorf("results with a record gone: %v", err)
			}
			if err := rs.Delete(ctx, id); err != nil {
				t.Fatal(err)
			}
			if left := s.Client.Keys(ctx, s.Key("spider", "{"+id+"}")+"*").Val(); len(left) != 0 {
				t.Errorf("keys left after Delete: %v", left)
			}
		})
	}
}
