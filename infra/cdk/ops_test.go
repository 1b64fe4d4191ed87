package main

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/riptidecrawler/riptide/shared/routes"
)

func TestRedisSnapshotsAndFinalSnapshot(t *testing.T) {
	s := shared(t)
	groups := resources(s.rootJSON, "AWS::ElastiCache::ReplicationGroup")
	g := groups[only(t, groups)]
	p := props(g)
	if p["SnapshotRetentionLimit"] != float64(RedisSnapshotDays) || p["SnapshotWindow"] != RedisSnapshotWindow {
		t.Errorf("snapshots: %v days in %v, want %d days in %s", p["SnapshotRetentionLimit"], p["SnapshotWindow"], RedisSnapshotDays, RedisSnapshotWindow)
	}
	// Deleting or replacing the group takes a final snapshot first.
	if g["DeletionPolicy"] != "Snapshot" || g["UpdateReplacePolicy"] != "Snapshot" {
		t.Errorf("DeletionPolicy %v, UpdateReplacePolicy %v; want Snapshot", g["DeletionPolicy"], g["UpdateReplacePolicy"])
	}
}

func TestVPCEndpoints(t *testing.T) {
	s := shared(t)
	var gateway, iface []map[string]any
	for _, e := range resources(s.rootJSON, "AWS::EC2::VPCEndpoint") {
		if props(e)["VpcEndpointType"] == "Interface" {
			iface = append(iface, props(e))
		} else {
			gateway = append(gateway, props(e))
		}
	}
	// S3: a gateway endpoint on the private subnets' route tables.
	if len(gateway) != 1 || !strings.HasSuffix(joined(gateway[0]["ServiceName"]), ".s3") {
		t.Fatalf("gateway endpoints %v, want one for S3", gateway)
	}
	privateTables := map[string]bool{}
	priv := subnetsWhere(s.rootJSON, false)
	for _, a := range resources(s.rootJSON, "AWS::EC2::SubnetRouteTableAssociation") {
		if slices.Contains(priv, ref(props(a)["SubnetId"])) {
			privateTables[ref(props(a)["RouteTableId"])] = true
		}
	}
	var tables []string
	for _, rt := range stringList(gateway[0]["RouteTableIds"]) {
		id := strings.TrimSuffix(strings.TrimPrefix(rt, "<Ref:"), ">")
		tables = append(tables, id)
		if !privateTables[id] {
			t.Errorf("S3 endpoint on route table %s, which is no private subnet's", id)
		}
	}
	if len(tables) != len(privateTables) {
		t.Errorf("S3 endpoint on %v, want every private route table %v", tables, privateTables)
	}

	var services []string
	fnSG := ""
	for _, id := range functionIDs(t, s.rootJSON) {
		fnSG, _ = getAtt(dig(props(resources(s.rootJSON, "AWS::Lambda::Function")[id]), "VpcConfig", "SecurityGroupIds", 0))
	}
	for _, e := range iface {
		name := joined(e["ServiceName"])
		services = append(services, name[strings.LastIndex(name, ".")+1:])
		if e["PrivateDnsEnabled"] != true {
			t.Errorf("endpoint %s: private DNS off: the SDK would still go through NAT", name)
		}
		sg, _ := getAtt(dig(e, "SecurityGroupIds", 0))
		var rules []string
		for _, in := range resources(s.rootJSON, "AWS::EC2::SecurityGroupIngress") {
			if g, _ := getAtt(props(in)["GroupId"]); g == sg {
				src, _ := getAtt(props(in)["SourceSecurityGroupId"])
				rules = append(rules, src+":"+joined(props(in)["FromPort"]))
			}
		}
		if inline := dig(props(resources(s.rootJSON, "AWS::EC2::SecurityGroup")[sg]), "SecurityGroupIngress"); inline != nil {
			t.Errorf("endpoint %s: security group admits %v", name, inline)
		}
		if !slices.Equal(rules, []string{fnSG + ":443"}) {
			t.Errorf("endpoint %s admits %v, want HTTPS from the functions' group %s only", name, rules, fnSG)
		}
	}
	if want := []string{"lambda", "secretsmanager", "sqs", "states"}; !slices.Equal(sorted(services), want) {
		t.Errorf("interface endpoints %v, want %v", sorted(services), want)
	}
}

func TestWAFOnTheRESTStage(t *testing.T) {
	s := shared(t)
	acls := resources(s.restJSON, "AWS::WAFv2::WebACL")
	aclID := only(t, acls)
	p := props(acls[aclID])
	if p["Scope"] != "REGIONAL" || dig(p, "DefaultAction", "Allow") == nil {
		t.Errorf("web ACL scope %v, default %v", p["Scope"], p["DefaultAction"])
	}
	groups := map[string][]string{} // managed group -> rules set to count
	rate := map[string]any{}
	for _, r := range stringStatements(p["Rules"]) {
		if mg := asMap(dig(r, "Statement", "ManagedRuleGroupStatement")); mg != nil {
			var counted []string
			for _, o := range stringStatements(mg["RuleActionOverrides"]) {
				if dig(o, "ActionToUse", "Count") != nil {
					counted = append(counted, o["Name"].(string))
				}
			}
			groups[mg["Name"].(string)] = counted
			if dig(r, "OverrideAction", "None") == nil {
				t.Errorf("managed group %s does not keep its own actions (OverrideAction %v)", mg["Name"], r["OverrideAction"])
			}
		}
		if rb := asMap(dig(r, "Statement", "RateBasedStatement")); rb != nil {
			rate = r
		}
	}
	for _, g := range ManagedRuleGroups() {
		counted, ok := groups[g.Name]
		if !ok {
			t.Errorf("managed rule group %s missing", g.Name)
		}
		if !slices.Equal(sorted(counted), sortedKeys(g.CountOnly)) {
			t.Errorf("%s counts %v, want %v", g.Name, counted, sortedKeys(g.CountOnly))
		}
	}
	for _, must := range []string{"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesAmazonIpReputationList"} {
		if _, ok := groups[must]; !ok {
			t.Errorf("no %s", must)
		}
	}
	if dig(rate, "Statement", "RateBasedStatement", "Limit") != float64(DefaultWAFRateLimit) ||
		dig(rate, "Statement", "RateBasedStatement", "AggregateKeyType") != "IP" ||
		dig(rate, "Action", "Block", "CustomResponse", "ResponseCode") != float64(429) {
		t.Errorf("rate rule %v, want %d per IP per 5 minutes, answered 429", rate, DefaultWAFRateLimit)
	}
	if body := dig(p, "CustomResponseBodies", "rate_limited", "Content"); body != RateLimitedBody {
		t.Errorf("429 body %v", body)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(RateLimitedBody), &body); err != nil || dig(body, "error", "type") != "rate_limited" {
		t.Errorf("429 body is not RipTide's error shape: %v", err)
	}

	// Associated with the API's stage.
	assocs := resources(s.restJSON, "AWS::WAFv2::WebACLAssociation")
	a := props(assocs[only(t, assocs)])
	stage := only(t, resources(s.restJSON, "AWS::ApiGateway::Stage"))
	if acl, _ := getAtt(a["WebACLArn"]); acl != aclID || !strings.Contains(joined(a["ResourceArn"]), "/stages/<Ref:"+stage+">") {
		t.Errorf("association %v, want the web ACL on stage %s", a, stage)
	}
	// Logs: blocked and counted requests only, API keys redacted.
	logs := resources(s.restJSON, "AWS::WAFv2::LoggingConfiguration")
	lp := props(logs[only(t, logs)])
	var redacted []string
	for _, f := range stringStatements(lp["RedactedFields"]) {
		redacted = append(redacted, joined(dig(f, "SingleHeader", "Name")))
	}
	if !slices.Equal(sorted(redacted), []string{"authorization", "x-api-key"}) {
		t.Errorf("redacted %v, want the API key headers", redacted)
	}
	if dig(lp, "LoggingFilter", "DefaultBehavior") != "DROP" {
		t.Errorf("logging filter %v, want only blocked/counted requests kept", lp["LoggingFilter"])
	}
	wafLogs := ""
	for id, lg := range resources(s.restJSON, "AWS::Logs::LogGroup") {
		if props(lg)["LogGroupName"] == "aws-waf-logs-Test" {
			wafLogs = id
		}
	}
	if dest := strings.Join(stringList(lp["LogDestinationConfigs"]), ""); wafLogs == "" || !strings.HasSuffix(dest, ":log-group:<Ref:"+wafLogs+">") {
		t.Errorf("WAF logs to %s, want log group aws-waf-logs-Test (%s; an ARN without :*)", dest, wafLogs)
	}
	// The stage's access log is the other log group, not WAF's.
	for id, lg := range resources(s.restJSON, "AWS::Logs::LogGroup") {
		if strings.HasPrefix(joined(props(lg)["LogGroupName"]), "aws-waf-logs-") {
			continue
		}
		stageProps := props(resources(s.restJSON, "AWS::ApiGateway::Stage")[stage])
		if !strings.Contains(joined(dig(stageProps, "AccessLogSetting", "DestinationArn")), id) {
			t.Errorf("stage access log %v is not log group %s", dig(stageProps, "AccessLogSetting"), id)
		}
	}
}

func TestRenderHasReservedConcurrencyAndCallersUseItsAlias(t *testing.T) {
	s := shared(t)
	render := tableRenderFunction(t)
	for name, id := range functionIDs(t, s.rootJSON) {
		got := props(resources(s.rootJSON, "AWS::Lambda::Function")[id])["ReservedConcurrentExecutions"]
		if name == render.Name && got != float64(DefaultRenderConcurrency) || name != render.Name && got != nil {
			t.Errorf("%s: reserved concurrency %v", name, got)
		}
	}
}

func TestBackupBucketAndSchedule(t *testing.T) {
	s := shared(t)
	ids := functionIDs(t, s.rootJSON)
	env := functionEnv(s.rootJSON, ids[OpsFunction])
	bucketID := ref(env[BackupBucketEnv])
	b := resources(s.rootJSON, "AWS::S3::Bucket")[bucketID]
	if b == nil {
		t.Fatalf("%s = %v, not a bucket", BackupBucketEnv, env[BackupBucketEnv])
	}
	p := props(b)
	if dig(p, "VersioningConfiguration", "Status") != "Enabled" || b["DeletionPolicy"] != "Retain" ||
		dig(p, "BucketEncryption", "ServerSideEncryptionConfiguration", 0, "ServerSideEncryptionByDefault", "SSEAlgorithm") != "AES256" ||
		dig(p, "PublicAccessBlockConfiguration", "BlockPublicPolicy") != true {
		t.Errorf("backup bucket: versioning %v, deletion %v, encryption/public access %v", dig(p, "VersioningConfiguration"), b["DeletionPolicy"], p)
	}
	if r := dig(p, "LifecycleConfiguration", "Rules", 0); dig(r, "ExpirationInDays") != float64(BackupKeepDays) || dig(r, "NoncurrentVersionExpiration", "NoncurrentDays") != float64(BackupNoncurrentDays) {
		t.Errorf("backup lifecycle %v", r)
	}

	sp, input := scheduleOfTask(t, s.rootJSON, TaskBackup)
	target := asMap(sp["Target"])
	if sp["ScheduleExpression"] != DefaultBackupSchedule || sp["ScheduleExpressionTimezone"] != "Etc/UTC" ||
		ref(target["Arn"]) != aliasIDs(t, s.rootJSON)[OpsFunction] || input[TaskField] != TaskBackup {
		t.Errorf("backup schedule %v %v -> %v %v, want %s to the %s alias with {%q:%q}", sp["ScheduleExpression"], sp["ScheduleExpressionTimezone"], target["Arn"], input, DefaultBackupSchedule, OpsFunction, TaskField, TaskBackup)
	}
	if dlq, _ := getAtt(dig(target, "DeadLetterConfig", "Arn")); dlq != failedInvocationsQueue(t, s.rootJSON) {
		t.Errorf("backup schedule DLQ %v, want FailedInvocations", dig(target, "DeadLetterConfig"))
	}
	ap, ainput := scheduleOfTask(t, s.rootJSON, TaskAuditExport)
	if at := asMap(ap["Target"]); ap["ScheduleExpression"] != AuditExportSchedule || ref(at["Arn"]) != aliasIDs(t, s.rootJSON)[OpsFunction] || ainput[TaskField] != TaskAuditExport {
		t.Errorf("audit export schedule %v -> %v %v, want %s to the %s alias", ap["ScheduleExpression"], at["Arn"], ainput, AuditExportSchedule, OpsFunction)
	}

	// Only the worker touches backups; nobody may delete them.
	for name, stmts := range functionStatements(t, s.rootJSON) {
		for _, st := range stmts {
			for _, r := range st.resources {
				if !strings.Contains(r, "<GetAtt:"+bucketID+".Arn>") {
					continue
				}
				if name != OpsFunction {
					t.Errorf("%s may %v on the backup bucket", name, st.actions)
				}
				for _, a := range st.actions {
					if strings.Contains(a, "Delete") || a == "s3:*" {
						t.Errorf("%s may %s on the backup bucket", name, a)
					}
				}
			}
		}
	}
}

func TestAuditBucketHasObjectLock(t *testing.T) {
	s := shared(t)
	env := functionEnv(s.rootJSON, functionIDs(t, s.rootJSON)[OpsFunction])
	bucketID := ref(env[AuditBucketEnv])
	b := resources(s.rootJSON, "AWS::S3::Bucket")[bucketID]
	if b == nil {
		t.Fatalf("%s = %v, not a bucket", AuditBucketEnv, env[AuditBucketEnv])
	}
	p := props(b)
	if p["ObjectLockEnabled"] != true || dig(p, "ObjectLockConfiguration", "ObjectLockEnabled") != "Enabled" ||
		dig(p, "ObjectLockConfiguration", "Rule", "DefaultRetention", "Mode") != "GOVERNANCE" ||
		dig(p, "ObjectLockConfiguration", "Rule", "DefaultRetention", "Days") != float64(AuditRetentionDays) {
		t.Errorf("audit bucket object lock %v %v, want governance, %d days", p["ObjectLockEnabled"], p["ObjectLockConfiguration"], AuditRetentionDays)
	}
	if dig(p, "VersioningConfiguration", "Status") != "Enabled" || b["DeletionPolicy"] != "Retain" {
		t.Errorf("audit bucket versioning %v, deletion %v", p["VersioningConfiguration"], b["DeletionPolicy"])
	}
	// No role of the stack may delete, bypass the lock or change it.
	for _, pol := range resources(s.rootJSON, "AWS::IAM::Policy") {
		for _, st := range stringStatements(dig(props(pol), "PolicyDocument", "Statement")) {
			for _, a := range stringList(st["Action"]) {
				if a == "s3:*" || strings.Contains(a, "Delete") || strings.Contains(a, "Retention") || strings.Contains(a, "ObjectLock") || strings.Contains(a, "LegalHold") {
					for _, r := range stringList(st["Resource"]) {
						if strings.Contains(r, bucketID) {
							t.Errorf("policy may %s on the audit bucket", a)
						}
					}
				}
			}
		}
	}
}

func TestMigrationCustomResourceRunsBeforeTheAliasMoves(t *testing.T) {
	s := shared(t)
	ids := functionIDs(t, s.rootJSON)
	var crID string
	var cr map[string]any
	for id, r := range s.rootJSON["Resources"].(map[string]any) {
		if asMap(r)["Type"] == "Custom::RiptideMigration" {
			crID, cr = id, asMap(r)
		}
	}
	if cr == nil {
		t.Fatal("no Custom::RiptideMigration")
	}
	p := props(cr)
	fn, _ := getAtt(p["ServiceToken"])
	ver, attr := getAtt(p["Version"])
	worker, _ := routes.LookupFunction(OpsFunction)
	if fn != ids[OpsFunction] || p[TaskField] != TaskMigrate || attr != "Version" || fmt.Sprint(p["ServiceTimeout"]) != fmt.Sprint(worker.TimeoutSec+60) {
		t.Errorf("migration %v, want the %s function's migrate task, re-run per version, timeout %d", p, OpsFunction, worker.TimeoutSec+60)
	}
	if v := resources(s.rootJSON, "AWS::Lambda::Version")[ver]; v == nil || ref(props(v)["FunctionName"]) != ids[OpsFunction] {
		t.Errorf("migration Version %s is not a version of %s", ver, OpsFunction)
	}
	alias := resources(s.rootJSON, "AWS::Lambda::Alias")[aliasIDs(t, s.rootJSON)[OpsFunction]]
	if !slices.Contains(stringList(alias["DependsOn"]), crID) {
		t.Errorf("the %s alias does not wait for the migration (DependsOn %v)", OpsFunction, alias["DependsOn"])
	}
	// The function itself serves it: no custom-resource provider Lambda.
	if n := len(resources(s.rootJSON, "AWS::Lambda::Function")); n != len(ids) {
		t.Errorf("%d functions, %d in the table", n, len(ids))
	}
}

func TestWebSocketHandOffsFailToTheFailedInvocationsQueue(t *testing.T) {
	s := shared(t)
	ws := tableWebSocketFunction(t)
	fnID := functionIDs(t, s.rootJSON)[ws]
	failed := failedInvocationsQueue(t, s.rootJSON)
	var qualifiers []string
	for _, c := range resources(s.rootJSON, "AWS::Lambda::EventInvokeConfig") {
		p := props(c)
		if ref(p["FunctionName"]) != fnID {
			t.Errorf("async config for %v", p["FunctionName"])
			continue
		}
		q := joined(p["Qualifier"])
		if strings.Contains(fmt.Sprint(p["Qualifier"]), "Ref:"+aliasIDs(t, s.rootJSON)[ws]+"]") {
			q = LiveAlias // the alias's name, taken from its ARN
		}
		qualifiers = append(qualifiers, q)
		if q, _ := getAtt(dig(p, "DestinationConfig", "OnFailure", "Destination")); q != failed ||
			p["MaximumRetryAttempts"] != float64(WSAsyncRetries) || p["MaximumEventAgeInSeconds"] != float64(WSAsyncMaxAgeMin*60) {
			t.Errorf("async config %v", p)
		}
	}
	if want := []string{"$LATEST", LiveAlias}; !slices.Equal(sorted(qualifiers), want) {
		t.Errorf("async configs for %v, want %v (by name today, through the alias tomorrow)", qualifiers, want)
	}
	sends := false
	for _, st := range functionStatements(t, s.rootJSON)[ws] {
		if slices.Contains(st.actions, "sqs:SendMessage") && slices.Contains(st.resources, "<GetAtt:"+failed+".Arn>") {
			sends = true
		}
	}
	if !sends {
		t.Errorf("%s may not send its failures to the queue", ws)
	}
}

// cdk.json's context is exactly the recommended feature flags of the
// aws-cdk-lib this module uses (its recommended-feature-flags.json), so a
// version bump shows which flags to review.
func TestFeatureFlagsAreTheRecommendedSet(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}} {{.Version}}", "github.com/aws/aws-cdk-go/awscdk/v2").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	dir, version, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	f, err := os.Open(filepath.Join(dir, "jsii", "aws-cdk-lib-"+strings.TrimPrefix(version, "v")+".tgz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var recommended map[string]any
	for {
		h, err := tr.Next()
		if err == io.EOF {
			t.Fatal("no package/recommended-feature-flags.json in aws-cdk-lib")
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Name == "package/recommended-feature-flags.json" {
			if err := json.NewDecoder(tr).Decode(&recommended); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	ctx, err := AppContext(".", "")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ctx, recommended) {
		for k, v := range recommended {
			if !reflect.DeepEqual(ctx[k], v) {
				t.Errorf("cdk.json %s = %v, recommended %v", k, ctx[k], v)
			}
		}
		for k := range ctx {
			if _, ok := recommended[k]; !ok {
				t.Errorf("cdk.json sets %s, not a recommended flag", k)
			}
		}
	}
}

func TestStackSettings(t *testing.T) {
	get := func(m map[string]string) Lookup {
		return func(k, _ string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	p, err := StackSettings(get(map[string]string{
		"riptide:natGateways": "1", "riptide:redisNodes": "1", "riptide:interfaceEndpoints": "lambda, sqs",
		"riptide:renderConcurrency": "0", "riptide:canary": "false", "riptide:spiderContinueAfter": "100",
		"riptide:playground": "true",
	}))
	if err != nil {
		t.Fatal(err)
	}
	var eps []string
	for _, e := range p.InterfaceEndpoints {
		eps = append(eps, e.Name)
	}
	if p.NatGateways != 1 || p.RedisNodes != 1 || !slices.Equal(eps, []string{"lambda", "sqs"}) || p.RenderConcurrency != NoReservation ||
		!p.AllAtOnce || p.SpiderContinueAfter != 100 || !p.Playground {
		t.Errorf("settings %+v", p)
	}
	if p, _ := StackSettings(get(nil)); p.RenderConcurrency != 0 || p.InterfaceEndpoints != nil || p.AllAtOnce || p.Playground {
		t.Errorf("no settings: %+v, want zero values (the defaults)", p)
	}
	if p, _ := StackSettings(get(map[string]string{"riptide:interfaceEndpoints": "none"})); p.InterfaceEndpoints == nil || len(p.InterfaceEndpoints) != 0 {
		t.Errorf("none: %v, want an empty list", p.InterfaceEndpoints)
	}
	for k, v := range map[string]string{
		"riptide:natGateways": "3", "riptide:redisNodes": "0", "riptide:interfaceEndpoints": "dynamodb",
		"riptide:canary": "maybe", "riptide:spiderContinueAfter": "3000", "riptide:renderConcurrency": "-1",
		"riptide:playground": "yes please",
	} {
		if _, err := StackSettings(get(map[string]string{k: v})); err == nil {
			t.Errorf("%s=%s accepted", k, v)
		}
	}
	// Environment files hold riptide: settings only, cdk.json none.
	for _, env := range Environments(".") {
		ctx, err := AppContext(".", env)
		if err != nil {
			t.Errorf("environment %s: %v", env, err)
		}
		if _, err := StackSettings(func(k, _ string) (string, bool) { return contextString(ctx[k]) }); err != nil {
			t.Errorf("environment %s: %v", env, err)
		}
	}
	if want := []string{"dev", "prod", "staging"}; !slices.Equal(Environments("."), want) {
		t.Errorf("environments %v, want %v", Environments("."), want)
	}
	if _, err := AppContext(".", "nope"); err == nil {
		t.Errorf("an unknown environment was accepted")
	}
}

// The development environment (environments/dev.json: one NAT gateway, one
// Redis node, no interface endpoints, no render reservation, aliases moved
// at once) synthesizes clean under cdk-nag: the documented dev options work.
func TestDevEnvironmentSynthesizes(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesizes a second full stack")
	}
	s := shared(t)
	out := t.TempDir()
	ctx, err := AppContext(".", "dev")
	if err != nil {
		t.Fatal(err)
	}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(out), Context: &ctx})
	settings, err := StackSettings(func(k, _ string) (string, bool) {
		return contextString(app.Node().TryGetContext(jsii.String(k)))
	})
	if err != nil {
		t.Fatal(err)
	}
	settings.AssetDir, settings.ChromiumLayer = s.assets, s.layer
	settings.RedisRestoreSnapshot = "riptide-restore-test" // as -c riptide:redisRestoreSnapshot would
	st, err := NewRiptideStack(app, "Dev", settings)
	if err != nil {
		t.Fatal(err)
	}
	AddNagChecks(app)
	var tmpl map[string]any
	if r := panics(func() { tmpl = *assertions.Template_FromStack(st.Stack, nil).ToJSON() }); r != nil {
		t.Fatal(synthFailure(out, r))
	}
	for _, f := range nagFindings(st.Stack, true) {
		t.Errorf("%s %s: %s", f.level, f.path, f.message)
	}
	checkNATRoutes(t, tmpl, 1)
	rg := onlyProps(tmpl, "AWS::ElastiCache::ReplicationGroup")
	if rg["NumCacheClusters"] != float64(1) || rg["AutomaticFailoverEnabled"] != false || rg["MultiAZEnabled"] != false ||
		rg["SnapshotName"] != "riptide-restore-test" {
		t.Errorf("dev Redis %v", rg)
	}
	for _, e := range resources(tmpl, "AWS::EC2::VPCEndpoint") {
		if props(e)["VpcEndpointType"] == "Interface" {
			t.Errorf("dev stack has interface endpoint %v", props(e)["ServiceName"])
		}
	}
	for _, g := range resources(tmpl, "AWS::CodeDeploy::DeploymentGroup") {
		if c := props(g)["DeploymentConfigName"]; c != "CodeDeployDefault.LambdaAllAtOnce" {
			t.Errorf("dev deployment config %v", c)
		}
	}
	for _, f := range resources(tmpl, "AWS::Lambda::Function") {
		if r := props(f)["ReservedConcurrentExecutions"]; r != nil {
			t.Errorf("dev function reserves %v", r)
		}
	}
	// The playground (playground_test.go checks it in detail) calls this
	// stack's REST API, which lives in a nested stack.
	if len(resources(tmpl, "AWS::CloudFront::Distribution")) != 1 || dig(tmpl, "Outputs", "PlaygroundUrl") == nil {
		t.Error("the dev stack has no playground (riptide:playground in environments/dev.json)")
	}
	if hp, _ := json.Marshal(resources(tmpl, "AWS::CloudFront::ResponseHeadersPolicy")); !strings.Contains(string(hp), "RestApi") {
		t.Errorf("the playground's CSP does not name the stack's REST API: %s", hp)
	}
}

// onlyProps returns the properties of the one resource of type typ.
func onlyProps(tmpl map[string]any, typ string) map[string]any {
	for _, r := range resources(tmpl, typ) {
		return props(r)
	}
	return nil
}

// scheduleOfTask returns the properties and input of the one Scheduler
// schedule sending the task event task.
func scheduleOfTask(t *testing.T, root map[string]any, task string) (map[string]any, map[string]any) {
	t.Helper()
	var found []map[string]any
	var input map[string]any
	for _, r := range resources(root, "AWS::Scheduler::Schedule") {
		var in map[string]any
		_ = json.Unmarshal([]byte(joined(asMap(props(r)["Target"])["Input"])), &in)
		if in[TaskField] == task {
			found, input = append(found, props(r)), in
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d schedules send {%q:%q}, want 1", len(found), TaskField, task)
	}
	return found[0], input
}

// The alert rules are evaluated every minute by the monitoring function's
// live alias, without retries (the next minute supersedes a missed one).
func TestAlertEvaluationSchedule(t *testing.T) {
	s := shared(t)
	sp, _ := scheduleOfTask(t, s.rootJSON, TaskEvaluateAlerts)
	target := asMap(sp["Target"])
	if sp["ScheduleExpression"] != AlertEvaluationSchedule || sp["State"] == "DISABLED" ||
		ref(target["Arn"]) != aliasIDs(t, s.rootJSON)[AlertsFunction] {
		t.Errorf("alert schedule %v -> %v, want %s to the %s alias", sp["ScheduleExpression"], target["Arn"], AlertEvaluationSchedule, AlertsFunction)
	}
	if dig(target, "RetryPolicy", "MaximumRetryAttempts") != float64(0) || dig(target, "RetryPolicy", "MaximumEventAgeInSeconds") != float64(60) {
		t.Errorf("alert schedule retry policy %v", dig(target, "RetryPolicy"))
	}
	if dlq, _ := getAtt(dig(target, "DeadLetterConfig", "Arn")); dlq != failedInvocationsQueue(t, s.rootJSON) {
		t.Errorf("alert schedule DLQ %v, want FailedInvocations", dig(target, "DeadLetterConfig"))
	}
	// The schedule's role may invoke the monitoring alias and send to the
	// dead-letter queue, nothing else.
	roleID, _ := getAtt(target["RoleArn"])
	dlq := "<GetAtt:" + failedInvocationsQueue(t, s.rootJSON) + ".Arn>"
	invokes := false
	for _, st := range roleStatements(s.rootJSON, roleID) {
		for _, r := range st.resources {
			switch {
			case strings.Contains(r, aliasIDs(t, s.rootJSON)[AlertsFunction]) && slices.Equal(st.actions, []string{"lambda:InvokeFunction"}):
				invokes = true
			case r == dlq && slices.Equal(st.actions, []string{"sqs:SendMessage"}):
			default:
				t.Errorf("alert schedule role may %v on %s", st.actions, r)
			}
		}
	}
	if !invokes {
		t.Errorf("alert schedule role %s may not invoke the %s alias", roleID, AlertsFunction)
	}
}
