package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/wire/workerswire"
)

func (c cli) jobsCommand(r *remote) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "jobs",
		Short: "Operate the async job queue, or a server's jobs with --base-url",
		Args:  usageArgs(cobra.NoArgs),
	}
	cmd.AddCommand(c.remoteJobsCommands(r)...)
	cmd.AddCommand(&cobra.Command{
		Use:   "redrive",
		Short: "Move dead-lettered job messages back to their queues",
		Long: `Move every message of the job dead-letter queue(s) back to its queue with a
fresh receive count: SQS when RIPTIDE_QUEUE_URL and RIPTIDE_DLQ_URL are set,
else the local queue in the Redis of REDIS_URL. A message of a job that has
finished since is a no-op for the worker.`,
		Example: "  REDIS_URL=redis://127.0.0.1:6379/0 riptide jobs redrive",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return redrive(cmd.Context(), c.lookup, c.stdout)
		},
	})
	return cmd
}

func redrive(ctx context.Context, lookup config.LookupFunc, stdout io.Writer) error {
	p, err := newProcess(ctx, "jobs", lookup)
	if err != nil {
		return err
	}
	defer p.Close()
	n, err := workerswire.Redrive(ctx, p)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%d message(s) moved back to the job queue\n", n)
	return err
}
