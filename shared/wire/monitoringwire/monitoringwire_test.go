package monitoringwire_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/fixture"
	"github.com/riptidecrawler/riptide/internal/testenv"
	monitoringapi "github.com/riptidecrawler/riptide/shared/api/monitoring"
	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/monitor"
	"github.com/riptidecrawler/riptide/shared/routes"
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/crawlwire"
	"github.com/riptidecrawler/riptide/shared/wire/monitoringwire"
)

// server wires the crawl and monitoring groups on one process over the
// test Redis, under a key prefix of its own.
func server(t *testing.T) *httptest.Server {
	t.Helper()
	ctx := context.Background()
	p, err := wire.New(ctx, "local", config.FromMap(map[string]string{
		"REDIS_URL": testenv.RedisURL(t), "RIPTIDE_KEY_PREFIX": testenv.KeyPrefix(t),
		"RIPTIDE_AUTH": "disabled", "RIPTIDE_ALLOW_CIDRS": "127.0.0.0/8", "RIPTIDE_RATE_LIMIT": "0",
	}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	handlers := map[string]http.Handler{}
	for _, build := range []wire.Builder{crawlwire.Build, monitoringwire.Build} {
		g, err := build(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		maps.Copy(handlers, g.Handlers)
	}
	table := append(routes.Group("crawl"), routes.Group("monitoring")...)
	h, err := p.HTTPHandler(table, handlers)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func call(t *testing.T, method, url, body string, want int, out any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		var e json.RawMessage
		_ = json.NewDecoder(resp.Body).Decode(&e)
		t.Fatalf("%s %s: status %d, want %d: %s", method, url, resp.StatusCode, want, e)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
}

func urls(s *fixture.Site, prefix string, n int) string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("%q", s.URL(fmt.Sprintf("%s%d", prefix, i))))
	}
	return "[" + strings.Join(out, ",") + "]"
}

// A known load on a fixture site (20 fast pages, 20 pages that answer
// after 250 ms, 5 missing pages, then the fast ones again from the cache)
// gives known counts and percentiles in every monitoring route.
func TestKnownLoadGivesKnownNumbers(t *testing.T) {
	site := fixture.New(t, nil)
	for i := range 20 {
		site.Set(fmt.Sprintf("/fast%d", i), fixture.HTML(fixture.Article(fmt.Sprintf("Fast %d", i), fixture.Prose, fixture.Prose)))
		slow := fixture.HTML(fixture.Article(fmt.Sprintf("Slow %d", i), fixture.Prose, fixture.Prose))
		slow.Delay = 250 * time.Millisecond
		site.Set(fmt.Sprintf("/slow%d", i), slow)
	}
	srv := server(t)
	crawl := func(list string) {
		call(t, "POST", srv.URL+"/api/v1/crawl", `{"urls":`+list+`,"options":{"concurrency":10}}`, http.StatusOK, nil)
	}
	crawl(urls(site, "/fast", 20))
	crawl(urls(site, "/slow", 20))
	crawl(urls(site, "/missing", 5))
	crawl(urls(site, "/fast", 20))

	var m monitoringapi.MetricsResponse
	call(t, "GET", srv.URL+"/api/v1/monitoring/metrics/current", "", http.StatusOK, &m)
	got := m.Metrics
	if got.TotalExtractions != 65 || got.SuccessfulExtractions != 60 || got.FailedExtractions != 5 ||
		got.ErrorsByType["fetch_error"] != 5 || got.CacheLookups != 65 {
		t.Fatalf("counts: %+v", got)
	}
	// A 404 is the site's fault, not RipTide's. (A request is recorded
	// once its response is written, so the last crawl may be counted only
	// after the client has read it: the route count is checked below.)
	if got.ErrorRate != 0 || got.CacheHitRatio != round(20.0/65, 4) || got.TotalRequests < 3 || got.TotalRequests > 4 {
		t.Fatalf("rates: error %v, cache %v, requests %d", got.ErrorRate, got.CacheHitRatio, got.TotalRequests)
	}
	// 45 of 65 pages are fast (cache hits, fast pages, 404s): p50 below the
	// slow pages' 250 ms, p95 among them (histogram buckets are ±10 %).
	if got.P50ExtractionTimeMS >= 225 || got.P95ExtractionTimeMS < 225 || got.P95ExtractionTimeMS > 5000 {
		t.Fatalf("percentiles: p50 %v, p95 %v", got.P50ExtractionTimeMS, got.P95ExtractionTimeMS)
	}
	if got.HealthScore <= 0 || got.HealthScore > 100 || got.ActiveInstances != 1 || got.WindowMinutes != 5 {
		t.Fatalf("health %v, instances %d, window %d", got.HealthScore, got.ActiveInstances, got.WindowMinutes)
	}

	// The score is recomputed per call from live inputs (the process's CPU
	// and memory among them), so two calls need not agree to the digit:
	// the same load gives the same verdict.
	var hs monitoringapi.HealthScoreResponse
	call(t, "GET", srv.URL+"/api/v1/monitoring/health-score", "", http.StatusOK, &hs)
	if hs.Status != monitor.Status(hs.Score) || hs.WindowMinutes != 5 {
		t.Fatalf("health score: %+v (metrics said %v)", hs, got.HealthScore)
	}
	// No errors and no slow tail in this load: the only deductions allowed
	// are for the machine's CPU (a loaded CI host).
	for _, a := range hs.Adjustments {
		if !strings.HasPrefix(a.Reason, "CPU") {
			t.Fatalf("health score deducted for the load itself: %+v", hs)
		}
	}
	call(t, "GET", srv.URL+"/api/v1/monitoring/health-score?window_minutes=10", "", http.StatusOK, &hs)
	if hs.WindowMinutes != 10 || hs.Score < 0 || hs.Score > 100 || hs.Status != monitor.Status(hs.Score) {
		t.Fatalf("health score over 10 minutes: %+v", hs)
	}
	call(t, "GET", srv.URL+"/api/v1/monitoring/health-score?window_minutes=0", "", http.StatusBadRequest, nil)

	var ph monitor.PhasesReport
	call(t, "GET", srv.URL+"/pipeline/phases", "", http.StatusOK, &ph)
	byName := map[string]monitor.PhaseStats{}
	for _, p := range ph.Phases {
		byName[p.Name] = p
	}
	// Every page but the 20 cache hits was fetched; the 40 found pages
	// were gated, extracted and stored.
	if byName["fetch"].ExecutionCount != 45 || byName["fetch"].Errors != 5 || byName["extract"].ExecutionCount != 40 ||
		byName["store"].ExecutionCount != 40 || byName["render"].ExecutionCount != 0 || ph.Overall.TotalRequests != 65 {
		t.Fatalf("phases: %+v overall %+v", ph.Phases, ph.Overall)
	}
	if byName["fetch"].P95MS < 225 || ph.SuccessRates.CacheHitRate != round(20.0/65, 4) {
		t.Fatalf("fetch p95 %v, cache hit rate %v", byName["fetch"].P95MS, ph.SuccessRates.CacheHitRate)
	}

	var rep monitor.PerformanceReport
	call(t, "GET", srv.URL+"/api/v1/monitoring/performance-report", "", http.StatusOK, &rep)
	var crawlRoute *monitor.RouteStats
	for i := range rep.Routes {
		if rep.Routes[i].Route == "crawl.batch" {
			crawlRoute = &rep.Routes[i]
		}
	}
	// The slow batch waits 250 ms for its pages.
	if crawlRoute == nil || crawlRoute.Requests != 4 || crawlRoute.P99MS < 225 || rep.WindowMinutes != 60 {
		t.Fatalf("report routes: %+v", rep.Routes)
	}
}

func round(v float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	return float64(int64(v*p+0.5)) / p
}

// Rules: the built-ins are listed, a rule is created, edited, fires on
// the next forced evaluation and is deleted; mistakes are 4xx.
func TestAlertRulesCRUDAndFiring(t *testing.T) {
	srv := server(t)
	base := srv.URL + "/api/v1/monitoring/alerts/rules"
	var list monitoringapi.RulesResponse
	call(t, "GET", base, "", http.StatusOK, &list)
	if list.Total != len(monitor.BuiltinRules()) || list.Enabled != list.Total {
		t.Fatalf("built-in rules: %d (%d enabled)", list.Total, list.Enabled)
	}
	// health_score is 100 with no load: "above 99" holds.
	rule := `{"name":"always","metric_name":"health_score","threshold":99,"condition":"greater_than","severity":"info"}`
	var created monitor.Rule
	call(t, "POST", base, rule, http.StatusCreated, &created)
	if created.CooldownMS != monitor.DefaultCooldown.Milliseconds() || created.WindowMinutes != 5 || !created.Enabled || created.Builtin {
		t.Fatalf("created: %+v", created)
	}
	call(t, "POST", base, rule, http.StatusConflict, nil)
	call(t, "POST", base, `{"name":"x","metric_name":"nope","threshold":1,"condition":"greater_than","severity":"info"}`, http.StatusBadRequest, nil)
	call(t, "POST", base, `{"name":"x","bogus":1}`, http.StatusBadRequest, nil)

	var active monitoringapi.ActiveAlertsResponse
	call(t, "GET", srv.URL+"/api/v1/monitoring/alerts/active?evaluate=true", "", http.StatusOK, &active)
	if active.Count != 1 || active.ActiveAlerts[0].Name != "always" || active.ActiveAlerts[0].Value != 100 || active.EvaluatedAt.IsZero() {
		t.Fatalf("active: %+v", active)
	}

	// Disabled, it no longer shows.
	call(t, "PUT", base+"/always", `{"metric_name":"health_score","threshold":99,"condition":"greater_than","severity":"info","enabled":false}`, http.StatusOK, nil)
	call(t, "GET", srv.URL+"/api/v1/monitoring/alerts/active?evaluate=true", "", http.StatusOK, &active)
	if active.Count != 0 {
		t.Fatalf("a disabled rule is active: %+v", active)
	}
	call(t, "PUT", base+"/always", `{"name":"other","metric_name":"health_score","threshold":1,"condition":"less_than","severity":"info"}`, http.StatusBadRequest, nil)
	call(t, "PUT", base+"/absent", `{"metric_name":"health_score","threshold":1,"condition":"less_than","severity":"info"}`, http.StatusNotFound, nil)

	// An edited built-in stays built-in; a deleted one stays deleted.
	var edited monitor.Rule
	call(t, "PUT", base+"/high_cpu_usage", `{"metric_name":"cpu_usage_percent","threshold":95,"condition":"greater_than","severity":"warning"}`, http.StatusOK, &edited)
	if !edited.Builtin || edited.Threshold != 95 {
		t.Fatalf("edited built-in: %+v", edited)
	}
	call(t, "DELETE", base+"/always", "", http.StatusNoContent, nil)
	call(t, "DELETE", base+"/always", "", http.StatusNotFound, nil)
	call(t, "DELETE", base+"/low_health_score", "", http.StatusNoContent, nil)
	call(t, "GET", base, "", http.StatusOK, &list)
	if list.Total != len(monitor.BuiltinRules())-1 {
		t.Fatalf("after deletes: %d rules", list.Total)
	}
}
