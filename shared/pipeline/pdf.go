package pipeline

import (
	"context"
	"fmt"
	"strings"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/extract"
	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/pdf"
)

// PDFInfo is what a crawled PDF adds to its Document: the file's
// metadata, outline and per-page facts (the text itself is the Document's).
type PDFInfo struct {
	Metadata pdf.Metadata      `json:"metadata"`
	Outline  []pdf.OutlineItem `json:"outline,omitempty"`
	// PagesNeedingOCR lists pages without a text layer.
	PagesNeedingOCR []int    `json:"pages_needing_ocr,omitempty"`
	Warnings        []string `json:"warnings,omitempty"`
}

// pdfDocument extracts a fetched PDF with the pdf engine. A file without
// any text layer is an extraction_error: an empty document would look
// like a success.
func pdfDocument(ctx context.Context, resp *fetch.Response, opts Options) (*Document, error) {
	if resp.Truncated {
		return nil, core.Errorf(core.ErrExtraction, "%s is a PDF larger than max_body_bytes=%d: raise options.max_body_bytes (up to %d) or use /api/v1/pdf/process", resp.FinalURL, len(resp.Body), MaxMaxBodyBytes)
	}
	doc, err := pdf.Extract(ctx, resp.Body, pdf.Options{})
	if err != nil {
		return nil, err
	}
	if doc.NeedsOCR {
		return nil, core.Errorf(core.ErrExtraction, "%s is a PDF without a text layer (%d pages of images): OCR is not available", resp.FinalURL, len(doc.Pages))
	}
	info := &PDFInfo{Metadata: doc.Metadata, Outline: doc.Outline, Warnings: doc.Warnings}
	texts := make([]string, 0, len(doc.Pages))
	for _, p := range doc.Pages {
		if p.NeedsOCR {
			info.PagesNeedingOCR = append(info.PagesNeedingOCR, p.Number)
		}
		if p.Text != "" {
			texts = append(texts, p.Text)
		}
	}
	m := doc.Metadata
	d := &extract.Document{URL: resp.FinalURL, Title: m.Title, Text: strings.Join(texts, "\n\n"), Byline: m.Author,
		Description: m.Subject, Language: m.Language, WordCount: doc.WordCount()}
	if m.CreatedAt != nil {
		d.PublishedAt = m.CreatedAt.Format("2006-01-02T15:04:05Z07:00")
	}
	if m.ModifiedAt != nil {
		d.ModifiedAt = m.ModifiedAt.Format("2006-01-02T15:04:05Z07:00")
	}
	for _, k := range strings.FieldsFunc(m.Keywords, func(r rune) bool { return r == ',' || r == ';' }) {
		if k = strings.TrimSpace(k); k != "" {
			d.Keywords = append(d.Keywords, k)
		}
	}
	if opts.Has(FormatMarkdown) {
		d.Markdown = doc.Markdown()
	}
	d.ReadingTimeMS = int64(d.WordCount) * 60_000 / 238
	d.Quality = extract.Quality{Score: 1, Reasons: []string{fmt.Sprintf("PDF: the text layer of %d pages", len(doc.Pages))}}
	out := shape(d, nil, opts)
	out.PDF = info
	return out, nil
}
