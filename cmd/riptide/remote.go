package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/riptidecrawler/riptide/client"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/pipeline"
)

// remote holds the root's --base-url and --api-key: when a base URL is
// given, the commands that have an API equivalent call that server through
// the Go client (docs/cli.md, "Remote mode") instead of the engine in this
// process.
type remote struct {
	baseURL string
	apiKey  string
}

// apiKeyEnv is where remote mode finds the key when --api-key is absent, as
// the playground's code snippets do.
const apiKeyEnv = "RIPTIDE_API_KEY"

func (r *remote) addFlags(cmd *cobra.Command) {
	f := cmd.PersistentFlags()
	f.StringVar(&r.baseURL, "base-url", "", "call the RipTide server at this URL instead of working in this process (crawl, extract, jobs)")
	f.StringVar(&r.apiKey, "api-key", "", "API key for --base-url (default $"+apiKeyEnv+")")
}

// on says whether the command line asked for remote mode.
func (r *remote) on() bool { return r.baseURL != "" }

// client builds the API client of remote mode.
func (c cli) remoteClient(r *remote) (*client.Client, error) {
	key := r.apiKey
	if key == "" {
		key, _ = c.lookup(apiKeyEnv)
	}
	cl, err := client.New(r.baseURL, client.WithAPIKey(key), client.WithUserAgent("riptide-cli"))
	if err != nil {
		return nil, usageError{fmt.Errorf("--base-url: %w", err)}
	}
	return cl, nil
}

// remoteError makes a failed call readable: the server's error as it
// said it, and a server that cannot be reached named with a hint.
func remoteError(r *remote, err error) error {
	var apiErr *client.Error
	if errors.As(err, &apiErr) {
		msg := fmt.Sprintf("server answered %d %s: %s", apiErr.Status, apiErr.Type, apiErr.Message)
		for _, d := range apiErr.Details {
			msg += fmt.Sprintf("\n  %s: %s", d.Field, d.Message)
		}
		if apiErr.RetryAfter > 0 {
			msg += fmt.Sprintf("\n  retry after %s", apiErr.RetryAfter)
		}
		if apiErr.RequestID != "" {
			msg += "\n  request id " + apiErr.RequestID
		}
		if apiErr.Status == 401 && r.apiKey == "" {
			msg += "\n  pass --api-key or set " + apiKeyEnv
		}
		return errors.New(msg)
	}
	var opErr *net.OpError
	var urlErr *url.Error
	if errors.As(err, &opErr) || errors.As(err, &urlErr) && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("cannot reach %s: %w", r.baseURL, err)
	}
	return err
}

// remoteCrawl is `riptide --base-url URL crawl`: the server's NDJSON stream,
// printed as the local mode prints (NDJSON lines in completion order, or
// every page in the order given).
func (c cli) remoteCrawl(ctx context.Context, r *remote, o crawlOptions, urls []string) error {
	if o.format != "markdown" && o.format != "text" && o.format != "json" {
		return usageError{fmt.Errorf("--format %q: want markdown, text or json", o.format)}
	}
	cl, err := c.remoteClient(r)
	if err != nil {
		return err
	}
	opts := client.CrawlOptions{Options: client.Options{Concurrency: o.concurrency, TimeoutMS: o.timeout.Milliseconds(), RenderMode: o.renderMode}}
	if o.noRobots {
		respect := false
		opts.RespectRobots = &respect
	}
	results := make([]pipeline.Result, len(urls))
	bar := newProgress(c.stderr, len(urls))
	var summary *client.CrawlSummaryLine
	for ev, err := range cl.CrawlStream(ctx, client.CrawlRequest{URLs: urls, Options: &opts}) {
		if err != nil {
			bar.done()
			return remoteError(r, err)
		}
		switch {
		case ev.Result != nil:
			res, err := asPipelineResult(ev.Result.Result)
			if err != nil {
				return err
			}
			if ev.Result.Index >= 0 && ev.Result.Index < len(results) {
				results[ev.Result.Index] = res
			}
			bar.step(res)
			if o.ndjson {
				b, err := httpx.MarshalJSON(map[string]any{"type": "result", "index": ev.Result.Index, "result": res})
				if err != nil {
					return err
				}
				if _, err := c.stdout.Write(b); err != nil {
					return err
				}
			}
		case ev.Summary != nil:
			summary = ev.Summary
		}
	}
	bar.done()
	if o.ndjson {
		b, _ := httpx.MarshalJSON(map[string]any{"type": "summary", "stats": summary.Stats})
		_, err := c.stdout.Write(b)
		return err
	}
	for i, res := range results {
		if i > 0 && o.format != "json" {
			fmt.Fprintln(c.stdout)
		}
		printResult(c.stdout, res, o.format)
	}
	if summary.Stats.Failed > 0 {
		return fmt.Errorf("%d of %d URLs failed", summary.Stats.Failed, summary.Stats.TotalURLs)
	}
	return nil
}

// asPipelineResult turns the client's result into the engine's, so that
// both modes print through the same code. The wire JSON is the contract
// between the two (client.TestTypesMatchOpenAPI holds it to the schema).
func asPipelineResult(r client.Result) (pipeline.Result, error) {
	var out pipeline.Result
	b, err := json.Marshal(r)
	if err == nil {
		err = json.Unmarshal(b, &out)
	}
	if err != nil {
		return out, fmt.Errorf("read the server's result: %w", err)
	}
	return out, nil
}

// remoteExtract is `riptide --base-url URL extract`: the HTML of FILE or
// stdin extracted by the server's POST /api/v1/extract.
func (c cli) remoteExtract(ctx context.Context, r *remote, o extractOptions, args []string) error {
	if o.ndjson {
		return usageError{errors.New("--ndjson extracts in this process only; drop --base-url")}
	}
	if o.format != "text" && o.format != "markdown" && o.format != "json" {
		return usageError{fmt.Errorf("--format %q: want text, markdown or json", o.format)}
	}
	cl, err := c.remoteClient(r)
	if err != nil {
		return err
	}
	in := c.stdin
	if len(args) == 1 && args[0] != "-" {
		f, err := os.Open(args[0])
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	html, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	req := client.ExtractRequest{URL: o.url, HTML: string(html)}
	if o.format == "json" {
		req.Options = &client.Options{Formats: []string{"text", "markdown", "html", "links", "media", "metadata"}}
	}
	res, err := cl.Extract(ctx, req)
	if err != nil {
		return remoteError(r, err)
	}
	doc := res.Document
	if doc == nil {
		doc = &client.Document{}
	}
	switch o.format {
	case "text":
		_, err = fmt.Fprintln(c.stdout, doc.Text)
	case "markdown":
		_, err = fmt.Fprintln(c.stdout, doc.Markdown)
	default:
		err = printJSON(c.stdout, doc)
	}
	return err
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// remoteJobsCommands are the `riptide jobs` subcommands that call the
// server's job API; they need --base-url.
func (c cli) remoteJobsCommands(r *remote) []*cobra.Command {
	need := func(cmd *cobra.Command) (*client.Client, error) {
		if !r.on() {
			return nil, usageError{fmt.Errorf("%s calls a server's job API: give --base-url", cmd.CommandPath())}
		}
		return c.remoteClient(r)
	}
	var spec client.JobSpec
	var wait bool
	submit := &cobra.Command{
		Use:   "submit URL... --type TYPE",
		Short: "Submit an async job to the server (--base-url) and print its id, or its final state with --wait",
		Example: "  riptide --base-url http://127.0.0.1:8080 jobs submit --type batch_crawl http://127.0.0.1:8000/ http://127.0.0.1:8000/a\n" +
			"  riptide --base-url http://127.0.0.1:8080 jobs submit --type single_crawl --wait http://127.0.0.1:8000/",
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, urls []string) error {
			cl, err := need(cmd)
			if err != nil {
				return err
			}
			s := spec
			if len(urls) == 1 && s.Type != "batch_crawl" {
				s.URL = urls[0]
			} else {
				s.URLs = urls
			}
			acc, err := cl.SubmitJob(cmd.Context(), s)
			if err != nil {
				return remoteError(r, err)
			}
			if !wait {
				return printJSON(c.stdout, acc)
			}
			j, err := cl.WaitJob(cmd.Context(), acc.JobID, 250*time.Millisecond)
			if err != nil {
				return remoteError(r, err)
			}
			if err := printJSON(c.stdout, j); err != nil {
				return err
			}
			if j.Status != "completed" {
				return fmt.Errorf("job %s ended %s", j.JobID, j.Status)
			}
			return nil
		},
	}
	submit.Flags().StringVar(&spec.Type, "type", "single_crawl", "single_crawl, batch_crawl, spider, extract or pdf")
	submit.Flags().StringVar(&spec.Priority, "priority", "", "high, normal or low (default normal)")
	submit.Flags().StringVar(&spec.IdempotencyKey, "idempotency-key", "", "a resubmission with the same key returns the first job")
	submit.Flags().BoolVar(&wait, "wait", false, "wait for the job to end and print its final state (exit 1 unless completed)")
	_ = submit.RegisterFlagCompletionFunc("type", cobra.FixedCompletions([]string{"single_crawl", "batch_crawl", "spider", "extract", "pdf"}, cobra.ShellCompDirectiveNoFileComp))

	byID := func(use, short string, do func(ctx context.Context, cl *client.Client, id string) (any, error)) *cobra.Command {
		return &cobra.Command{
			Use: use + " JOB_ID", Short: short, Args: usageArgs(cobra.ExactArgs(1)),
			RunE: func(cmd *cobra.Command, args []string) error {
				cl, err := need(cmd)
				if err != nil {
					return err
				}
				v, err := do(cmd.Context(), cl, args[0])
				if err != nil {
					return remoteError(r, err)
				}
				return printJSON(c.stdout, v)
			},
		}
	}
	get := byID("get", "Print a job's state (--base-url)", func(ctx context.Context, cl *client.Client, id string) (any, error) { return cl.Job(ctx, id) })
	cancel := byID("cancel", "Cancel a job (--base-url)", func(ctx context.Context, cl *client.Client, id string) (any, error) { return cl.CancelJob(ctx, id) })
	result := byID("result", "Print the first page of a job's result (--base-url)", func(ctx context.Context, cl *client.Client, id string) (any, error) {
		return cl.JobResult(ctx, id, "")
	})

	var filter client.JobFilter
	list := &cobra.Command{
		Use: "list", Short: "List jobs, newest first (--base-url)", Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, err := need(cmd)
			if err != nil {
				return err
			}
			page, err := cl.ListJobs(cmd.Context(), filter)
			if err != nil {
				return remoteError(r, err)
			}
			return printJSON(c.stdout, page)
		},
	}
	list.Flags().StringVar(&filter.Status, "status", "", "only jobs in this state")
	list.Flags().StringVar(&filter.Type, "type", "", "only jobs of this type")
	list.Flags().IntVar(&filter.Limit, "limit", 0, "jobs per page, 1..500 (default 50)")
	list.Flags().StringVar(&filter.Cursor, "cursor", "", "next_cursor of the previous page")
	return []*cobra.Command{submit, get, list, cancel, result}
}
