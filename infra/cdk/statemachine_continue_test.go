package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/riptidecrawler/riptide/internal/testenv"
)

// TestContinueAfter is the continuation threshold of the low-threshold
// definition (testdata/spider-continue.asl.json): a run of a few batches
// already continues as a new execution, so tests can watch it happen.
const TestContinueAfter = 3

// aslContinueCopy is the spider definition with ContinueAfter lowered to
// TestContinueAfter, for functions/spider's aws-local-stepfunctions test.
const aslContinueCopy = "testdata/spider-continue.asl.json"

var (
	lowOnce sync.Once
	lowRaw  []byte
	lowErr  error
)

// lowThresholdASL synthesizes the spider state machine alone, with
// NewSpiderStateMachine exactly as the stack calls it but ContinueAfter =
// TestContinueAfter, in a stack named like the shared one ("Test").
func lowThresholdASL(t *testing.T) []byte {
	t.Helper()
	lowOnce.Do(func() {
		defer func() {
			if r := recover(); r != nil {
				lowErr = fmt.Errorf("synthesis panicked: %v", r)
			}
		}()
		dir, err := os.MkdirTemp("", "riptide-cdk-sfn-")
		if err != nil {
			lowErr = err
			return
		}
		if err := writeZip(filepath.Join(dir, "spider.zip"), "bootstrap", "#!/bin/sh\n"); err != nil {
			lowErr = err
			return
		}
		app, err := testApp(filepath.Join(dir, "cdk.out"))
		if err != nil {
			lowErr = err
			return
		}
		stack := awscdk.NewStack(app, jsii.String("Test"), nil)
		fn := awslambda.NewFunction(stack, jsii.String("SpiderFunction"), &awslambda.FunctionProps{
			Runtime: awslambda.Runtime_PROVIDED_AL2023(), Handler: jsii.String("bootstrap"),
			Code: awslambda.Code_FromAsset(jsii.String(filepath.Join(dir, "spider.zip")), nil),
		})
		alias := awslambda.NewAlias(stack, jsii.String("Live"), &awslambda.AliasProps{AliasName: jsii.String(LiveAlias), Version: fn.CurrentVersion()})
		NewSpiderStateMachine(stack, "Spider", &SpiderStateMachineProps{
			Function: fn, Invoke: alias,
			TaskTimeout: awscdk.Duration_Seconds(jsii.Number(330)), Timeout: awscdk.Duration_Days(jsii.Number(8)),
			ContinueAfter: TestContinueAfter, LogRetention: awslogs.RetentionDays_ONE_MONTH,
		})
		tmpl := *assertions.Template_FromStack(stack, nil).ToJSON()
		_, _, lowRaw = machineASL(t, tmpl)
	})
	if lowErr != nil {
		t.Fatal(lowErr)
	}
	return lowRaw
}

func TestSpiderStateMachineContinueASLCopyIsCurrent(t *testing.T) {
	checkASLCopy(t, aslContinueCopy, lowThresholdASL(t))
}

// The low-threshold definition is the production one but for the
// threshold: what functions/spider runs is what deploys.
func TestLowThresholdDefinitionDiffersOnlyInThreshold(t *testing.T) {
	_, _, real := spiderASL(t)
	low := lowThresholdASL(t)
	norm := func(raw []byte) string {
		var v any
		if err := json.Unmarshal(concreteASL(raw), &v); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(v)
		return string(b)
	}
	from := fmt.Sprintf(`"NumericGreaterThanEquals":%d`, DefaultSpiderContinueAfter)
	to := fmt.Sprintf(`"NumericGreaterThanEquals":%d`, TestContinueAfter)
	r := norm(real)
	if strings.Count(r, from) != 1 {
		t.Fatalf("the production definition has %d thresholds %s, want 1", strings.Count(r, from), from)
	}
	if got, want := norm(low), strings.Replace(r, from, to, 1); got != want {
		t.Errorf("low-threshold definition differs from production beyond the threshold:\n got %s\nwant %s", got, want)
	}
}

// fakeStepEnv, when set, makes this test binary one Task of a
// local-sfn run (see fakeStep).
const fakeStepEnv = "RIPTIDE_CDK_FAKE_STEP"

// fakeStep is a Task override: it logs its task input to the file in
// RIPTIDE_CDK_STEP_LOG and answers like the real one would for a run that
// never ends by itself: Init and CrawlBatch say crawl_batch, Finalize says
// done, ContinueAsNew returns StartExecution's output.
func fakeStep() int {
	input := os.Args[len(os.Args)-1]
	var in struct {
		Step     string `json:"step"`
		SpiderID string `json:"spider_id"`
	}
	_ = json.Unmarshal([]byte(input), &in)
	f, err := os.OpenFile(os.Getenv("RIPTIDE_CDK_STEP_LOG"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Fprintln(f, os.Getenv(fakeStepEnv)+" "+input)
	f.Close()
	var out any
	switch os.Getenv(fakeStepEnv) {
	case "ContinueAsNew":
		out = map[string]any{"ExecutionArn": "arn:aws:states:us-east-1:123456789012:execution:Test-spider:next", "StartDate": "2026-12-01T00:00:00Z"}
	case "Finalize", "FinalizeFailed":
		out = map[string]any{"spider_id": in.SpiderID, "next": "done", "state": "completed"}
	default:
		out = map[string]any{"spider_id": in.SpiderID, "next": "crawl_batch", "state": "running"}
	}
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
	return 0
}

// localSFN runs the low-threshold definition with aws-local-stepfunctions,
// every Task overridden by fakeStep, and returns the execution's output and
// the logged task calls ("Task input").
func localSFN(t *testing.T) (string, []string) {
	t.Helper()
	bin, _ := filepath.Abs("../../tools/sfn/node_modules/.bin/local-sfn")
	if _, err := os.Stat(bin); err != nil {
		testenv.Missing(t, "aws-local-stepfunctions", "run `make sfn-tools` (npm ci in tools/sfn)")
	}
	testenv.LookPath(t, "node", "apt-get install nodejs")
	dir := t.TempDir()
	def := filepath.Join(dir, "spider.asl.json")
	if err := os.WriteFile(def, concreteASL(lowThresholdASL(t)), 0o644); err != nil {
		t.Fatal(err)
	}
	self, _ := os.Executable()
	// Step Functions' context object (ContinueAsNew passes the execution id
	// to its child), which local-sfn only has when given.
	args := []string{"-f", def, "--context", `{"Execution":{"Id":"arn:aws:states:us-east-1:123456789012:execution:Test-spider:run1-first","Name":"run1-first"}}`}
	for _, task := range []string{"Init", "CrawlBatch", "Finalize", "FinalizeFailed", "ContinueAsNew"} {
		script := filepath.Join(dir, task+".sh")
		os.WriteFile(script, []byte("#!/bin/sh\n"+fakeStepEnv+"="+task+" exec \""+self+"\" \"$1\"\n"), 0o755)
		args = append(args, "-t", task+":"+script)
	}
	log := filepath.Join(dir, "steps.log")
	polyfill, _ := filepath.Abs("../../tools/sfn/polyfill.cjs")
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader(`{"spider_id":"run1"}`)
	cmd.Env = append(os.Environ(), "NODE_OPTIONS=--require "+polyfill, "RIPTIDE_CDK_STEP_LOG="+log)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("local-sfn: %v\n%s%s", err, out, stderr.String())
	}
	raw, _ := os.ReadFile(log)
	return string(out), strings.Split(strings.TrimSpace(string(raw)), "\n")
}

// A run that keeps going continues as a new execution after exactly
// TestContinueAfter batches: ContinueAsNew gets the same spider_id, a
// name derived from it, and this execution ends in Continued (success).
func TestSpiderContinuesAsNewExecution(t *testing.T) {
	out, calls := localSFN(t)
	var tasks []string
	var cont map[string]any
	for _, c := range calls {
		task, input, _ := strings.Cut(c, " ")
		tasks = append(tasks, task)
		if task == "ContinueAsNew" {
			if err := json.Unmarshal([]byte(input), &cont); err != nil {
				t.Fatalf("ContinueAsNew input %s: %v", input, err)
			}
		}
	}
	want := []string{"Init"}
	for range TestContinueAfter {
		want = append(want, "CrawlBatch")
	}
	want = append(want, "ContinueAsNew")
	if strings.Join(tasks, ",") != strings.Join(want, ",") {
		t.Errorf("tasks %v, want %v", tasks, want)
	}
	if in := asMap(cont["Input"]); in["spider_id"] != "run1" || !strings.HasSuffix(fmt.Sprint(in["AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"]), ":run1-first") {
		t.Errorf("ContinueAsNew input %v, want the same spider_id and the parent execution", cont["Input"])
	}
	if name, _ := cont["Name"].(string); !strings.HasPrefix(name, "run1-") || len(name) != len("run1-")+36 {
		t.Errorf("ContinueAsNew name %q, want run1-<uuid>", cont["Name"])
	}
	if !strings.HasSuffix(fmt.Sprint(cont["StateMachineArn"]), ":stateMachine:Test-spider") {
		t.Errorf("ContinueAsNew starts %v, want this machine", cont["StateMachineArn"])
	}
	// The execution's output is the state at Continued: the run and the
	// counter at the threshold.
	if !strings.Contains(out, "run1") || !strings.Contains(out, fmt.Sprintf("iteration: %d", TestContinueAfter)) &&
		!strings.Contains(out, fmt.Sprintf(`"iteration":%d`, TestContinueAfter)) {
		t.Errorf("execution output %s, want the run at iteration %d", out, TestContinueAfter)
	}
}
