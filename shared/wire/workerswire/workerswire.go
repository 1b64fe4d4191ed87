// Package workerswire wires the job system: the job service on the
// process's store, its queue (SQS when RIPTIDE_QUEUE_URL is set, else the
// local queue in Redis), the crawl executors, the webhook sender, and this
// home's worker: the SQS event entry point in Lambda, a worker pool and the
// schedule cron inside `riptide serve`. Schedules fire from EventBridge
// Scheduler when RIPTIDE_SCHEDULE_GROUP is set (its firings arrive on the
// job queue), else from the in-process cron.
package workerswire

import (
	"context"
	"encoding/json"
	"time"

	"github.com/aws/aws-lambda-go/events"

	workersapi "github.com/riptidecrawler/riptide/shared/api/workers"
	"github.com/riptidecrawler/riptide/shared/awsapi"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/jobs"
	"github.com/riptidecrawler/riptide/shared/jobs/crawljob"
	"github.com/riptidecrawler/riptide/shared/jobs/maintjob"
	"github.com/riptidecrawler/riptide/shared/jobs/spiderjob"
	"github.com/riptidecrawler/riptide/shared/queue/sqsqueue"
	"github.com/riptidecrawler/riptide/shared/store/jobstore"
	"github.com/riptidecrawler/riptide/shared/webhook"
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/jobswire"
	"github.com/riptidecrawler/riptide/shared/wire/pipelinewire"
	"github.com/riptidecrawler/riptide/shared/wire/sessionswire"
	"github.com/riptidecrawler/riptide/shared/wire/spiderwire"
)

// Local queue settings (the SQS queues' own are in infra/cdk/jobs.go).
const (
	// LocalVisibility: a received message stays hidden this long; a
	// running job's heartbeat extends it, so only a dead worker's message
	// comes back.
	LocalVisibility = time.Minute
	// MaxReceives matches the SQS redrive policy's maxReceiveCount.
	MaxReceives = 5
)

// System is the process's job system.
type System struct {
	Service *jobs.Service
	Worker  *jobs.Worker
}

const systemKey = "jobs.system"

// Jobs returns the process's job system, built once (the crawl group
// submits its async batches to it). Outside Lambda it starts the local
// worker pool and cron, stopped when the process closes.
func Jobs(ctx context.Context, p *wire.Process) (*System, error) {
	return wire.Shared(p, systemKey, func() (*System, error) { return build(ctx, p) })
}

func build(ctx context.Context, p *wire.Process) (*System, error) {
	svc, st, err := jobswire.Base(ctx, p)
	if err != nil {
		return nil, err
	}
	pl, err := pipelinewire.Pipeline(ctx, p)
	if err != nil {
		return nil, err
	}
	crawl := crawljob.Executor{Pipeline: pl}
	spiders, err := spiderwire.Service(ctx, p, spiderwire.Options{})
	if err != nil {
		return nil, err
	}
	svc.Executors = map[jobs.Type]jobs.Executor{
		jobs.TypeSingleCrawl: asOwner{crawl}, jobs.TypeBatchCrawl: asOwner{crawl}, jobs.TypeExtract: asOwner{crawl}, jobs.TypePDF: asOwner{crawl},
		jobs.TypeSpider:      asOwner{spiderjob.Executor{Spider: spiders}},
		jobs.TypeMaintenance: asOwner{maintjob.Executor{Sessions: sessionswire.Service(p)}},
	}
	home := "local"
	if p.InLambda {
		home = "lambda"
	}
	w := &jobs.Worker{Service: svc, Notifier: notifier{spiderwire.WebhookSender(p)}, Home: home, MaxReceives: MaxReceives}
	if svc.Queue, err = queue(ctx, p, st); err != nil {
		return nil, err
	}
	if _, local := svc.Queue.(*jobstore.Queue); local {
		w.Visibility = LocalVisibility
	}
	sys := &System{Service: svc, Worker: w}
	if !p.InLambda {
		// Goroutines do not outlive a Lambda invocation; in `riptide
		// serve` the pool and the cron run for the process's life.
		pool := &jobs.Pool{Worker: w, Concurrency: p.Config.JobWorkers}
		pool.Start(ctx)
		cronCtx, stopCron := context.WithCancel(context.WithoutCancel(ctx))
		done := make(chan struct{})
		go func() { defer close(done); (&jobs.Cron{Service: svc, Logger: p.Logger}).Run(cronCtx) }()
		p.OnClose(func() { stopCron(); <-done; pool.Close() })
	}
	return sys, nil
}

// queue is this home's job queue: SQS when RIPTIDE_QUEUE_URL is set, else
// the local queue in Redis.
func queue(ctx context.Context, p *wire.Process, st *jobstore.Store) (jobs.Queue, error) {
	if p.Config.QueueURL == "" {
		return jobstore.NewQueue(st, LocalVisibility, MaxReceives), nil
	}
	awsCfg, err := p.AWS(ctx)
	if err != nil {
		return nil, err
	}
	client, err := sqsqueue.NewClient(ctx, awsCfg, awsapi.Options{})
	if err != nil {
		return nil, err
	}
	return &sqsqueue.Queue{Client: client, URL: p.Config.QueueURL, HighURL: p.Config.QueueHighURL,
		DLQURL: p.Config.DLQURL, DLQHighURL: p.Config.DLQHighURL}, nil
}

// Redrive moves the dead-lettered job messages of p's queue back to their
// queues (`riptide jobs redrive`), without starting a worker.
func Redrive(ctx context.Context, p *wire.Process) (int, error) {
	q, err := queue(ctx, p, jobstore.New(p.Store))
	if err != nil {
		return 0, err
	}
	return q.Redrive(ctx)
}

// notifier delivers job webhooks through the process's signed, SSRF-guarded
// sender (shared with the spider).
type notifier struct{ s *webhook.Sender }

func (n notifier) Notify(ctx context.Context, url, event string, body []byte, secret, deliveryID string) (int, error) {
	res, err := n.s.Send(ctx, webhook.Message{URL: url, Event: event, Body: body, Secret: secret, DeliveryID: deliveryID})
	return res.Attempts, err
}

// Build is the workers group's Builder: the HTTP API and, in Lambda, the
// SQS event entry point (partial batch failures: only the messages that
// failed come back) and the backup and migration task events (ops.go).
func Build(ctx context.Context, p *wire.Process) (wire.Group, error) {
	sys, err := Jobs(ctx, p)
	if err != nil {
		return wire.Group{}, err
	}
	g := wire.Group{Handlers: workersapi.Handlers(workersapi.Deps{Service: sys.Service})}
	g.Events.SQS = SQSHandler(sys.Worker, p.Config.QueueHighARN)
	g.Events.Task = opsTasks(p).Handle
	return g, nil
}

// SQSHandler handles a batch of the Lambda SQS event source: each message
// is a job (or a schedule's firing); those that fail are reported as batch
// item failures and return after their visibility timeout.
func SQSHandler(w *jobs.Worker, highARN string) func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		ds := make([]jobs.Delivery, len(ev.Records))
		for i, r := range ev.Records {
			p := jobs.PriorityNormal
			if highARN != "" && r.EventSourceARN == highARN {
				p = jobs.PriorityHigh
			}
			ds[i] = sqsqueue.FromMessage(r.MessageId, r.ReceiptHandle, r.Body, r.Attributes, p)
		}
		_ = w.Beat(ctx, 3*jobs.HealthyWithin)
		var resp events.SQSEventResponse
		for _, id := range w.HandleBatch(ctx, ds) {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: id})
		}
		_ = w.Beat(ctx, 3*jobs.HealthyWithin)
		return resp, nil
	}
}

// CrawlSubmitter submits POST /crawl batches as batch_crawl jobs (the
// crawl group's async form).
type CrawlSubmitter struct{ Service *jobs.Service }

// CheckCrawl implements crawlapi.JobSubmitter.
func (c CrawlSubmitter) CheckCrawl(ctx context.Context, urls []string, options json.RawMessage) error {
	spec := jobs.Spec{Type: jobs.TypeBatchCrawl, Input: jobs.Input{URLs: urls, Options: options}}
	return c.Service.Validate(ctx, &spec)
}

// SubmitCrawl implements crawlapi.JobSubmitter for the caller of ctx.
func (c CrawlSubmitter) SubmitCrawl(ctx context.Context, urls []string, options json.RawMessage) (any, error) {
	sub, err := c.Service.Submit(ctx, httpx.Owner(ctx), jobs.Spec{Type: jobs.TypeBatchCrawl, Input: jobs.Input{URLs: urls, Options: options}})
	if err != nil {
		return nil, err
	}
	return workersapi.AcceptedOf(sub), nil
}

// asOwner runs a job as the owner that submitted it: what the job
// reaches on the caller's behalf (its crawl session's cookies) is checked
// against the job's owner, as the same request made synchronously would be.
type asOwner struct{ jobs.Executor }

func (e asOwner) Run(ctx context.Context, r *jobs.Run) (*jobs.Outcome, error) {
	if r.Job.Owner != "" {
		ctx = httpx.WithInfo(ctx, &httpx.RequestInfo{Principal: r.Job.Owner})
	}
	return e.Executor.Run(ctx, r)
}
