package spider_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/spidertest"
	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/blob"
	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/spider"
	"github.com/riptidecrawler/riptide/shared/store"
	"github.com/riptidecrawler/riptide/shared/store/spiderruns"
	"github.com/riptidecrawler/riptide/shared/webhook"
)

// backends are the homes of a run's state: the in-memory store, the
// embedded miniredis of `riptide serve`, a real redis-server (AWS,
// REDIS_URL), and the same with every result record in a blob folder (a
// deployment with a bucket; the threshold lowered to 1 byte so the small
// test pages go there too). Every engine test runs on each, so the Lua
// scripts and the in-memory store cannot drift apart.
var backends = []string{"memory", "embedded", "redis", "redis+blob"}

// eachBackend runs test once per backend, as subtests.
func eachBackend(t *testing.T, test func(t *testing.T, backend string)) {
	t.Helper()
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) { test(t, backend) })
	}
}

func openRuns(t testing.TB, backend string) spider.RunStore {
	t.Helper()
	if backend == "memory" {
		return spider.NewMemoryRunStore()
	}
	url := ""
	if backend == "redis" || backend == "redis+blob" {
		url = testenv.RedisURL(t)
	}
	// A prefix per test: CI shares one Redis between packages.
	s, err := store.Open(store.Options{URL: url, Prefix: "t" + spider.NewID()[:10] + ":"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if backend == "redis+blob" {
		dir, err := blob.NewDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return spiderruns.New(s, spiderruns.WithBlobRecords(blob.WithPrefix(dir, "spider/"), 1))
	}
	return spiderruns.New(s)
}

func newFetcher(t testing.TB) *fetch.Fetcher {
	t.Helper()
	f, err := fetch.New(fetch.Options{
		AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		Politeness: fetch.Politeness{PerHostConcurrency: -1},
		Retry:      fetch.RetryPolicy{MaxAttempts: 1},
		Timeout:    10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	return f
}

// serve starts site on 127.0.0.1 and returns its base URL.
func serve(t testing.TB, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

type env struct {
	engine  *spider.Engine
	runs    spider.RunStore
	fetcher *fetch.Fetcher
}

func newEnv(t *testing.T, backend string, crawler spider.PageCrawler, cfg spider.Config) *env {
	t.Helper()
	runs := openRuns(t, backend)
	f := newFetcher(t)
	if crawler == nil {
		crawler = &spidertest.StandInCrawler{Fetcher: f}
	}
	e, err := spider.New(spider.Deps{Runs: runs, Crawler: crawler, Site: f, Config: cfg,
		Notifier: spider.NewWebhookSender(webhook.NewSender(fetch.NewGuard([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")})))})
	if err != nil {
		t.Fatal(err)
	}
	return &env{engine: e, runs: runs, fetcher: f}
}

// crawl runs a whole crawl in this process and returns its status and results.
func (v *env) crawl(t *testing.T, seeds []string, o spider.Options) (*spider.Status, []spider.Result) {
	t.Helper()
	ctx := context.Background()
	o, err := o.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	seeds, err = spider.ValidateSeeds(seeds, o)
	if err != nil {
		t.Fatal(err)
	}
	id, err := v.engine.Create(ctx, "", seeds, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.engine.RunSteps(ctx, id); err != nil {
		t.Fatal(err)
	}
	return v.finished(t, id)
}

func (v *env) finished(t *testing.T, id string) (*spider.Status, []spider.Result) {
	t.Helper()
	st, err := v.engine.Status(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return st, v.results(t, id)
}

func (v *env) results(t *testing.T, id string) []spider.Result {
	t.Helper()
	var out []spider.Result
	var cursor int64
	for {
		p, err := v.engine.Results(context.Background(), id, cursor, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range p.Results {
			var r spider.Result
			if err := json.Unmarshal(raw, &r); err != nil {
				t.Fatal(err)
			}
			out = append(out, r)
		}
		if p.NextCursor == nil {
			return out
		}
		cursor += int64(len(p.Results))
	}
}

func intp(v int) *int    { return &v }
func boolp(v bool) *bool { return &v }

func urlsOf(rs []spider.Result) map[string]int {
	m := map[string]int{}
	for _, r := range rs {
		m[r.URL]++
	}
	return m
}

func pathOf(u string) string {
	if i := strings.Index(u[8:], "/"); i >= 0 {
		return u[8+i:]
	}
	return "/"
}
