package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"

	"github.com/riptidecrawler/riptide/shared/extract"
	"github.com/riptidecrawler/riptide/shared/httpx"
)

// extractCmd implements `riptide extract`: one HTML document from a file or
// stdin, or (--ndjson) a stream of {"id","url","html"} lines.
func extractCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("extract", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pageURL := fs.String("url", "", "URL of the page, to resolve relative links")
	format := fs.String("format", "text", "output: text, markdown or json (the whole document)")
	ndjson := fs.Bool("ndjson", false, `read lines {"id","url","html"} on stdin, write one result line per input line, in input order`)
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "parallel extractions with --ndjson")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: riptide extract [--url U] [--format text|markdown|json] [FILE|-]\n       riptide extract --ndjson < pages.ndjson > results.ndjson")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *ndjson {
		if fs.NArg() > 0 {
			return errors.New("--ndjson reads stdin; no file argument")
		}
		return extractNDJSON(ctx, stdin, stdout, max(1, *workers))
	}
	if *format != "text" && *format != "markdown" && *format != "json" {
		return fmt.Errorf("--format %q: want text, markdown or json", *format)
	}
	in := stdin
	if name := fs.Arg(0); name != "" && name != "-" {
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
	doc, err := extract.FromHTML(ctx, html, *pageURL, extract.Options{SkipHTML: *format != "json"})
	if err != nil {
		return err
	}
	switch *format {
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
