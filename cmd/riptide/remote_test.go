package main

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/client"
)

const remoteKey = "remote-test-key-0123456789"

// startKeyedServe runs `riptide serve` with one API key and loopback
// crawling allowed, and returns its URL and a fixture site.
func startKeyedServe(t *testing.T) (base, site string) {
	t.Helper()
	t.Setenv("REDIS_URL", "")
	t.Setenv("RIPTIDE_AUTH", "")
	t.Setenv("RIPTIDE_API_KEYS", remoteKey)
	t.Setenv("RIPTIDE_ALLOW_CIDRS", "127.0.0.0/8")
	return startServe(t), articleSite(t).URL
}

// TestClientAgainstServe drives the Go client against `riptide serve`
// crawling a loopback site: a batch, both streams, a job round trip, and
// the error shapes.
func TestClientAgainstServe(t *testing.T) {
	base, site := startKeyedServe(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := client.New(base, client.WithAPIKey(remoteKey))
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://127.0.0.1:1/nothing-listens" // port 1: connection refused

	t.Run("crawl", func(t *testing.T) {
		res, err := c.Crawl(ctx, client.CrawlRequest{URLs: []string{site + "/one", dead}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Results) != 2 || res.RequestID == "" || res.Stats.TotalURLs != 2 || res.Stats.Failed != 1 {
			t.Fatalf("%+v", res)
		}
		ok, failed := res.Results[0], res.Results[1]
		if !ok.OK() || ok.Status != 200 || ok.Document == nil || ok.Document.Title != "Page /one" || !strings.Contains(ok.Document.Markdown, "worth reading") {
			t.Fatalf("page: %+v", ok)
		}
		if failed.OK() || failed.Error.Type != "fetch_error" {
			t.Fatalf("dead URL: %+v", failed)
		}
	})

	t.Run("stream", func(t *testing.T) {
		for name, events := range map[string]func(context.Context, client.CrawlRequest) iter.Seq2[client.CrawlEvent, error]{
			"ndjson": c.CrawlStream, "sse": c.CrawlSSE,
		} {
			var types []string
			indexes := map[int]string{}
			for ev, err := range events(ctx, client.CrawlRequest{URLs: []string{site + "/a", site + "/b", site + "/c"}}) {
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if name == "sse" && ev.ID == "" {
					t.Errorf("sse event %s without an id", ev.Type)
				}
				types = append(types, ev.Type)
				if ev.Result != nil {
					indexes[ev.Result.Index] = ev.Result.Result.Document.Title
				}
				if ev.Summary != nil && ev.Summary.Stats.Successful != 3 {
					t.Errorf("%s summary %+v", name, ev.Summary.Stats)
				}
			}
			if types[0] != "metadata" || types[len(types)-1] != "summary" || len(indexes) != 3 || indexes[2] != "Page /c" {
				t.Fatalf("%s: events %v, results %v", name, types, indexes)
			}
		}
	})

	t.Run("job round trip", func(t *testing.T) {
		acc, err := c.SubmitJob(ctx, client.JobSpec{Type: "batch_crawl", URLs: []string{site + "/j1", site + "/j2"}, IdempotencyKey: "remote-" + t.Name()})
		if err != nil || acc.JobID == "" || !acc.Created {
			t.Fatalf("%+v %v", acc, err)
		}
		again, err := c.SubmitJob(ctx, client.JobSpec{Type: "batch_crawl", URLs: []string{site + "/j1", site + "/j2"}, IdempotencyKey: "remote-" + t.Name()})
		if err != nil || again.JobID != acc.JobID || again.Created {
			t.Fatalf("resubmission with the same key: %+v %v", again, err)
		}
		j, err := c.WaitJob(ctx, acc.JobID, 100*time.Millisecond)
		if err != nil || j.Status != "completed" || j.Result == nil || !j.Result.Success {
			t.Fatalf("%+v %v", j, err)
		}
		r, err := c.JobResult(ctx, acc.JobID, "")
		if err != nil || len(r.Items) != 2 {
			t.Fatalf("%+v %v", r, err)
		}
		items, err := r.CrawlItems()
		if err != nil || len(items) != 2 || items[0].Result.Document == nil || !strings.HasPrefix(items[0].Result.Document.Title, "Page /j") {
			t.Fatalf("items %+v: %v", items, err)
		}
		page, err := c.ListJobs(ctx, client.JobFilter{Status: "completed"})
		if err != nil || !slices.ContainsFunc(page.Jobs, func(x client.Job) bool { return x.JobID == acc.JobID }) {
			t.Fatalf("list: %+v %v", page, err)
		}
		_, err = c.CancelJob(ctx, acc.JobID)
		var apiErr *client.Error
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusConflict || apiErr.Type != "conflict" {
			t.Fatalf("cancel a finished job: %v", err)
		}
		if _, err := c.Job(ctx, "0123456789abcdef0123456789abcdef"); !errors.As(err, &apiErr) || apiErr.Type != "not_found" {
			t.Fatalf("unknown job: %v", err)
		}
	})

	t.Run("errors", func(t *testing.T) {
		anon, _ := client.New(base)
		_, err := anon.Crawl(ctx, client.CrawlRequest{URLs: []string{site + "/"}})
		var apiErr *client.Error
		if !errors.As(err, &apiErr) || apiErr.Status != 401 || apiErr.Type != "authentication_error" || apiErr.RequestID == "" || apiErr.Retryable {
			t.Fatalf("no key: %#v", err)
		}
		_, err = c.Crawl(ctx, client.CrawlRequest{URLs: []string{site + "/", "ftp://127.0.0.1/x"}})
		if !errors.As(err, &apiErr) || apiErr.Status != 400 || len(apiErr.Details) == 0 || !strings.Contains(apiErr.Error(), "urls[1]") {
			t.Fatalf("bad URL: %#v", err)
		}
		// A URL that answers with an image is a 422 extraction_error.
		img := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write([]byte("\x89PNG\r\n\x1a\n"))
		}))
		defer img.Close()
		_, err = c.Extract(ctx, client.ExtractRequest{URL: img.URL + "/logo.png"})
		if !errors.As(err, &apiErr) || apiErr.Status != 422 || apiErr.Type != "extraction_error" || apiErr.Message == "" {
			t.Fatalf("empty page: %#v", err)
		}
	})

	t.Run("health and strategies", func(t *testing.T) {
		h, err := c.Health(ctx)
		if err != nil || h.Status == "" || len(h.Components) == 0 {
			t.Fatalf("%+v %v", h, err)
		}
		info, err := c.Strategies(ctx)
		if err != nil || !slices.ContainsFunc(info.Strategies, func(s client.StrategyInfo) bool { return s.Name == "css" && s.Available }) {
			t.Fatalf("%+v %v", info, err)
		}
		res, err := c.ExtractWithStrategy(ctx, client.StrategiesRequest{URL: site + "/s",
			Extraction: &client.StrategySpec{Strategy: "css", Params: map[string]any{"fields": map[string]string{"title": "h1"}}}})
		if err != nil || res.Extraction == nil || res.Extraction.Data["title"] != "Page /s" {
			t.Fatalf("%+v %v", res, err)
		}
	})

	t.Run("spider", func(t *testing.T) {
		acc, err := c.SpiderStart(ctx, client.SpiderRequest{SeedURLs: []string{site + "/seed"}, Options: &client.SpiderOptions{MaxPages: 3}})
		if err != nil || acc.SpiderID == "" {
			t.Fatalf("%+v %v", acc, err)
		}
		var pages int
		for ev, err := range c.SpiderResultsStream(ctx, acc.SpiderID, true) {
			if err != nil {
				t.Fatal(err)
			}
			if ev.Page != nil {
				pages++
			}
			if ev.Summary != nil && (ev.Summary.Status == nil || !ev.Summary.Status.Done()) {
				t.Fatalf("a followed stream ended before its run: %+v", ev.Summary)
			}
		}
		st, err := c.SpiderStatus(ctx, acc.SpiderID)
		if err != nil || st.PagesCrawled != pages || pages == 0 {
			t.Fatalf("status %+v, %d pages streamed: %v", st, pages, err)
		}
		// The playground's health view shows the monitoring's spider_pages.
		code, body := callWith(t, "GET", base+"/api/v1/monitoring/metrics/current", "", http.Header{"X-Api-Key": {remoteKey}})
		var m struct {
			Metrics struct {
				SpiderPages int `json:"spider_pages"`
			} `json:"metrics"`
		}
		if code != 200 || json.Unmarshal([]byte(body), &m) != nil || m.Metrics.SpiderPages < pages {
			t.Fatalf("metrics after a %d-page run: %d %s", pages, code, body)
		}
	})
}

// TestCLIRemoteMode runs the CLI's crawl, extract and jobs against `riptide
// serve` with --base-url, and checks its errors and exit codes.
func TestCLIRemoteMode(t *testing.T) {
	base, site := startKeyedServe(t)
	env := map[string]string{apiKeyEnv: remoteKey}

	code, out, errb := cliRun(t, env, "--base-url", base, "crawl", site+"/x", site+"/y", "--format", "text")
	if code != 0 || !strings.Contains(out, "==> "+site+"/x <==") || strings.Index(out, "/x <==") > strings.Index(out, "/y <==") {
		t.Fatalf("crawl: exit %d, stderr %q\n%s", code, errb, out)
	}
	code, out, errb = cliRun(t, env, "crawl", "--base-url", base, "--ndjson", site+"/x", "http://127.0.0.1:1/")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 3 || !strings.Contains(lines[2], `"type":"summary"`) || !strings.Contains(out, `"type":"fetch_error"`) {
		t.Fatalf("crawl --ndjson: exit %d, stderr %q\n%s", code, errb, out)
	}
	code, out, _ = cliRun(t, env, "--base-url", base, "crawl", site+"/x", "http://127.0.0.1:1/")
	if code != exitFail || !strings.Contains(out, "FAILED: fetch_error") {
		t.Fatalf("a failed URL: exit %d\n%s", code, out)
	}

	page := filepath.Join(t.TempDir(), "page.html")
	if err := os.WriteFile(page, []byte(`<html><head><title>Local file</title></head><body><article><h1>Local file</h1><p>`+
		strings.Repeat("A paragraph from a file on disk. ", 30)+`</p></article></body></html>`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errb = cliRun(t, env, "--base-url", base, "extract", page, "--format", "markdown")
	if code != 0 || !strings.Contains(out, "from a file on disk") {
		t.Fatalf("extract: exit %d, stderr %q\n%s", code, errb, out)
	}

	code, out, errb = cliRun(t, env, "--base-url", base, "jobs", "submit", "--type", "single_crawl", "--wait", site+"/job")
	if code != 0 || !strings.Contains(out, `"status": "completed"`) {
		t.Fatalf("jobs submit --wait: exit %d, stderr %q\n%s", code, errb, out)
	}
	var job client.Job
	if err := json.Unmarshal([]byte(out), &job); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"jobs", "get", job.JobID}, {"jobs", "result", job.JobID}, {"jobs", "list", "--limit", "5"}} {
		code, out, errb = cliRun(t, env, append([]string{"--base-url", base}, args...)...)
		if code != 0 || !strings.Contains(out, job.JobID) {
			t.Fatalf("%v: exit %d, stderr %q\n%s", args, code, errb, out)
		}
	}

	// Errors: the server's own words and request id, exit 1; a wrong
	// command line, exit 2.
	code, _, errb = cliRun(t, nil, "--base-url", base, "crawl", site+"/x")
	if code != exitFail || !strings.Contains(errb, "401 authentication_error") || !strings.Contains(errb, "request id") || !strings.Contains(errb, apiKeyEnv) {
		t.Fatalf("no key: exit %d, stderr %q", code, errb)
	}
	code, _, errb = cliRun(t, env, "--base-url", base, "--api-key", "wrong", "jobs", "get", "x")
	if code != exitFail || !strings.Contains(errb, "authentication_error") {
		t.Fatalf("a wrong --api-key must win over the environment: exit %d, stderr %q", code, errb)
	}
	code, _, errb = cliRun(t, env, "--base-url", "http://127.0.0.1:1", "crawl", site+"/x")
	if code != exitFail || !strings.Contains(errb, "cannot reach http://127.0.0.1:1") {
		t.Fatalf("no server: exit %d, stderr %q", code, errb)
	}
	for _, args := range [][]string{
		{"--base-url", base, "serve"},
		{"--base-url", base, "jobs", "redrive"},
		{"jobs", "get", "x"}, // needs --base-url
		{"--base-url", "127.0.0.1:8080", "crawl", site},
		{"--base-url", base, "extract", "--ndjson"},
	} {
		if code, _, errb := cliRun(t, env, args...); code != exitUsage {
			t.Errorf("%v: exit %d, stderr %q; want %d", args, code, errb, exitUsage)
		}
	}
}
