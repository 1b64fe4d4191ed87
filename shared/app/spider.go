package app

import (
	"context"
	"fmt"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/spider"
	"github.com/riptidecrawler/riptide/shared/stepfn"
)

// SpiderOptions choose the spider's adapters; zero values pick this home's.
type SpiderOptions struct {
	// Crawler crawls one page. Nil: the page pipeline (PageCrawler).
	Crawler spider.PageCrawler
	// Launcher runs a run's steps. Nil: Step Functions when
	// RIPTIDE_SPIDER_STATE_MACHINE_ARN is set; otherwise, outside Lambda,
	// a local orchestrator in this process (closed with the base).
	Launcher spider.Launcher
	Config   spider.Config
}

// PageCrawler is the page pipeline the spider crawls through in shipped
// builds. The pipeline (shared/pipeline) is not merged yet: until its
// adapter is wired here, this returns nil, and spider crawl and map answer
// 501 not_implemented while status, control and results work.
func (b *Base) PageCrawler(_ *fetch.Fetcher) spider.PageCrawler { return nil }

// Spider builds the spider service of this home on the base's store.
func (b *Base) Spider(ctx context.Context, lookup config.LookupFunc, o SpiderOptions) (*spider.Service, error) {
	f, err := fetch.New(fetch.Options{AllowCIDRs: b.Config.AllowCIDRs, Logger: b.Logger})
	if err != nil {
		return nil, err
	}
	b.OnClose(f.Close)
	crawler := o.Crawler
	if crawler == nil {
		crawler = b.PageCrawler(f)
	}
	engine, err := spider.New(spider.Deps{
		Store: b.Store, Crawler: crawler, Site: f, Logger: b.Logger, Config: o.Config,
		Notifier: spider.NewWebhookSender(fetch.NewGuard(b.Config.AllowCIDRs)),
	})
	if err != nil {
		return nil, err
	}
	launcher := o.Launcher
	switch {
	case launcher != nil:
	case b.Config.SpiderStateMachine != "":
		awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("load AWS configuration: %w", err)
		}
		launcher = &stepfn.Launcher{Client: sfn.NewFromConfig(awsCfg), StateMachineARN: b.Config.SpiderStateMachine}
	case InLambda(lookup):
		// Goroutines do not outlive a Lambda invocation: without a state
		// machine, async runs cannot be launched (sync runs still work).
		launcher = &stepfn.Launcher{}
	default:
		local := spider.NewLocalLauncher(engine)
		b.OnClose(local.Close)
		if n, err := local.Recover(ctx); err != nil {
			b.Logger.Warn("could not relaunch spider runs", "error", err.Error())
		} else if n > 0 {
			b.Logger.Info("relaunched spider runs left running", "runs", n)
		}
		launcher = local
	}
	return &spider.Service{Engine: engine, Launcher: launcher}, nil
}
