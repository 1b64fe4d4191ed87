// Command pdf compares shared/pdf with pdftotext (poppler-utils) on the
// PDF corpus in one run: per-page text by word-level F1 (pdftotext is the
// reference) and pages per second. make bench-pdf runs it.
//
// Word F1: both texts are lower-cased and split into words (runs of
// letters and digits); the words common to both, as multisets, over the
// words of each side give precision and recall. Order is not scored.
// Counts are summed over all pages (micro average).
//
// Speed: riptide extracts every file in-process; pdftotext is run as the
// command it is (one process per file, start-up included: that is how it
// is used from Go). Both loop over the corpus for the same wall time.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/riptidecrawler/riptide/shared/pdf"
)

func main() {
	dir := flag.String("corpus", "shared/pdf/testdata", "folder of PDFs")
	dur := flag.Duration("time", 3*time.Second, "how long each tool loops over the corpus for speed")
	out := flag.String("out", "", "also write the report here")
	flag.Parse()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		log.Fatal("pdftotext not found: apt-get install poppler-utils")
	}
	files, _ := filepath.Glob(filepath.Join(*dir, "*.pdf"))
	sort.Strings(files)
	var rep strings.Builder
	fmt.Fprintf(&rep, "| file | pages | words (pdftotext) | precision | recall | F1 |\n|---|---|---|---|---|---|\n")
	var total counts
	var readable []string
	for _, f := range files {
		data, _ := os.ReadFile(f)
		doc, err := pdf.Extract(context.Background(), data, pdf.Options{})
		if err != nil {
			fmt.Fprintf(&rep, "| %s | - | - | - | - | %s |\n", filepath.Base(f), core(err))
			continue
		}
		readable = append(readable, f)
		var c counts
		for _, p := range doc.Pages {
			ref, err := pdftotext(f, p.Number)
			if err != nil {
				log.Fatalf("%s page %d: %v", f, p.Number, err)
			}
			c.add(words(p.Text), words(ref))
		}
		total.merge(c)
		fmt.Fprintf(&rep, "| %s | %d | %d | %.3f | %.3f | %.3f |\n", filepath.Base(f), len(doc.Pages), c.ref, c.precision(), c.recall(), c.f1())
	}
	fmt.Fprintf(&rep, "| **all** | %d | %d | %.3f | %.3f | **%.3f** |\n\n", total.pages, total.ref, total.precision(), total.recall(), total.f1())

	ours := speed(*dur, readable, func(f string, data []byte) int {
		doc, err := pdf.Extract(context.Background(), data, pdf.Options{})
		if err != nil {
			log.Fatal(err)
		}
		return len(doc.Pages)
	})
	theirs := speed(*dur, readable, func(f string, _ []byte) int {
		cmd := exec.Command("pdftotext", "-enc", "UTF-8", f, "-")
		b, err := cmd.Output()
		if err != nil {
			log.Fatal(err)
		}
		return bytes.Count(b, []byte("\f"))
	})
	fmt.Fprintf(&rep, "| tool | pages/s | ratio |\n|---|---|---|\n")
	fmt.Fprintf(&rep, "| riptide shared/pdf (in process) | %.0f | %.1fx |\n", ours, ours/theirs)
	fmt.Fprintf(&rep, "| pdftotext (one process per file) | %.0f | 1.0x |\n", theirs)
	fmt.Print(rep.String())
	if *out != "" {
		if err := os.WriteFile(*out, []byte(rep.String()), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

func core(err error) string {
	s := err.Error()
	if i := strings.Index(s, ":"); i > 0 {
		return "refused: " + s[:i]
	}
	return s
}

func pdftotext(file string, page int) (string, error) {
	b, err := exec.Command("pdftotext", "-enc", "UTF-8", "-f", fmt.Sprint(page), "-l", fmt.Sprint(page), file, "-").Output()
	return string(b), err
}

// speed loops over the files for about d and returns pages per second.
func speed(d time.Duration, files []string, run func(file string, data []byte) int) float64 {
	data := make([][]byte, len(files))
	for i, f := range files {
		data[i], _ = os.ReadFile(f)
	}
	pages := 0
	start := time.Now()
	for time.Since(start) < d {
		for i, f := range files {
			pages += run(f, data[i])
		}
	}
	return float64(pages) / time.Since(start).Seconds()
}

var ligatures = strings.NewReplacer("ﬀ", "ff", "ﬁ", "fi", "ﬂ", "fl", "ﬃ", "ffi", "ﬄ", "ffl")

func words(s string) map[string]int {
	m := map[string]int{}
	for _, w := range strings.FieldsFunc(strings.ToLower(ligatures.Replace(s)), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		m[w]++
	}
	return m
}

type counts struct{ pages, common, ours, ref int }

func (c *counts) add(ours, ref map[string]int) {
	c.pages++
	for w, n := range ours {
		c.ours += n
		c.common += min(n, ref[w])
	}
	for _, n := range ref {
		c.ref += n
	}
}

func (c *counts) merge(o counts) {
	c.pages += o.pages
	c.common += o.common
	c.ours += o.ours
	c.ref += o.ref
}

func (c counts) precision() float64 { return ratio(c.common, c.ours) }
func (c counts) recall() float64    { return ratio(c.common, c.ref) }
func (c counts) f1() float64 {
	p, r := c.precision(), c.recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func ratio(a, b int) float64 {
	if b == 0 {
		if a == 0 {
			return 1
		}
		return 0
	}
	return float64(a) / float64(b)
}
