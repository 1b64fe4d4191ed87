package main

import (
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
// ("<GetAtt:Id.Arn>"), and the machine's resource.
func spiderASL(t *testing.T) (map[string]any, map[string]any, []byte) {
	t.Helper()
	s := shared(t)
	machines := resources(s.rootJSON, "AWS::StepFunctions::StateMachine")
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

func TestSpiderStateMachineLayout(t *testing.T) {
	def, res, _ := spiderASL(t)
	s := shared(t)
	spiderFn := functionIDs(t, s.rootJSON)["spider"]
	states := def["States"].(map[string]any)
	if def["StartAt"] != "Init" {
		t.Errorf("StartAt %v", def["StartAt"])
	}
	if ts, _ := def["TimeoutSeconds"].(float64); ts < 7*24*3600 {
		t.Errorf("TimeoutSeconds %v: must exceed the 7-day max_duration_ms", def["TimeoutSeconds"])
	}
	for name, step := range map[string]string{"Init": "init", "CrawlBatch": "crawl_batch", "Finalize": "finalize", "FinalizeFailed": "finalize"} {
		st, _ := states[name].(map[string]any)
		if st == nil || st["Type"] != "Task" {
			t.Fatalf("state %s missing or not a Task: %v", name, st)
		}
		if r := st["Resource"]; r != "<GetAtt:"+spiderFn+".Arn>" {
			t.Errorf("%s invokes %v, want the spider function", name, r)
		}
		params := st["Parameters"].(map[string]any)
		if params["step"] != step || params["spider_id.$"] != "$.spider_id" {
			t.Errorf("%s parameters %v", name, params)
		}
		retries, _ := st["Retry"].([]any)
		if len(retries) != 1 || retries[0].(map[string]any)["MaxAttempts"] != float64(3) ||
			!slices.Contains(retries[0].(map[string]any)["ErrorEquals"].([]any), any("States.TaskFailed")) {
			t.Errorf("%s retry %v", name, retries)
		}
		if ts, _ := st["TimeoutSeconds"].(float64); ts <= 300 {
			t.Errorf("%s task timeout %v, want above the function's 300 s", name, st["TimeoutSeconds"])
		}
		if name == "FinalizeFailed" {
			if params["error.$"] != "$.error" || st["Next"] != "Failed" {
				t.Errorf("FinalizeFailed %v", st)
			}
			continue
		}
		catches, _ := st["Catch"].([]any)
		if len(catches) != 1 || catches[0].(map[string]any)["Next"] != "FinalizeFailed" {
			t.Errorf("%s catch %v", name, catches)
		}
	}
	// The loop: Init and CrawlBatch go to the Choice, which routes on $.next.
	if states["Init"].(map[string]any)["Next"] != "Route" || states["CrawlBatch"].(map[string]any)["Next"] != "Route" {
		t.Errorf("Init/CrawlBatch must lead to Route")
	}
	route := states["Route"].(map[string]any)
	got := map[string]string{}
	for _, c := range route["Choices"].([]any) {
		cm := c.(map[string]any)
		if cm["Variable"] != "$.next" {
			t.Errorf("choice on %v", cm["Variable"])
		}
		got[cm["StringEquals"].(string)] = cm["Next"].(string)
	}
	want := map[string]string{"crawl_batch": "CrawlBatch", "init": "Init", "paused": "Paused", "done": "Done"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("Route %s -> %s, want %s", k, got[k], v)
		}
	}
	if route["Default"] != "Finalize" || states["Paused"].(map[string]any)["Type"] != "Succeed" || states["Failed"].(map[string]any)["Type"] != "Fail" {
		t.Errorf("Route default %v, Paused %v, Failed %v", route["Default"], states["Paused"], states["Failed"])
	}

	p := props(res)
	if p["StateMachineType"] != "STANDARD" || p["TracingConfiguration"].(map[string]any)["Enabled"] != true ||
		p["LoggingConfiguration"].(map[string]any)["Level"] != "ALL" {
		t.Errorf("machine properties %v", p)
	}

	// The spider function knows the machine (by its fixed name) and may start it.
	name := p["StateMachineName"].(string)
	env := props(resources(s.rootJSON, "AWS::Lambda::Function")[spiderFn])["Environment"].(map[string]any)["Variables"].(map[string]any)
	arn := joined(env[SpiderStateMachineEnv])
	if !regexp.MustCompile(`^arn:<Ref:AWS::Partition>:states:<Ref:AWS::Region>:<Ref:AWS::AccountId>:stateMachine:` + regexp.QuoteMeta(name) + `$`).MatchString(arn) {
		t.Errorf("%s = %s, want the ARN of %s", SpiderStateMachineEnv, arn, name)
	}
	// The spider function and the starters (crawl, for options.use_spider)
	// know the machine and may start it; no other function may.
	ids := functionIDs(t, s.rootJSON)
	mayStart := func(fnID string) bool {
		role, _ := getAtt(props(resources(s.rootJSON, "AWS::Lambda::Function")[fnID])["Role"])
		for _, pol := range resources(s.rootJSON, "AWS::IAM::Policy") {
			roles, _ := props(pol)["Roles"].([]any)
			if !slices.ContainsFunc(roles, func(r any) bool { return ref(r) == role }) {
				continue
			}
			for _, st := range props(pol)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
				stmt := st.(map[string]any)
				if stmt["Action"] == "states:StartExecution" && joined(stmt["Resource"]) == arn {
					return true
				}
			}
		}
		return false
	}
	for fn, id := range ids {
		env := props(resources(s.rootJSON, "AWS::Lambda::Function")[id])["Environment"].(map[string]any)["Variables"].(map[string]any)
		_, hasEnv := env[SpiderStateMachineEnv]
		starter := fn == "spider" || fn == "crawl"
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
	valid := regexp.MustCompile(`<GetAtt:[^>]*>`).ReplaceAll(raw, []byte("arn:aws:lambda:us-east-1:123456789012:function:spider"))
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
	raw = regexp.MustCompile(`<GetAtt:[^>]*>`).ReplaceAll(raw, []byte("arn:aws:lambda:us-east-1:123456789012:function:spider"))
	var v any
	_ = json.Unmarshal(raw, &v)
	want, _ := json.MarshalIndent(v, "", "  ")
	want = append(want, '\n')
	if os.Getenv("RIPTIDE_UPDATE_ASL") == "1" {
		if err := os.WriteFile(aslCopy, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(aslCopy)
	if err != nil || string(got) != string(want) {
		t.Fatalf("%s is stale: run `cd infra/cdk && RIPTIDE_UPDATE_ASL=1 go test -run ASLCopy .`", aslCopy)
	}
}
