package extract

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/shared/core"
)

func loadFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	return b
}

func extractFixture(t *testing.T, name, pageURL string) *Document {
	t.Helper()
	d, err := FromHTML(context.Background(), loadFixture(t, name), pageURL, Options{})
	if err != nil {
		t.Fatalf("FromHTML(%s): %v", name, err)
	}
	return d
}

func TestBoilerplateHeavyPageKeepsOnlyTheArticle(t *testing.T) {
	d := extractFixture(t, "article.html", "https://coast.example/blog/tide-pools?utm=1")
	for _, want := range []string{
		"When the sea pulls back twice a day",
		"Yet they teem with life.",
		"What lives there",
		"Hermit crabs, which borrow shells",
		"Visitors should step only on bare rock",
	} {
		if !strings.Contains(d.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, d.Text)
		}
	}
	for _, unwanted := range []string{
		"About us", "Share on Social", "3 comments", "octopus", "Related posts",
		"How waves form", "weekly newsletter", "All rights reserved", "Photo: a pool at low tide",
		"window.analytics", "color:red",
	} {
		if strings.Contains(d.Text, unwanted) {
			t.Errorf("text contains boilerplate %q:\n%s", unwanted, d.Text)
		}
		if strings.Contains(d.Markdown, unwanted) {
			t.Errorf("markdown contains boilerplate %q", unwanted)
		}
	}
	if strings.Contains(d.Text, "](") || strings.Contains(d.Text, "## ") {
		t.Errorf("plain text carries markdown syntax:\n%s", d.Text)
	}
	if !strings.Contains(d.Text, "all year long.\n\nWhat lives there\n\nThe residents") {
		t.Errorf("paragraphs are not separated by blank lines:\n%s", d.Text)
	}
}

func TestMetadata(t *testing.T) {
	d := extractFixture(t, "article.html", "https://coast.example/blog/tide-pools?utm=1")
	checks := map[string][2]string{
		"url":           {d.URL, "https://coast.example/blog/tide-pools?utm=1"},
		"title":         {d.Title, "How Tide Pools Work"},
		"byline":        {d.Byline, "Mara Quill"},
		"published_at":  {d.PublishedAt, "2024-05-03T07:30:00Z"},
		"language":      {d.Language, "en-US"},
		"site_name":     {d.SiteName, "Coastal Notes"},
		"description":   {d.Description, "A field guide to the small worlds left behind by the tide."},
		"canonical_url": {d.CanonicalURL, "https://coast.example/blog/tide-pools"},
		"og:type":       {d.OpenGraph["og:type"], "article"},
	}
	for field, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", field, c[0], c[1])
		}
	}
	if strings.Join(d.Keywords, "|") != "tide pools|ecology|coast" {
		t.Errorf("keywords = %q", d.Keywords)
	}
	if len(d.JSONLD) != 1 {
		t.Fatalf("json_ld has %d objects, want 1", len(d.JSONLD))
	}
	var ld map[string]any
	if err := json.Unmarshal(d.JSONLD[0], &ld); err != nil || ld["@type"] != "NewsArticle" {
		t.Errorf("json_ld[0] = %s (err %v)", d.JSONLD[0], err)
	}
	if d.WordCount < 120 || d.WordCount > 200 {
		t.Errorf("word_count = %d, want the article's ~160 words", d.WordCount)
	}
	if want := int64(d.WordCount) * 60000 / wordsPerMinute; d.ReadingTimeMS != want {
		t.Errorf("reading_time_ms = %d, want %d", d.ReadingTimeMS, want)
	}
}

func TestLinksAreAbsoluteDeduplicatedAndClassified(t *testing.T) {
	d := extractFixture(t, "article.html", "https://coast.example/blog/tide-pools")
	byURL := map[string]Link{}
	for _, l := range d.Links {
		if _, dup := byURL[l.URL]; dup {
			t.Errorf("link %s listed twice", l.URL)
		}
		byURL[l.URL] = l
		if !strings.HasPrefix(l.URL, "http://") && !strings.HasPrefix(l.URL, "https://") {
			t.Errorf("link %q is not absolute http(s)", l.URL)
		}
	}
	// <base href="https://coast.example/blog/"> resolves "/about" and
	// relative hrefs; mailto: is not a crawlable link.
	about, ok := byURL["https://coast.example/about"]
	if !ok || !about.Internal || about.InContent || about.Text != "About us" {
		t.Errorf("about link = %+v (found %v)", about, ok)
	}
	survey, ok := byURL["https://science.example/anemones"]
	if !ok || survey.Internal || !survey.InContent || survey.Text != "this survey of anemones" {
		t.Errorf("in-content external link = %+v (found %v)", survey, ok)
	}
	author, ok := byURL["https://coast.example/authors/mara"]
	if !ok || len(author.Rel) != 1 || author.Rel[0] != "author" {
		t.Errorf("rel=author link = %+v", author)
	}
	for u := range byURL {
		if strings.HasPrefix(u, "mailto:") {
			t.Errorf("mailto link listed: %s", u)
		}
	}
}

func TestMediaWithAltCaptionAndLazySources(t *testing.T) {
	d := extractFixture(t, "article.html", "https://coast.example/blog/tide-pools")
	if len(d.Media) != 1 {
		t.Fatalf("media = %+v, want the one figure image", d.Media)
	}
	m := d.Media[0]
	if m.Type != "image" || m.URL != "https://coast.example/img/pool.jpg" || m.Alt != "A tide pool with anemones" ||
		m.Caption != "Photo: a pool at low tide." || !m.InContent {
		t.Errorf("media[0] = %+v", m)
	}

	c := extractFixture(t, "code.html", "https://dev.example/posts/read-file")
	var kinds []string
	for _, m := range c.Media {
		kinds = append(kinds, m.Type+" "+m.URL)
	}
	got := strings.Join(kinds, ", ")
	if got != "image https://dev.example/img/lazy.png, video https://dev.example/media/demo.mp4" {
		t.Errorf("media = %s", got)
	}
}

func TestMarkdownTablesWithSpans(t *testing.T) {
	d := extractFixture(t, "tables.html", "https://coast.example/tides")
	want := strings.Join([]string{
		"| Day | High water | High water | Note |",
		"| --- | --- | --- | --- |",
		"| Monday | 06:10 | 4.2 m | Spring \\| tide |",
		"| Monday | 18:32 | 4.4 m | Evening |",
		"| Tuesday | 07:01 | 4.0 m |  |",
	}, "\n")
	if !strings.Contains(d.Markdown, want) {
		t.Errorf("markdown table:\n%s\nwant:\n%s", d.Markdown, want)
	}
	if !strings.HasPrefix(d.Markdown, "# Tide table\n\n") {
		t.Errorf("heading level lost:\n%s", d.Markdown)
	}
	if !strings.Contains(d.Text, "Monday\t06:10\t4.2 m\tSpring | tide") {
		t.Errorf("text table row:\n%s", d.Text)
	}
	if !strings.Contains(d.HTML, `<th colspan="2">High water</th>`) || !strings.Contains(d.HTML, `<td rowspan="2">Monday</td>`) {
		t.Errorf("clean html lost spans:\n%s", d.HTML)
	}
}

func TestMarkdownListsCodeQuotesEmphasisAndEscaping(t *testing.T) {
	d := extractFixture(t, "code.html", "https://dev.example/posts/read-file")
	for _, want := range []string{
		"# Reading a file in Go",
		"Use `os.ReadFile` when",
		"```go\ndata, err := os.ReadFile(\"notes.txt\")\nif err != nil {\n\treturn err\n}\nfmt.Println(len(data))\n```",
		"with a *bufio.Scanner* or an **io.Reader** loop",
		"> Small is fast.\n>\n> Flat is faster.",
		`such as \*stars\*, \_underscores\_ and \[brackets\]`,
		"1 \\< 2",
		"3. Third step\n4. Fourth step",
		"![lazy image](https://dev.example/img/lazy.png)",
	} {
		if !strings.Contains(d.Markdown, want) {
			t.Errorf("markdown lacks %q:\n%s", want, d.Markdown)
		}
	}
	if !strings.Contains(d.HTML, `<pre><code class="language-go">`) {
		t.Errorf("clean html lost the code language:\n%s", d.HTML)
	}

	a := extractFixture(t, "article.html", "https://coast.example/blog/tide-pools")
	nested := "- Anemones, which hold water inside their bodies\n- Crabs, which hide under rocks\n  - Hermit crabs, which borrow shells\n  - Shore crabs, which burrow\n- Snails, which seal themselves shut"
	if !strings.Contains(a.Markdown, nested) {
		t.Errorf("nested list:\n%s\nwant:\n%s", a.Markdown, nested)
	}
	if !strings.Contains(a.Markdown, "[this survey of anemones](https://science.example/anemones)") {
		t.Errorf("link lost:\n%s", a.Markdown)
	}
}

func TestCleanHTMLHasNoScriptsOrAttributesBeyondTheAllowedOnes(t *testing.T) {
	d := extractFixture(t, "article.html", "https://coast.example/blog/tide-pools")
	for _, bad := range []string{"<script", "<style", "class=", "onclick", "<nav", "<div"} {
		if strings.Contains(d.HTML, bad) {
			t.Errorf("clean html contains %q:\n%s", bad, d.HTML)
		}
	}
	if !strings.Contains(d.HTML, `<img src="https://coast.example/img/pool.jpg" alt="A tide pool with anemones">`) {
		t.Errorf("image not absolute in clean html:\n%s", d.HTML)
	}
}

func TestOptionsSkipOutputs(t *testing.T) {
	d, err := FromHTML(context.Background(), loadFixture(t, "article.html"), "", Options{SkipMarkdown: true, SkipHTML: true, SkipLinks: true, SkipMedia: true})
	if err != nil {
		t.Fatal(err)
	}
	if d.Markdown != "" || d.HTML != "" || d.Links != nil || d.Media != nil {
		t.Errorf("skipped outputs present: md=%d html=%d links=%d media=%d", len(d.Markdown), len(d.HTML), len(d.Links), len(d.Media))
	}
	if !strings.Contains(d.Text, "tide pools") {
		t.Errorf("text missing with outputs skipped")
	}
}

func TestExtractIsRepeatable(t *testing.T) {
	p, err := Parse(context.Background(), loadFixture(t, "article.html"), "https://coast.example/x", 0)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := p.Extract(context.Background(), Options{})
	b, _ := p.Extract(context.Background(), Options{})
	if a.Text != b.Text || a.Markdown != b.Markdown || a.HTML != b.HTML {
		t.Errorf("second Extract on the same Page differs")
	}
}

func TestErrors(t *testing.T) {
	big := []byte("<p>" + strings.Repeat("x", 2000) + "</p>")
	_, err := FromHTML(context.Background(), big, "", Options{MaxBytes: 1000})
	if core.TypeOf(err) != core.ErrPayloadTooLarge {
		t.Errorf("oversized input: err = %v, want payload_too_large", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = FromHTML(ctx, []byte("<p>hi</p>"), "", Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: err = %v", err)
	}
}

func TestEmptyAndTextOnlyInputs(t *testing.T) {
	for _, in := range []string{"", "just some words without markup", "<html></html>", "<body><nav>a</nav></body>", "<p> \u00a0 </p>"} {
		d, err := FromHTML(context.Background(), []byte(in), "", Options{})
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if in == "just some words without markup" && d.Text != in {
			t.Errorf("plain text input: text = %q", d.Text)
		}
		if in == "<body><nav>a</nav></body>" && d.Text != "" {
			t.Errorf("navigation-only page: text = %q, want empty", d.Text)
		}
		if in != "just some words without markup" && d.ExtractionMethod != MethodNone {
			t.Errorf("%q: extraction_method = %q, want %q", in, d.ExtractionMethod, MethodNone)
		}
	}
}

func TestQualityRanksAnArticleAboveAShell(t *testing.T) {
	article := extractFixture(t, "article.html", "https://coast.example/a")
	shell := extractFixture(t, "spa-shell.html", "https://app.example/")
	if article.Quality.Score < 0.7 {
		t.Errorf("article quality = %+v, want >= 0.7", article.Quality)
	}
	if shell.Quality.Score > 0.3 {
		t.Errorf("shell quality = %+v, want <= 0.3", shell.Quality)
	}
	if len(shell.Quality.Reasons) == 0 || !strings.Contains(strings.Join(shell.Quality.Reasons, " "), "page_needs_javascript") {
		t.Errorf("shell reasons = %v", shell.Quality.Reasons)
	}
}

// On a forum thread the "comments" are the content: when the first pass
// finds almost no prose outside comment sections, they are allowed back.
func TestForumThreadFallsBackToComments(t *testing.T) {
	d := extractFixture(t, "forum.html", "https://forum.example/t/1")
	for _, want := range []string{"cranks and never catches", "gummed carburettor", "started first pull"} {
		if !strings.Contains(d.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, d.Text)
		}
	}
	if strings.Contains(d.Text, "Forum rules") {
		t.Errorf("footer in text:\n%s", d.Text)
	}
	// The article fixture has a real comment section next to the article:
	// there it stays out.
	a := extractFixture(t, "article.html", "https://coast.example/a")
	if strings.Contains(a.Text, "octopus") {
		t.Errorf("comment section leaked into an article with prose of its own")
	}
}

// A table or code block after the last paragraph is content: the trailing
// furniture trim must not empty its cells.
func TestTrailingTableAndCodeKeepTheirContent(t *testing.T) {
	html := `<html><head><title>T</title></head><body><article><h1>Results</h1>
<p>The measurements below were taken on three consecutive days in the same harbour at dawn, with the same instruments.</p>
<table><tr><th>day</th><th>catch</th></tr><tr><td>1</td><td>40 kg</td></tr><tr><td>2</td><td>35 kg</td></tr></table>
<pre><code>x = 1</code></pre></article><footer>Copyright</footer></body></html>`
	doc, err := FromHTML(context.Background(), []byte(html), "https://t.example/", Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| day | catch |", "| 2 | 35 kg |", "x = 1"} {
		if !strings.Contains(doc.Markdown, want) {
			t.Errorf("markdown lacks %q:\n%s", want, doc.Markdown)
		}
	}
}

// TestDeepNestingNamesTheLimit: 100 000 nested elements are refused with a
// message that names the limit and what to do, not "parse html".
func TestDeepNestingNamesTheLimit(t *testing.T) {
	page := strings.Repeat("<div>", 100_000) + "text" + strings.Repeat("</div>", 100_000)
	_, err := FromHTML(context.Background(), []byte(page), "", Options{})
	ce := core.AsError(err)
	if ce == nil || ce.Type != core.ErrExtraction {
		t.Fatalf("error %v, want an extraction_error", err)
	}
	for _, want := range []string{"more than 512 deep", "fixed limit of the HTML parser", "flatten the nesting"} {
		if !strings.Contains(ce.Message, want) {
			t.Errorf("message %q lacks %q", ce.Message, want)
		}
	}
	// 500 levels are fine.
	ok := strings.Repeat("<div>", 500) + "<p>" + strings.Repeat("deep words ", 40) + "</p>" + strings.Repeat("</div>", 500)
	if _, err := FromHTML(context.Background(), []byte(ok), "", Options{}); err != nil {
		t.Fatalf("500 levels: %v", err)
	}
}
