// Package spiderwire wires the spider: its engine on the process's store,
// pages crawled through the process's pipeline, and the launcher of this
// home (Step Functions in AWS, a local orchestrator in `riptide serve`).
package spiderwire

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	spiderapi "github.com/riptidecrawler/riptide/shared/api/spider"
	"github.com/riptidecrawler/riptide/shared/awsapi"
	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/health"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/spider"
	"github.com/riptidecrawler/riptide/shared/stepfn"
	"github.com/riptidecrawler/riptide/shared/webhook"
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/pipelinewire"
	"github.com/riptidecrawler/riptide/shared/wire/spiderrunswire"
)

// Options replace adapters of the spider (tests); zero values pick this
// home's own.
type Options struct {
	// Crawler crawls one page. Nil: the process's pipeline.
	Crawler spider.PageCrawler
	// Launcher runs a run's steps. Nil: Step Functions when
	// RIPTIDE_SPIDER_STATE_MACHINE_ARN is set; otherwise, outside Lambda,
	// a local orchestrator in this process (closed with it).
	Launcher spider.Launcher
	Config   spider.Config
}

const serviceKey = "spider.service"

// Service returns the process's spider service.
func Service(ctx context.Context, p *wire.Process, o Options) (*spider.Service, error) {
	return wire.Shared(p, serviceKey, func() (*spider.Service, error) { return build(ctx, p, o) })
}

func build(ctx context.Context, p *wire.Process, o Options) (*spider.Service, error) {
	pl, err := pipelinewire.Pipeline(ctx, p)
	if err != nil {
		return nil, err
	}
	crawler := o.Crawler
	if crawler == nil {
		crawler = PipelineCrawler{Pipeline: pl}
	}
	runs, err := spiderrunswire.Runs(ctx, p)
	if err != nil {
		return nil, err
	}
	engine, err := spider.New(spider.Deps{
		Runs: runs, Crawler: crawler, Site: p.Fetcher(), Logger: p.Logger, Config: o.Config,
		Notifier: spider.NewWebhookSender(webhookSender(p)), Pages: p.Recorder,
		// A run's pages beyond its seeds are charged to whoever started it,
		// as its batches record them (docs/security.md, "Cost up front").
		BillingOf: httpx.BillingOf, Meter: p.LaterCharges(),
	})
	if err != nil {
		return nil, err
	}
	launcher := o.Launcher
	switch {
	case launcher != nil:
	case p.Config.SpiderStateMachine != "":
		awsCfg, err := p.AWS(ctx)
		if err != nil {
			return nil, err
		}
		var client stepfn.Client
		client, err = stepfn.NewClient(ctx, awsCfg, awsapi.Options{})
		if err != nil {
			// Without a region (never in Lambda itself) the step handlers
			// still run; launches fail and say why.
			p.Logger.Warn("spider runs cannot start Step Functions executions", slog.String("error", err.Error()))
			client = stepfn.Unavailable{Err: err}
		}
		launcher = &stepfn.Launcher{Client: client, StateMachineARN: p.Config.SpiderStateMachine}
	case p.InLambda:
		// Goroutines do not outlive a Lambda invocation: without a state
		// machine, async runs cannot be launched (sync runs still work).
		launcher = &stepfn.Launcher{}
	default:
		local := spider.NewLocalLauncher(engine)
		p.OnClose(local.Close)
		local.Heal(spider.DefaultHealInterval)
		if n, err := local.Recover(ctx); err != nil {
			p.Logger.Warn("could not relaunch spider runs", "error", err.Error())
		} else if n > 0 {
			p.Logger.Info("relaunched spider runs left running", "runs", n)
		}
		launcher = local
	}
	svc := &spider.Service{Engine: engine, Launcher: launcher}
	if pl.Strategies != nil {
		svc.Strategies = pl.Strategies
	}
	p.AddChecker(Checker(svc, p.Config.SpiderStateMachine))
	return svc, nil
}

// Checker is the spider's health check: its run store answers (the active
// runs are listed) and runs can be launched in this home.
func Checker(svc *spider.Service, stateMachine string) health.Checker {
	return health.Func{ComponentName: "spider", Probe: func(ctx context.Context) (string, error) {
		runs, err := svc.Engine.ActiveRuns(ctx)
		if err != nil {
			return "", err
		}
		detail := fmt.Sprintf("%d active runs", len(runs))
		switch l := svc.Launcher.(type) {
		case *stepfn.Launcher:
			if l.StateMachineARN == "" {
				return detail, errors.New("async runs cannot start: RIPTIDE_SPIDER_STATE_MACHINE_ARN is not set (sync runs work)")
			}
			if u, ok := l.Client.(stepfn.Unavailable); ok {
				return detail, fmt.Errorf("async runs cannot start: %w (sync runs work)", u.Err)
			}
			return detail + "; launcher: Step Functions " + stateMachine, nil
		case *spider.LocalLauncher:
			return detail + "; launcher: in-process orchestrator", nil
		}
		return detail, nil
	}}
}

// Builder is the spider group's Builder with options: HTTP handlers and
// the Init / CrawlBatch / Finalize steps the state machine invokes.
func Builder(o Options) wire.Builder {
	return func(ctx context.Context, p *wire.Process) (wire.Group, error) {
		svc, err := Service(ctx, p, o)
		if err != nil {
			return wire.Group{}, err
		}
		g := wire.Group{Handlers: spiderapi.Handlers(spiderapi.Deps{Service: svc})}
		g.Events.Task = svc.Engine.HandleStep
		return g, nil
	}
}

// Build is the spider group's Builder.
var Build = Builder(Options{})

// webhookSender is the process's one webhook sender (the spider's
// end-of-run notices and the jobs' completion notices share it).
func webhookSender(p *wire.Process) *webhook.Sender {
	s, _ := wire.Shared(p, WebhookSenderKey, func() (*webhook.Sender, error) {
		return webhook.NewSender(fetch.NewGuard(p.Config.AllowCIDRs)), nil
	})
	return s
}

// WebhookSenderKey is the wire.Shared key of the process's webhook sender.
const WebhookSenderKey = "webhook.sender"

// WebhookSender returns the process's webhook sender.
func WebhookSender(p *wire.Process) *webhook.Sender { return webhookSender(p) }
