package extract

import (
	"context"
	"testing"
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
