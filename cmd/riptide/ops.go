package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/riptidecrawler/riptide/shared/store"
	"github.com/riptidecrawler/riptide/shared/wire"
)

// openStore opens the Redis named by REDIS_URL (with RIPTIDE_KEY_PREFIX
// and the auth token), as the server would. The embedded store is
// refused: it is empty in a fresh process.
func (c cli) openStore(ctx context.Context) (*wire.Process, error) {
	p, err := newProcess(ctx, "cli", c.lookup)
	if err != nil {
		return nil, err
	}
	if p.Store.Embedded() {
		_ = p.Close()
		return nil, usageError{errors.New("REDIS_URL is not set: backup, restore and migrate work on a real Redis (the embedded one lives only inside `riptide serve`)")}
	}
	return p, nil
}

func (c cli) backupCommand() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "backup",
		Short: "Write a logical backup of the Redis at REDIS_URL (every key under RIPTIDE_KEY_PREFIX) to a file",
		Long: `Write every key under RIPTIDE_KEY_PREFIX in the Redis at REDIS_URL, with its
remaining TTL, to a gzip-compressed NDJSON file (docs/operations.md, "Backups").
'riptide restore' reads it back, into the same or another prefix.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			p, err := c.openStore(ctx)
			if err != nil {
				return err
			}
			defer p.Close()
			if out == "" {
				out = "riptide-backup-" + time.Now().UTC().Format("20060102T150405Z") + ".ndjson.gz"
			}
			var w io.Writer = c.stdout
			var f *os.File
			if out != "-" {
				if f, err = os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); err != nil {
					return err
				}
				w = f
			}
			st, err := p.Store.Backup(ctx, w)
			if f != nil {
				if cerr := f.Close(); err == nil {
					err = cerr
				}
				if err != nil {
					_ = os.Remove(out)
				}
			}
			if err != nil {
				return fmt.Errorf("backup: %w", err)
			}
			p.Recorder.RecordBackup(st.Keys)
			fmt.Fprintf(c.stderr, "backed up %d keys (%d expired meanwhile) in %v to %s\n", st.Keys, st.Expired, st.Duration.Round(time.Millisecond), out)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "file to write (default riptide-backup-<UTC time>.ndjson.gz; - for stdout); an existing file is not overwritten")
	return cmd
}

func (c cli) restoreCommand() *cobra.Command {
	var replace bool
	cmd := &cobra.Command{
		Use:   "restore FILE",
		Short: "Restore a backup written by 'riptide backup' into the Redis at REDIS_URL (- reads stdin)",
		Long: `Restore every key of a backup under RIPTIDE_KEY_PREFIX (which may differ from
the prefix backed up) in the Redis at REDIS_URL, with the TTLs the keys had left.
Without --replace a key that exists stops the restore (keys restored before it
stay); a backup of a newer schema than this binary's is refused.`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var r io.Reader = c.stdin
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				r = f
			}
			p, err := c.openStore(ctx)
			if err != nil {
				return err
			}
			defer p.Close()
			h, st, err := p.Store.Restore(ctx, r, store.RestoreOptions{Replace: replace})
			if err != nil {
				return fmt.Errorf("restore (%d keys written): %w", st.Keys, err)
			}
			fmt.Fprintf(c.stderr, "restored %d keys of the backup of %s (prefix %q, schema %d) in %v\n",
				st.Keys, h.CreatedAt.Format(time.RFC3339), h.Prefix, h.SchemaVersion, st.Duration.Round(time.Millisecond))
			// A backup of an older schema is brought up to this binary's.
			v, err := p.Store.EnsureSchema(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.stderr, "schema version %d\n", v)
			return nil
		},
	}
	cmd.Flags().BoolVar(&replace, "replace", false, "overwrite keys that exist")
	return cmd
}

func (c cli) migrateCommand() *cobra.Command {
	var check bool
	var to int
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Bring the store at REDIS_URL to this binary's schema version, or to --to N ('riptide serve' migrates up on start)",
		Long: `Run the store's schema migrations (docs/storage.md, "Schema versions") under
the schema lock: up to this binary's version, or up or down to --to N before
running an older binary. A second runner waits for the first (--wait) and then
finds the work done; with --wait 0 it reports "migration in progress".`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			p, err := c.openStore(ctx)
			if err != nil {
				return err
			}
			defer p.Close()
			if check {
				v, found, err := p.Store.SchemaVersionOf(ctx)
				if err != nil {
					return err
				}
				if !found {
					fmt.Fprintf(c.stdout, "store has no schema version (fresh or unversioned); this binary's %d\n", store.SchemaVersion)
					return nil
				}
				fmt.Fprintf(c.stdout, "store schema version %d; this binary's %d\n", v, store.SchemaVersion)
				return nil
			}
			if to < 0 || to > store.SchemaVersion {
				return usageError{fmt.Errorf("--to %d: this binary knows schema versions 1..%d", to, store.SchemaVersion)}
			}
			res, err := p.Store.Migrate(ctx, store.MigrateOptions{Target: to, Wait: wait, Logger: p.Logger})
			for _, st := range res.Steps {
				fmt.Fprintf(c.stderr, "migrated %d -> %d (%s) in %v\n", st.From, st.To, st.Name, st.Duration.Round(time.Millisecond))
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "store schema version %d\n", res.To)
			return nil
		},
	}
	cmd.Flags().BoolVar(&check, "check", false, "only print the store's version, change nothing")
	cmd.Flags().IntVar(&to, "to", 0, "target schema version (default this binary's); lower than the store's runs down migrations")
	cmd.Flags().DurationVar(&wait, "wait", store.EnsureSchemaWait, "how long to wait for a migration another runner has under way (0: fail at once)")
	return cmd
}
