package pdf

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
)

func corpus(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func extract(t *testing.T, name string, opts Options) *Document {
	t.Helper()
	doc, err := Extract(context.Background(), corpus(t, name), opts)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return doc
}

func TestChromiumPDFsGiveTheirTextPerPage(t *testing.T) {
	cases := []struct {
		file  string
		title string
		pages [][]string // sentences expected on each page
	}{
		{"article.pdf", "Tidal Power Notes", [][]string{{
			"Tidal Power Notes",
			"Tidal streams turn underwater turbines twice a day, and the timing of every tide is known years in advance.",
			"Only a few coasts have a tidal range above five metres, which is where a barrage pays for itself.",
			// The ﬃ/ﬁ/ﬂ ligatures Chromium draws come back as letters.
			"Ligatures such as office, affine and flow must come back as plain letters after extraction.",
		}}},
		{"multipage.pdf", "Three Page Report", [][]string{
			{"Part one: harbours", "Every harbour keeps a logbook of arrivals, departures and the weather observed at dawn."},
			{"Part two: lighthouses", "Keepers recorded the visibility in nautical miles each evening before lighting the lamp."},
			{"Part three: charts", "Soundings printed in italics show drying heights above the chart datum."},
		}},
		{"unicode.pdf", "Café Glossary", [][]string{{
			"Crème brûlée, naïve façade and the Zürich Straße keep their accents.",
			"Greek: Καλημέρα κόσμε. Russian: Добрый день.",
			"Quotes “curly” and ‘single’, an en dash – and an em dash — survive as well.",
		}}},
	}
	for _, c := range cases {
		doc := extract(t, c.file, Options{})
		if doc.Metadata.Title != c.title || doc.Metadata.PageCount != len(c.pages) || len(doc.Pages) != len(c.pages) {
			t.Fatalf("%s: title %q, %d pages (metadata %d), want %q and %d", c.file, doc.Metadata.Title, len(doc.Pages), doc.Metadata.PageCount, c.title, len(c.pages))
		}
		for i, want := range c.pages {
			p := doc.Pages[i]
			flat := strings.Join(strings.Fields(p.Text), " ")
			for _, s := range want {
				if !strings.Contains(flat, s) {
					t.Errorf("%s page %d lacks %q:\n%s", c.file, i+1, s, p.Text)
				}
			}
			if p.Number != i+1 || p.NeedsOCR || p.WordCount == 0 || p.Error != "" {
				t.Errorf("%s page %d: %+v", c.file, i+1, p)
			}
		}
		if doc.Metadata.Producer == "" || doc.Metadata.CreatedAt == nil || doc.Metadata.PDFVersion != "1.4" || !doc.Metadata.Tagged {
			t.Errorf("%s metadata: %+v", c.file, doc.Metadata)
		}
	}
}

func TestPagesOfOtherDocumentsDoNotLeak(t *testing.T) {
	doc := extract(t, "multipage.pdf", Options{})
	if strings.Contains(doc.Pages[0].Text, "lighthouses") || strings.Contains(doc.Pages[2].Text, "harbours where") {
		t.Fatalf("text on the wrong page: %q / %q", doc.Pages[0].Text, doc.Pages[2].Text)
	}
	if !strings.Contains(doc.Text(), "\f") {
		t.Fatal("document text must separate pages with a form feed")
	}
}

// The columns are drawn line by line across both columns; reading order
// is the whole left column, then the right one.
func TestTwoColumnsAreReadColumnByColumn(t *testing.T) {
	for _, file := range []string{"two-columns.pdf", "columns.pdf"} {
		text := extract(t, file, Options{}).Pages[0].Text
		flat := strings.Join(strings.Fields(text), " ")
		var first, second, title string
		if file == "two-columns.pdf" {
			title = "Harbour Gazette"
			first = strings.Join(leftColumn, " ")
			second = strings.Join(rightColumn, " ")
		} else {
			title = "Two Column Bulletin"
			first = "Volunteers read the older gauges by eye and telephone the numbers to the control room at night."
			second = "Beta column continues with notes on sandbags"
		}
		i, j, k := strings.Index(flat, title), strings.Index(flat, first), strings.Index(flat, second)
		if i < 0 || j < 0 || k < 0 || !(i < j && j < k) {
			t.Errorf("%s: want %q, then %q, then %q in order:\n%s", file, title, first, second, text)
		}
	}
}

var leftColumn = []string{"The left column opens with a note", "on harbour dues, which are paid", "by every vessel that ties up at", "the quay for more than one night."}
var rightColumn = []string{"The right column turns to pilots,", "who board ships outside the bar", "and steer them through the channel", "to a berth chosen by the harbour."}

func TestRotatedPagesAndRotatedText(t *testing.T) {
	doc := extract(t, "rotated.pdf", Options{})
	p1, p2 := doc.Pages[0], doc.Pages[1]
	if p1.Rotation != 90 || !strings.Contains(p1.Text, "This landscape page is turned by its Rotate entry.\nIts text is still read") {
		t.Errorf("rotated page: rotation %d text %q", p1.Rotation, p1.Text)
	}
	want := "This sentence runs up the page, rotated by ninety degrees.\nA second rotated line follows it to the right."
	if p2.Rotation != 0 || p2.Text != want {
		t.Errorf("text running upwards: got %q, want %q", p2.Text, want)
	}
}

func TestPageWithoutTextLayerNeedsOCR(t *testing.T) {
	doc := extract(t, "scanned.pdf", Options{})
	p := doc.Pages[0]
	if !doc.NeedsOCR || !p.NeedsOCR || p.Images != 1 || p.Text != "" {
		t.Fatalf("scanned page: doc needs_ocr %v, page %+v", doc.NeedsOCR, p)
	}
	// A document with text on some page does not need OCR as a whole.
	if extract(t, "article.pdf", Options{}).NeedsOCR {
		t.Fatal("a text PDF must not need OCR")
	}
}

func TestMetadataFromInfoXMPAndOutline(t *testing.T) {
	doc := extract(t, "metadata.pdf", Options{})
	m := doc.Metadata
	created := time.Date(2024, 3, 5, 9, 20, 30, 0, time.UTC)
	if m.Title != "Brise-lames – étude" || m.Author != "Ada Tester" || m.Subject != "Breakwaters" || m.Keywords != "coast, survey" ||
		m.Creator != "gen" || m.Producer != "riptide corpus" || m.CreatedAt == nil || !m.CreatedAt.Equal(created) ||
		m.ModifiedAt == nil || m.ModifiedAt.Format(time.DateOnly) != "2024-03-06" || m.PDFVersion != "2.0" ||
		m.Language != "fr-FR" || !m.Tagged || m.Info["Department"] != "Coastal Works" {
		t.Errorf("info: %+v", m)
	}
	if m.XMP["dc:title"] != "Survey of Breakwaters" || m.XMP["dc:creator"] != "Ada Tester; Bo Example" ||
		m.XMP["xmp:CreatorTool"] != "corpus generator" || m.XMP["pdf:Producer"] != "hand-written" {
		t.Errorf("xmp: %v", m.XMP)
	}
	want := []OutlineItem{{Title: "Introduction", Children: []OutlineItem{{Title: "Scope of the survey"}}}, {Title: "Findings"}}
	if len(doc.Outline) != 2 || doc.Outline[0].Title != want[0].Title || len(doc.Outline[0].Children) != 1 ||
		doc.Outline[0].Children[0].Title != "Scope of the survey" || doc.Outline[1].Title != "Findings" {
		t.Errorf("outline: %+v", doc.Outline)
	}
	// Text drawn through a form XObject is found.
	if doc.Pages[0].Text != "Text drawn inside a form XObject is text too." {
		t.Errorf("form text: %q", doc.Pages[0].Text)
	}
}

func TestBadFilesGiveTypedErrors(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		typ  core.ErrorType
		msg  string
		opts Options
	}{
		{"not a pdf", []byte("<html><body>hello</body></html>"), core.ErrValidation, "not a PDF", Options{}},
		{"empty", nil, core.ErrValidation, "not a PDF", Options{}},
		{"truncated", corpus(t, "truncated.pdf"), core.ErrExtraction, "truncated", Options{}},
		{"corrupt", corpus(t, "corrupt.pdf"), core.ErrExtraction, "damaged", Options{}},
		{"encrypted", corpus(t, "encrypted.pdf"), core.ErrExtraction, "send it in the password field", Options{}},
		{"wrong password", corpus(t, "encrypted.pdf"), core.ErrExtraction, "password given does not open it", Options{Password: "nope"}},
		{"aes-256", corpus(t, "encrypted-aes256.pdf"), core.ErrExtraction, "does not support", Options{}},
		{"header only", []byte("%PDF-1.7\n%%EOF\n"), core.ErrExtraction, "", Options{}},
	}
	for _, c := range cases {
		_, err := Extract(context.Background(), c.data, c.opts)
		if core.TypeOf(err) != c.typ || !strings.Contains(core.AsError(err).Message, c.msg) {
			t.Errorf("%s: got %v, want %s containing %q", c.name, err, c.typ, c.msg)
		}
	}
}

func TestEncryptedFilesOpenWithTheirPassword(t *testing.T) {
	for _, c := range []struct {
		file, password string
	}{{"encrypted.pdf", "harbour"}, {"encrypted-no-user-password.pdf", ""}} {
		doc := extract(t, c.file, Options{Password: c.password})
		if !doc.Metadata.Encrypted || doc.Metadata.Title != "Tidal Power Notes" || !strings.Contains(doc.Pages[0].Text, "Tidal streams turn underwater turbines") {
			t.Errorf("%s: encrypted %v title %q text %q", c.file, doc.Metadata.Encrypted, doc.Metadata.Title, doc.Pages[0].Text)
		}
	}
}

func TestLimitsAndDeadline(t *testing.T) {
	doc := extract(t, "multipage.pdf", Options{MaxPages: 2})
	if len(doc.Pages) != 2 || doc.Metadata.PageCount != 2 || len(doc.Warnings) != 1 || !strings.Contains(doc.Warnings[0], "first 2 pages") {
		t.Errorf("page limit: %d pages, warnings %v", len(doc.Pages), doc.Warnings)
	}
	// A page whose content is over the decompressed limit is reported, not
	// read; the file still succeeds.
	doc = extract(t, "multipage.pdf", Options{MaxContentBytes: 200})
	if doc.Pages[0].Error == "" || !strings.Contains(doc.Pages[0].Error, "larger than 200 bytes") || len(doc.Warnings) != 3 {
		t.Errorf("content limit: page %+v warnings %v", doc.Pages[0], doc.Warnings)
	}
	if _, err := Extract(context.Background(), corpus(t, "long.pdf"), Options{MaxTextBytes: 1000}); core.TypeOf(err) != core.ErrPayloadTooLarge {
		t.Errorf("text limit: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Extract(ctx, corpus(t, "article.pdf"), Options{}); core.TypeOf(err) != core.ErrTimeout {
		t.Errorf("cancelled context: %v", err)
	}
}

func TestMarkdownHasHeadingsAndPageRules(t *testing.T) {
	md := extract(t, "multipage.pdf", Options{}).Markdown()
	for _, want := range []string{"# Part one: harbours\n\nThe first page describes harbours", "\n\n---\n\n# Part two: lighthouses", "# Part three: charts"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	// Lines of one paragraph are joined in markdown.
	md = extract(t, "article.pdf", Options{}).Markdown()
	if !strings.Contains(md, "## Costs and sites") || !strings.Contains(md, "is known years in advance.") {
		t.Errorf("article markdown:\n%s", md)
	}
}
