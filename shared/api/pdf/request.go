package pdfapi

import (
	"encoding/base64"
	"strings"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/pdf"
)

// Limits and defaults (docs/pdf.md).
const (
	// MaxFileBytes is the largest PDF taken from a URL or an upload.
	MaxFileBytes = 100 << 20
	// DefaultTimeout covers fetching and extracting; MaxTimeout is the
	// most a request may ask for.
	DefaultTimeout = 25 * time.Second
	MaxTimeout     = 120 * time.Second
)

// ProcessRequest is the body of POST /api/v1/pdf/process and
// /api/v1/pdf/process-stream. Exactly one source: url, data (base64) or
// upload_key.
type ProcessRequest struct {
	// URL is fetched through the SSRF guard (robots.txt respected unless
	// options.respect_robots is false).
	URL string `json:"url,omitempty"`
	// Data is the PDF, base64 (standard alphabet, padding optional), up
	// to the route's body limit.
	Data string `json:"data,omitempty"`
	// PDFData is the original service's name for data; still accepted.
	PDFData string `json:"pdf_data,omitempty"`
	// UploadKey names a file PUT to an upload_url from POST
	// /api/v1/pdf/uploads.
	UploadKey string `json:"upload_key,omitempty"`
	// Filename is echoed back (and names the source in logs).
	Filename string `json:"filename,omitempty"`
	// Password opens an encrypted PDF whose user password is not empty.
	// It is never logged or returned.
	Password string         `json:"password,omitempty"`
	Options  ProcessOptions `json:"options"`
}

// ProcessOptions tune one extraction; every field is optional.
type ProcessOptions struct {
	// MaxPages reads at most this many pages (default and limit 2000).
	MaxPages int `json:"max_pages,omitempty"`
	// Markdown adds the document as markdown (headings from font sizes,
	// pages separated by a rule) to the response.
	Markdown bool `json:"markdown,omitempty"`
	// TimeoutMS bounds fetching and extraction (default 25000, at most
	// 120000).
	TimeoutMS     int   `json:"timeout_ms,omitempty"`
	RespectRobots *bool `json:"respect_robots,omitempty"`
}

// source is the validated input of one request.
type source struct {
	kind string // url, data, upload
	url  string
	data []byte
	key  string
}

// validate checks the request and decodes inline data.
func (r *ProcessRequest) validate() (source, error) {
	if r.Data == "" && r.PDFData != "" {
		r.Data = r.PDFData
	}
	given := 0
	for _, s := range []string{r.URL, r.Data, r.UploadKey} {
		if s != "" {
			given++
		}
	}
	if given != 1 {
		return source{}, core.Errorf(core.ErrValidation, "give exactly one of url, data (base64) or upload_key").
			WithDetails(core.Detail{Field: "data", Message: "exactly one source is required"})
	}
	o := &r.Options
	if o.TimeoutMS == 0 {
		o.TimeoutMS = int(DefaultTimeout.Milliseconds())
	}
	if o.TimeoutMS < 1000 || o.TimeoutMS > int(MaxTimeout.Milliseconds()) {
		return source{}, core.Errorf(core.ErrValidation, "options.timeout_ms: must be between 1000 and %d", MaxTimeout.Milliseconds()).
			WithDetails(core.Detail{Field: "options.timeout_ms", Message: "out of range"})
	}
	if o.MaxPages < 0 || o.MaxPages > pdf.DefaultMaxPages {
		return source{}, core.Errorf(core.ErrValidation, "options.max_pages: must be between 1 and %d", pdf.DefaultMaxPages).
			WithDetails(core.Detail{Field: "options.max_pages", Message: "out of range"})
	}
	switch {
	case r.URL != "":
		return source{kind: "url", url: r.URL}, nil
	case r.UploadKey != "":
		if !validUploadKey(r.UploadKey) {
			return source{}, core.Errorf(core.ErrValidation, "upload_key: not a key returned by POST /api/v1/pdf/uploads").
				WithDetails(core.Detail{Field: "upload_key", Message: "unknown key format"})
		}
		return source{kind: "upload", key: r.UploadKey}, nil
	}
	data, err := decodeBase64(r.Data)
	if err != nil {
		return source{}, core.Errorf(core.ErrValidation, "data: not valid base64 (%v)", err).
			WithDetails(core.Detail{Field: "data", Message: "invalid base64"})
	}
	if !pdf.IsPDF(data) {
		return source{}, core.Errorf(core.ErrValidation, "data: the decoded bytes are not a PDF (no %%PDF- header)").
			WithDetails(core.Detail{Field: "data", Message: "not a PDF"})
	}
	return source{kind: "data", data: data}, nil
}

// decodeBase64 accepts the standard alphabet with or without padding, and
// ignores line breaks (what base64 tools write by default).
func decodeBase64(s string) ([]byte, error) {
	s = strings.NewReplacer("\n", "", "\r", "", " ", "").Replace(s)
	if strings.HasSuffix(s, "=") {
		return base64.StdEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}

func (r ProcessRequest) timeout() time.Duration {
	return time.Duration(r.Options.TimeoutMS) * time.Millisecond
}

// Source describes where the PDF came from, in responses.
type Source struct {
	Kind      string `json:"kind"` // url, data or upload
	URL       string `json:"url,omitempty"`
	FinalURL  string `json:"final_url,omitempty"`
	UploadKey string `json:"upload_key,omitempty"`
	Filename  string `json:"filename,omitempty"`
	Bytes     int    `json:"bytes"`
}

// ProcessResponse is the body of a successful POST /api/v1/pdf/process.
type ProcessResponse struct {
	Source   Source            `json:"source"`
	Metadata pdf.Metadata      `json:"metadata"`
	Outline  []pdf.OutlineItem `json:"outline,omitempty"`
	Pages    []pdf.Page        `json:"pages"`
	// NeedsOCR is true when no page has a text layer (a scan): the file
	// was read, but its words are pixels.
	NeedsOCR bool     `json:"needs_ocr"`
	Markdown string   `json:"markdown,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
	Stats    Stats    `json:"stats"`
}

// Stats are counts and timings of one extraction.
type Stats struct {
	Pages          int     `json:"pages"`
	Words          int     `json:"words"`
	PagesNeedOCR   int     `json:"pages_need_ocr"`
	FetchMS        int64   `json:"fetch_ms"`
	ExtractMS      int64   `json:"extract_ms"`
	TotalMS        int64   `json:"total_ms"`
	PagesPerSecond float64 `json:"pages_per_second"`
}

// Stream lines of POST /api/v1/pdf/process-stream: metadata first, one
// page per page, progress along the way, summary last (or an error line).
type (
	MetadataLine struct {
		Type       string            `json:"type"`
		RequestID  string            `json:"request_id"`
		Source     Source            `json:"source"`
		Metadata   pdf.Metadata      `json:"metadata"`
		Outline    []pdf.OutlineItem `json:"outline,omitempty"`
		TotalPages int               `json:"total_pages"`
		Timestamp  time.Time         `json:"timestamp"`
	}
	PageLine struct {
		Type string   `json:"type"`
		Page pdf.Page `json:"page"`
	}
	ProgressLine struct {
		Type      string `json:"type"`
		Completed int    `json:"completed"`
		Total     int    `json:"total"`
		ElapsedMS int64  `json:"elapsed_ms"`
		ETAMS     int64  `json:"eta_ms"`
	}
	SummaryLine struct {
		Type     string   `json:"type"`
		NeedsOCR bool     `json:"needs_ocr"`
		Warnings []string `json:"warnings,omitempty"`
		Stats    Stats    `json:"stats"`
	}
)
