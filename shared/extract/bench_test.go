package extract

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"
	"unicode/utf8"

	"github.com/riptidecrawler/riptide/internal/devsets"
)

// BenchmarkFromHTML measures one full extraction (every output) of the
// boilerplate-heavy fixture. The dev-set comparison with go-trafilatura and
// go-readability lives in bench/extract (see docs/benchmarks.md).
func BenchmarkFromHTML(b *testing.B) {
	html := loadFixture(b, "article.html")
	b.SetBytes(int64(len(html)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FromHTML(context.Background(), html, "https://coast.example/blog/tide-pools", Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDevSets runs full extraction over the pages of both extraction
// development sets (outside the repository: RIPTIDE_EXTRACTION_SETS, default
// ../shared/bench next to the checkout); one op is one page, in turn. It is
// the profile target for the extractor's CPU and allocations:
//
//	go test ./shared/extract/ -run '^$' -bench DevSets -benchmem -cpuprofile cpu.out
func BenchmarkDevSets(b *testing.B) {
	pages := loadDevSetPages(b)
	total := 0
	for _, p := range pages {
		total += len(p)
	}
	b.SetBytes(int64(total / len(pages)))
	b.ReportAllocs()
	// CPU time (all threads, GC included) per page: on a shared machine
	// wall time per op moves with the neighbours' load, CPU time much less.
	cpu0 := processCPU()
	i := 0
	for b.Loop() {
		if _, err := FromHTML(context.Background(), pages[i%len(pages)], "https://site.test/page", Options{}); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(processCPU()-cpu0)/float64(i), "cpu-ns/op")
}

func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkSpiderSitePages extracts pages shaped like those of the spider
// benchmark's generated site (bench/spider, internal/spidertest: 20-80 KB
// articles of plain paragraphs with inline links, navigation, a related
// list and a footer), the pages whose extraction cost the spider-versus-
// Colly comparison pays.
func BenchmarkSpiderSitePages(b *testing.B) {
	pages := spiderLikePages(50)
	total := 0
	for _, p := range pages {
		total += len(p)
	}
	b.SetBytes(int64(total / len(pages)))
	b.ReportAllocs()
	cpu0 := processCPU()
	i := 0
	for b.Loop() {
		if _, err := FromHTML(context.Background(), pages[i%len(pages)], "http://127.0.0.1:8080/p/1.html", Options{}); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(processCPU()-cpu0)/float64(i), "cpu-ns/op")
}

func spiderLikePages(n int) [][]byte {
	words := strings.Fields("harbour tide vessel mooring anchor current sailor keel mast rope chart lighthouse " +
		"buoy channel dock ferry gull jetty pier quay reef shore storm swell wave wind bay cove cliff")
	rng := rand.New(rand.NewPCG(42, 7))
	pages := make([][]byte, n)
	for i := range pages {
		var b strings.Builder
		title := words[i%len(words)] + " " + words[(i/len(words))%len(words)]
		fmt.Fprintf(&b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Page %d: %s</title>\n", i, title)
		b.WriteString(`<script>window.dataLayer=window.dataLayer||[];</script></head><body><header class="site-header"><nav class="menu"><ul>`)
		for j := range 5 {
			fmt.Fprintf(&b, `<li><a class="nav" href="/p/%d.html">Section %d</a></li>`, j, j)
		}
		fmt.Fprintf(&b, "</ul></nav></header>\n<main><article>\n<h1>%s</h1>\n<p class=\"byline\">By Staff Writer &middot; <time datetime=\"2026-01-%02d\">January %d</time></p>\n", title, i%28+1, i%28+1)
		size := 20_000 + rng.IntN(60_001)
		links := 10 + rng.IntN(31)
		li := 0
		for b.Len() < size {
			b.WriteString("<p>")
			for range 40 + rng.IntN(40) {
				b.WriteString(words[rng.IntN(len(words))])
				b.WriteByte(' ')
			}
			if li < links {
				fmt.Fprintf(&b, `see <a href="/p/%d.html">the %s story</a>. `, rng.IntN(5000), words[li%len(words)])
				li++
			}
			b.WriteString("</p>\n")
		}
		b.WriteString(`<ul class="related">`)
		for ; li < links; li++ {
			fmt.Fprintf(&b, `<li><a href="/p/%d.html">%s</a></li>`, rng.IntN(5000), words[li%len(words)])
		}
		b.WriteString("</ul>\n</article></main>\n<footer><p>&copy; 2026 Fixture Site</p></footer></body></html>\n")
		pages[i] = []byte(b.String())
	}
	return pages
}

func loadDevSetPages(b testing.TB) [][]byte {
	files, root := devsets.Files()
	if len(files) == 0 {
		b.Skipf("no extraction dev sets under %s (set RIPTIDE_EXTRACTION_SETS)", root)
	}
	return readUTF8Pages(b, files)
}

// loadDevSetPagesIfAny is loadDevSetPages without the skip: none when the
// sets are not there.
func loadDevSetPagesIfAny(tb testing.TB) [][]byte {
	files, _ := devsets.Files()
	return readUTF8Pages(tb, files)
}

func readUTF8Pages(tb testing.TB, files []string) [][]byte {
	pages := make([][]byte, 0, len(files))
	for _, fn := range files {
		body, err := devsets.Read(fn)
		if err != nil {
			tb.Fatal(err)
		}
		if utf8.Valid(body) { // the fetch layer hands over UTF-8 only; other pages are skipped here
			pages = append(pages, body)
		}
	}
	return pages
}
