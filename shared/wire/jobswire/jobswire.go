// Package jobswire builds the part of the job system every process that
// touches jobs shares: the job and schedule stores, the result pages'
// blob store and the schedules' trigger. The workers group adds the queue
// and the executors (workerswire); the admin group uses it alone to
// export and delete a tenant's jobs without linking the crawl pipeline.
package jobswire

import (
	"context"

	"github.com/riptidecrawler/riptide/shared/awsapi"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/jobs"
	"github.com/riptidecrawler/riptide/shared/queue/ebscheduler"
	"github.com/riptidecrawler/riptide/shared/store/jobstore"
	"github.com/riptidecrawler/riptide/shared/wire"
)

// Base returns a job service with its stores and trigger and no queue or
// executors (enough to read, export and delete jobs and schedules), and
// the Redis job store it uses.
func Base(ctx context.Context, p *wire.Process) (*jobs.Service, *jobstore.Store, error) {
	st := jobstore.New(p.Store)
	results, err := p.Blob(ctx, "results/")
	if err != nil {
		return nil, nil, err
	}
	svc := &jobs.Service{Store: st, Schedules: st, Results: results, Logger: p.Logger, Started: p.Started,
		Trigger: jobs.LocalTrigger{Store: st}, BillingOf: httpx.BillingOf, Meter: p.LaterCharges()}
	if p.Config.ScheduleGroup != "" {
		awsCfg, err := p.AWS(ctx)
		if err != nil {
			return nil, nil, err
		}
		client, err := ebscheduler.NewClient(ctx, awsCfg, awsapi.Options{})
		if err != nil {
			return nil, nil, err
		}
		svc.Trigger = &ebscheduler.Trigger{Client: client, Group: p.Config.ScheduleGroup, RoleARN: p.Config.SchedulerRole,
			QueueARN: p.Config.QueueARN, HighQueueARN: p.Config.QueueHighARN}
	}
	return svc, st, nil
}
