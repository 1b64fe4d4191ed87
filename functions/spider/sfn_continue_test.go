package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/internal/functest"
	"github.com/riptidecrawler/riptide/internal/spidertest"
	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/spider"
	"github.com/riptidecrawler/riptide/shared/wire/spiderwire"
)

// Environment of the continuation test's child processes.
const (
	// continueEnv makes this test binary the ContinueAsNew task: it plays
	// Step Functions' StartExecution (see continueProcess).
	continueEnv = "RIPTIDE_SPIDER_CONTINUE_PROCESS"
	// sliceEnv shortens the spider's CrawlBatch slice (ms) in stepProcess.
	sliceEnv  = "RIPTIDE_TEST_SPIDER_SLICE_MS"
	sfnBinEnv = "RIPTIDE_TEST_SFN_BIN"
	sfnDefEnv = "RIPTIDE_TEST_SFN_DEF"
	sfnDirEnv = "RIPTIDE_TEST_SFN_DIR"
	sfnLogEnv = "RIPTIDE_TEST_SFN_LOG"
)

// sfnArgs are local-sfn's arguments for one execution called name of the
// definition def, with every Task overridden by the scripts in dir.
func sfnArgs(dir, def, name string) []string {
	args := []string{"-f", def, "--context",
		fmt.Sprintf(`{"Execution":{"Id":"arn:aws:states:us-east-1:123456789012:execution:spider:%s","Name":%q}}`, name, name)}
	for _, task := range []string{"Init", "CrawlBatch", "Finalize", "FinalizeFailed"} {
		args = append(args, "-t", task+":"+filepath.Join(dir, "step.sh"))
	}
	return append(args, "-t", "ContinueAsNew:"+filepath.Join(dir, "continue.sh"))
}

// logLine appends one line to the test's execution log.
func logLine(format string, a ...any) {
	f, err := os.OpenFile(os.Getenv(sfnLogEnv), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintf(f, format+"\n", a...)
}

// continueProcess is the ContinueAsNew task: given StartExecution's
// parameters, it runs the new execution with local-sfn (the same
// definition and overrides) to its end, logs how it ended, and answers
// like StartExecution. Real Step Functions returns at once and runs the
// child on its own; running it here, nested, keeps the test sequential.
func continueProcess() int {
	var in struct {
		StateMachineArn string
		Name            string
		Input           json.RawMessage
	}
	if err := json.Unmarshal([]byte(os.Args[len(os.Args)-1]), &in); err != nil {
		fmt.Fprintln(os.Stderr, "ContinueAsNew input:", err)
		return 1
	}
	logLine("start %s %s", in.Name, in.Input)
	cmd := exec.Command(os.Getenv(sfnBinEnv), sfnArgs(os.Getenv(sfnDirEnv), os.Getenv(sfnDefEnv), in.Name)...)
	cmd.Stdin = bytes.NewReader(in.Input)
	// The child's Tasks are step processes again, not continuations.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, continueEnv+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		logLine("failed %s %v: %s", in.Name, err, bytes.ReplaceAll(out, []byte("\n"), []byte(" ")))
		return 1
	}
	logLine("ended %s", in.Name)
	b, _ := json.Marshal(map[string]string{
		"ExecutionArn": "arn:aws:states:us-east-1:123456789012:execution:spider:" + in.Name, "StartDate": "2026-12-01T00:00:00Z",
	})
	fmt.Println(string(b))
	return 0
}

// TestLocalStepFunctionsContinueAsNew runs a spider run through the spider
// definition whose continuation threshold is lowered to 3 batches
// (infra/cdk/testdata/spider-continue.asl.json, kept equal to production
// but for the threshold by the CDK tests), with the real step handlers on
// a real Redis. The run needs many short batches, so its first execution
// hands it on, and so on: it must still end completed with exactly
// max_pages results, every execution ending well.
func TestLocalStepFunctionsContinueAsNew(t *testing.T) {
	root := functest.RepoRoot(t)
	bin := filepath.Join(root, "tools/sfn/node_modules/.bin/local-sfn")
	if _, err := os.Stat(bin); err != nil {
		testenv.Missing(t, "aws-local-stepfunctions", "run `make sfn-tools` (npm ci in tools/sfn)")
	}
	testenv.LookPath(t, "node", "apt-get install nodejs")
	redisURL := testenv.RedisURL(t)
	prefix := "sfnc" + spider.NewID()[:8] + ":"
	site := httptest.NewServer(spidertest.NewSite(spidertest.SiteConfig{Pages: 60, MinLinks: 3, MaxLinks: 6, Seed: 3}))
	defer site.Close()

	dir := t.TempDir()
	log := filepath.Join(dir, "executions.log")
	def := filepath.Join(root, "infra/cdk/testdata/spider-continue.asl.json")
	env := map[string]string{
		"REDIS_URL": redisURL, "RIPTIDE_KEY_PREFIX": prefix, "RIPTIDE_AUTH": "disabled", "RIPTIDE_LOG_LEVEL": "error",
		"RIPTIDE_ALLOW_CIDRS": "127.0.0.0/8", "AWS_LAMBDA_FUNCTION_NAME": "spider",
		"RIPTIDE_SPIDER_STATE_MACHINE_ARN": "arn:aws:states:us-east-1:123456789012:stateMachine:spider",
		// One page at a time in 5 ms slices: a batch or two per page.
		sliceEnv: "5", sfnBinEnv: bin, sfnDefEnv: def, sfnDirEnv: dir, sfnLogEnv: log,
		"NODE_OPTIONS": "--require " + filepath.Join(root, "tools/sfn/polyfill.cjs"),
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	l := &recordingLauncher{}
	h, err := build(t.Context(), lookup, spiderwire.Options{Crawler: never(t), Launcher: l})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.HTTP.ServeHTTP(rec, jsonPost("/api/v1/spider/crawl", `{"seed_urls":["`+site.URL+`/p/0.html"],"options":{"max_pages":20,"concurrency":1,"sitemap":"skip"}}`))
	if rec.Code != http.StatusAccepted || len(l.ids) != 1 {
		t.Fatalf("crawl: %d %s", rec.Code, rec.Body.String())
	}
	id := l.ids[0]

	self, _ := os.Executable()
	os.WriteFile(filepath.Join(dir, "step.sh"), []byte("#!/bin/sh\n"+stepEnv+"=1 exec \""+self+"\" \"$1\"\n"), 0o755)
	os.WriteFile(filepath.Join(dir, "continue.sh"), []byte("#!/bin/sh\n"+continueEnv+"=1 exec \""+self+"\" \"$1\"\n"), 0o755)
	cmd := exec.Command(bin, sfnArgs(dir, def, id+"-first")...)
	cmd.Stdin = strings.NewReader(fmt.Sprintf(`{"spider_id":%q}`, id))
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	raw, _ := os.ReadFile(log)
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	t.Logf("executions:\n%s", raw)
	if err != nil {
		t.Fatalf("local-sfn: %v\n%s", err, out)
	}

	var started, ended int
	for _, ln := range lines {
		switch {
		case strings.HasPrefix(ln, "start "):
			started++
			// The same run, named after it, with the parent's id.
			if !strings.Contains(ln, " "+id+"-") || !strings.Contains(ln, `"spider_id":"`+id+`"`) ||
				!strings.Contains(ln, "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID") {
				t.Errorf("continuation %q: want the same spider_id, a name from it and the parent execution", ln)
			}
		case strings.HasPrefix(ln, "ended "):
			ended++
		case strings.HasPrefix(ln, "failed "):
			t.Errorf("a continued execution failed: %s", ln)
		}
	}
	if started < 1 || ended != started {
		t.Errorf("%d continued executions started, %d ended well: want at least one, all ending well", started, ended)
	}

	rec = httptest.NewRecorder()
	h.HTTP.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/spider/"+id, nil))
	var st spider.Status
	if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil {
		t.Fatal(err)
	}
	if st.State != spider.StateCompleted || st.PagesCrawled != 20 || st.StopReason != spider.StopMaxPages {
		t.Errorf("after %d executions: %s/%s, %d pages; want completed/max_pages, 20", started+1, st.State, st.StopReason, st.PagesCrawled)
	}
}
