package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/pipeline"
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/pipelinewire"
)

// crawlCmd implements `riptide crawl URL...`: crawl in this process (no
// server, no cache) and print the results.
func crawlCmd(ctx context.Context, args []string, stdout, stderr io.Writer, lookup config.LookupFunc) error {
	fs := flag.NewFlagSet("crawl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ndjson := fs.Bool("ndjson", false, "print one JSON result per line (completion order), then a summary line")
	format := fs.String("format", "markdown", "without --ndjson: print each page as markdown, text or json")
	concurrency := fs.Int("concurrency", pipeline.DefaultConcurrency, "URLs crawled at once")
	timeout := fs.Duration("timeout", pipeline.DefaultTimeout, "time budget per URL")
	render := fs.String("render-mode", "auto", "auto, raw or headless")
	noRobots := fs.Bool("no-robots", false, "do not obey robots.txt")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: riptide crawl [flags] URL...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return fmt.Errorf("no URL given")
	}
	if *format != "markdown" && *format != "text" && *format != "json" {
		return fmt.Errorf("--format %q: want markdown, text or json", *format)
	}
	respect := !*noRobots
	opts := pipeline.Options{Concurrency: *concurrency, CacheMode: pipeline.CacheBypass, TimeoutMS: timeout.Milliseconds(),
		RenderMode: pipeline.RenderMode(*render), RespectRobots: &respect}.WithDefaults()
	if err := opts.Validate("flags"); err != nil {
		return err
	}
	proc, err := wire.New(ctx, "cli", lookup)
	if err != nil {
		return err
	}
	defer proc.Close()
	proc.Logger = quietLogger(stderr)
	p, err := pipelinewire.Pipeline(ctx, proc)
	if err != nil {
		return err
	}
	urls := fs.Args()
	bar := newProgress(stderr, len(urls))
	results := make([]pipeline.Result, len(urls))
	stats, err := p.Batch(ctx, urls, opts, func(i int, r pipeline.Result) error {
		bar.step(r)
		if *ndjson {
			b, err := httpx.MarshalJSON(map[string]any{"type": "result", "index": i, "result": r})
			if err != nil {
				return err
			}
			_, err = stdout.Write(b)
			return err
		}
		results[i] = r
		return nil
	})
	bar.done()
	if err != nil {
		return err
	}
	if *ndjson {
		b, _ := httpx.MarshalJSON(map[string]any{"type": "summary", "stats": stats})
		_, err = stdout.Write(b)
		return err
	}
	for i, r := range results {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		printResult(stdout, r, *format)
	}
	if stats.Failed > 0 {
		return fmt.Errorf("%d of %d URLs failed", stats.Failed, stats.TotalURLs)
	}
	return nil
}

func printResult(w io.Writer, r pipeline.Result, format string) {
	if !r.OK() {
		fmt.Fprintf(w, "# %s\nFAILED: %s: %s\n", r.URL, r.Error.Type, r.Error.Message)
		return
	}
	switch format {
	case "json":
		b, _ := httpx.MarshalJSON(r)
		_, _ = w.Write(b)
	case "text":
		fmt.Fprintf(w, "%s\n%s\n", r.Document.Title, r.Document.Text)
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

// quietLogger sends the CLI's logs to stderr at warning level and above.
func quietLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
