package extract

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// A released page's working memory serves the next Parse: what the next
// pages extract is what they extract on their own, and the documents of the
// released pages do not change.
func TestReleasedPagesLeaveOtherDocumentsAlone(t *testing.T) {
	ctx := context.Background()
	names := []string{"article.html", "forum.html", "tables.html", "code.html", "article.html"}
	fresh := map[string]string{}
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := FromHTML(ctx, b, "https://example.com/"+name, Options{})
		if err != nil {
			t.Fatal(err)
		}
		j, _ := json.Marshal(doc)
		fresh[name] = string(j)
	}
	var docs []*Document
	for _, name := range names {
		b, _ := os.ReadFile(filepath.Join("testdata", name))
		p, err := Parse(ctx, b, "https://example.com/"+name, 0)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := p.Extract(ctx, Options{})
		if err != nil {
			t.Fatal(err)
		}
		p.Release()
		p.Release() // twice is harmless
		docs = append(docs, doc)
		if j, _ := json.Marshal(doc); string(j) != fresh[name] {
			t.Fatalf("%s after released pages: %.300s\nwant %.300s", name, j, fresh[name])
		}
	}
	for i, doc := range docs {
		if j, _ := json.Marshal(doc); string(j) != fresh[names[i]] {
			t.Fatalf("%s changed once later pages reused its memory: %.300s", names[i], j)
		}
	}
}
