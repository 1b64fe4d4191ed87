package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/pipeline"
	"github.com/riptidecrawler/riptide/shared/wire/pipelinewire"
)

// crawlOptions are the flags of `riptide crawl`.
type crawlOptions struct {
	ndjson      bool
	format      string
	concurrency int
	timeout     time.Duration
	renderMode  string
	render      bool
	noRobots    bool
}

func (c cli) crawlCommand(r *remote) *cobra.Command {
	var o crawlOptions
	cmd := &cobra.Command{
		Use:   "crawl URL... [flags]",
		Short: "Crawl URLs in this process and print them (markdown, text, JSON, or NDJSON lines)",
		Long: `Crawl URLs in this process (no server, no cache) and print each page.

Output (stdout), one page after the other in the order given:
  --format markdown  an HTML comment with the URL, status, gate decision and
                     quality, then the page as markdown (the default)
  --format text      a header line "==> URL <==", then the title and the text
  --format json      one JSON result per line
  --ndjson           one {"type":"result"} line per URL in completion order,
                     then a {"type":"summary"} line
Notes and hints go to stderr; the exit code is 1 when a URL failed.

Pages the gate sends to a browser are rendered with Chromium when it is
installed (RIPTIDE_CHROMIUM_PATH, else chromium-headless-shell or chromium on
PATH); --render renders every page. Loopback and private addresses are refused
by the SSRF guard unless RIPTIDE_ALLOW_CIDRS lets them through.

With --base-url the server crawls (its cache, browser and SSRF rules apply)
and the output is the same.`,
		Example: "  riptide crawl https://example.com/ --format text\n" +
			"  riptide crawl https://example.com/app --render\n" +
			"  RIPTIDE_ALLOW_CIDRS=127.0.0.0/8 riptide crawl http://127.0.0.1:8000/ --ndjson\n" +
			"  RIPTIDE_API_KEY=key riptide --base-url http://127.0.0.1:8080 crawl https://example.com/",
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, urls []string) error {
			if o.render {
				if cmd.Flags().Changed("render-mode") && o.renderMode != string(pipeline.RenderHeadless) {
					return usageError{fmt.Errorf("--render asks for headless rendering but --render-mode is %q", o.renderMode)}
				}
				o.renderMode = string(pipeline.RenderHeadless)
			}
			if r.on() {
				return c.remoteCrawl(cmd.Context(), r, o, urls)
			}
			return crawlCmd(cmd.Context(), o, urls, c.stdout, c.stderr, c.lookup)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.ndjson, "ndjson", false, "print one JSON result per line (completion order), then a summary line")
	f.StringVar(&o.format, "format", "markdown", "without --ndjson: print each page as markdown, text or json")
	f.IntVar(&o.concurrency, "concurrency", pipeline.DefaultConcurrency, "URLs crawled at once")
	f.DurationVar(&o.timeout, "timeout", pipeline.DefaultTimeout, "time budget per URL")
	f.StringVar(&o.renderMode, "render-mode", "auto", "auto (the gate decides), raw (never render) or headless (always render)")
	f.BoolVar(&o.render, "render", false, "render every page in headless Chromium (same as --render-mode headless)")
	f.BoolVar(&o.noRobots, "no-robots", false, "do not obey robots.txt")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"markdown", "text", "json"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("render-mode", cobra.FixedCompletions([]string{"auto", "raw", "headless"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// crawlCmd implements `riptide crawl URL...`: crawl in this process (no
// server, no cache) and print the results.
func crawlCmd(ctx context.Context, o crawlOptions, urls []string, stdout, stderr io.Writer, lookup config.LookupFunc) error {
	if o.format != "markdown" && o.format != "text" && o.format != "json" {
		return usageError{fmt.Errorf("--format %q: want markdown, text or json", o.format)}
	}
	respect := !o.noRobots
	opts := pipeline.Options{Concurrency: o.concurrency, CacheMode: pipeline.CacheBypass, TimeoutMS: o.timeout.Milliseconds(),
		RenderMode: pipeline.RenderMode(o.renderMode), RespectRobots: &respect}.WithDefaults()
	if err := opts.Validate("flags"); err != nil {
		return usageError{err}
	}
	proc, err := newProcess(ctx, "cli", lookup)
	if err != nil {
		return err
	}
	defer proc.Close()
	// The CLI explains what matters to its user itself (hints below); the
	// wiring's warnings speak of the server's routes, so only errors are
	// logged.
	proc.Logger = quietLogger(stderr)
	p, err := pipelinewire.Pipeline(ctx, proc)
	if err != nil {
		return err
	}
	if p.Browser == nil && opts.RenderMode == pipeline.RenderHeadless {
		return fmt.Errorf("--render needs Chromium, and none was found (%s).\n%s", chromiumProblem(proc.Config.ChromiumPath), chromiumHint)
	}
	bar := newProgress(stderr, len(urls))
	results := make([]pipeline.Result, len(urls))
	stats, err := p.Batch(ctx, urls, opts, func(i int, r pipeline.Result) error {
		bar.step(r)
		results[i] = r
		if o.ndjson {
			b, err := httpx.MarshalJSON(map[string]any{"type": "result", "index": i, "result": r})
			if err != nil {
				return err
			}
			_, err = stdout.Write(b)
			return err
		}
		return nil
	})
	bar.done()
	if err != nil {
		return err
	}
	if o.ndjson {
		b, _ := httpx.MarshalJSON(map[string]any{"type": "summary", "stats": stats})
		if _, err := stdout.Write(b); err != nil {
			return err
		}
	} else {
		for i, r := range results {
			if i > 0 && o.format != "json" {
				fmt.Fprintln(stdout)
			}
			printResult(stdout, r, o.format)
		}
	}
	for _, h := range crawlHints(results, p.Browser != nil) {
		fmt.Fprintln(stderr, h)
	}
	if stats.Failed > 0 && !o.ndjson {
		return fmt.Errorf("%d of %d URLs failed", stats.Failed, stats.TotalURLs)
	}
	return nil
}

// textHeader is the line that starts each page of --format text, as tail(1)
// and head(1) mark files: easy to spot and to split on.
func textHeader(url string) string { return "==> " + url + " <==" }

func printResult(w io.Writer, r pipeline.Result, format string) {
	if !r.OK() {
		switch format {
		case "json":
			b, _ := httpx.MarshalJSON(r)
			_, _ = w.Write(b)
		case "text":
			fmt.Fprintf(w, "%s\nFAILED: %s: %s\n", textHeader(r.URL), r.Error.Type, r.Error.Message)
		default:
			fmt.Fprintf(w, "# %s\nFAILED: %s: %s\n", r.URL, r.Error.Type, r.Error.Message)
		}
		return
	}
	switch format {
	case "json":
		b, _ := httpx.MarshalJSON(r)
		_, _ = w.Write(b)
	case "text":
		fmt.Fprintf(w, "%s\n%s\n\n%s\n", textHeader(r.FinalURL), r.Document.Title, withoutTitleLine(r.Document.Text, r.Document.Title))
	default:
		fmt.Fprintf(w, "<!-- %s (%d, %s, quality %.2f) -->\n", r.FinalURL, r.Status, r.GateDecision, r.QualityScore)
		if r.Document.Title != "" && !strings.HasPrefix(r.Document.Markdown, "# ") {
			fmt.Fprintf(w, "# %s\n\n", r.Document.Title)
		}
		fmt.Fprintln(w, r.Document.Markdown)
	}
}

// progress draws a one-line progress bar on a terminal and nothing
// otherwise (logs and pipes stay clean).
type progress struct {
	w          io.Writer
	tty        bool
	total, n   int
	failed     int
	start      time.Time
	lastRedraw time.Time
}

func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, total: total, start: time.Now()}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

func (p *progress) step(r pipeline.Result) {
	p.n++
	if !r.OK() {
		p.failed++
	}
	if !p.tty || (time.Since(p.lastRedraw) < 50*time.Millisecond && p.n < p.total) {
		return
	}
	p.lastRedraw = time.Now()
	const width = 30
	filled := width * p.n / max(1, p.total)
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d  failed %d  %.1fs ", strings.Repeat("=", filled), strings.Repeat(" ", width-filled),
		p.n, p.total, p.failed, time.Since(p.start).Seconds())
}

func (p *progress) done() {
	if p.tty {
		fmt.Fprintln(p.w)
	}
}

// quietLogger sends the CLI's logs to stderr at error level.
func quietLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelError}))
}
