package adminwire

import (
	"context"

	"github.com/riptidecrawler/riptide/shared/jobs"
	"github.com/riptidecrawler/riptide/shared/privacy"
	"github.com/riptidecrawler/riptide/shared/sessions"
	"github.com/riptidecrawler/riptide/shared/spider"
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/jobswire"
	"github.com/riptidecrawler/riptide/shared/wire/sessionswire"
	"github.com/riptidecrawler/riptide/shared/wire/spiderrunswire"
)

// OwnedDataSources are the privacy sources of what a tenant owns (the
// data of keys.TenantOwner): its jobs with their result pages and its
// schedules with their triggers, its sessions with their cookies, and its
// spider runs. They use the stores alone, not the engines, so the admin
// function does not link the crawl pipeline.
func OwnedDataSources(ctx context.Context, p *wire.Process) ([]privacy.Source, error) {
	js, _, err := jobswire.Base(ctx, p)
	if err != nil {
		return nil, err
	}
	runs, err := spiderrunswire.Runs(ctx, p)
	if err != nil {
		return nil, err
	}
	return []privacy.Source{jobsSource{js}, sessionsSource{sessionswire.Service(p)}, spiderRunsSource{runs}}, nil
}

type jobsSource struct{ svc *jobs.Service }

func (jobsSource) Name() string { return "jobs" }

func (s jobsSource) Export(ctx context.Context, sub privacy.Subject) (any, error) {
	return s.svc.ExportOwner(ctx, sub.Owner)
}

func (s jobsSource) Delete(ctx context.Context, sub privacy.Subject) (int64, error) {
	return s.svc.DeleteOwner(ctx, sub.Owner)
}

type sessionsSource struct{ svc *sessions.Service }

func (sessionsSource) Name() string { return "sessions" }

func (s sessionsSource) Export(ctx context.Context, sub privacy.Subject) (any, error) {
	return s.svc.ExportOwner(ctx, sub.Owner)
}

func (s sessionsSource) Delete(ctx context.Context, sub privacy.Subject) (int64, error) {
	return s.svc.DeleteOwner(ctx, sub.Owner)
}

type spiderRunsSource struct{ runs spider.RunStore }

func (spiderRunsSource) Name() string { return "spider_runs" }

func (s spiderRunsSource) Export(ctx context.Context, sub privacy.Subject) (any, error) {
	return spider.ExportOwnedRuns(ctx, s.runs, sub.Owner)
}

func (s spiderRunsSource) Delete(ctx context.Context, sub privacy.Subject) (int64, error) {
	return spider.DeleteOwnedRuns(ctx, s.runs, sub.Owner)
}
