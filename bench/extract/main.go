// Command extract-bench scores RipTide's main-content extractor against
// go-trafilatura and go-readability on the extraction dev set, in one run on
// the same pages, and writes the result as a markdown table.
//
// It lives in its own module so that go-trafilatura (whose package init costs
// hundreds of milliseconds) never enters the main module's dependency graph.
package main

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
)

// page is one dev-set entry, decoded to UTF-8 up front so that charset
// conversion (the fetch layer's job) is not timed as part of extraction.
type page struct {
	ID      string
	URL     string
	HTML    []byte
	With    []string
	Without []string
}

type truthEntry struct {
	URL     string   `json:"url"`
	File    string   `json:"file"`
	With    []string `json:"with"`
	Without []string `json:"without"`
}

// counts are the confusion-matrix counts of the dev set's scoring method.
type counts struct{ TP, FN, FP, TN int }

func (c *counts) add(o counts) { c.TP += o.TP; c.FN += o.FN; c.FP += o.FP; c.TN += o.TN }

func (c counts) precision() float64 { return ratio(c.TP, c.TP+c.FP) }
func (c counts) recall() float64    { return ratio(c.TP, c.TP+c.FN) }
func (c counts) f1() float64        { return ratio(2*c.TP, 2*c.TP+c.FP+c.FN) }
func (c counts) accuracy() float64  { return ratio(c.TP+c.TN, c.TP+c.TN+c.FP+c.FN) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// normalizeSpace collapses whitespace runs to one space and trims, the
// normalisation the dev set's README prescribes for text and segments.
func normalizeSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

func score(p *page, text string) counts {
	text = normalizeSpace(text)
	var c counts
	for _, s := range p.With {
		if text != "" && strings.Contains(text, normalizeSpace(s)) {
			c.TP++
		} else {
			c.FN++
		}
	}
	for _, s := range p.Without {
		if text != "" && strings.Contains(text, normalizeSpace(s)) {
			c.FP++
		} else {
			c.TN++
		}
	}
	return c
}

// result is one extractor's outcome on one page.
type result struct {
	counts  counts
	elapsed time.Duration
	err     error
	text    string
}

func main() {
	data := flag.String("data", "/work/shared/bench/extraction-dev", "dev set folder (ground-truth.json + html/)")
	out := flag.String("out", "", "write the markdown table to this file as well as stdout")
	workers := flag.Int("workers", 1, "pages processed in parallel; every extractor runs on a page in the same worker, one after the other")
	only := flag.String("only", "", "comma-separated extractor names to run (default: all)")
	limit := flag.Int("limit", 0, "use only the first N pages (sorted by id)")
	worst := flag.Int("worst", 0, "print the N pages where riptide loses most against the best peer")
	dump := flag.String("dump", "", "write each extractor's text for this page id to <dir>/<id>.<extractor>.txt (dir = -dumpdir)")
	dumpDir := flag.String("dumpdir", os.TempDir(), "where -dump and -dumpall write")
	dumpAll := flag.Bool("dumpall", false, "write every extractor's text of every page to -dumpdir/<extractor>/<id>.txt")
	flag.Parse()

	pages, err := loadPages(*data, *limit)
	if err != nil {
		log.Fatal(err)
	}
	exts := extractors()
	if *only != "" {
		want := strings.Split(*only, ",")
		exts = slices.DeleteFunc(exts, func(e extractor) bool { return !slices.Contains(want, e.name) })
	}
	if *dump != "" {
		for _, p := range pages {
			if p.ID != *dump {
				continue
			}
			for _, e := range exts {
				text, err := e.run(context.Background(), p)
				fn := filepath.Join(*dumpDir, p.ID+"."+e.name+".txt")
				_ = os.WriteFile(fn, []byte(text), 0o644)
				c := score(p, text)
				fmt.Printf("%-28s err=%v %+v -> %s\n", e.name, err, c, fn)
			}
			fmt.Printf("with: %q\nwithout: %q\n", p.With, p.Without)
		}
		return
	}

	// Warm up each extractor once so that package init and first-use
	// allocations are not charged to the first page.
	for _, e := range exts {
		_, _ = e.run(context.Background(), pages[0])
	}

	results := make([][]result, len(exts)) // [extractor][page]
	for i := range results {
		results[i] = make([]result, len(pages))
	}
	var wg sync.WaitGroup
	next := make(chan int)
	start := time.Now()
	for w := 0; w < *workers; w++ {
		wg.Go(func() {
			for pi := range next {
				p := pages[pi]
				// Rotate the order so no extractor always runs right after
				// another one has warmed (or trashed) the caches.
				for k := range exts {
					ei := (pi + k) % len(exts)
					t0 := time.Now()
					text, err := exts[ei].run(context.Background(), p)
					el := time.Since(t0)
					results[ei][pi] = result{counts: score(p, text), elapsed: el, err: err, text: text}
				}
			}
		})
	}
	for i := range pages {
		next <- i
	}
	close(next)
	wg.Wait()
	wall := time.Since(start)

	table := renderTable(exts, results, len(pages), *workers, wall)
	fmt.Print(table)
	if *out != "" {
		if err := os.WriteFile(*out, []byte(table), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	if *dumpAll {
		for ei, e := range exts {
			dir := filepath.Join(*dumpDir, e.name)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				log.Fatal(err)
			}
			for pi, p := range pages {
				_ = os.WriteFile(filepath.Join(dir, p.ID+".txt"), []byte(results[ei][pi].text), 0o644)
			}
		}
	}
	if *worst > 0 {
		printWorst(exts, results, pages, *worst)
	}
}

func renderTable(exts []extractor, results [][]result, n, workers int, wall time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Pages: %d, workers: %d, GOMAXPROCS: %d, %s/%s, %s, wall %.1fs\n\n",
		n, workers, runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, runtime.Version(), wall.Seconds())
	b.WriteString("| extractor | precision | recall | F1 | accuracy | mean ms/page | p95 ms/page | errors |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for i, e := range exts {
		var c counts
		var total time.Duration
		times := make([]time.Duration, 0, n)
		errs := 0
		for _, r := range results[i] {
			c.add(r.counts)
			total += r.elapsed
			times = append(times, r.elapsed)
			if r.err != nil {
				errs++
			}
		}
		sort.Slice(times, func(a, b int) bool { return times[a] < times[b] })
		p95 := times[min(len(times)-1, len(times)*95/100)]
		fmt.Fprintf(&b, "| %s | %.3f | %.3f | %.3f | %.3f | %.2f | %.2f | %d |\n", e.name,
			c.precision(), c.recall(), c.f1(), c.accuracy(),
			float64(total.Microseconds())/1000/float64(n), float64(p95.Microseconds())/1000, errs)
	}
	return b.String()
}

// printWorst lists pages where riptide's (FN+FP) exceeds the best other
// extractor's the most: the pages worth reading when improving it.
func printWorst(exts []extractor, results [][]result, pages []*page, n int) {
	ours := slices.IndexFunc(exts, func(e extractor) bool { return e.name == "riptide" })
	if ours < 0 {
		return
	}
	type row struct {
		id        string
		diff      int
		our, best counts
	}
	var rows []row
	for pi, p := range pages {
		oc := results[ours][pi].counts
		bestErr := 1 << 30
		var best counts
		for ei := range exts {
			if ei == ours {
				continue
			}
			c := results[ei][pi].counts
			if c.FN+c.FP < bestErr {
				bestErr, best = c.FN+c.FP, c
			}
		}
		rows = append(rows, row{p.ID, oc.FN + oc.FP - bestErr, oc, best})
	}
	sort.SliceStable(rows, func(a, b int) bool { return rows[a].diff > rows[b].diff })
	fmt.Println("\nworst pages for riptide (id, our FN/FP, best peer FN/FP, url):")
	for _, r := range rows[:min(n, len(rows))] {
		var url string
		for _, p := range pages {
			if p.ID == r.id {
				url = p.URL
			}
		}
		fmt.Printf("%s  ours FN=%d FP=%d  peer FN=%d FP=%d  %s\n", r.id, r.our.FN, r.our.FP, r.best.FN, r.best.FP, url)
	}
}

func loadPages(dir string, limit int) ([]*page, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "ground-truth.json"))
	if err != nil {
		return nil, err
	}
	var truth map[string]truthEntry
	if err := json.Unmarshal(raw, &truth); err != nil {
		return nil, fmt.Errorf("ground-truth.json: %w", err)
	}
	ids := make([]string, 0, len(truth))
	for id := range truth {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if limit > 0 && limit < len(ids) {
		ids = ids[:limit]
	}
	pages := make([]*page, 0, len(ids))
	for _, id := range ids {
		t := truth[id]
		body, err := readGzip(filepath.Join(dir, t.File))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", id, err)
		}
		pages = append(pages, &page{ID: id, URL: strings.TrimSpace(t.URL), HTML: toUTF8(body), With: t.With, Without: t.Without})
	}
	return pages, nil
}

func readGzip(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// toUTF8 does what the fetch layer does before extraction: bytes that are
// valid UTF-8 are taken as UTF-8 (a declaration saying otherwise is almost
// always stale); anything else is decoded with the charset the page
// declares anywhere in its first 32 KiB (x/net's prescan only reads 1 KiB),
// or the HTML5 sniffing default.
func toUTF8(body []byte) []byte {
	if utf8.Valid(body) {
		return body
	}
	var enc encoding.Encoding
	head := body[:min(len(body), 32<<10)]
	if m := declaredCharset.FindSubmatch(head); m != nil {
		enc, _ = charset.Lookup(string(m[1]))
	}
	if enc == nil {
		enc, _, _ = charset.DetermineEncoding(body, "text/html")
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return body
	}
	// Drop the now-wrong charset declaration so that extractors which sniff
	// it themselves (go-trafilatura) do not decode the UTF-8 bytes again.
	return declaredCharset.ReplaceAllFunc(out, func(b []byte) []byte { return []byte("charset-was=x") })
}

var declaredCharset = regexp.MustCompile(`(?i)charset\s*=\s*["']?\s*([a-zA-Z0-9_:.-]+)`)
