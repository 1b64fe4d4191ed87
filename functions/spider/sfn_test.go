package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/functest"
	"github.com/riptidecrawler/riptide/internal/spidertest"
	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/spider"
	"github.com/riptidecrawler/riptide/shared/wire/spiderwire"
)

// stepEnv, when set, makes this test binary act as one Lambda invocation
// of the spider function: it runs the task input in its first argument
// through the function's real handler and prints the result, the way
// aws-local-stepfunctions runs a Task override.
const stepEnv = "RIPTIDE_SPIDER_STEP_PROCESS"

func TestMain(m *testing.M) {
	if os.Getenv(continueEnv) == "1" {
		os.Exit(continueProcess())
	}
	if os.Getenv(stepEnv) == "1" {
		os.Exit(stepProcess())
	}
	os.Exit(m.Run())
}

func stepProcess() int {
	input := os.Args[len(os.Args)-1]
	f, err := fetch.New(fetch.Options{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// Short slices: the run takes several CrawlBatch tasks, so the loop
	// through the Choice is exercised (shorter still when a test asks).
	slice := 30 * time.Millisecond
	if ms, _ := strconv.Atoi(os.Getenv(sliceEnv)); ms > 0 {
		slice = time.Duration(ms) * time.Millisecond
	}
	h, err := build(context.Background(), os.LookupEnv, spiderwire.Options{
		Crawler: &spidertest.StandInCrawler{Fetcher: f}, Config: spider.Config{Slice: slice},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "wire:", err)
		return 1
	}
	out, err := h.Invoke(context.Background(), json.RawMessage(input))
	if err != nil {
		fmt.Fprintln(os.Stderr, "step:", err)
		return 1
	}
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
	return 0
}

// TestLocalStepFunctions runs the synthesized state machine definition
// (infra/cdk/testdata/spider.asl.json, kept current by the CDK tests) with
// aws-local-stepfunctions; each Task runs the spider function's real
// handler in a process of its own, all sharing one real Redis, like Lambda
// invocations. The run must end completed with exactly max_pages results.
func TestLocalStepFunctions(t *testing.T) {
	root := functest.RepoRoot(t)
	bin := filepath.Join(root, "tools/sfn/node_modules/.bin/local-sfn")
	if _, err := os.Stat(bin); err != nil {
		testenv.Missing(t, "aws-local-stepfunctions", "run `make sfn-tools` (npm ci in tools/sfn)")
	}
	testenv.LookPath(t, "node", "apt-get install nodejs")
	redisURL := testenv.RedisURL(t)
	prefix := "sfn" + spider.NewID()[:8] + ":"
	site := httptest.NewServer(spidertest.NewSite(spidertest.SiteConfig{Pages: 80, MinLinks: 5, MaxLinks: 10, Seed: 2}))
	defer site.Close()

	env := map[string]string{
		"REDIS_URL": redisURL, "RIPTIDE_KEY_PREFIX": prefix, "RIPTIDE_AUTH": "disabled", "RIPTIDE_LOG_LEVEL": "error",
		"RIPTIDE_ALLOW_CIDRS": "127.0.0.0/8", "AWS_LAMBDA_FUNCTION_NAME": "spider",
		"RIPTIDE_SPIDER_STATE_MACHINE_ARN": "arn:aws:states:us-east-1:123456789012:stateMachine:spider",
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	// The HTTP side creates the run; the launcher is where StartExecution
	// would go, and here hands the run to local-sfn.
	l := &recordingLauncher{}
	h, err := build(context.Background(), lookup, spiderwire.Options{Crawler: never(t), Launcher: l})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.HTTP.ServeHTTP(rec, jsonPost("/api/v1/spider/crawl", `{"seed_urls":["`+site.URL+`/p/0.html"],"options":{"max_pages":40,"concurrency":8,"sitemap":"skip"}}`))
	if rec.Code != http.StatusAccepted || len(l.ids) != 1 {
		t.Fatalf("crawl: %d %s", rec.Code, rec.Body.String())
	}
	id := l.ids[0]

	self, _ := os.Executable()
	script := filepath.Join(t.TempDir(), "step.sh")
	os.WriteFile(script, []byte("#!/bin/sh\nexec \""+self+"\" \"$1\"\n"), 0o755)
	var args []string
	for _, task := range []string{"Init", "CrawlBatch", "Finalize", "FinalizeFailed"} {
		args = append(args, "-t", task+":"+script)
	}
	args = append([]string{"-f", filepath.Join(root, "infra/cdk/testdata/spider.asl.json")}, args...)
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader(fmt.Sprintf(`{"spider_id":%q}`, id))
	cmd.Env = append(os.Environ(), stepEnv+"=1", "NODE_OPTIONS=--require "+filepath.Join(root, "tools/sfn/polyfill.cjs"))
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("local-sfn: %v\n%s", err, out)
	}
	t.Logf("local-sfn output: %s", out)
	if !strings.Contains(string(out), `next: 'done'`) && !strings.Contains(string(out), `"next":"done"`) {
		t.Errorf("execution output %s: want the Finalize output (next done)", out)
	}

	rec = httptest.NewRecorder()
	h.HTTP.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/spider/"+id, nil))
	var st spider.Status
	if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil {
		t.Fatal(err)
	}
	if st.State != spider.StateCompleted || st.PagesCrawled != 40 || st.StopReason != spider.StopMaxPages {
		t.Errorf("after the execution: %s/%s, %d pages; want completed/max_pages, 40", st.State, st.StopReason, st.PagesCrawled)
	}
}

func never(t *testing.T) spider.PageCrawler {
	return spider.PageCrawlerFunc(func(_ context.Context, req spider.PageRequest) (*spider.Page, error) {
		t.Errorf("the HTTP side crawled %s", req.URL)
		return nil, nil
	})
}
