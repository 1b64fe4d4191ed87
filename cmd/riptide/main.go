// Command riptide is RipTide's CLI and local server.
//
//	riptide serve [--addr 127.0.0.1:8080]   every endpoint group on one port, embedded defaults
//	riptide crawl URL... [flags]            crawl in process, print markdown, text, JSON or NDJSON
//	riptide extract [FILE|-] [flags]        extract local HTML
//	riptide --base-url URL crawl|extract|jobs ...  the same through a server's API (docs/cli.md)
//	riptide audit verify|export             prove or export the audit trail in REDIS_URL
//	riptide tenant export|delete TENANT     one tenant's data in REDIS_URL (docs/privacy.md)
//	riptide routes                          the route table
//	riptide openapi                         the OpenAPI document (JSON)
//	riptide version | --version
//	riptide completion bash|zsh|fish|powershell
//
// The command line is parsed by spf13/cobra: flags may follow positional
// arguments, every command has --help/-h (exit 0), and shell completion
// comes with it.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/version"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Exit codes: 0 success (help included), 1 the command failed, 2 the
// command line was wrong (unknown command or flag, missing argument).
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// cli is what every command reads from its surroundings; tests build one
// with their own streams and environment.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	lookup         config.LookupFunc
}

// run executes one command line with the process environment and returns
// the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return cli{stdin: stdin, stdout: stdout, stderr: stderr, lookup: os.LookupEnv}.run(ctx, args)
}

func (c cli) run(ctx context.Context, args []string) int {
	root := c.rootCommand()
	if args == nil {
		args = []string{} // nil would make cobra read os.Args
	}
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	var usage usageError
	if errors.As(err, &usage) {
		if usage.err != nil {
			fmt.Fprintf(c.stderr, "%s: %v\n", cmd.CommandPath(), usage.err)
		}
		fmt.Fprintf(c.stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
		return exitUsage
	}
	fmt.Fprintf(c.stderr, "%s: %v\n", cmd.CommandPath(), err)
	return exitFail
}

// usageError marks a wrong command line (exit 2) apart from a command that
// ran and failed (exit 1).
type usageError struct{ err error }

func (u usageError) Error() string {
	if u.err == nil {
		return "usage"
	}
	return u.err.Error()
}
func (u usageError) Unwrap() error { return u.err }

// usageArgs wraps a cobra argument check so that its failure is a usage error.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

func (c cli) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "riptide",
		Short: "Web crawling and content extraction",
		Long: `riptide: web crawling and content extraction.

Run the whole API locally with 'riptide serve', or crawl and extract from the
command line. Configuration comes from environment variables (README.md lists
them); the ones the CLI uses most:
  RIPTIDE_ALLOW_CIDRS    addresses the SSRF guard lets through although private
                         (e.g. 127.0.0.0/8 to crawl a server on this machine)
  RIPTIDE_CHROMIUM_PATH  the Chromium binary for --render (default: found on PATH)
  REDIS_URL              a Redis server for 'serve' (default: embedded)

With --base-url, crawl, extract and jobs call that RipTide server through its
API instead (remote mode, docs/cli.md); the key comes from --api-key or
RIPTIDE_API_KEY.`,
		Version: fmt.Sprintf("%s (API v%s)", version.String(), httpx.APIVersion),
		// A root without a subcommand is a usage error; a word that is no
		// command is one too, with cobra's suggestions.
		Args: usageArgs(func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("unknown command %q%s", args[0], suggestions(cmd, args[0]))
			}
			return nil
		}),
		RunE: func(cmd *cobra.Command, _ []string) error {
			cmd.SetOut(c.stderr)
			_ = cmd.Usage()
			return usageError{}
		},
		SuggestionsMinimumDistance: 2,
		SilenceErrors:              true, // run prints errors once, with the exit code's meaning
		SilenceUsage:               true, // a failed crawl is not a reason to print usage
	}
	r := &remote{}
	r.addFlags(root)
	// Remote mode exists for the commands with an API equivalent; the
	// others refuse --base-url rather than silently working locally.
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if !r.on() || remoteCommands[strings.TrimPrefix(cmd.CommandPath(), "riptide ")] {
			return nil
		}
		return usageError{fmt.Errorf("%s works in this process only; drop --base-url", cmd.CommandPath())}
	}
	root.SetVersionTemplate("riptide {{.Version}}\n")
	root.SetIn(c.stdin)
	root.SetOut(c.stdout)
	root.SetErr(c.stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(c.serveCommand(), c.crawlCommand(r), c.extractCommand(r), c.backupCommand(), c.restoreCommand(), c.migrateCommand(), c.smokeCommand(),
		c.auditCommand(), c.tenantCommand(), c.jobsCommand(r), routesCommand(), openAPICommand(), versionCommand())
	return root
}

// remoteCommands are the command paths that --base-url sends to a server.
var remoteCommands = map[string]bool{"crawl": true, "extract": true, "jobs submit": true, "jobs get": true,
	"jobs list": true, "jobs cancel": true, "jobs result": true}

func suggestions(cmd *cobra.Command, typed string) string {
	s := cmd.SuggestionsFor(typed)
	if len(s) == 0 {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", s[0])
}

func (c cli) serveCommand() *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run every endpoint group on one port (embedded Redis unless REDIS_URL is set)",
		Long: `Run the whole API on one port, as the Lambda functions do in AWS: every
endpoint group, one fetcher, one browser (started on the first render), and an
embedded Redis unless REDIS_URL names a real one. Stop with Ctrl-C.

Open / in a browser for the web playground (docs/playground.md): a request
builder with code generation, live streams and spider runs, jobs, health and
the API reference.

Without RIPTIDE_API_KEYS every request needs a key that does not exist: set
RIPTIDE_API_KEYS=key1,key2, or RIPTIDE_AUTH=disabled on a trusted machine.`,
		Example: "  riptide serve\n  RIPTIDE_AUTH=disabled riptide serve --addr 127.0.0.1:9000",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serve(cmd.Context(), addr, c.lookup, c.stdout)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "", "listen address (default $RIPTIDE_ADDR or 127.0.0.1:8080)")
	return cmd
}
