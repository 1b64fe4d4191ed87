package main

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/shared/routes"
)

// alarmMetric is one metric an alarm reads (directly or in its math).
type alarmMetric struct {
	namespace, name, stat string
	dims                  map[string]string // values flattened by joined
}

// parsedAlarm is an AWS::CloudWatch::Alarm read back from the template.
type parsedAlarm struct {
	id, name, kind, description string
	metrics                     []alarmMetric
	expression                  string
	metric                      string   // the metric name when there is one
	queues                      []string // queue logical ids in QueueName dimensions
	threshold                   float64
	op, missing                 string
	periods, datapoints         float64
	actions, okActions          []string
}

var runbookRe = regexp.MustCompile(`Runbook: ` + regexp.QuoteMeta(RunbookDir) + `/([a-z0-9-]+)\.md`)

func alarmsOf(tmpl map[string]any) []parsedAlarm {
	var out []parsedAlarm
	for id, r := range resources(tmpl, "AWS::CloudWatch::Alarm") {
		p := props(r)
		a := parsedAlarm{id: id, name: joined(p["AlarmName"]), description: joined(p["AlarmDescription"]),
			op: fmt.Sprint(p["ComparisonOperator"]), missing: fmt.Sprint(p["TreatMissingData"]),
			actions: stringList(p["AlarmActions"]), okActions: stringList(p["OKActions"])}
		a.threshold, _ = p["Threshold"].(float64)
		a.periods, _ = p["EvaluationPeriods"].(float64)
		a.datapoints, _ = p["DatapointsToAlarm"].(float64)
		if m := runbookRe.FindStringSubmatch(a.description); m != nil {
			a.kind = m[1]
		}
		dims := func(v any) map[string]string {
			out := map[string]string{}
			for _, d := range stringStatements(v) {
				out[fmt.Sprint(d["Name"])] = joined(d["Value"])
			}
			return out
		}
		if name, ok := p["MetricName"].(string); ok {
			stat, _ := p["Statistic"].(string)
			if stat == "" {
				stat, _ = p["ExtendedStatistic"].(string)
			}
			a.metrics = append(a.metrics, alarmMetric{fmt.Sprint(p["Namespace"]), name, stat, dims(p["Dimensions"])})
		}
		for _, m := range stringStatements(p["Metrics"]) {
			if e, ok := m["Expression"].(string); ok {
				a.expression = e
				continue
			}
			mm := asMap(dig(m, "MetricStat", "Metric"))
			a.metrics = append(a.metrics, alarmMetric{fmt.Sprint(mm["Namespace"]), fmt.Sprint(mm["MetricName"]),
				fmt.Sprint(dig(m, "MetricStat", "Stat")), dims(mm["Dimensions"])})
		}
		if len(a.metrics) == 1 {
			a.metric = a.metrics[0].name
		}
		for _, m := range a.metrics {
			if q := m.dims["QueueName"]; q != "" {
				id, _, _ := strings.Cut(strings.TrimPrefix(q, "<GetAtt:"), ".")
				a.queues = append(a.queues, id)
			}
		}
		out = append(out, a)
	}
	return out
}

// failedInvocationsQueue is the logical id of the FailedInvocations queue
// (named in its stack output).
func failedInvocationsQueue(t *testing.T, tmpl map[string]any) string {
	t.Helper()
	id := ref(dig(tmpl, "Outputs", "FailedInvocationsQueueUrl", "Value"))
	if resources(tmpl, "AWS::SQS::Queue")[id] == nil {
		t.Fatalf("FailedInvocationsQueueUrl output %v is not a queue", dig(tmpl, "Outputs", "FailedInvocationsQueueUrl"))
	}
	return id
}

// Every alarm notifies the one topic on alarm and on recovery, has a known
// kind, and its kind's runbook exists.
func TestAlarmsNotifyTheTopicAndNameTheirRunbook(t *testing.T) {
	s := shared(t)
	topics := resources(s.rootJSON, "AWS::SNS::Topic")
	topic := only(t, topics)
	tp := props(topics[topic])
	if tp["KmsMasterKeyId"] == nil {
		t.Errorf("alarm topic not encrypted")
	}
	kinds := map[string]int{}
	names := map[string]bool{}
	for _, a := range alarmsOf(s.rootJSON) {
		if !slices.Equal(a.actions, []string{"<Ref:" + topic + ">"}) || !slices.Equal(a.okActions, a.actions) {
			t.Errorf("alarm %s: actions %v, OK actions %v; want the topic %s for both", a.name, a.actions, a.okActions, topic)
		}
		if _, ok := AlarmKinds()[a.kind]; !ok {
			t.Errorf("alarm %s: description %q names no known runbook", a.name, a.description)
			continue
		}
		if !strings.HasPrefix(a.name, "Test-"+a.kind) {
			t.Errorf("alarm %s: name does not start with Test-%s", a.name, a.kind)
		}
		if names[a.name] {
			t.Errorf("alarm name %s used twice", a.name)
		}
		names[a.name] = true
		kinds[a.kind]++
	}
	for kind := range AlarmKinds() {
		if kinds[kind] == 0 {
			t.Errorf("no alarm of kind %s", kind)
		}
		path := filepath.Join("..", "..", RunbookDir, kind+".md")
		if b, err := os.ReadFile(path); err != nil {
			t.Errorf("runbook %s: %v", path, err)
		} else if !strings.Contains(string(b), "Test-"+kind) && !strings.Contains(string(b), "<stack>-"+kind) {
			t.Errorf("runbook %s does not name its alarm (<stack>-%s)", path, kind)
		}
	}
	// The key lets CloudWatch publish to the encrypted topic.
	keys := resources(s.rootJSON, "AWS::KMS::Key")
	keyID, _ := getAtt(tp["KmsMasterKeyId"])
	if keyID == "" {
		keyID = ref(tp["KmsMasterKeyId"])
	}
	kp := props(keys[keyID])
	if kp["EnableKeyRotation"] != true {
		t.Errorf("topic key rotation %v", kp["EnableKeyRotation"])
	}
	cloudwatch := false
	for _, st := range stringStatements(dig(kp, "KeyPolicy", "Statement")) {
		if dig(st, "Principal", "Service") == "cloudwatch.amazonaws.com" && slices.Contains(stringList(st["Action"]), "kms:GenerateDataKey*") {
			cloudwatch = true
		}
	}
	if !cloudwatch {
		t.Errorf("topic key policy does not admit CloudWatch alarms")
	}
}

func TestFunctionAlarmsWatchTheLiveAlias(t *testing.T) {
	s := shared(t)
	fns := functionIDs(t, s.rootJSON)
	perFn := map[string]map[string]parsedAlarm{}
	for _, a := range alarmsOf(s.rootJSON) {
		for name, id := range fns {
			for _, m := range a.metrics {
				if m.namespace == "AWS/Lambda" && m.dims["FunctionName"] == "<Ref:"+id+">" ||
					m.namespace == MetricNamespace && m.dims[DimFunction] == name && strings.HasPrefix(a.kind, "lambda-") {
					if perFn[name] == nil {
						perFn[name] = map[string]parsedAlarm{}
					}
					perFn[name][a.kind] = a
					if m.namespace == "AWS/Lambda" && !strings.HasSuffix(m.dims["Resource"], ":"+LiveAlias) {
						t.Errorf("%s (%s): Resource %q, want <function>:%s", a.name, name, m.dims["Resource"], LiveAlias)
					}
				}
			}
		}
	}
	for _, f := range routes.Functions() {
		got := perFn[f.Name]
		for _, kind := range []string{AlarmLambdaErrors, AlarmLambdaServer5xx, AlarmLambdaThrottles, AlarmLambdaDuration} {
			if _, ok := got[kind]; !ok {
				t.Errorf("function %s has no %s alarm", f.Name, kind)
			}
		}
		if d := got[AlarmLambdaDuration]; d.threshold != 0.9*float64(f.TimeoutSec*1000) || d.metrics[0].stat != "p99" {
			t.Errorf("%s duration alarm: %s > %v, want p99 > %v (90 %% of %d s)", f.Name, d.metrics[0].stat, d.threshold, 0.9*float64(f.TimeoutSec*1000), f.TimeoutSec)
		}
		if e := got[AlarmLambdaErrors]; e.expression != "IF(i > 0, 100 * e / i, 0)" || e.threshold != FunctionErrorPct {
			t.Errorf("%s errors alarm: %q > %v", f.Name, e.expression, e.threshold)
		}
	}
}

func TestSLAAlarms(t *testing.T) {
	s := shared(t)
	byKind := map[string]parsedAlarm{}
	for _, a := range alarmsOf(s.rootJSON) {
		byKind[a.kind] = a
	}
	for kind, want := range map[string]struct {
		stat, mode string
		ms         float64
	}{
		AlarmSLALatencyP50: {"p50", ModeStatic, SLAPageP50Ms},
		AlarmSLALatencyP95: {"p95", ModeStatic, SLAPageP95Ms},
		AlarmSLARenderP95:  {"p95", ModeHeadless, SLARenderedP95Ms},
	} {
		a := byKind[kind]
		if len(a.metrics) != 1 {
			t.Errorf("%s: metrics %v", kind, a.metrics)
			continue
		}
		m := a.metrics[0]
		if m.namespace != MetricNamespace || m.name != MetricPageLatency || m.stat != want.stat ||
			m.dims[DimFunction] != SLAFunction || m.dims[DimMode] != want.mode || a.threshold != want.ms {
			t.Errorf("%s: %+v > %v, want %s of %s{%s,%s} > %v", kind, m, a.threshold, want.stat, MetricPageLatency, SLAFunction, want.mode, want.ms)
		}
	}
	succ := byKind[AlarmSLASuccess]
	if succ.threshold != SLASuccessPercent || succ.op != "LessThanThreshold" || !strings.Contains(succ.expression, "100 * f / p") {
		t.Errorf("success alarm %q %s %v", succ.expression, succ.op, succ.threshold)
	}
	api := byKind[AlarmAPI5xx]
	if api.metric != "5XXError" || api.metrics[0].dims["ApiName"] != "Test-api" || api.metrics[0].dims["Stage"] != "prod" || api.threshold != API5xxPercent {
		t.Errorf("API 5xx alarm %+v", api)
	}
	if b := byKind[AlarmBackupMissing]; b.missing != "breaching" || b.periods != BackupWindowHours || b.op != "LessThanThreshold" {
		t.Errorf("backup alarm: missing %s, %v periods, %s; want breaching, %d, LessThanThreshold", b.missing, b.periods, b.op, BackupWindowHours)
	}
}

func TestRedisNATAndSpiderAlarms(t *testing.T) {
	s := shared(t)
	rg := only(t, resources(s.rootJSON, "AWS::ElastiCache::ReplicationGroup"))
	nats := resources(s.rootJSON, "AWS::EC2::NatGateway")
	machine := only(t, resources(s.rootJSON, "AWS::StepFunctions::StateMachine"))
	natWatched := map[string]bool{}
	seen := map[string]bool{}
	for _, a := range alarmsOf(s.rootJSON) {
		seen[a.kind] = true
		switch a.kind {
		case AlarmRedisCPU, AlarmRedisMemory, AlarmRedisEvictions:
			var nodes []string
			for _, m := range a.metrics {
				nodes = append(nodes, m.dims["CacheClusterId"])
			}
			want := []string{"<Ref:" + rg + ">-001", "<Ref:" + rg + ">-002"}
			if !slices.Equal(sorted(nodes), want) {
				t.Errorf("%s watches nodes %v, want both %v (the primary moves on failover)", a.name, nodes, want)
			}
		case AlarmNATPortAlloc:
			id := strings.TrimSuffix(strings.TrimPrefix(a.metrics[0].dims["NatGatewayId"], "<Ref:"), ">")
			if nats[id] == nil || a.metric != "ErrorPortAllocation" {
				t.Errorf("%s watches %v", a.name, a.metrics)
			}
			natWatched[id] = true
		case AlarmSFNFailed, AlarmSFNTimedOut:
			if a.metrics[0].dims["StateMachineArn"] != "<Ref:"+machine+">" {
				t.Errorf("%s watches %v", a.name, a.metrics[0].dims)
			}
		}
	}
	if len(natWatched) != len(nats) {
		t.Errorf("NAT alarms on %v, want every NAT gateway", natWatched)
	}
	for _, k := range []string{AlarmRedisCPU, AlarmRedisMemory, AlarmRedisEvictions, AlarmSFNFailed, AlarmSFNTimedOut} {
		if !seen[k] {
			t.Errorf("no %s alarm", k)
		}
	}
}

// Each area has a dashboard, starting with its alarms, showing what the
// area is about.
func TestDashboardsPerArea(t *testing.T) {
	s := shared(t)
	bodies := map[string]string{}
	for _, d := range resources(s.rootJSON, "AWS::CloudWatch::Dashboard") {
		bodies[fmt.Sprint(props(d)["DashboardName"])] = joined(props(d)["DashboardBody"])
	}
	wants := map[string][]string{
		AreaAPI:    {`"AWS/ApiGateway","Latency"`, `"AWS/WAFV2"`, "5XXError"},
		AreaCrawl:  {MetricPageLatency, MetricPhaseLatency, "ErrorPortAllocation", MetricCacheHits},
		AreaRender: {"ConcurrentExecutions"},
		AreaSpider: {"ExecutionsFailed", "ExecutionsTimedOut"},
		AreaJobs:   {"ApproximateAgeOfOldestMessage", "ApproximateNumberOfMessagesVisible", "AWS/Scheduler", MetricBackupCompleted},
		AreaRedis:  {"EngineCPUUtilization", "DatabaseMemoryUsagePercentage", "Evictions"},
	}
	for _, ph := range Phases() {
		wants[AreaCrawl] = append(wants[AreaCrawl], `"`+DimPhase+`","`+ph+`"`)
	}
	for _, area := range Areas() {
		body, ok := bodies["Test-"+area]
		if !ok {
			t.Errorf("no dashboard Test-%s (have %v)", area, slices.Collect(maps.Keys(bodies)))
			continue
		}
		if !strings.Contains(body, `"type":"alarm"`) {
			t.Errorf("dashboard %s has no alarm status widget", area)
		}
		for _, w := range wants[area] {
			if !strings.Contains(body, w) {
				t.Errorf("dashboard %s does not show %s", area, w)
			}
		}
	}
	if len(bodies) != len(Areas()) {
		t.Errorf("%d dashboards, want %d", len(bodies), len(Areas()))
	}
}

// Every function has a live alias on its current version, and CodeDeploy
// shifts it 10 % for 5 minutes, rolling back on the function's alarms.
func TestAliasesAndCanaryDeployments(t *testing.T) {
	s := shared(t)
	fns := functionIDs(t, s.rootJSON)
	aliases := aliasIDs(t, s.rootJSON)
	versions := resources(s.rootJSON, "AWS::Lambda::Version")
	groups := resources(s.rootJSON, "AWS::CodeDeploy::DeploymentGroup")
	if len(groups) != len(fns) {
		t.Errorf("%d deployment groups, want one per function (%d)", len(groups), len(fns))
	}
	alarmByID := map[string]parsedAlarm{}
	for _, a := range alarmsOf(s.rootJSON) {
		alarmByID[a.id] = a
	}
	// One CodeDeploy service role for all groups.
	roles := map[string]bool{}
	for _, g := range groups {
		r, _ := getAtt(props(g)["ServiceRoleArn"])
		roles[r] = true
	}
	for r := range roles {
		trust := stringStatements(dig(props(resources(s.rootJSON, "AWS::IAM::Role")[r]), "AssumeRolePolicyDocument", "Statement"))
		if len(roles) != 1 || len(trust) != 1 || dig(trust[0], "Principal", "Service") != "codedeploy.amazonaws.com" {
			t.Errorf("deployment groups use roles %v (trust %v), want one role for CodeDeploy", roles, trust)
		}
	}
	for name, fnID := range fns {
		aliasID := aliases[name]
		alias := resources(s.rootJSON, "AWS::Lambda::Alias")[aliasID]
		if alias == nil {
			t.Errorf("function %s has no %s alias", name, LiveAlias)
			continue
		}
		vID, _ := getAtt(props(alias)["FunctionVersion"])
		if v := versions[vID]; v == nil || ref(props(v)["FunctionName"]) != fnID || v["DeletionPolicy"] != "Retain" {
			t.Errorf("alias %s: version %s is not a retained version of %s", aliasID, vID, fnID)
		}
		upd := asMap(dig(alias, "UpdatePolicy", "CodeDeployLambdaAliasUpdate"))
		group := groups[ref(upd["DeploymentGroupName"])]
		if group == nil {
			t.Errorf("alias %s: no CodeDeploy update policy (%v)", aliasID, alias["UpdatePolicy"])
			continue
		}
		gp := props(group)
		if gp["DeploymentConfigName"] != "CodeDeployDefault.LambdaCanary10Percent5Minutes" {
			t.Errorf("%s: deployment config %v", name, gp["DeploymentConfigName"])
		}
		if dig(gp, "AlarmConfiguration", "Enabled") != true {
			t.Errorf("%s: alarms not enabled on the deployment group", name)
		}
		var kinds []string
		for _, a := range stringStatements(dig(gp, "AlarmConfiguration", "Alarms")) {
			alarm := alarmByID[ref(a["Name"])]
			kinds = append(kinds, alarm.kind)
			if !strings.HasSuffix(alarm.name, "-"+name) {
				t.Errorf("%s rolls back on %s, another function's alarm", name, alarm.name)
			}
		}
		if want := []string{AlarmLambdaServer5xx, AlarmLambdaDuration, AlarmLambdaErrors}; !slices.Equal(sorted(kinds), sorted(want)) {
			t.Errorf("%s rolls back on %v, want %v", name, kinds, want)
		}
		events := stringList(dig(gp, "AutoRollbackConfiguration", "Events"))
		for _, e := range []string{"DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST"} {
			if !slices.Contains(events, e) {
				t.Errorf("%s: rollback events %v lack %s", name, events, e)
			}
		}
	}
}
