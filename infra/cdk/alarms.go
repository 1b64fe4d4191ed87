package main

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	cw "github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Dashboard areas; every alarm belongs to one, and each area has a
// dashboard that starts with its alarms' states.
const (
	AreaAPI    = "api"
	AreaCrawl  = "crawl"
	AreaRender = "render"
	AreaSpider = "spider"
	AreaJobs   = "jobs"
	AreaRedis  = "redis"
)

// Areas lists the areas in dashboard order.
func Areas() []string {
	return []string{AreaAPI, AreaCrawl, AreaRender, AreaSpider, AreaJobs, AreaRedis}
}

// FunctionArea is the area whose dashboard shows function name.
func FunctionArea(name string) string {
	switch name {
	case "render":
		return AreaRender
	case "spider":
		return AreaSpider
	case "workers":
		return AreaJobs
	case "crawl", "crawl-ws", "deepsearch", "strategies", "pdf", "tables", "stealth", "firecrawl":
		return AreaCrawl
	}
	return AreaAPI
}

// RunbookDir holds one runbook per alarm kind, <kind>.md.
const RunbookDir = "docs/runbooks"

// Alarm kinds: the runbook of kind K is RunbookDir/K.md, and every alarm's
// description names it.
const (
	AlarmAPI5xx           = "api-5xx-rate"
	AlarmSLALatencyP50    = "sla-page-latency-p50"
	AlarmSLALatencyP95    = "sla-page-latency-p95"
	AlarmSLARenderP95     = "sla-rendered-page-latency-p95"
	AlarmSLASuccess       = "sla-page-success-rate"
	AlarmLambdaErrors     = "lambda-errors"
	AlarmLambdaServer5xx  = "lambda-5xx-rate"
	AlarmLambdaThrottles  = "lambda-throttles"
	AlarmLambdaDuration   = "lambda-duration-near-timeout"
	AlarmDLQDepth         = "dlq-depth"
	AlarmDLQAge           = "dlq-oldest-message-age"
	AlarmQueueAge         = "queue-oldest-message-age"
	AlarmSFNFailed        = "spider-executions-failed"
	AlarmSFNTimedOut      = "spider-executions-timed-out"
	AlarmRedisCPU         = "redis-cpu"
	AlarmRedisMemory      = "redis-memory"
	AlarmRedisEvictions   = "redis-evictions"
	AlarmNATPortAlloc     = "nat-port-allocation-errors"
	AlarmBackupMissing    = "backup-missing"
	AlarmFailedInvocation = "failed-invocations"
)

// AlarmKinds lists every kind with a one-line meaning (the alarm's
// description starts with it).
func AlarmKinds() map[string]string {
	return map[string]string{
		AlarmAPI5xx:           "More than 1 % of REST API requests answered 5xx",
		AlarmSLALatencyP50:    "Static single-page crawl p50 above the 1.5 s SLA target",
		AlarmSLALatencyP95:    "Static single-page crawl p95 above the 5 s SLA target",
		AlarmSLARenderP95:     "Rendered single-page crawl p95 above the 15 s SLA target",
		AlarmSLASuccess:       "Page success rate below the 99.5 % SLA target",
		AlarmLambdaErrors:     "Function invocations failing (unhandled errors, crashes, timeouts) above 5 %",
		AlarmLambdaServer5xx:  "Function answering more than 5 % of its HTTP requests with 5xx",
		AlarmLambdaThrottles:  "Function invocations throttled (concurrency exhausted)",
		AlarmLambdaDuration:   "Function p99 duration above 90 % of its timeout",
		AlarmDLQDepth:         "Messages waiting in a dead-letter queue",
		AlarmDLQAge:           "Dead-letter messages 10 days old: 4 days before SQS deletes them",
		AlarmQueueAge:         "Job queue backlog: the oldest message is waiting too long",
		AlarmSFNFailed:        "Spider executions failed",
		AlarmSFNTimedOut:      "Spider executions timed out",
		AlarmRedisCPU:         "Redis engine CPU above 80 %",
		AlarmRedisMemory:      "Redis memory above 80 % of the node",
		AlarmRedisEvictions:   "Redis evicted keys (memory full): state was lost",
		AlarmNATPortAlloc:     "NAT gateway could not allocate a source port (connections dropped)",
		AlarmBackupMissing:    "No logical backup completed in the last 26 hours",
		AlarmFailedInvocation: "Asynchronous work failed for good (failed-invocations queue)",
	}
}

// SLA targets (docs/sla.md).
const (
	SLAPageP50Ms        = 1500
	SLAPageP95Ms        = 5000
	SLARenderedP95Ms    = 15000
	SLASuccessPercent   = 99.5
	API5xxPercent       = 1
	FunctionErrorPct    = 5
	DurationNearTimeout = 0.9
	// QueueAgeSec and HighQueueAgeSec: how long the oldest job may wait.
	QueueAgeSec     = 1800
	HighQueueAgeSec = 300
	DLQAgeSec       = 10 * 24 * 3600
	RedisCPUPct     = 80
	RedisMemoryPct  = 80
	// BackupWindowHours: a daily backup, with two hours of slack.
	BackupWindowHours = 26
)

// MonitoringProps is what the alarms and dashboards watch.
type MonitoringProps struct {
	Functions         *Functions
	APIName           string
	StageName         string
	WebACLName        string
	Redis             *Redis
	RedisNodes        int
	Network           *Network
	Spider            *SpiderStateMachine
	Jobs              *Jobs
	FailedInvocations awssqs.IQueue
	Render            *Render
	Ops               *Ops
	AlarmEmail        string
}

// RecordedAlarm is an alarm with its kind and area.
type RecordedAlarm struct {
	Kind, Area, Target string
	Alarm              cw.Alarm
}

// Monitoring is the alarm topic, every alarm and the dashboards.
type Monitoring struct {
	constructs.Construct
	Topic  awssns.Topic
	Alarms []RecordedAlarm
	// Rollback maps a function name to the alarms CodeDeploy rolls its
	// alias back on.
	Rollback   map[string][]cw.IAlarm
	Dashboards map[string]cw.Dashboard
	props      *MonitoringProps
	stackName  string
}

// NewMonitoring makes the topic, the alarms and the dashboards.
func NewMonitoring(scope constructs.Construct, id string, p *MonitoringProps) *Monitoring {
	c := constructs.NewConstruct(scope, jsii.String(id))
	m := &Monitoring{Construct: c, Rollback: map[string][]cw.IAlarm{}, Dashboards: map[string]cw.Dashboard{},
		props: p, stackName: *awscdk.Stack_Of(scope).StackName()}

	// Alarm notifications are encrypted at rest with a key CloudWatch may
	// use (the AWS-managed SNS key does not admit CloudWatch).
	key := awskms.NewKey(c, jsii.String("TopicKey"), &awskms.KeyProps{
		Description:       jsii.String("RipTide: encrypts the alarm topic"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_DESTROY,
		PendingWindow:     awscdk.Duration_Days(jsii.Number(7)),
	})
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchAlarmsPublish"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Aws_ACCOUNT_ID()}},
	}), nil)
	m.Topic = awssns.NewTopic(c, jsii.String("Topic"), &awssns.TopicProps{
		TopicName:   jsii.String(m.stackName + "-alarms"),
		DisplayName: jsii.String("RipTide alarms"),
		MasterKey:   key,
		EnforceSSL:  jsii.Bool(true),
	})
	if p.AlarmEmail != "" {
		m.Topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(p.AlarmEmail), nil))
	}

	m.apiAlarms()
	m.slaAlarms()
	m.functionAlarms()
	m.queueAlarms()
	m.spiderAlarms()
	m.redisAlarms()
	m.natAlarms()
	m.backupAlarms()
	m.dashboards()
	return m
}

// alarmSpec is what differs between alarms.
type alarmSpec struct {
	kind, area, target string
	metric             cw.IMetric
	threshold          float64
	op                 cw.ComparisonOperator
	periods, breaching int
	missing            cw.TreatMissingData
	// extra is added to the description.
	extra string
}

func (m *Monitoring) alarm(s alarmSpec) cw.Alarm {
	name := m.stackName + "-" + s.kind
	id := "Alarm-" + s.kind
	if s.target != "" {
		name += "-" + s.target
		id += "-" + s.target
	}
	if s.op == "" {
		s.op = cw.ComparisonOperator_GREATER_THAN_THRESHOLD
	}
	if s.missing == "" {
		// No data means no traffic, which is not a fault.
		s.missing = cw.TreatMissingData_NOT_BREACHING
	}
	if s.breaching == 0 {
		s.breaching = s.periods
	}
	desc := AlarmKinds()[s.kind]
	if s.target != "" {
		desc += " (" + s.target + ")"
	}
	if s.extra != "" {
		desc += ". " + s.extra
	}
	desc += fmt.Sprintf(". Runbook: %s/%s.md", RunbookDir, s.kind)
	a := cw.NewAlarm(m.Construct, jsii.String(id), &cw.AlarmProps{
		AlarmName:          jsii.String(name),
		AlarmDescription:   jsii.String(desc),
		Metric:             s.metric,
		Threshold:          jsii.Number(s.threshold),
		ComparisonOperator: s.op,
		EvaluationPeriods:  jsii.Number(float64(s.periods)),
		DatapointsToAlarm:  jsii.Number(float64(s.breaching)),
		TreatMissingData:   s.missing,
	})
	action := awscloudwatchactions.NewSnsAction(m.Topic)
	a.AddAlarmAction(action)
	a.AddOkAction(action)
	m.Alarms = append(m.Alarms, RecordedAlarm{Kind: s.kind, Area: s.area, Target: s.target, Alarm: a})
	return a
}

func minutes(n float64) awscdk.Duration { return awscdk.Duration_Minutes(jsii.Number(n)) }

// appMetric is one of the application's EMF metrics (metrics.go).
func appMetric(name, stat string, period awscdk.Duration, dims map[string]string) cw.Metric {
	dm := map[string]*string{}
	for k, v := range dims {
		dm[k] = jsii.String(v)
	}
	return cw.NewMetric(&cw.MetricProps{
		Namespace: jsii.String(MetricNamespace), MetricName: jsii.String(name),
		DimensionsMap: &dm, Statistic: jsii.String(stat), Period: period,
	})
}

// apiMetric is an API Gateway metric of the REST API stage.
func (m *Monitoring) apiMetric(name, stat string, period awscdk.Duration) cw.Metric {
	return cw.NewMetric(&cw.MetricProps{
		Namespace: jsii.String("AWS/ApiGateway"), MetricName: jsii.String(name),
		DimensionsMap: &map[string]*string{"ApiName": jsii.String(m.props.APIName), "Stage": jsii.String(m.props.StageName)},
		Statistic:     jsii.String(stat), Period: period,
	})
}

func (m *Monitoring) apiAlarms() {
	// 5XXError's average is the share of requests answered 5xx.
	m.alarm(alarmSpec{kind: AlarmAPI5xx, area: AreaAPI,
		metric:    cw.NewMathExpression(&cw.MathExpressionProps{Expression: jsii.String("100 * e"), Label: jsii.String("5xx %"), Period: minutes(1), UsingMetrics: &map[string]cw.IMetric{"e": m.apiMetric("5XXError", "Average", minutes(1))}}),
		threshold: API5xxPercent, periods: 5, breaching: 3})
}

// SLAFunction is the function whose pages the SLA is measured on.
const SLAFunction = "crawl"

func (m *Monitoring) slaAlarms() {
	if m.props.Functions.Get(SLAFunction) == nil {
		return
	}
	static := map[string]string{DimFunction: SLAFunction, DimMode: ModeStatic}
	m.alarm(alarmSpec{kind: AlarmSLALatencyP50, area: AreaCrawl, metric: appMetric(MetricPageLatency, "p50", minutes(5), static),
		threshold: SLAPageP50Ms, periods: 3})
	m.alarm(alarmSpec{kind: AlarmSLALatencyP95, area: AreaCrawl, metric: appMetric(MetricPageLatency, "p95", minutes(5), static),
		threshold: SLAPageP95Ms, periods: 3})
	m.alarm(alarmSpec{kind: AlarmSLARenderP95, area: AreaCrawl,
		metric:    appMetric(MetricPageLatency, "p95", minutes(5), map[string]string{DimFunction: SLAFunction, DimMode: ModeHeadless}),
		threshold: SLARenderedP95Ms, periods: 3})
	fn := map[string]string{DimFunction: SLAFunction}
	// Below 20 pages in 5 minutes a single failure is 5 %: too few to judge.
	m.alarm(alarmSpec{kind: AlarmSLASuccess, area: AreaCrawl,
		metric: cw.NewMathExpression(&cw.MathExpressionProps{
			Expression: jsii.String("IF(p >= 20, 100 - 100 * f / p, 100)"), Label: jsii.String("page success %"), Period: minutes(5),
			UsingMetrics: &map[string]cw.IMetric{"p": appMetric(MetricPages, "Sum", minutes(5), fn), "f": appMetric(MetricPageFailures, "Sum", minutes(5), fn)},
		}),
		threshold: SLASuccessPercent, op: cw.ComparisonOperator_LESS_THAN_THRESHOLD, periods: 3})
}

func (m *Monitoring) functionAlarms() {
	for _, name := range m.props.Functions.Names() {
		alias := m.props.Functions.Alias(name)
		def := m.props.Functions.Def(name)
		area := FunctionArea(name)
		errs := m.alarm(alarmSpec{kind: AlarmLambdaErrors, area: area, target: name,
			metric: cw.NewMathExpression(&cw.MathExpressionProps{
				Expression: jsii.String("IF(i > 0, 100 * e / i, 0)"), Label: jsii.String("errors %"), Period: minutes(1),
				UsingMetrics: &map[string]cw.IMetric{
					"e": alias.MetricErrors(&cw.MetricOptions{Statistic: jsii.String("Sum"), Period: minutes(1)}),
					"i": alias.MetricInvocations(&cw.MetricOptions{Statistic: jsii.String("Sum"), Period: minutes(1)}),
				},
			}),
			threshold: FunctionErrorPct, periods: 5, breaching: 3})
		server := m.alarm(alarmSpec{kind: AlarmLambdaServer5xx, area: area, target: name,
			metric: cw.NewMathExpression(&cw.MathExpressionProps{
				Expression: jsii.String("IF(r > 0, 100 * s / r, 0)"), Label: jsii.String("5xx %"), Period: minutes(1),
				UsingMetrics: &map[string]cw.IMetric{
					"s": appMetric(MetricServerErrors, "Sum", minutes(1), map[string]string{DimFunction: name}),
					"r": appMetric(MetricRequests, "Sum", minutes(1), map[string]string{DimFunction: name}),
				},
			}),
			threshold: FunctionErrorPct, periods: 5, breaching: 3})
		m.alarm(alarmSpec{kind: AlarmLambdaThrottles, area: area, target: name,
			metric:    alias.MetricThrottles(&cw.MetricOptions{Statistic: jsii.String("Sum"), Period: minutes(1)}),
			threshold: 0, periods: 5, breaching: 3})
		dur := m.alarm(alarmSpec{kind: AlarmLambdaDuration, area: area, target: name,
			metric:    alias.MetricDuration(&cw.MetricOptions{Statistic: jsii.String("p99"), Period: minutes(1)}),
			threshold: DurationNearTimeout * float64(def.TimeoutSec) * 1000, periods: 5, breaching: 3,
			extra: fmt.Sprintf("Timeout %d s", def.TimeoutSec)})
		// A canary rolls back on what new code can cause: failures,
		// 5xx answers and runaway durations; throttles are capacity.
		m.Rollback[name] = []cw.IAlarm{errs, server, dur}
	}
}

func (m *Monitoring) queueAlarms() {
	var dlqs []NamedQueue
	if j := m.props.Jobs; j != nil {
		for _, q := range j.Queues() {
			if q.DLQ {
				dlqs = append(dlqs, q)
			}
		}
		for _, q := range []struct {
			name  string
			queue awssqs.IQueue
			age   float64
		}{{"Jobs", j.Queue, QueueAgeSec}, {"JobsHigh", j.HighQueue, HighQueueAgeSec}} {
			m.alarm(alarmSpec{kind: AlarmQueueAge, area: AreaJobs, target: q.name,
				metric:    q.queue.MetricApproximateAgeOfOldestMessage(&cw.MetricOptions{Statistic: jsii.String("Maximum"), Period: minutes(5)}),
				threshold: q.age, periods: 3, extra: fmt.Sprintf("Threshold %d s", int(q.age))})
		}
	}
	if m.props.FailedInvocations != nil {
		m.alarm(alarmSpec{kind: AlarmFailedInvocation, area: AreaJobs, target: "FailedInvocations",
			metric:    m.props.FailedInvocations.MetricApproximateNumberOfMessagesVisible(&cw.MetricOptions{Statistic: jsii.String("Maximum"), Period: minutes(5)}),
			threshold: 0, periods: 1})
		dlqs = append(dlqs, NamedQueue{"FailedInvocations", m.props.FailedInvocations, true})
	}
	for _, q := range dlqs {
		if q.Name != "FailedInvocations" {
			m.alarm(alarmSpec{kind: AlarmDLQDepth, area: AreaJobs, target: q.Name,
				metric:    q.Queue.MetricApproximateNumberOfMessagesVisible(&cw.MetricOptions{Statistic: jsii.String("Maximum"), Period: minutes(5)}),
				threshold: 0, periods: 1})
		}
		m.alarm(alarmSpec{kind: AlarmDLQAge, area: AreaJobs, target: q.Name,
			metric:    q.Queue.MetricApproximateAgeOfOldestMessage(&cw.MetricOptions{Statistic: jsii.String("Maximum"), Period: minutes(60)}),
			threshold: DLQAgeSec, periods: 1})
	}
}

func (m *Monitoring) spiderAlarms() {
	s := m.props.Spider
	if s == nil {
		return
	}
	m.alarm(alarmSpec{kind: AlarmSFNFailed, area: AreaSpider,
		metric:    s.Machine.MetricFailed(&cw.MetricOptions{Statistic: jsii.String("Sum"), Period: minutes(5)}),
		threshold: 0, periods: 1})
	m.alarm(alarmSpec{kind: AlarmSFNTimedOut, area: AreaSpider,
		metric:    s.Machine.MetricTimedOut(&cw.MetricOptions{Statistic: jsii.String("Sum"), Period: minutes(5)}),
		threshold: 0, periods: 1})
}

// redisNodeIDs are the cache cluster ids of the replication group's nodes
// (<group>-001, -002, ...), the dimension of ElastiCache's metrics.
func (m *Monitoring) redisNodeIDs() []*string {
	var ids []*string
	for i := 1; i <= m.props.RedisNodes; i++ {
		ids = append(ids, awscdk.Fn_Join(jsii.String(""), &[]*string{m.props.Redis.Group.Ref(), jsii.String(fmt.Sprintf("-%03d", i))}))
	}
	return ids
}

// redisMetric is the maximum (or sum) over all nodes of an ElastiCache
// metric: after a failover the primary is another node.
func (m *Monitoring) redisMetric(name, stat string, period awscdk.Duration) cw.IMetric {
	using := map[string]cw.IMetric{}
	var keys []string
	for i, id := range m.redisNodeIDs() {
		k := fmt.Sprintf("%s_%d", strings.ToLower(name), i+1)
		keys = append(keys, k)
		using[k] = cw.NewMetric(&cw.MetricProps{
			Namespace: jsii.String("AWS/ElastiCache"), MetricName: jsii.String(name),
			DimensionsMap: &map[string]*string{"CacheClusterId": id}, Statistic: jsii.String(stat), Period: period,
		})
	}
	fn := "MAX"
	if stat == "Sum" {
		fn = "SUM"
	}
	expr := fmt.Sprintf("%s([%s])", fn, strings.Join(keys, ", "))
	return cw.NewMathExpression(&cw.MathExpressionProps{Expression: jsii.String(expr), Label: jsii.String(name), Period: period, UsingMetrics: &using})
}

func (m *Monitoring) redisAlarms() {
	m.alarm(alarmSpec{kind: AlarmRedisCPU, area: AreaRedis, metric: m.redisMetric("EngineCPUUtilization", "Maximum", minutes(5)),
		threshold: RedisCPUPct, periods: 3})
	m.alarm(alarmSpec{kind: AlarmRedisMemory, area: AreaRedis, metric: m.redisMetric("DatabaseMemoryUsagePercentage", "Maximum", minutes(5)),
		threshold: RedisMemoryPct, periods: 3})
	m.alarm(alarmSpec{kind: AlarmRedisEvictions, area: AreaRedis, metric: m.redisMetric("Evictions", "Sum", minutes(5)),
		threshold: 0, periods: 1})
}

func (m *Monitoring) natMetric(nat *string, name, stat string) cw.Metric {
	return cw.NewMetric(&cw.MetricProps{
		Namespace: jsii.String("AWS/NATGateway"), MetricName: jsii.String(name),
		DimensionsMap: &map[string]*string{"NatGatewayId": nat}, Statistic: jsii.String(stat), Period: minutes(5),
	})
}

func (m *Monitoring) natAlarms() {
	for i, nat := range m.props.Network.NatGateways {
		m.alarm(alarmSpec{kind: AlarmNATPortAlloc, area: AreaCrawl, target: fmt.Sprintf("nat%d", i+1),
			metric: m.natMetric(nat.Ref(), "ErrorPortAllocation", "Sum"), threshold: 0, periods: 1})
	}
}

func (m *Monitoring) backupAlarms() {
	if m.props.Ops == nil {
		return
	}
	// Missing data is the failure here: no BackupCompleted point in 26
	// hourly periods means no backup for 26 hours.
	m.alarm(alarmSpec{kind: AlarmBackupMissing, area: AreaJobs,
		metric:    appMetric(MetricBackupCompleted, "Sum", minutes(60), map[string]string{DimFunction: OpsFunction}),
		threshold: 1, op: cw.ComparisonOperator_LESS_THAN_THRESHOLD, periods: BackupWindowHours, missing: cw.TreatMissingData_BREACHING})
}

// AreaAlarms returns the alarms of area.
func (m *Monitoring) AreaAlarms(area string) []cw.Alarm {
	var out []cw.Alarm
	for _, a := range m.Alarms {
		if a.Area == area {
			out = append(out, a.Alarm)
		}
	}
	return out
}
