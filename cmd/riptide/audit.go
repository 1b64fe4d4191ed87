package main

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/riptidecrawler/riptide/shared/audit"
	"github.com/riptidecrawler/riptide/shared/wire"
)

// auditCommand groups the audit trail tools. They open the Redis of
// REDIS_URL (and RIPTIDE_KEY_PREFIX) like a server would.
func (c cli) auditCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Verify or export the hash-chained audit trail in Redis",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			_ = cmd.Usage()
			return usageError{}
		},
	}
	var asJSON bool
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Prove the chain: exit 0 when intact, 1 naming the first tampered entry",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := c.auditProcess(cmd)
			if err != nil {
				return err
			}
			defer p.Close()
			res, err := audit.Verify(cmd.Context(), p.AuditLog(), 1000)
			if err != nil {
				return fmt.Errorf("read the audit log: %w", err)
			}
			if asJSON {
				b, _ := json.Marshal(res)
				fmt.Fprintln(cmd.OutOrStdout(), string(b))
			} else if res.OK && res.AnchorSeq > 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "audit chain intact from the anchor: %d entries after seq %d (hash %s; entries up to it were exported and trimmed: "+
					"the export batch ending at %d holds it), head %s\n", res.Checked, res.AnchorSeq, res.AnchorHash, res.AnchorSeq, res.Head)
			} else if res.OK {
				fmt.Fprintf(cmd.OutOrStdout(), "audit chain intact: %d entries, head %s\n", res.Checked, res.Head)
			}
			if !res.OK {
				return fmt.Errorf("audit chain BROKEN at entry seq %d (position %d, after %d good entries): %s",
					res.BadSeq, res.Position, res.Checked, res.Problem)
			}
			return nil
		},
	}
	verify.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	var batch int
	var trim bool
	export := &cobra.Command{
		Use:   "export",
		Short: "Write entries not yet exported to the audit bucket or blob store (audit/<from>-<to>.ndjson), then trim them from Redis",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := c.auditProcess(cmd)
			if err != nil {
				return err
			}
			defer p.Close()
			sink, err := p.AuditSink(cmd.Context())
			if err != nil {
				return err
			}
			log := p.AuditLog()
			n, err := audit.Export(cmd.Context(), log, log, sink, batch)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "exported %d audit entries\n", n)
			if !trim {
				return nil
			}
			a, err := audit.Trim(cmd.Context(), log, log, log, batch)
			if err != nil {
				return fmt.Errorf("exported, not trimmed: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "trimmed exported entries from Redis: the chain now starts after seq %d (anchor %s)\n", a.Seq, a.Hash)
			return nil
		},
	}
	export.Flags().IntVar(&batch, "batch", 1000, "entries per exported object")
	export.Flags().BoolVar(&trim, "trim", true, "after the export, remove the exported entries from Redis (the last one's hash stays as the chain's anchor)")
	cmd.AddCommand(verify, export)
	return cmd
}

func (c cli) auditProcess(cmd *cobra.Command) (*wire.Process, error) {
	if v, ok := c.lookup("REDIS_URL"); !ok || v == "" {
		return nil, errors.New("REDIS_URL is not set: the audit trail lives in the server's Redis")
	}
	return newProcess(cmd.Context(), "riptide-audit", c.lookup)
}
