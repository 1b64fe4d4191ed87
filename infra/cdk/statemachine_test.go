package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/internal/testenv"
)

// spiderASL returns the synthesized definition of the spider state machine
// as JSON, with CloudFormation intrinsics rendered as placeholder strings
// ("<GetAtt:Id.Arn>", "<Ref:Id>"), and the machine's resource.
func spiderASL(t *testing.T) (map[string]any, map[string]any, []byte) {
	t.Helper()
	s := shared(t)
	return machineASL(t, s.rootJSON)
}

// machineASL is spiderASL for any template with one state machine.
func machineASL(t *testing.T, tmpl map[string]any) (map[string]any, map[string]any, []byte) {
	t.Helper()
	machines := resources(tmpl, "AWS::StepFunctions::StateMachine")
	id := only(t, machines)
	res := machines[id]
	raw := joined(props(res)["DefinitionString"])
	// Intrinsics sit inside JSON strings already ("Resource":"<GetAtt..>").
	var def map[string]any
	if err := json.Unmarshal([]byte(raw), &def); err != nil {
		t.Fatalf("definition is not JSON once intrinsics are rendered: %v\n%s", err, raw)
	}
	return def, res, []byte(raw)
}

// concreteASL replaces the placeholders with concrete values, so schema
// validators and aws-local-stepfunctions accept the definition: the
// pseudo parameters with us-east-1 / 123456789012, any other reference (the
// spider function's alias) with a Lambda ARN.
func concreteASL(raw []byte) []byte {
	for ph, v := range map[string]string{"<Ref:AWS::Partition>": "aws", "<Ref:AWS::Region>": "us-east-1", "<Ref:AWS::AccountId>": "123456789012"} {
		raw = bytes.ReplaceAll(raw, []byte(ph), []byte(v))
	}
	return regexp.MustCompile(`<(GetAtt|Ref):[^>]*>`).ReplaceAll(raw, []byte("arn:aws:lambda:us-east-1:123456789012:function:spider:live"))
}

// asMap returns v as a JSON object (nil if it is none).
func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }

func TestSpiderStateMachineLayout(t *testing.T) {
	def, res, _ := spiderASL(t)
	s := shared(t)
	spiderFn := functionIDs(t, s.rootJSON)["spider"]
	spiderAlias := aliasIDs(t, s.rootJSON)["spider"]
	states := def["States"].(map[string]any)
	state := func(name, typ string) map[string]any {
		st := asMap(states[name])
		if st == nil || st["Type"] != typ {
			t.Fatalf("state %s missing or not a %s: %v", name, typ, st)
		}
		return st
	}
	if def["StartAt"] != "Start" {
		t.Errorf("StartAt %v, want Start", def["StartAt"])
	}
	if ts, _ := def["TimeoutSeconds"].(float64); ts < 7*24*3600 {
		t.Errorf("TimeoutSeconds %v: must exceed the 7-day max_duration_ms", def["TimeoutSeconds"])
	}
	// Start sets the iteration counter of this execution to 0.
	start := state("Start", "Pass")
	if p := asMap(start["Parameters"]); p["spider_id.$"] != "$.spider_id" || p["iteration"] != float64(0) || start["Next"] != "Init" {
		t.Errorf("Start %v", start)
	}
	for name, step := range map[string]string{"Init": "init", "CrawlBatch": "crawl_batch", "Finalize": "finalize", "FinalizeFailed": "finalize"} {
		st := state(name, "Task")
		// The live alias: CodeDeploy's canary applies to steps too.
		if r := st["Resource"]; r != "<Ref:"+spiderAlias+">" {
			t.Errorf("%s invokes %v, want the spider function's live alias %s", name, r, spiderAlias)
		}
		params := asMap(st["Parameters"])
		if params["step"] != step || params["spider_id.$"] != "$.spider_id" {
			t.Errorf("%s parameters %v", name, params)
		}
		retries, _ := st["Retry"].([]any)
		if len(retries) != 1 || asMap(retries[0])["MaxAttempts"] != float64(3) ||
			!slices.Contains(asMap(retries[0])["ErrorEquals"].([]any), any("States.TaskFailed")) {
			t.Errorf("%s retry %v", name, retries)
		}
		if ts, _ := st["TimeoutSeconds"].(float64); ts <= 300 {
			t.Errorf("%s task timeout %v, want above the function's 300 s", name, st["TimeoutSeconds"])
		}
		// Init and CrawlBatch keep the counter: their output goes to $.step.
		wantPath := any(nil)
		if name == "Init" || name == "CrawlBatch" {
			wantPath = SpiderStepPath
		}
		if st["ResultPath"] != wantPath {
			t.Errorf("%s ResultPath %v, want %v", name, st["ResultPath"], wantPath)
		}
		catches, _ := st["Catch"].([]any)
		if name == "FinalizeFailed" {
			if params["error.$"] != "$.error" || st["Next"] != "Failed" {
				t.Errorf("FinalizeFailed %v", st)
			}
			// A failing FinalizeFailed ends in its own Fail state, not an
			// uncaught error.
			if len(catches) != 1 || asMap(catches[0])["Next"] != "Unfinalized" {
				t.Errorf("FinalizeFailed catch %v, want one to Unfinalized", catches)
			}
			state("Unfinalized", "Fail")
			continue
		}
		if len(catches) != 1 || asMap(catches[0])["Next"] != "FinalizeFailed" || asMap(catches[0])["ResultPath"] != "$.error" {
			t.Errorf("%s catch %v", name, catches)
		}
	}
	// The loop: Init -> Route; CrawlBatch -> Count -> Route.
	if states["Init"].(map[string]any)["Next"] != "Route" || states["CrawlBatch"].(map[string]any)["Next"] != "Count" {
		t.Errorf("Init must lead to Route, CrawlBatch to Count")
	}
	count := state("Count", "Pass")
	if p := asMap(count["Parameters"]); p["iteration.$"] != "States.MathAdd($.iteration, 1)" || p["step.$"] != SpiderStepPath ||
		p["spider_id.$"] != "$.spider_id" || count["Next"] != "Route" {
		t.Errorf("Count %v", count)
	}

	route := state("Route", "Choice")
	choices, _ := route["Choices"].([]any)
	if len(choices) == 0 {
		t.Fatalf("Route has no choices")
	}
	// First: past the threshold, a crawl_batch continues as a new execution.
	first := asMap(choices[0])
	and, _ := first["And"].([]any)
	if first["Next"] != "ContinueAsNew" || len(and) != 2 ||
		asMap(and[0])["Variable"] != "$.step.next" || asMap(and[0])["StringEquals"] != "crawl_batch" ||
		asMap(and[1])["Variable"] != SpiderIterationPath || asMap(and[1])["NumericGreaterThanEquals"] != float64(DefaultSpiderContinueAfter) {
		t.Errorf("first choice %v, want crawl_batch and iteration >= %d -> ContinueAsNew", first, DefaultSpiderContinueAfter)
	}
	got := map[string]string{}
	for _, c := range choices[1:] {
		cm := asMap(c)
		if cm["Variable"] != "$.step.next" {
			t.Errorf("choice on %v", cm["Variable"])
		}
		v, _ := cm["StringEquals"].(string)
		got[v], _ = cm["Next"].(string)
	}
	want := map[string]string{"crawl_batch": "CrawlBatch", "init": "Init", "paused": "Paused", "done": "Done"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("Route %s -> %s, want %s", k, got[k], v)
		}
	}
	if route["Default"] != "Finalize" {
		t.Errorf("Route default %v", route["Default"])
	}
	state("Paused", "Succeed")
	state("Failed", "Fail")
	state("Continued", "Succeed")

	p := props(res)
	if p["StateMachineType"] != "STANDARD" || asMap(p["TracingConfiguration"])["Enabled"] != true ||
		asMap(p["LoggingConfiguration"])["Level"] != "ALL" {
		t.Errorf("machine properties %v", p)
	}

	// The spider function knows the machine (by its fixed name) and may start it.
	name := p["StateMachineName"].(string)
	env := functionEnv(s.rootJSON, spiderFn)
	arn := joined(env[SpiderStateMachineEnv])
	if !regexp.MustCompile(`^arn:<Ref:AWS::Partition>:states:<Ref:AWS::Region>:<Ref:AWS::AccountId>:stateMachine:` + regexp.QuoteMeta(name) + `$`).MatchString(arn) {
		t.Errorf("%s = %s, want the ARN of %s", SpiderStateMachineEnv, arn, name)
	}

	// ContinueAsNew starts this same machine for the same run, named after
	// the run, and is caught like every step.
	cont := state("ContinueAsNew", "Task")
	cp := asMap(cont["Parameters"])
	if cont["Resource"] != "arn:<Ref:AWS::Partition>:states:::states:startExecution" || cp["StateMachineArn"] != arn ||
		asMap(cp["Input"])["spider_id.$"] != "$.spider_id" || asMap(cp["Input"])["AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$"] != "$$.Execution.Id" ||
		cp["Name.$"] != "States.Format('{}-{}', $.spider_id, States.UUID())" || cont["Next"] != "Continued" {
		t.Errorf("ContinueAsNew %v", cont)
	}
	if c, _ := cont["Catch"].([]any); len(c) != 1 || asMap(c[0])["Next"] != "FinalizeFailed" {
		t.Errorf("ContinueAsNew catch %v", cont["Catch"])
	}
	machineRole, _ := getAtt(p["RoleArn"])
	startsSelf := false
	for _, st := range roleStatements(s.rootJSON, machineRole) {
		if slices.Contains(st.actions, "states:StartExecution") && slices.Contains(st.resources, arn) {
			startsSelf = true
		}
	}
	if !startsSelf {
		t.Errorf("the state machine's role may not start the machine itself (%s)", arn)
	}

	// The spider function and the starters (crawl, for options.use_spider;
	// firecrawl, whose crawls and batch scrapes are spider runs; workers,
	// for spider jobs) know the machine and may start it; no other may.
	ids := functionIDs(t, s.rootJSON)
	mayStart := func(fnID string) bool {
		role, _ := getAtt(props(resources(s.rootJSON, "AWS::Lambda::Function")[fnID])["Role"])
		for _, st := range roleStatements(s.rootJSON, role) {
			if slices.Contains(st.actions, "states:StartExecution") && slices.Contains(st.resources, arn) {
				return true
			}
		}
		return false
	}
	for fn, id := range ids {
		env := functionEnv(s.rootJSON, id)
		_, hasEnv := env[SpiderStateMachineEnv]
		starter := fn == "spider" || fn == "crawl" || fn == "firecrawl" || fn == "workers"
		switch {
		case starter && (!hasEnv || joined(env[SpiderStateMachineEnv]) != arn || !mayStart(id)):
			t.Errorf("function %s must know and be allowed to start the spider state machine", fn)
		case !starter && (hasEnv || mayStart(id)):
			t.Errorf("function %s was given the spider state machine", fn)
		}
	}
}

// TestSpiderStateMachineASLValidates lints the synthesized definition with
// the npm asl-validator (installed by `make sfn-tools`).
func TestSpiderStateMachineASLValidates(t *testing.T) {
	_, _, raw := spiderASL(t)
	bin, _ := filepath.Abs("../../tools/sfn/node_modules/.bin/asl-validator")
	if _, err := os.Stat(bin); err != nil {
		testenv.Missing(t, "asl-validator", "run `make sfn-tools` (npm ci in tools/sfn)")
	}
	path := filepath.Join(t.TempDir(), "spider.asl.json")
	// Placeholder ARNs must look like ARNs to the schema.
	valid := concreteASL(raw)
	if err := os.WriteFile(path, valid, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "--json-path", path).CombinedOutput()
	if err != nil {
		t.Fatalf("asl-validator: %v\n%s", err, out)
	}
	t.Logf("asl-validator: %s", out)
	// Show the validator can fail: a Choice pointing nowhere.
	broken := strings.Replace(string(valid), `"Default":"Finalize"`, `"Default":"Nowhere"`, 1)
	os.WriteFile(path, []byte(broken), 0o644)
	if out, err := exec.Command(bin, "--json-path", path).CombinedOutput(); err == nil {
		t.Errorf("asl-validator accepted a Choice to a missing state: %s", out)
	}
}

// aslCopy is the synthesized definition kept in the repository for the
// aws-local-stepfunctions test of functions/spider (which cannot run the
// CDK); this test keeps it current.
const aslCopy = "testdata/spider.asl.json"

func TestSpiderStateMachineASLCopyIsCurrent(t *testing.T) {
	_, _, raw := spiderASL(t)
	checkASLCopy(t, aslCopy, raw)
}

// checkASLCopy compares path with the definition raw made concrete
// (rewriting it when RIPTIDE_UPDATE_ASL=1).
func checkASLCopy(t *testing.T, path string, raw []byte) {
	t.Helper()
	var v any
	_ = json.Unmarshal(concreteASL(raw), &v)
	want, _ := json.MarshalIndent(v, "", "  ")
	want = append(want, '\n')
	if os.Getenv("RIPTIDE_UPDATE_ASL") == "1" {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != string(want) {
		t.Fatalf("%s is stale: run `cd infra/cdk && RIPTIDE_UPDATE_ASL=1 go test -run ASLCopy .`", path)
	}
}
