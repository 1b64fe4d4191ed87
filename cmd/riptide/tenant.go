package main

import (
	"context"
	"encoding/json"

	"github.com/spf13/cobra"

	"github.com/riptidecrawler/riptide/shared/keys"
	"github.com/riptidecrawler/riptide/shared/privacy"
	"github.com/riptidecrawler/riptide/shared/store"
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/adminwire"
)

// tenantCommand exports or deletes one tenant's data in the Redis of
// REDIS_URL, like the admin routes (docs/privacy.md).
func (c cli) tenantCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tenant",
		Short: "Export or delete one tenant's data (keys, usage, LLM usage) in REDIS_URL",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			_ = cmd.Usage()
			return usageError{}
		},
	}
	run := func(do func(cmd *cobra.Command, svc *privacy.Service, tenant string) (any, error)) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, args []string) error {
			p, err := c.auditProcess(cmd)
			if err != nil {
				return err
			}
			defer p.Close()
			svc, err := tenantPrivacy(cmd.Context(), p)
			if err != nil {
				return err
			}
			out, err := do(cmd, svc, args[0])
			if err != nil {
				return err
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			return enc.Encode(out)
		}
	}
	export := &cobra.Command{
		Use:   "export TENANT",
		Short: "Print everything held about TENANT as JSON",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: run(func(cmd *cobra.Command, svc *privacy.Service, tenant string) (any, error) {
			return svc.Export(cmd.Context(), tenant)
		}),
	}
	del := &cobra.Command{
		Use:   "delete TENANT",
		Short: "Revoke and delete TENANT's keys and the data held under them",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: run(func(cmd *cobra.Command, svc *privacy.Service, tenant string) (any, error) {
			return svc.Delete(cmd.Context(), tenant)
		}),
	}
	cmd.AddCommand(export, del)
	return cmd
}

// tenantPrivacy reads key records directly: listing and deleting need no
// pepper, and the CLI needs no bootstrap key.
func tenantPrivacy(ctx context.Context, p *wire.Process) (*privacy.Service, error) {
	owned, err := adminwire.OwnedDataSources(ctx, p)
	if err != nil {
		return nil, err
	}
	return &privacy.Service{Keys: &keys.Service{Store: store.NewAPIKeys(p.Store)}, Sources: append(owned, store.PrivacySources(p.Store)...)}, nil
}
