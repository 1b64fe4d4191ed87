// Package pdfapi serves the pdf endpoint group: text, metadata and outline
// of a PDF given inline (base64), by URL (fetched through the SSRF guard)
// or by a presigned upload, as one JSON answer or an NDJSON stream of
// pages.
package pdfapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/riptidecrawler/riptide/shared/blob"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/pdf"
	"github.com/riptidecrawler/riptide/shared/routes"
)

// Fetcher gets one URL through the SSRF guard: shared/fetch.Fetcher, the
// pipeline's fetcher, satisfies it.
type Fetcher interface {
	Fetch(ctx context.Context, req fetch.Request) (*fetch.Response, error)
}

// Deps are what the group needs. Fetcher nil: url sources get
// dependency_error. Blob without blob.Linker (or nil): uploads answer
// not_implemented, and data and url still work.
type Deps struct {
	Fetcher Fetcher
	Blob    blob.Store
}

// Handlers returns the group's handlers keyed by operation id.
func Handlers(d Deps) map[string]http.Handler {
	return map[string]http.Handler{
		"pdf.process": http.HandlerFunc(d.process),
		"pdf.stream":  http.HandlerFunc(d.stream),
		"pdf.health":  http.HandlerFunc(d.health),
		"pdf.uploads": http.HandlerFunc(d.upload),
	}
}

// ErrorLine is a stream's error line.
type ErrorLine struct {
	Type  string             `json:"type"`
	Error httpx.ErrorPayload `json:"error"`
}

func (d Deps) process(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	req, src, err := d.decode(r)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), req.timeout())
	defer cancel()
	data, source, fetchMS, err := d.load(ctx, req, src)
	if err != nil {
		httpx.WriteError(w, r, deadline(ctx, err, req))
		return
	}
	t := time.Now()
	doc, err := pdf.Extract(ctx, data, pdf.Options{Password: req.Password, MaxPages: req.Options.MaxPages})
	if err != nil {
		httpx.WriteError(w, r, deadline(ctx, err, req))
		return
	}
	resp := ProcessResponse{Source: source, Metadata: doc.Metadata, Outline: doc.Outline, Pages: doc.Pages,
		NeedsOCR: doc.NeedsOCR, Warnings: doc.Warnings}
	if req.Options.Markdown {
		resp.Markdown = doc.Markdown()
	}
	resp.Stats = stats(doc.Pages, fetchMS, time.Since(t), time.Since(start))
	httpx.WriteJSON(w, http.StatusOK, resp)
}

// stream serves process-stream. An invalid request, an unreadable source
// or a file that does not open is a 4xx before the stream starts; after
// that, failures are error lines.
func (d Deps) stream(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	req, src, err := d.decode(r)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), req.timeout())
	defer cancel()
	data, source, fetchMS, err := d.load(ctx, req, src)
	if err != nil {
		httpx.WriteError(w, r, deadline(ctx, err, req))
		return
	}
	t := time.Now()
	f, err := pdf.Open(data, pdf.Options{Password: req.Password, MaxPages: req.Options.MaxPages})
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	out := httpx.NDJSON(w)
	total := f.NumPages()
	if out.Send("metadata", "", MetadataLine{Type: "metadata", RequestID: httpx.RequestID(r.Context()), Source: source,
		Metadata: f.Metadata(), Outline: f.Outline(), TotalPages: total, Timestamp: start.UTC()}) != nil {
		return
	}
	every := max(1, total/10)
	pages := make([]pdf.Page, 0, total)
	for n := 1; n <= total; n++ {
		p, err := f.Page(ctx, n)
		if err != nil {
			_ = out.Send("error", "", ErrorLine{Type: "error", Error: httpx.Payload(r, deadline(ctx, err, req))})
			return
		}
		if out.Send("page", "", PageLine{Type: "page", Page: p}) != nil {
			return
		}
		pages = append(pages, pdf.Page{Number: p.Number, Text: p.Text, WordCount: p.WordCount, NeedsOCR: p.NeedsOCR})
		if n%every == 0 && n < total {
			elapsed := time.Since(t)
			eta := time.Duration(float64(elapsed) / float64(n) * float64(total-n))
			if out.Send("progress", "", ProgressLine{Type: "progress", Completed: n, Total: total, ElapsedMS: elapsed.Milliseconds(), ETAMS: eta.Milliseconds()}) != nil {
				return
			}
		}
	}
	_ = out.Send("summary", "", SummaryLine{Type: "summary", NeedsOCR: pdf.NeedsOCR(pages), Warnings: f.Warnings(),
		Stats: stats(pages, fetchMS, time.Since(t), time.Since(start))})
}

func (d Deps) decode(r *http.Request) (ProcessRequest, source, error) {
	var req ProcessRequest
	if err := httpx.Decode(r, &req); err != nil {
		return req, source{}, err
	}
	src, err := req.validate()
	return req, src, err
}

// load gets the PDF's bytes from its source.
func (d Deps) load(ctx context.Context, req ProcessRequest, src source) ([]byte, Source, int64, error) {
	out := Source{Kind: src.kind, URL: src.url, UploadKey: src.key, Filename: req.Filename}
	switch src.kind {
	case "data":
		out.Bytes = len(src.data)
		return src.data, out, 0, nil
	case "upload":
		t := time.Now()
		data, err := d.readUpload(ctx, src.key)
		out.Bytes = len(data)
		return data, out, time.Since(t).Milliseconds(), err
	}
	if d.Fetcher == nil {
		return nil, out, 0, core.Errorf(core.ErrDependency, "fetching URLs is not configured on this server: send the PDF as base64 in data")
	}
	t := time.Now()
	resp, err := d.Fetcher.Fetch(ctx, fetch.Request{URL: src.url, RespectRobots: req.Options.RespectRobots,
		Timeout: req.timeout(), MaxBodyBytes: MaxFileBytes})
	fetchMS := time.Since(t).Milliseconds()
	if err != nil {
		return nil, out, fetchMS, err
	}
	out.FinalURL, out.Bytes = resp.FinalURL, len(resp.Body)
	if resp.Truncated {
		return nil, out, fetchMS, core.Errorf(core.ErrPayloadTooLarge, "%s is larger than the %d-byte limit for PDFs", src.url, MaxFileBytes)
	}
	if !pdf.IsPDF(resp.Body) {
		return nil, out, fetchMS, core.Errorf(core.ErrExtraction, "%s is %s, not a PDF", resp.FinalURL, resp.ContentType)
	}
	return resp.Body, out, fetchMS, nil
}

// deadline reports the request's time budget running out, whichever
// layer noticed it, as a timeout naming the budget.
func deadline(ctx context.Context, err error, req ProcessRequest) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || core.TypeOf(err) == core.ErrTimeout {
		return core.Wrap(core.ErrTimeout, err, "the PDF was not read within options.timeout_ms="+strconv.Itoa(req.Options.TimeoutMS))
	}
	return err
}

func stats(pages []pdf.Page, fetchMS int64, extract, total time.Duration) Stats {
	s := Stats{Pages: len(pages), FetchMS: fetchMS, ExtractMS: extract.Milliseconds(), TotalMS: total.Milliseconds()}
	for _, p := range pages {
		s.Words += p.WordCount
		if p.NeedsOCR {
			s.PagesNeedOCR++
		}
	}
	if extract > 0 {
		s.PagesPerSecond = float64(len(pages)) / extract.Seconds()
	}
	return s
}

// Health is the body of GET /api/v1/pdf/health.
type Health struct {
	Status       string       `json:"status"`
	Engine       string       `json:"engine"`
	Capabilities Capabilities `json:"capabilities"`
}

// Capabilities say what this server's PDF group can do.
type Capabilities struct {
	Text           bool     `json:"text"`
	Metadata       bool     `json:"metadata"`
	Outline        bool     `json:"outline"`
	OCR            bool     `json:"ocr"`
	Encryption     []string `json:"encryption"`
	Sources        []string `json:"sources"`
	MaxFileBytes   int64    `json:"max_file_bytes"`
	MaxInlineBytes int64    `json:"max_inline_bytes"`
	MaxPages       int      `json:"max_pages"`
}

func (d Deps) health(w http.ResponseWriter, r *http.Request) {
	sources := []string{"data"}
	if d.Fetcher != nil {
		sources = append(sources, "url")
	}
	if _, ok := d.Blob.(blob.Linker); ok && d.Blob != nil {
		sources = append(sources, "upload")
	}
	proc, _ := routes.Lookup("pdf.process")
	httpx.WriteJSON(w, http.StatusOK, Health{Status: "ok", Engine: "github.com/ledongthuc/pdf", Capabilities: Capabilities{
		Text: true, Metadata: true, Outline: true, OCR: false, Encryption: []string{"rc4", "aes-128"},
		Sources: sources, MaxFileBytes: MaxFileBytes, MaxInlineBytes: proc.BodyLimit() * 3 / 4, MaxPages: pdf.DefaultMaxPages,
	}})
}
