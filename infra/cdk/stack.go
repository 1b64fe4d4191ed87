package main

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/riptidecrawler/riptide/shared/routes"
)

// RiptideStackProps configures the stack. Zero values take the defaults in
// DefaultProps' comments.
type RiptideStackProps struct {
	awscdk.StackProps
	// AssetDir holds build/<name>.zip for every function.
	AssetDir string
	// ChromiumLayer is the layer zip of the render function
	// (layers/chromium/build/chromium-layer.zip); only read when a function
	// of the table needs Chromium.
	ChromiumLayer string
	// WSEndpoint is RIPTIDE_WS_ENDPOINT of the WebSocket function; empty
	// (derived from each event) unless the API is behind a custom domain.
	WSEndpoint string
	// Functions and Routes default to routes.Functions() and routes.Routes();
	// tests may pass other tables.
	Functions []routes.Function
	Routes    []routes.Route
	// LogLevel is RIPTIDE_LOG_LEVEL of every function ("info").
	LogLevel string
	// LogRetention of every log group (one month).
	LogRetention awslogs.RetentionDays
	// NatGateways: 2 (one per AZ: an AZ outage cannot cut the other AZ's
	// egress) or 1 (development: ~33 USD a month less).
	NatGateways int
	// InterfaceEndpoints are the VPC interface endpoints to create (nil:
	// DefaultEndpoints(); an empty, non-nil list: none). The S3 gateway
	// endpoint is always made (it is free).
	InterfaceEndpoints []Endpoint
	// Redis node type ("cache.t4g.micro"), node count (2) and engine
	// version ("7.1").
	RedisNodeType      string
	RedisNodes         int
	RedisEngineVersion string
	// RedisRestoreSnapshot creates (or replaces) the Redis group from an
	// ElastiCache snapshot.
	RedisRestoreSnapshot string
	// StageName of the REST API ("prod").
	StageName string
	// Stage throttling: requests per second (50) and burst (100).
	ThrottleRate  float64
	ThrottleBurst float64
	// UsagePlans are the API Gateway usage plans (DefaultUsagePlans).
	UsagePlans []GatewayUsagePlan
	// RenderConcurrency is the render function's reserved concurrency
	// (DefaultRenderConcurrency); NoReservation reserves none.
	RenderConcurrency int
	// SpiderContinueAfter is how many CrawlBatch steps one spider execution
	// runs before it continues as a new execution
	// (DefaultSpiderContinueAfter).
	SpiderContinueAfter int
	// WAFRateLimit is the web ACL's rate-based rule: requests per client IP
	// per 5 minutes (DefaultWAFRateLimit).
	WAFRateLimit int
	// AlarmEmail, when set, subscribes an address to the alarm topic.
	AlarmEmail string
	// BackupSchedule is the EventBridge Scheduler expression of the logical
	// backup (DefaultBackupSchedule).
	BackupSchedule string
	// AllAtOnce shifts every alias to a new version at once instead of the
	// 10 %-for-5-minutes canary (development stacks, where a deploy should
	// take seconds).
	AllAtOnce bool
	// Playground adds the web playground on S3 and CloudFront
	// (docs/playground.md), from PlaygroundDir (DefaultPlaygroundDir).
	Playground    bool
	PlaygroundDir string
}

// Defaults of the settings above.
const (
	DefaultRenderConcurrency = 50
	// NoReservation as RenderConcurrency reserves no concurrency.
	NoReservation = -1
	// DefaultSpiderContinueAfter: a loop iteration (CrawlBatch, Count,
	// Route) writes 9 history events, so 2,000 iterations are ~18,000 of
	// the 25,000 a Standard execution may have, leaving room for retries
	// (3-4 events each), Init and Finalize (docs/spider.md).
	DefaultSpiderContinueAfter = 2000
	DefaultWAFRateLimit        = 3000
	// DefaultBackupSchedule: daily at 03:30 UTC, before Redis's snapshot
	// window (RedisSnapshotWindow), so the two backups are hours apart.
	DefaultBackupSchedule = "cron(30 3 * * ? *)"
)

func (p *RiptideStackProps) withDefaults() {
	if p.Functions == nil {
		p.Functions = routes.Functions()
	}
	if p.Routes == nil {
		p.Routes = routes.Routes()
	}
	if p.LogLevel == "" {
		p.LogLevel = "info"
	}
	if p.LogRetention == "" {
		p.LogRetention = awslogs.RetentionDays_ONE_MONTH
	}
	if p.NatGateways == 0 {
		p.NatGateways = 2
	}
	if p.InterfaceEndpoints == nil {
		p.InterfaceEndpoints = DefaultEndpoints()
	}
	if p.RenderConcurrency == 0 {
		p.RenderConcurrency = DefaultRenderConcurrency
	}
	if p.SpiderContinueAfter == 0 {
		p.SpiderContinueAfter = DefaultSpiderContinueAfter
	}
	if p.WAFRateLimit == 0 {
		p.WAFRateLimit = DefaultWAFRateLimit
	}
	if p.BackupSchedule == "" {
		p.BackupSchedule = DefaultBackupSchedule
	}
	if p.RedisNodeType == "" {
		p.RedisNodeType = "cache.t4g.micro"
	}
	if p.RedisNodes == 0 {
		p.RedisNodes = 2
	}
	if p.RedisEngineVersion == "" {
		p.RedisEngineVersion = "7.1"
	}
	if p.StageName == "" {
		p.StageName = "prod"
	}
	if p.ThrottleRate == 0 {
		p.ThrottleRate = 50
	}
	if p.ThrottleBurst == 0 {
		p.ThrottleBurst = 100
	}
	if p.UsagePlans == nil {
		p.UsagePlans = DefaultUsagePlans
	}
}

// RiptideStack is the whole AWS home of RipTide. Its parts are exported so
// later additions are built from them in the same stack.
type RiptideStack struct {
	awscdk.Stack
	Network   *Network
	Redis     *Redis
	Secrets   *Secrets
	Functions *Functions
	RestAPI   *RestAPI
	// Render, WebSocket, Spider, Jobs and Ops are nil when the function
	// table has no function for them.
	Render    *Render
	WebSocket *WebSocketAPI
	Spider    *SpiderStateMachine
	Jobs      *Jobs
	Ops       *Ops
	// FailedInvocations is the DLQ of asynchronous work (crawl-ws
	// hand-offs, backup deliveries).
	FailedInvocations awssqs.Queue
	Monitoring        *Monitoring
	// AlertEvaluation runs the alert rules every minute (nil without a
	// monitoring function).
	AlertEvaluation awsscheduler.Schedule
	Deployments     *Deployments
	// Playground is nil unless RiptideStackProps.Playground is set.
	Playground *Playground
}

// NewRiptideStack builds the stack from the route and function tables.
func NewRiptideStack(scope constructs.Construct, id string, props *RiptideStackProps) (*RiptideStack, error) {
	p := *props
	p.withDefaults()
	if p.Description == nil {
		p.Description = jsii.String("RipTide: crawling and extraction API (Lambda, API Gateway, ElastiCache Redis)")
	}
	stack := awscdk.NewStack(scope, jsii.String(id), &p.StackProps)
	s := &RiptideStack{Stack: stack}

	s.Network = NewNetwork(stack, "Network", &NetworkProps{NatGateways: p.NatGateways, Endpoints: p.InterfaceEndpoints, LogRetention: p.LogRetention})
	s.Secrets = NewSecrets(stack, "Secrets")
	s.Redis = NewRedis(stack, "Redis", &RedisProps{
		Network: s.Network, NodeType: p.RedisNodeType, Nodes: p.RedisNodes, EngineVersion: p.RedisEngineVersion,
		RestoreSnapshot: p.RedisRestoreSnapshot,
	})
	var err error
	s.Functions, err = NewFunctions(stack, "Functions", &FunctionsProps{
		Table: p.Functions, AssetDir: p.AssetDir, Network: s.Network, Redis: s.Redis, Secrets: s.Secrets,
		LogLevel: p.LogLevel, LogRetention: p.LogRetention,
	})
	if err != nil {
		return nil, err
	}
	s.Secrets.RotateAPIKeys(s.Functions.Alias(RotationFunction))
	s.FailedInvocations = NewFailedInvocations(stack, "FailedInvocations")
	for _, def := range p.Functions {
		if def.Name != "spider" {
			continue
		}
		s.Spider = NewSpiderStateMachine(stack, "Spider", &SpiderStateMachineProps{
			Function: s.Functions.Get("spider"),
			Invoke:   s.Functions.Alias("spider"),
			Starters: spiderStarters(s.Functions),
			// A little over the function's own timeout, so Lambda, not
			// the state machine, reports a step that runs too long.
			TaskTimeout:   awscdk.Duration_Seconds(jsii.Number(float64(def.TimeoutSec + 30))),
			Timeout:       awscdk.Duration_Days(jsii.Number(8)),
			ContinueAfter: p.SpiderContinueAfter,
			LogRetention:  p.LogRetention,
		})
	}
	s.RestAPI, err = NewRestAPI(stack, "RestApi", &RestAPIProps{
		Routes: p.Routes, Functions: s.Functions, StageName: p.StageName,
		ThrottleRate: p.ThrottleRate, ThrottleBurst: p.ThrottleBurst, LogRetention: p.LogRetention,
		WAFRateLimit: p.WAFRateLimit, UsagePlans: p.UsagePlans,
	})
	if err != nil {
		return nil, err
	}

	if s.Render, err = NewRender(stack, &RenderProps{
		Table: p.Functions, Functions: s.Functions, ChromiumLayerZip: p.ChromiumLayer,
		ReservedConcurrency: p.RenderConcurrency,
	}); err != nil {
		return nil, err
	}
	if s.WebSocket, err = NewWebSocketAPI(stack, "WebSocketApi", &WebSocketAPIProps{
		Table: p.Functions, Functions: s.Functions, StageName: p.StageName, Endpoint: p.WSEndpoint,
		ThrottleRate: p.ThrottleRate, ThrottleBurst: p.ThrottleBurst, LogRetention: p.LogRetention,
		AccountLogging: s.RestAPI.NestedStack, FailedInvocations: s.FailedInvocations,
	}); err != nil {
		return nil, err
	}
	if s.Jobs, err = NewJobs(stack, "Jobs", &JobsProps{Functions: s.Functions}); err != nil {
		return nil, err
	}
	// Job result pages live in the artifacts bucket; the admin function
	// reaches them and the schedules to delete a tenant's data.
	if s.Render != nil && s.Jobs != nil {
		s.Render.Artifacts.GrantJobResults(s.Functions.Get(JobsWorker))
		if admin := s.Functions.Get("admin"); admin != nil {
			s.Render.Artifacts.GrantJobResults(admin)
			s.Jobs.WireTenantDeletion(admin)
		}
	}
	// Large spider result records live in the artifacts bucket too: every
	// function that runs, reads or deletes spider runs reaches them.
	if s.Render != nil {
		fns := append([]awslambda.Function{s.Functions.Get("spider"), s.Functions.Get("admin")}, spiderStarters(s.Functions)...)
		for _, fn := range fns {
			if fn != nil {
				s.Render.Artifacts.GrantSpiderRecords(fn)
			}
		}
	}
	// WASM modules are uploaded through strategies and run wherever
	// extraction runs.
	if s.Render != nil {
		if fn := s.Functions.Get("strategies"); fn != nil {
			s.Render.Artifacts.GrantModules(fn, true)
		}
		for _, name := range []string{"crawl", "crawl-ws", "render", "deepsearch", "spider", "workers", "firecrawl"} {
			if fn := s.Functions.Get(name); fn != nil {
				s.Render.Artifacts.GrantModules(fn, false)
			}
		}
	}
	opsProps := &OpsProps{Functions: s.Functions, Schedule: p.BackupSchedule, DLQ: s.FailedInvocations}
	if s.Render != nil {
		opsProps.AccessLogs = s.Render.Artifacts.AccessLogs
	}
	if s.Ops, err = NewOps(stack, "Ops", opsProps); err != nil {
		return nil, err
	}
	s.Monitoring = NewMonitoring(stack, "Monitoring", &MonitoringProps{
		Functions: s.Functions, APIName: *s.RestAPI.Api.RestApiName(), StageName: p.StageName,
		WebACLName: s.RestAPI.WAFName, Redis: s.Redis, RedisNodes: p.RedisNodes, Network: s.Network,
		Spider: s.Spider, Jobs: s.Jobs, FailedInvocations: s.FailedInvocations, Render: s.Render, Ops: s.Ops,
		AlarmEmail: p.AlarmEmail,
	})
	s.AlertEvaluation = NewAlertEvaluation(stack, "AlertEvaluation", s.Functions, s.FailedInvocations)
	s.Deployments = NewDeployments(stack, "Deployments", &DeploymentsProps{
		Functions: s.Functions, Monitoring: s.Monitoring, AllAtOnce: p.AllAtOnce,
	})
	if p.Playground {
		pp := &PlaygroundProps{Dir: p.PlaygroundDir, API: s.RestAPI.Api}
		if pp.Dir == "" {
			pp.Dir = DefaultPlaygroundDir
		}
		if s.Render != nil {
			pp.AccessLogs = s.Render.Artifacts.AccessLogs
		}
		if s.Playground, err = NewPlayground(stack, "Playground", pp); err != nil {
			return nil, err
		}
	}

	output := func(id, desc string, value *string) {
		awscdk.NewCfnOutput(stack, jsii.String(id), &awscdk.CfnOutputProps{Value: value, Description: jsii.String(desc)})
	}
	output("ApiUrl", "Invoke URL of the REST API stage (append api/v1/...)", s.RestAPI.URL())
	output("ApiKeysSecretArn", `API keys secret: {"api_keys":["..."]} plus the generated "bootstrap_key"`, s.Secrets.APIKeys.SecretArn())
	output("RedisAuthSecretArn", "Redis AUTH token secret (plain string)", s.Redis.AuthSecret.SecretArn())
	output("RedisEndpoint", "Redis primary endpoint (TLS, port 6379)", s.Redis.Group.AttrPrimaryEndPointAddress())
	output("RedisUrl", "REDIS_URL given to the functions (token not included)", s.Redis.URL())
	output("AlarmTopicArn", "SNS topic every alarm notifies: subscribe on-call here", s.Monitoring.Topic.TopicArn())
	output("FailedInvocationsQueueUrl", "Asynchronous work that failed for good (crawl-ws hand-offs, backup and alert-evaluation deliveries)", s.FailedInvocations.QueueUrl())
	if s.Render != nil {
		output("ArtifactsBucketName", fmt.Sprintf("Render artifacts bucket (screenshots, PDFs); objects expire after %d days", ArtifactsExpiryDays),
			s.Render.Artifacts.Bucket.BucketName())
	}
	if s.WebSocket != nil {
		output("WebSocketUrl", "WebSocket API stage URL (wss://...): connect with ?token= or an X-API-Key header", s.WebSocket.URL())
		output("WebSocketCallbackUrl", "Management endpoint of the WebSocket stage (RIPTIDE_WS_ENDPOINT behind a custom domain)", s.WebSocket.CallbackURL())
	}
	if s.Spider != nil {
		output("SpiderStateMachineArn", "State machine running spider crawls", s.Spider.Machine.StateMachineArn())
	}
	if s.Jobs != nil {
		output("JobsQueueUrl", "Job queue (normal priority)", s.Jobs.Queue.QueueUrl())
		output("JobsHighQueueUrl", "Job queue (high priority)", s.Jobs.HighQueue.QueueUrl())
		output("JobsDLQUrl", "Dead-letter queue of the normal job queue", s.Jobs.DLQ.QueueUrl())
		output("JobsHighDLQUrl", "Dead-letter queue of the high-priority job queue", s.Jobs.HighDLQ.QueueUrl())
		output("ScheduleGroupName", "EventBridge Scheduler group of the job schedules", s.Jobs.ScheduleGroup.ScheduleGroupName())
	}
	if s.Ops != nil {
		output("BackupBucketName", fmt.Sprintf("Logical backups (versioned; kept %d days)", BackupKeepDays), s.Ops.BackupBucket.BucketName())
		output("AuditBucketName", fmt.Sprintf("Audit exports (Object Lock, governance, %d days)", AuditRetentionDays), s.Ops.AuditBucket.BucketName())
	}
	return s, nil
}

// spiderStarters are the functions besides spider that start spider runs:
// crawl, for /api/v1/crawl with options.use_spider.
func spiderStarters(fns *Functions) []awslambda.Function {
	var out []awslambda.Function
	// firecrawl: the Firecrawl-compatible facade's crawls and batch scrapes
	// are spider runs. workers: a spider job starts a run and follows it.
	for _, name := range []string{"crawl", "firecrawl", "workers"} {
		if f := fns.Get(name); f != nil {
			out = append(out, f)
		}
	}
	return out
}
