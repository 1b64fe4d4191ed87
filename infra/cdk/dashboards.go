package main

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	cw "github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/jsii-runtime-go"
)

// alarmRefs converts alarms for props that take alarm references.
func alarmRefs[A interfacesawscloudwatch.IAlarmRef](alarms []A) *[]interfacesawscloudwatch.IAlarmRef {
	out := make([]interfacesawscloudwatch.IAlarmRef, 0, len(alarms))
	for _, a := range alarms {
		out = append(out, a)
	}
	return &out
}

// Dashboard layout: CloudWatch dashboards are 24 units wide.
const (
	fullWidth = 24
	halfWidth = 12
	rowHeight = 6
)

func graph(title string, left []cw.IMetric, right ...cw.IMetric) cw.IWidget {
	p := &cw.GraphWidgetProps{Title: jsii.String(title), Left: &left, Width: jsii.Number(halfWidth), Height: jsii.Number(rowHeight)}
	if len(right) > 0 {
		p.Right = &right
	}
	return cw.NewGraphWidget(p)
}

// graphWithLimit draws metrics with a horizontal line at limit (an SLA
// target, a timeout, a reserved concurrency).
func graphWithLimit(title string, limit float64, label string, metrics ...cw.IMetric) cw.IWidget {
	return cw.NewGraphWidget(&cw.GraphWidgetProps{
		Title: jsii.String(title), Left: &metrics, Width: jsii.Number(halfWidth), Height: jsii.Number(rowHeight),
		LeftAnnotations: &[]*cw.HorizontalAnnotation{{Value: jsii.Number(limit), Label: jsii.String(label)}},
	})
}

func labelled(mt cw.Metric, label string) cw.IMetric {
	return mt.With(&cw.MetricOptions{Label: jsii.String(label)})
}

// dashboardTitles are the areas' dashboard headings.
var dashboardTitles = map[string]string{
	AreaAPI:    "REST API: traffic, errors, latency, WAF; the small functions",
	AreaCrawl:  "Crawl pipeline: SLA, phases, pages, cache, crawl functions, NAT egress",
	AreaRender: "Render: the headless Chromium function",
	AreaSpider: "Spider: state machine executions and the spider function",
	AreaJobs:   "Jobs: queues, DLQs, the worker, schedules, backups",
	AreaRedis:  "Redis: ElastiCache CPU, memory, evictions, connections",
}

// DashboardName is the CloudWatch name of an area's dashboard.
func (m *Monitoring) DashboardName(area string) string { return m.stackName + "-" + area }

func (m *Monitoring) dashboards() {
	widgets := map[string][]cw.IWidget{}
	add := func(area string, w ...cw.IWidget) { widgets[area] = append(widgets[area], w...) }

	// API
	api := func(name, stat string) cw.Metric { return m.apiMetric(name, stat, minutes(1)) }
	add(AreaAPI,
		graph("Requests and errors", []cw.IMetric{labelled(api("Count", "Sum"), "requests")},
			labelled(api("4XXError", "Sum"), "4xx"), labelled(api("5XXError", "Sum"), "5xx")),
		graph("Latency (gateway, ms)", []cw.IMetric{
			labelled(api("Latency", "p50"), "p50"), labelled(api("Latency", "p95"), "p95"), labelled(api("Latency", "p99"), "p99"),
			labelled(api("IntegrationLatency", "p95"), "integration p95"),
		}),
	)
	if m.props.WebACLName != "" {
		waf := func(name string) cw.IMetric {
			return cw.NewMetric(&cw.MetricProps{Namespace: jsii.String("AWS/WAFV2"), MetricName: jsii.String(name),
				DimensionsMap: &map[string]*string{"WebACL": jsii.String(m.props.WebACLName), "Rule": jsii.String("ALL"), "Region": awscdk.Aws_REGION()},
				Statistic:     jsii.String("Sum"), Period: minutes(5), Label: jsii.String(name)})
		}
		add(AreaAPI, graph("WAF", []cw.IMetric{waf("AllowedRequests")}, waf("BlockedRequests"), waf("CountedRequests")))
	}

	// Per-function graphs on each function's area dashboard.
	for _, name := range m.props.Functions.Names() {
		alias := m.props.Functions.Alias(name)
		def := m.props.Functions.Def(name)
		opt := func(stat string) *cw.MetricOptions {
			return &cw.MetricOptions{Statistic: jsii.String(stat), Period: minutes(1)}
		}
		add(FunctionArea(name),
			graph(name+": invocations, errors, throttles", []cw.IMetric{
				labelled(alias.MetricInvocations(opt("Sum")), "invocations")},
				labelled(alias.MetricErrors(opt("Sum")), "errors"), labelled(alias.MetricThrottles(opt("Sum")), "throttles"),
				labelled(appMetric(MetricServerErrors, "Sum", minutes(1), map[string]string{DimFunction: name}), "5xx answers")),
			graphWithLimit(fmt.Sprintf("%s: duration (ms; timeout %d s)", name, def.TimeoutSec), float64(def.TimeoutSec*1000), "timeout",
				labelled(alias.MetricDuration(opt("p50")), "p50"), labelled(alias.MetricDuration(opt("p95")), "p95"),
				labelled(alias.MetricDuration(opt("p99")), "p99")),
		)
	}

	// Crawl pipeline: the SLA and the application's phase metrics.
	page := func(stat, mode string) cw.IMetric {
		return labelled(appMetric(MetricPageLatency, stat, minutes(5), map[string]string{DimFunction: SLAFunction, DimMode: mode}), mode+" "+stat)
	}
	add(AreaCrawl,
		graphWithLimit("SLA: page latency (ms)", SLAPageP95Ms, "p95 target",
			page("p50", ModeStatic), page("p95", ModeStatic), page("p95", ModeHeadless)),
		graphWithLimit("SLA: page success %", SLASuccessPercent, "target", cw.NewMathExpression(&cw.MathExpressionProps{
			Expression: jsii.String("IF(p > 0, 100 - 100 * f / p, 100)"), Label: jsii.String("success %"), Period: minutes(5),
			UsingMetrics: &map[string]cw.IMetric{
				"p": appMetric(MetricPages, "Sum", minutes(5), map[string]string{DimFunction: SLAFunction}),
				"f": appMetric(MetricPageFailures, "Sum", minutes(5), map[string]string{DimFunction: SLAFunction}),
			}})),
	)
	var phaseP95, phaseErrs []cw.IMetric
	for _, ph := range Phases() {
		phaseP95 = append(phaseP95, labelled(appMetric(MetricPhaseLatency, "p95", minutes(5), map[string]string{DimPhase: ph}), ph))
		phaseErrs = append(phaseErrs, labelled(appMetric(MetricPhaseErrors, "Sum", minutes(5), map[string]string{DimPhase: ph}), ph))
	}
	add(AreaCrawl,
		graph("Pipeline phases: p95 (ms), all functions", phaseP95),
		graph("Pipeline phases: errors, all functions", phaseErrs),
		graph("Cache (crawl)", []cw.IMetric{
			labelled(appMetric(MetricCacheHits, "Sum", minutes(5), map[string]string{DimFunction: SLAFunction}), "hits"),
			labelled(appMetric(MetricCacheMisses, "Sum", minutes(5), map[string]string{DimFunction: SLAFunction}), "misses"),
		}),
	)
	var natOut, natErr []cw.IMetric
	for i, nat := range m.props.Network.NatGateways {
		n := fmt.Sprintf("nat%d", i+1)
		natOut = append(natOut, labelled(m.natMetric(nat.Ref(), "BytesOutToDestination", "Sum"), n+" bytes out"))
		natErr = append(natErr, labelled(m.natMetric(nat.Ref(), "ErrorPortAllocation", "Sum"), n+" port allocation errors"),
			labelled(m.natMetric(nat.Ref(), "PacketsDropCount", "Sum"), n+" packets dropped"))
	}
	add(AreaCrawl, graph("NAT gateways: egress and errors", natOut, natErr...))

	// Render: concurrency against the reservation.
	if r := m.props.Render; r != nil {
		conc := labelled(r.Function.Metric(jsii.String("ConcurrentExecutions"), &cw.MetricOptions{Statistic: jsii.String("Maximum"), Period: minutes(1)}), "concurrent")
		add(AreaRender, graph("render: concurrent executions", []cw.IMetric{conc}),
			graph("render phase p95 (ms), per calling function", m.renderPhase()))
	}

	// Spider
	if s := m.props.Spider; s != nil {
		opt := &cw.MetricOptions{Statistic: jsii.String("Sum"), Period: minutes(5)}
		add(AreaSpider, graph("Executions", []cw.IMetric{
			labelled(s.Machine.MetricStarted(opt), "started"), labelled(s.Machine.MetricSucceeded(opt), "succeeded"),
		}, labelled(s.Machine.MetricFailed(opt), "failed"), labelled(s.Machine.MetricTimedOut(opt), "timed out"),
			labelled(s.Machine.MetricAborted(opt), "aborted"), labelled(s.Machine.MetricThrottled(opt), "throttled")))
	}

	// Jobs
	if j := m.props.Jobs; j != nil {
		var depth, age []cw.IMetric
		for _, q := range j.Queues() {
			depth = append(depth, labelled(q.Queue.MetricApproximateNumberOfMessagesVisible(&cw.MetricOptions{Statistic: jsii.String("Maximum"), Period: minutes(1)}), q.Name))
			age = append(age, labelled(q.Queue.MetricApproximateAgeOfOldestMessage(&cw.MetricOptions{Statistic: jsii.String("Maximum"), Period: minutes(1)}), q.Name))
		}
		inflight := []cw.IMetric{
			labelled(j.Queue.MetricApproximateNumberOfMessagesNotVisible(&cw.MetricOptions{Statistic: jsii.String("Maximum"), Period: minutes(1)}), "Jobs in flight"),
			labelled(j.HighQueue.MetricApproximateNumberOfMessagesNotVisible(&cw.MetricOptions{Statistic: jsii.String("Maximum"), Period: minutes(1)}), "JobsHigh in flight"),
		}
		add(AreaJobs, graph("Queue depth (visible)", depth, inflight...), graph("Oldest message age (s)", age),
			graph("Schedules (EventBridge Scheduler)", []cw.IMetric{
				labelled(j.ScheduleGroup.MetricAttempts(&cw.MetricOptions{Statistic: jsii.String("Sum"), Period: minutes(5)}), "attempts"),
			}, labelled(j.ScheduleGroup.MetricTargetErrors(&cw.MetricOptions{Statistic: jsii.String("Sum"), Period: minutes(5)}), "target errors"),
				labelled(j.ScheduleGroup.MetricSentToDLQ(&cw.MetricOptions{Statistic: jsii.String("Sum"), Period: minutes(5)}), "sent to DLQ")))
	}
	if q := m.props.FailedInvocations; q != nil {
		add(AreaJobs, graph("Failed invocations (crawl-ws hand-offs, backup deliveries)", []cw.IMetric{
			labelled(q.MetricApproximateNumberOfMessagesVisible(&cw.MetricOptions{Statistic: jsii.String("Maximum"), Period: minutes(5)}), "messages"),
		}))
	}
	if m.props.Ops != nil {
		add(AreaJobs, graph("Logical backups", []cw.IMetric{
			labelled(appMetric(MetricBackupCompleted, "Sum", minutes(60), map[string]string{DimFunction: OpsFunction}), "completed"),
		}, labelled(appMetric(MetricBackupKeys, "Maximum", minutes(60), map[string]string{DimFunction: OpsFunction}), "keys")))
	}

	// Redis
	add(AreaRedis,
		graphWithLimit("Engine CPU %", RedisCPUPct, "alarm", m.redisMetric("EngineCPUUtilization", "Maximum", minutes(1))),
		graphWithLimit("Memory %", RedisMemoryPct, "alarm", m.redisMetric("DatabaseMemoryUsagePercentage", "Maximum", minutes(1))),
		graph("Evictions and expirations", []cw.IMetric{m.redisMetric("Evictions", "Sum", minutes(5))}, m.redisMetric("Reclaimed", "Sum", minutes(5))),
		graph("Connections and commands", []cw.IMetric{m.redisMetric("CurrConnections", "Maximum", minutes(1))},
			m.redisMetric("GetTypeCmds", "Sum", minutes(1)), m.redisMetric("SetTypeCmds", "Sum", minutes(1))),
	)

	for _, area := range Areas() {
		rows := []*[]cw.IWidget{
			{cw.NewTextWidget(&cw.TextWidgetProps{
				Markdown: jsii.String(fmt.Sprintf("# %s\nAlarms of this area go to the SNS topic `%s-alarms`; each alarm's description names its runbook in `%s`.",
					dashboardTitles[area], m.stackName, RunbookDir)),
				Width: jsii.Number(fullWidth), Height: jsii.Number(2),
			})},
		}
		if alarms := m.AreaAlarms(area); len(alarms) > 0 {
			rows = append(rows, &[]cw.IWidget{cw.NewAlarmStatusWidget(&cw.AlarmStatusWidgetProps{
				Title: jsii.String("Alarms"), Alarms: alarmRefs(alarms), Width: jsii.Number(fullWidth),
				Height: jsii.Number(float64(2 + (len(alarms)+3)/4)),
			})})
		}
		ws := widgets[area]
		for i := 0; i < len(ws); i += 2 {
			row := []cw.IWidget{ws[i]}
			if i+1 < len(ws) {
				row = append(row, ws[i+1])
			}
			rows = append(rows, &row)
		}
		m.Dashboards[area] = cw.NewDashboard(m.Construct, jsii.String("Dashboard-"+area), &cw.DashboardProps{
			DashboardName:   jsii.String(m.DashboardName(area)),
			DefaultInterval: awscdk.Duration_Hours(jsii.Number(3)),
			Widgets:         &rows,
		})
	}
}

// renderPhase is the render phase's p95 as each render caller sees it.
func (m *Monitoring) renderPhase() []cw.IMetric {
	var out []cw.IMetric
	for _, name := range RenderCallers() {
		if m.props.Functions.Get(name) == nil {
			continue
		}
		out = append(out, labelled(appMetric(MetricPhaseLatency, "p95", minutes(5), map[string]string{DimFunction: name, DimPhase: PhaseRender}), name))
	}
	return out
}
