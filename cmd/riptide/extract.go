package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/riptidecrawler/riptide/shared/extract"
	"github.com/riptidecrawler/riptide/shared/httpx"
)

// extractOptions are the flags of `riptide extract`.
type extractOptions struct {
	url     string
	format  string
	ndjson  bool
	workers int
}

func (c cli) extractCommand(r *remote) *cobra.Command {
	var o extractOptions
	cmd := &cobra.Command{
		Use:   "extract [FILE|-]",
		Short: "Extract the main content of local HTML (a file, stdin, or a stream of NDJSON pages)",
		Long: `Extract the main content of one HTML document from FILE (or stdin when FILE is
absent or "-"), printed as text, markdown or the whole document as JSON.

With --ndjson, read lines {"id","url","html"} on stdin and write one result
line {"id","url","title","text","markdown","metadata","error"} per input line,
in input order, extracting --workers lines in parallel.`,
		Example: "  riptide extract page.html --format markdown\n" +
			"  curl -s http://127.0.0.1:8000/ | riptide extract --url http://127.0.0.1:8000/\n" +
			"  riptide extract --ndjson < pages.ndjson > results.ndjson",
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if r.on() {
				return c.remoteExtract(cmd.Context(), r, o, args)
			}
			return extractCmd(cmd.Context(), o, args, c.stdin, c.stdout)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.url, "url", "", "URL of the page, to resolve relative links")
	f.StringVar(&o.format, "format", "text", "output: text, markdown or json (the whole document)")
	f.BoolVar(&o.ndjson, "ndjson", false, `read lines {"id","url","html"} on stdin, write one result line per input line, in input order`)
	f.IntVar(&o.workers, "workers", runtime.GOMAXPROCS(0), "parallel extractions with --ndjson")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"text", "markdown", "json"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// extractCmd implements `riptide extract`: one HTML document from a file or
// stdin, or (--ndjson) a stream of {"id","url","html"} lines.
func extractCmd(ctx context.Context, o extractOptions, args []string, stdin io.Reader, stdout io.Writer) error {
	if o.ndjson {
		if len(args) > 0 {
			return usageError{errors.New("--ndjson reads stdin; no file argument")}
		}
		return extractNDJSON(ctx, stdin, stdout, max(1, o.workers))
	}
	if o.format != "text" && o.format != "markdown" && o.format != "json" {
		return usageError{fmt.Errorf("--format %q: want text, markdown or json", o.format)}
	}
	in := stdin
	if len(args) == 1 && args[0] != "-" {
		name := args[0]
		f, err := os.Open(name)
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
	doc, err := extract.FromHTML(ctx, html, o.url, extract.Options{SkipHTML: o.format != "json"})
	if err != nil {
		return err
	}
	switch o.format {
	case "text":
		_, err = fmt.Fprintln(stdout, doc.Text)
	case "markdown":
		_, err = fmt.Fprintln(stdout, doc.Markdown)
	default:
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		err = enc.Encode(doc)
	}
	return err
}

// ndjsonInput is one line of `riptide extract --ndjson` input.
type ndjsonInput struct {
	ID   json.RawMessage `json:"id"`
	URL  string          `json:"url"`
	HTML string          `json:"html"`
}

// ndjsonOutput is one line of output. Text is the main content as plain
// text (no title line, no markdown syntax).
type ndjsonOutput struct {
	ID       json.RawMessage `json:"id"`
	URL      string          `json:"url"`
	Title    string          `json:"title"`
	Text     string          `json:"text"`
	Markdown string          `json:"markdown"`
	Metadata *metadata       `json:"metadata"`
	Error    *string         `json:"error"`
}

type metadata struct {
	Byline       string            `json:"byline,omitempty"`
	PublishedAt  string            `json:"published_at,omitempty"`
	ModifiedAt   string            `json:"modified_at,omitempty"`
	Language     string            `json:"language,omitempty"`
	SiteName     string            `json:"site_name,omitempty"`
	Description  string            `json:"description,omitempty"`
	CanonicalURL string            `json:"canonical_url,omitempty"`
	Image        string            `json:"image,omitempty"`
	Keywords     []string          `json:"keywords,omitempty"`
	OpenGraph    map[string]string `json:"opengraph,omitempty"`
	WordCount    int               `json:"word_count"`
	Quality      float64           `json:"quality_score"`
}

// extractNDJSON extracts lines in parallel and writes results in input
// order. At most 2*workers lines are in memory at once, so a long stream
// runs in bounded memory whatever the order of completion.
func extractNDJSON(ctx context.Context, in io.Reader, out io.Writer, workers int) error {
	type job struct {
		seq  int
		line []byte
	}
	type done struct {
		seq int
		out []byte
	}
	jobs := make(chan job)
	results := make(chan done, workers)
	slots := make(chan struct{}, 2*workers) // lines read but not yet written
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				results <- done{seq: j.seq, out: extractLine(ctx, j.seq, j.line)}
			}
		}()
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(jobs)
		br := bufio.NewReaderSize(in, 1<<20)
		for seq := 0; ; seq++ {
			line, err := br.ReadBytes('\n')
			if len(bytes.TrimSpace(line)) == 0 {
				seq-- // blank lines are not records
			} else {
				select {
				case slots <- struct{}{}:
				case <-ctx.Done():
					readErr <- ctx.Err()
					return
				}
				jobs <- job{seq: seq, line: line}
			}
			if err == io.EOF {
				readErr <- nil
				return
			}
			if err != nil {
				readErr <- err
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()

	bw := bufio.NewWriterSize(out, 1<<16)
	pending := map[int][]byte{}
	next := 0
	var writeErr error
	for d := range results {
		pending[d.seq] = d.out
		for {
			b, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if writeErr == nil {
				_, writeErr = bw.Write(b)
			}
			<-slots
		}
	}
	if err := bw.Flush(); writeErr == nil {
		writeErr = err
	}
	if err := <-readErr; err != nil {
		return err
	}
	return writeErr
}

// extractLine handles one input line; a bad line gives an output line with
// its error, so output and input stay line for line.
func extractLine(ctx context.Context, seq int, line []byte) []byte {
	var in ndjsonInput
	o := ndjsonOutput{}
	fail := func(msg string) []byte {
		o.Error = &msg
		b, _ := json.Marshal(o)
		return append(b, '\n')
	}
	if err := json.Unmarshal(line, &in); err != nil {
		return fail(fmt.Sprintf("line %d: invalid JSON: %v", seq+1, err))
	}
	o.ID, o.URL = in.ID, in.URL
	if len(o.ID) == 0 {
		o.ID = json.RawMessage("null")
	}
	doc, err := extract.FromHTML(ctx, []byte(in.HTML), in.URL, extract.Options{SkipHTML: true, SkipLinks: true, SkipMedia: true})
	if err != nil {
		return fail(err.Error())
	}
	o.Title, o.Text, o.Markdown = doc.Title, withoutTitleLine(doc.Text, doc.Title), doc.Markdown
	o.Metadata = &metadata{Byline: doc.Byline, PublishedAt: doc.PublishedAt, ModifiedAt: doc.ModifiedAt, Language: doc.Language,
		SiteName: doc.SiteName, Description: doc.Description, CanonicalURL: doc.CanonicalURL, Image: doc.Image,
		Keywords: doc.Keywords, OpenGraph: doc.OpenGraph, WordCount: doc.WordCount, Quality: doc.Quality.Score}
	buf, err := httpx.MarshalJSON(o)
	if err != nil {
		return fail(err.Error())
	}
	return buf
}

// withoutTitleLine drops a first line that repeats the title: the batch
// interface promises the main content only (the title has its own field).
func withoutTitleLine(text, title string) string {
	first, rest, found := strings.Cut(text, "\n")
	if found && title != "" && strings.EqualFold(strings.TrimSpace(first), strings.TrimSpace(title)) {
		return strings.TrimLeft(rest, "\n")
	}
	return text
}
