package pdf

import (
	"context"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
)

// FuzzPDF feeds mutated corpus files to the whole extraction: whatever the
// bytes, it returns a document or a typed error, never panics, and stays
// within its limits.
func FuzzPDF(f *testing.F) {
	for _, name := range []string{"two-columns.pdf", "rotated.pdf", "scanned.pdf", "metadata.pdf", "truncated.pdf", "article.pdf"} {
		f.Add(corpus(f, name))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		doc, err := Extract(ctx, data, Options{MaxPages: 50, MaxContentBytes: 4 << 20, MaxTextBytes: 4 << 20})
		if err != nil {
			if core.TypeOf(err) == core.ErrInternal {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		if len(doc.Pages) == 0 || len(doc.Pages) > 50 {
			t.Fatalf("%d pages", len(doc.Pages))
		}
		_ = doc.Markdown()
	})
}
