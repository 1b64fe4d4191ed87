package chunk

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkHeadings compares the block scanner with goldmark (the
// implementation it replaced) on large markdown: the test sample repeated
// (~250 KB) and the repository's docs concatenated.
//
//	go test ./shared/chunk -run '^$' -bench Headings -benchmem
func BenchmarkHeadings(b *testing.B) {
	docs, _ := filepath.Glob("../../docs/*.md")
	var all strings.Builder
	for _, fn := range docs {
		md, err := os.ReadFile(fn)
		if err != nil {
			b.Fatal(err)
		}
		all.Write(md)
		all.WriteString("\n\n")
	}
	inputs := []struct{ name, src string }{
		{"sample", strings.Repeat(sample, 300)},
		{"docs", all.String()},
	}
	for _, in := range inputs {
		for _, impl := range []struct {
			name string
			find func(string) headingList
		}{{"goldmark", goldmarkHeadings}, {"scanner", mdHeadings}} {
			b.Run(in.name+"/"+impl.name, func(b *testing.B) {
				b.SetBytes(int64(len(in.src)))
				b.ReportAllocs()
				for b.Loop() {
					impl.find(in.src)
				}
			})
		}
	}
}

// BenchmarkHeadingsPathological runs the scanner on shapes whose cost per
// line grows with nesting in goldmark, at two sizes: with the nesting bound
// and the resumed column count, 16 times the input takes about 16 times
// the time (goldmark: about 256 times, hours at the 6 MiB request limit).
func BenchmarkHeadingsPathological(b *testing.B) {
	shapes := map[string]func(n int) string{
		"quote-markers": func(n int) string { return strings.Repeat(">", n) + " # x\n" },
		"tab-quotes":    func(n int) string { return strings.Repeat(">\t", n/2) + "x\n" },
		"ordered-items": func(n int) string { return strings.Repeat("1. ", n/3) + "x\n" },
		"blank-lines-in-deep-lists": func(n int) string {
			var s strings.Builder
			for i := range mdMaxContainerDepth / 2 {
				s.WriteString(strings.Repeat("  ", i) + "- a\n")
			}
			s.WriteString(strings.Repeat("\n", max(0, n-s.Len()-4)) + "  x\n")
			return s.String()
		},
	}
	for name, shape := range shapes {
		for _, n := range []int{64 << 10, 1 << 20} {
			src := shape(n)
			b.Run(fmt.Sprintf("%s/%dKiB", name, n>>10), func(b *testing.B) {
				b.SetBytes(int64(len(src)))
				for b.Loop() {
					mdHeadings(src)
				}
			})
		}
	}
}
