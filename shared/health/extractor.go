package health

import (
	"context"
	"fmt"
	"strings"

	"github.com/riptidecrawler/riptide/shared/extract"
)

// extractorFixture is a small article the extractor check reads: its
// title and main text must come out, its navigation must not.
const extractorFixture = `<!doctype html><html lang="en"><head><title>Health check article</title></head><body>
<nav><a href="/a">Home</a> <a href="/b">About</a> <a href="/c">Contact</a></nav>
<article><h1>Health check article</h1>
<p>The extractor reads this paragraph on every health check, to prove that parsing, content detection and text output still work together.</p>
<p>A second paragraph gives the content detector enough prose to tell the article apart from the navigation above it.</p>
</article><footer>Footer links</footer></body></html>`

// Extractor checks the extraction engine by extracting a tiny fixture.
// It is required: without it no crawl returns content.
func Extractor() Checker {
	return Func{ComponentName: "extractor", IsRequired: true, Probe: func(ctx context.Context) (string, error) {
		doc, err := extract.FromHTML(ctx, []byte(extractorFixture), "http://health.invalid/article", extract.Options{SkipHTML: true, SkipMedia: true})
		if err != nil {
			return "", fmt.Errorf("extract the fixture: %w", err)
		}
		if doc.Title != "Health check article" || !strings.Contains(doc.Text, "second paragraph") || strings.Contains(doc.Text, "Footer links") {
			return "", fmt.Errorf("the fixture came out wrong: title %q, %d words", doc.Title, doc.WordCount)
		}
		return fmt.Sprintf("fixture extracted: %d words, quality %.2f", doc.WordCount, doc.Quality.Score), nil
	}}
}
