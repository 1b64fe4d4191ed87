package spiderapi

import (
	"context"
	"fmt"
	"net/http"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/riptidecrawler/riptide/shared/app"
	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/pipeline"
	"github.com/riptidecrawler/riptide/shared/spider"
	"github.com/riptidecrawler/riptide/shared/stepfn"
	"github.com/riptidecrawler/riptide/shared/store"
	"github.com/riptidecrawler/riptide/shared/store/spiderruns"
)

// ServiceOptions choose the spider's adapters; zero values pick this home's.
type ServiceOptions struct {
	// Crawler crawls one page. Nil: the crawl pipeline (PipelineCrawler),
	// with Renderer for headless pages.
	Crawler  spider.PageCrawler
	Renderer pipeline.Renderer
	// Launcher runs a run's steps. Nil: Step Functions when
	// RIPTIDE_SPIDER_STATE_MACHINE_ARN is set; otherwise, outside Lambda,
	// a local orchestrator in this process (closed with the base).
	Launcher spider.Launcher
	Config   spider.Config
}

// NewService builds the spider service of this home on the base's store.
func NewService(ctx context.Context, b *app.Base, lookup config.LookupFunc, o ServiceOptions) (*spider.Service, error) {
	f, err := fetch.New(fetch.Options{AllowCIDRs: b.Config.AllowCIDRs, Logger: b.Logger})
	if err != nil {
		return nil, err
	}
	b.OnClose(f.Close)
	crawler := o.Crawler
	if crawler == nil {
		p := &pipeline.Pipeline{Fetcher: f, Cache: store.NewCache(b.Store), Renderer: o.Renderer, Logger: b.Logger}
		crawler = PipelineCrawler{Pipeline: p}
	}
	engine, err := spider.New(spider.Deps{
		Runs: spiderruns.New(b.Store), Crawler: crawler, Site: f, Logger: b.Logger, Config: o.Config,
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
	case app.InLambda(lookup):
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

// Wire returns the group's handler builder around a service.
func Wire(svc *spider.Service) app.Handlers {
	return func(*app.Base) (map[string]http.Handler, error) {
		return Handlers(Deps{Service: svc}), nil
	}
}
