package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/riptidecrawler/riptide/internal/functest"
	"github.com/riptidecrawler/riptide/internal/spidertest"
	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/lambdaio"
	"github.com/riptidecrawler/riptide/shared/spider"
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/spiderwire"
)

// recordingLauncher stands where the Step Functions launcher is: it
// records the runs handed over instead of starting executions.
type recordingLauncher struct {
	mu  sync.Mutex
	ids []string
}

func (l *recordingLauncher) Launch(_ context.Context, id string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ids = append(l.ids, id)
	return nil
}

// The sample events start a crawl of a loopback address: nothing may be
// fetched (tests only talk to 127.0.0.0/8), so the crawler fails the test
// if it is ever called and the launcher only records.
func TestSampleEvents(t *testing.T) {
	l := &recordingLauncher{}
	never := spider.PageCrawlerFunc(func(_ context.Context, req spider.PageRequest) (*spider.Page, error) {
		t.Errorf("crawled %s", req.URL)
		return nil, nil
	})
	functest.DriveEvents(t, "spider", func(ctx context.Context, lookup config.LookupFunc) (*lambdaio.Handler, error) {
		return build(ctx, lookup, spiderwire.Options{Crawler: never, Launcher: l})
	})
	if len(l.ids) == 0 {
		t.Error("the crawl events launched no run")
	}
}

// The shipped wiring crawls through the page pipeline and its SSRF guard:
// a small synchronous run of a loopback seed (not allowlisted here) comes
// back with the seed refused as blocked_url, without a packet sent.
func TestShippedBuildCrawlsThroughThePipeline(t *testing.T) {
	h, err := function.Handler(context.Background(), config.FromMap(map[string]string{"RIPTIDE_AUTH": "disabled"}))
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.HTTP.ServeHTTP(rec, jsonPost("/api/v1/spider/crawl", `{"seed_urls":["http://127.0.0.1:9/"],"sync":true,"options":{"max_pages":5}}`))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "blocked_url") {
		t.Errorf("%d %s", rec.Code, rec.Body.String())
	}
}

// The state machine's tasks reach the step handlers through Task events:
// a whole run driven step by step as Step Functions would, on a fixture
// site, with the function's real wiring.
func TestStepTaskEvents(t *testing.T) {
	site := spidertest.NewSite(spidertest.SiteConfig{Pages: 30, Seed: 1})
	srv := httptest.NewServer(site)
	defer srv.Close()
	env := config.FromMap(map[string]string{"RIPTIDE_AUTH": "disabled", "RIPTIDE_ALLOW_CIDRS": "127.0.0.0/8",
		"AWS_LAMBDA_FUNCTION_NAME": "spider", "RIPTIDE_SPIDER_STATE_MACHINE_ARN": "arn:aws:states:us-east-1:123456789012:stateMachine:spider"})
	f, err := fetch.New(fetch.Options{AllowCIDRs: []netipPrefix{mustPrefix("127.0.0.0/8")}})
	if err != nil {
		t.Fatal(err)
	}
	l := &recordingLauncher{}
	h, err := build(context.Background(), env, spiderwire.Options{Crawler: &spidertest.StandInCrawler{Fetcher: f}, Launcher: l})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.HTTP.ServeHTTP(rec, jsonPost("/api/v1/spider/crawl", `{"seed_urls":["`+srv.URL+`/p/0.html"],"options":{"max_pages":12,"sitemap":"skip"}}`))
	var acc struct {
		SpiderID string `json:"spider_id"`
	}
	if rec.Code != http.StatusAccepted || json.Unmarshal(rec.Body.Bytes(), &acc) != nil || len(l.ids) != 1 || l.ids[0] != acc.SpiderID {
		t.Fatalf("crawl: %d %s, launched %v", rec.Code, rec.Body.String(), l.ids)
	}
	// Init -> Choice -> CrawlBatch* -> Finalize, as the ASL does.
	step := "init"
	for i := 0; step != spider.NextDone; i++ {
		if i > 50 {
			t.Fatal("no end")
		}
		in, _ := json.Marshal(spider.StepInput{Step: step, SpiderID: acc.SpiderID})
		out, err := h.Invoke(context.Background(), in)
		if err != nil {
			t.Fatalf("step %s: %v", step, err)
		}
		step = out.(spider.StepOutput).Next
	}
	rec = httptest.NewRecorder()
	h.HTTP.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/spider/"+acc.SpiderID, nil))
	var st spider.Status
	if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil || st.State != spider.StateCompleted || st.PagesCrawled != 12 {
		t.Errorf("status %d %+v %v", rec.Code, st, err)
	}
}

type netipPrefix = netip.Prefix

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }

func jsonPost(path, body string) *http.Request {
	r := httptest.NewRequest("POST", path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}

// build wires the function with the given spider adapters.
func build(ctx context.Context, lookup config.LookupFunc, o spiderwire.Options) (*lambdaio.Handler, error) {
	return wire.Func{Name: function.Name, Build: spiderwire.Builder(o)}.Handler(ctx, lookup)
}
