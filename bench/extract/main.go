// Command extract-bench scores RipTide's main-content extractor against
// go-trafilatura and go-readability on both extraction development sets, in
// one run on the same pages, and writes the result as markdown tables.
//
// It lives in its own module so that go-trafilatura (whose package init costs
// hundreds of milliseconds) never enters the main module's dependency graph.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// result is one extractor's outcome on one page.
type result struct {
	counts  counts
	elapsed time.Duration
	err     error
	text    string
	empty   bool // no word at all in the text
}

func main() {
	devDir := flag.String("dev", "/work/shared/bench/extraction-dev", "segment-scored set (ground-truth.json + html/); empty to skip")
	modernDir := flag.String("modern", "/work/shared/bench/extraction-modern", "shingle-scored set (ground-truth.json + html/); empty to skip")
	out := flag.String("out", "", "write the markdown tables to this file as well as stdout")
	workers := flag.Int("workers", 1, "pages processed in parallel; every extractor runs on a page in the same worker, one after the other")
	only := flag.String("only", "", "comma-separated extractor names to run (default: all)")
	limit := flag.Int("limit", 0, "use only the first N pages of each set (sorted by id)")
	worst := flag.Int("worst", 0, "print the N pages of each set where riptide loses most against the best peer")
	dump := flag.String("dump", "", "write each extractor's text for this page id to <dumpdir>/<id>.<extractor>.txt")
	dumpDir := flag.String("dumpdir", os.TempDir(), "where -dump and -dumpall write")
	dumpAll := flag.Bool("dumpall", false, "write every extractor's text of every page to <dumpdir>/<set>/<extractor>/<id>.txt")
	scores := flag.String("scores", "", "write per-page scores (set, id, extractor, TP, FN, FP, loss) to this TSV file")
	flag.Parse()

	var sets []*dataset
	if *devDir != "" {
		s, err := loadSegmentSet(*devDir, *limit)
		if err != nil {
			log.Fatal(err)
		}
		sets = append(sets, s)
	}
	if *modernDir != "" {
		s, err := loadShingleSet(*modernDir, *limit)
		if err != nil {
			log.Fatal(err)
		}
		sets = append(sets, s)
	}
	exts := extractors()
	if *only != "" {
		want := strings.Split(*only, ",")
		exts = slices.DeleteFunc(exts, func(e extractor) bool { return !slices.Contains(want, e.name) })
	}
	if *dump != "" {
		dumpPage(sets, exts, *dump, *dumpDir)
		return
	}

	// Warm up each extractor once so that package init and first-use
	// allocations are not charged to the first page.
	for _, e := range exts {
		_, _ = e.run(context.Background(), sets[0].pages[0])
	}

	var tsv strings.Builder
	var b strings.Builder
	fmt.Fprintf(&b, "workers: %d, GOMAXPROCS: %d, %s/%s, %s, %s\n", *workers, runtime.GOMAXPROCS(0),
		runtime.GOOS, runtime.GOARCH, runtime.Version(), time.Now().UTC().Format("2006-01-02"))
	for _, s := range sets {
		results, wall := runSet(s, exts, *workers)
		b.WriteString("\n")
		b.WriteString(renderTable(s, exts, results, wall))
		if *dumpAll {
			writeAll(s, exts, results, *dumpDir)
		}
		for ei, e := range exts {
			for pi, p := range s.pages {
				c := results[ei][pi].counts
				fmt.Fprintf(&tsv, "%s\t%s\t%s\t%d\t%d\t%d\t%.4f\n", s.name, p.ID, e.name, c.TP, c.FN, c.FP, s.loss(c))
			}
		}
		if *worst > 0 {
			defer printWorst(s, exts, results, *worst)
		}
	}
	fmt.Print(b.String())
	if *scores != "" {
		if err := os.WriteFile(*scores, []byte(tsv.String()), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	if *out != "" {
		if err := os.WriteFile(*out, []byte(b.String()), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

// runSet runs every extractor on every page of one set.
func runSet(s *dataset, exts []extractor, workers int) ([][]result, time.Duration) {
	results := make([][]result, len(exts)) // [extractor][page]
	for i := range results {
		results[i] = make([]result, len(s.pages))
	}
	var wg sync.WaitGroup
	next := make(chan int)
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Go(func() {
			for pi := range next {
				p := s.pages[pi]
				// Rotate the order so no extractor always runs right after
				// another one has warmed (or trashed) the caches.
				for k := range exts {
					ei := (pi + k) % len(exts)
					t0 := time.Now()
					text, err := exts[ei].run(context.Background(), p)
					el := time.Since(t0)
					results[ei][pi] = result{counts: s.score(p, text), elapsed: el, err: err, text: text,
						empty: !strings.ContainsFunc(text, isWordChar)}
				}
			}
		})
	}
	for i := range s.pages {
		next <- i
	}
	close(next)
	wg.Wait()
	return results, time.Since(start)
}

const timeReference = "go-trafilatura"

func renderTable(s *dataset, exts []extractor, results [][]result, wall time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s: %d pages, wall %.1fs\n\n", s.name, len(s.pages), wall.Seconds())
	b.WriteString("| extractor | precision | recall | F1 | accuracy | empty outputs (truth not empty) | mean ms/page | time vs " + timeReference + " | p95 ms/page | errors |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	mean := make([]float64, len(exts))
	for i := range exts {
		var total time.Duration
		for _, r := range results[i] {
			total += r.elapsed
		}
		mean[i] = float64(total.Microseconds()) / 1000 / float64(len(s.pages))
	}
	ref := slices.IndexFunc(exts, func(e extractor) bool { return e.name == timeReference })
	for i, e := range exts {
		cs := make([]counts, len(results[i]))
		times := make([]time.Duration, 0, len(results[i]))
		errs, empty, emptyWrong := 0, 0, 0
		for pi, r := range results[i] {
			cs[pi] = r.counts
			times = append(times, r.elapsed)
			if r.err != nil {
				errs++
			}
			if r.empty {
				empty++
				if !s.emptyTruth(s.pages[pi]) {
					emptyWrong++
				}
			}
		}
		p, r, f, acc := s.summary(cs, s.pages)
		accS := "n/a"
		if acc >= 0 {
			accS = fmt.Sprintf("%.3f", acc)
		}
		ratioS := "n/a"
		if ref >= 0 && mean[ref] > 0 {
			ratioS = fmt.Sprintf("%.2fx", mean[i]/mean[ref])
		}
		sort.Slice(times, func(a, b int) bool { return times[a] < times[b] })
		p95 := times[min(len(times)-1, len(times)*95/100)]
		fmt.Fprintf(&b, "| %s | %.3f | %.3f | %.3f | %s | %d (%d) | %.2f | %s | %.2f | %d |\n", e.name,
			p, r, f, accS, empty, emptyWrong, mean[i], ratioS, float64(p95.Microseconds())/1000, errs)
	}
	return b.String()
}

// printWorst lists pages where riptide's loss exceeds the best other
// extractor's the most: the pages worth reading when improving it.
func printWorst(s *dataset, exts []extractor, results [][]result, n int) {
	ours := slices.IndexFunc(exts, func(e extractor) bool { return e.name == "riptide" })
	if ours < 0 {
		return
	}
	type row struct {
		p         *page
		diff      float64
		our, best counts
	}
	var rows []row
	for pi, p := range s.pages {
		oc := results[ours][pi].counts
		bestLoss := 1e18
		var best counts
		for ei := range exts {
			if ei == ours {
				continue
			}
			if l := s.loss(results[ei][pi].counts); l < bestLoss {
				bestLoss, best = l, results[ei][pi].counts
			}
		}
		rows = append(rows, row{p, s.loss(oc) - bestLoss, oc, best})
	}
	sort.SliceStable(rows, func(a, b int) bool { return rows[a].diff > rows[b].diff })
	fmt.Printf("\nworst pages for riptide in %s (id, loss vs best peer, our TP/FN/FP, peer TP/FN/FP, url):\n", s.name)
	for _, r := range rows[:min(n, len(rows))] {
		fmt.Printf("%s  %+.2f  ours %d/%d/%d  peer %d/%d/%d  %s\n", r.p.ID, r.diff,
			r.our.TP, r.our.FN, r.our.FP, r.best.TP, r.best.FN, r.best.FP, r.p.URL)
	}
}

func dumpPage(sets []*dataset, exts []extractor, id, dir string) {
	for _, s := range sets {
		for _, p := range s.pages {
			if p.ID != id {
				continue
			}
			for _, e := range exts {
				text, err := e.run(context.Background(), p)
				fn := filepath.Join(dir, p.ID+"."+e.name+".txt")
				_ = os.WriteFile(fn, []byte(text), 0o644)
				fmt.Printf("%-24s err=%v %+v loss=%.3f -> %s\n", e.name, err, s.score(p, text), s.loss(s.score(p, text)), fn)
			}
			if p.With != nil {
				fmt.Printf("with: %q\nwithout: %q\n", p.With, p.Without)
			}
		}
	}
}

func writeAll(s *dataset, exts []extractor, results [][]result, dir string) {
	for ei, e := range exts {
		d := filepath.Join(dir, s.name, e.name)
		if err := os.MkdirAll(d, 0o755); err != nil {
			log.Fatal(err)
		}
		for pi, p := range s.pages {
			_ = os.WriteFile(filepath.Join(d, p.ID+".txt"), []byte(results[ei][pi].text), 0o644)
		}
	}
}
