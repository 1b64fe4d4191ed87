package extract

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzFromHTML checks that no input makes the extractor panic or emit
// invalid UTF-8, and that the gate and every output run on the same parse.
func FuzzFromHTML(f *testing.F) {
	for _, name := range []string{"article.html", "tables.html", "code.html", "spa-shell.html", "next-ssr.html"} {
		f.Add(loadFixture(f, name), "https://example.org/a/b")
	}
	f.Add([]byte(`<table><tr><td rowspan="999999" colspan="-3">x</td></tr></table>`), "")
	f.Add([]byte(`<ul><li><ol><li><ul><li>deep</li></ul></li></ol></li></ul>`), "::bad url")
	f.Add([]byte(`<pre class="language-`+"`"+`"><code>`+"```"+`</code></pre>`), "")
	f.Add([]byte(`<base href="javascript:alert(1)"><a href="//x">y</a><img srcset=",,, ,">`), "http://[::1]:namedport")
	f.Add([]byte(`<script type="application/ld+json">{"@graph":[{"@type":["NewsArticle"],"author":[{"name":1}]}]}</script>`), "")
	f.Add([]byte(strings.Repeat("<div>", 3000)+"text"), "")
	f.Fuzz(func(t *testing.T, html []byte, pageURL string) {
		p, err := Parse(context.Background(), html, pageURL, 1<<20)
		if err != nil {
			return
		}
		g := p.Gate()
		if g.Score < 0 || g.Score > 1 {
			t.Fatalf("gate score %v out of range", g.Score)
		}
		d, err := p.Extract(context.Background(), Options{})
		if err != nil {
			t.Fatalf("extract: %v", err)
		}
		if d.Quality.Score < 0 || d.Quality.Score > 1 {
			t.Fatalf("quality %v out of range", d.Quality.Score)
		}
		if c, err := p.Extract(context.Background(), Options{SkipText: true}); err != nil || c.WordCount != d.WordCount || c.Text != "" {
			t.Fatalf("without the text: %d words (%v), with it: %d", c.WordCount, err, d.WordCount)
		}
		if utf8.Valid(html) {
			for name, s := range map[string]string{"text": d.Text, "markdown": d.Markdown, "html": d.HTML} {
				if !utf8.ValidString(s) {
					t.Fatalf("%s is not valid UTF-8", name)
				}
			}
		}
	})
}
