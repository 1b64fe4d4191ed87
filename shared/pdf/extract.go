package pdf

import (
	"context"
	"fmt"
	"strings"

	pdfread "github.com/ledongthuc/pdf"

	"github.com/riptidecrawler/riptide/shared/core"
)

// Metadata returns the document metadata.
func (f *File) Metadata() Metadata { return f.meta }

// NumPages returns the number of pages that will be read.
func (f *File) NumPages() int { return len(f.pages) }

// Warnings returns what could not be read so far.
func (f *File) Warnings() []string { return f.warnings }

// Outline returns the bookmarks; a damaged outline gives none.
func (f *File) Outline() (items []OutlineItem) {
	defer func() {
		if recover() != nil {
			items = nil
			f.warnings = append(f.warnings, "the outline (bookmarks) is damaged and was skipped")
		}
	}()
	return readOutline(f.r.Trailer().Key("Root"))
}

// Page reads page n (1-based). A page that cannot be read comes back with
// Error set (the rest of the file is still readable); the error is a
// timeout_error when ctx is done, which ends the whole extraction.
func (f *File) Page(ctx context.Context, n int) (p Page, err error) {
	if err := ctx.Err(); err != nil {
		return Page{Number: n}, core.Wrap(core.ErrTimeout, err, "PDF extraction ran out of time")
	}
	if n < 1 || n > len(f.pages) {
		return Page{Number: n}, core.Errorf(core.ErrValidation, "page %d does not exist (the PDF has %d)", n, len(f.pages))
	}
	v := f.pages[n-1]
	p = Page{Number: n}
	defer func() {
		if x := recover(); x != nil {
			perr := panicError(x, "the page's content is damaged")
			if core.TypeOf(perr) == core.ErrTimeout {
				err = perr
				return
			}
			p.Text, p.WordCount, p.blocks = "", 0, nil
			p.Error = pageError(perr)
			f.warnings = append(f.warnings, fmt.Sprintf("page %d: %s", n, p.Error))
		}
	}()
	p.Width, p.Height = pageBox(v)
	p.Rotation = pageRotation(v)
	c := &contentReader{ctx: ctx, fonts: map[string]*font{}, budget: f.opts.MaxContentBytes, limit: f.opts.MaxContentBytes}
	if contents := v.Key("Contents"); contents.Kind() == pdfread.Stream || contents.Kind() == pdfread.Array {
		st := textState{ctm: identity, tm: identity, tlm: identity, th: 1}
		c.run(contents, inherited(v, "Resources"), st, 0, "")
	}
	p.Images = c.images
	p.blocks = layoutPage(ctx, c.glyphs)
	p.Text = blocksText(p.blocks)
	if f.textUsed+len(p.Text) > f.opts.MaxTextBytes {
		return p, core.Errorf(core.ErrPayloadTooLarge, "the PDF's text is larger than %d bytes", f.opts.MaxTextBytes)
	}
	f.textUsed += len(p.Text)
	p.WordCount = len(strings.Fields(p.Text))
	p.NeedsOCR = strings.TrimSpace(p.Text) == "" && p.Images > 0
	return p, nil
}

// pageError is the client-facing reason a page could not be read.
func pageError(err error) string { return core.AsError(err).Message }

// Extract reads a whole PDF. It fails only when the file cannot be opened
// or time runs out; unreadable pages are reported in Page.Error and
// Warnings.
func Extract(ctx context.Context, data []byte, opts Options) (*Document, error) {
	f, err := Open(data, opts)
	if err != nil {
		return nil, err
	}
	doc := &Document{Metadata: f.Metadata(), Outline: f.Outline(), Pages: make([]Page, 0, f.NumPages())}
	for n := 1; n <= f.NumPages(); n++ {
		p, err := f.Page(ctx, n)
		if err != nil {
			return nil, err
		}
		doc.Pages = append(doc.Pages, p)
	}
	doc.Warnings = f.Warnings()
	doc.NeedsOCR = NeedsOCR(doc.Pages)
	return doc, nil
}

// NeedsOCR reports whether no page has text while some page has images.
func NeedsOCR(pages []Page) bool {
	ocr := false
	for _, p := range pages {
		if strings.TrimSpace(p.Text) != "" {
			return false
		}
		ocr = ocr || p.NeedsOCR
	}
	return ocr
}

// Text is the document's text: pages separated by a form feed, as
// pdftotext does, so page boundaries survive.
func (d *Document) Text() string {
	parts := make([]string, len(d.Pages))
	for i, p := range d.Pages {
		parts[i] = p.Text
	}
	return strings.Join(parts, "\n\f\n")
}

// WordCount is the number of words of all pages.
func (d *Document) WordCount() int {
	n := 0
	for _, p := range d.Pages {
		n += p.WordCount
	}
	return n
}

// Markdown renders the document: lines set larger than the body text as
// headings, paragraphs as blocks, pages separated by a rule.
func (d *Document) Markdown() string {
	var b strings.Builder
	for i, p := range d.Pages {
		if i > 0 {
			b.WriteString("\n\n---\n\n")
		}
		b.WriteString(p.Markdown())
	}
	return strings.TrimSpace(b.String())
}

// Markdown renders one page.
func (p Page) Markdown() string {
	parts := make([]string, 0, len(p.blocks))
	for _, bl := range p.blocks {
		text := normalizeText(strings.Join(bl.lines, " "))
		if bl.heading > 0 {
			parts = append(parts, strings.Repeat("#", bl.heading)+" "+text)
			continue
		}
		parts = append(parts, escapeMarkdown(text))
	}
	return strings.Join(parts, "\n\n")
}

// escapeMarkdown keeps a paragraph from being read as markup where it
// starts like a heading, list or quote.
func escapeMarkdown(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '#', '>', '-', '+', '*', '|':
		return `\` + s
	}
	return s
}
