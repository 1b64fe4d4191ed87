// Package pdf extracts text, metadata and the outline from PDF files: text
// per page in reading order (glyphs are placed on the page, gathered into
// lines and blocks, and read column by column), the Info dictionary and XMP
// metadata, and the bookmarks. Pages without a text layer (scans) are
// flagged needs_ocr instead of coming back silently empty.
//
// It is a pure engine over github.com/ledongthuc/pdf, which parses the file
// structure, decodes streams and fonts' character maps. That library panics
// on malformed input and has no limits; this package recovers every panic
// per file, bounds pages, content streams, text and time, and turns every
// failure into a typed error (validation_error for what is not a PDF,
// extraction_error for encrypted, truncated or damaged files).
package pdf

import "time"

// Document is what a PDF yields.
type Document struct {
	Metadata Metadata      `json:"metadata"`
	Outline  []OutlineItem `json:"outline,omitempty"`
	Pages    []Page        `json:"pages"`
	// NeedsOCR is true when no page has a text layer: the file is a scan
	// (or images of text) and its words can only be read by OCR.
	NeedsOCR bool `json:"needs_ocr"`
	// Warnings name the pages or parts that could not be read, while the
	// rest of the file was.
	Warnings []string `json:"warnings,omitempty"`
}

// Page is one page's text.
type Page struct {
	Number int `json:"number"` // 1-based
	// Text is the page's text in reading order: lines joined by "\n",
	// paragraphs (and columns) separated by a blank line.
	Text      string `json:"text"`
	WordCount int    `json:"word_count"`
	// Rotation is the page's /Rotate in degrees (0, 90, 180, 270): how a
	// viewer turns the page. Text is read in the page's own coordinates,
	// so it is unaffected.
	Rotation int     `json:"rotation"`
	Width    float64 `json:"width"` // points, from the MediaBox
	Height   float64 `json:"height"`
	// Images is the number of images the page draws.
	Images int `json:"images"`
	// NeedsOCR is true when the page has no text layer but draws images:
	// its text (if any) is pixels.
	NeedsOCR bool `json:"needs_ocr"`
	// Error says why the page could not be read (the other pages were).
	Error string `json:"error,omitempty"`
	// blocks are the page's paragraphs (with heading levels), for markdown.
	blocks []block
}

// Metadata is the document's Info dictionary, XMP packet and structure.
type Metadata struct {
	Title      string     `json:"title,omitempty"`
	Author     string     `json:"author,omitempty"`
	Subject    string     `json:"subject,omitempty"`
	Keywords   string     `json:"keywords,omitempty"`
	Creator    string     `json:"creator,omitempty"`
	Producer   string     `json:"producer,omitempty"`
	CreatedAt  *time.Time `json:"created_at,omitempty"`
	ModifiedAt *time.Time `json:"modified_at,omitempty"`
	PDFVersion string     `json:"pdf_version"`
	PageCount  int        `json:"page_count"`
	Encrypted  bool       `json:"encrypted"`
	Tagged     bool       `json:"tagged"`
	Language   string     `json:"language,omitempty"`
	// Info holds every other string entry of the Info dictionary.
	Info map[string]string `json:"info,omitempty"`
	// XMP holds the XMP packet's simple properties by prefixed name
	// ("dc:title", "xmp:CreatorTool", "pdf:Producer"); lists are joined
	// with "; ".
	XMP map[string]string `json:"xmp,omitempty"`
}

// OutlineItem is one bookmark.
type OutlineItem struct {
	Title    string        `json:"title"`
	Children []OutlineItem `json:"children,omitempty"`
}
