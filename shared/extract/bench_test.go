package extract

import (
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"unicode/utf8"
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
	i := 0
	for b.Loop() {
		if _, err := FromHTML(context.Background(), pages[i%len(pages)], "https://site.test/page", Options{}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func loadDevSetPages(b *testing.B) [][]byte {
	root := os.Getenv("RIPTIDE_EXTRACTION_SETS")
	if root == "" {
		root = "../../../shared/bench"
	}
	var files []string
	for _, set := range []string{"extraction-dev", "extraction-modern"} {
		m, _ := filepath.Glob(filepath.Join(root, set, "html", "*.html.gz"))
		files = append(files, m...)
	}
	if len(files) == 0 {
		b.Skipf("no extraction dev sets under %s (set RIPTIDE_EXTRACTION_SETS)", root)
	}
	sort.Strings(files)
	pages := make([][]byte, 0, len(files))
	for _, fn := range files {
		f, err := os.Open(fn)
		if err != nil {
			b.Fatal(err)
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(zr)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		if utf8.Valid(body) { // the fetch layer hands over UTF-8 only; other pages are skipped here
			pages = append(pages, body)
		}
	}
	return pages
}
