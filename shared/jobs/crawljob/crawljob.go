// Package crawljob runs the job types that crawl URLs on the crawl
// pipeline: single_crawl, batch_crawl, and the single-URL variants extract
// (options.extraction required: the job is about its structured data) and
// pdf (the URL must answer with a PDF). A batch of up to 10,000 URLs is
// crawled in chunks of jobs.PageItems, each chunk one result page, with a
// checkpoint after every chunk so a redelivered or continued job carries on
// where it stopped.
package crawljob

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/jobs"
	"github.com/riptidecrawler/riptide/shared/pipeline"
	"github.com/riptidecrawler/riptide/shared/urlnorm"
)

// Executor is the jobs.Executor of single_crawl, batch_crawl, extract and
// pdf.
type Executor struct {
	Pipeline *pipeline.Pipeline
}

// Summary is a crawl job's result summary (shown with the job and sent in
// its webhook).
type Summary struct {
	TotalURLs int `json:"total_urls"`
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
}

// Item is one result line: the URL's index in the job's input and its
// crawl result.
type Item struct {
	Index  int             `json:"index"`
	Result pipeline.Result `json:"result"`
}

// Prepare implements jobs.Executor: the URLs are checked and the options
// decoded strictly, defaulted and validated, as POST /crawl does, so a bad
// job is a 400 at submission and not a failure later.
func (e Executor) Prepare(_ context.Context, s *jobs.Spec) error {
	switch s.Type {
	case jobs.TypeSingleCrawl, jobs.TypeExtract, jobs.TypePDF:
		if s.URL == "" && len(s.URLs) == 1 {
			s.URL, s.URLs = s.URLs[0], nil
		}
		if s.URL == "" || len(s.URLs) > 0 {
			return field("url", string(s.Type)+" takes one url")
		}
		if _, err := urlnorm.Validate(s.URL); err != nil {
			return core.Errorf(core.ErrInvalidURL, "url: %s", core.AsError(err).Message).WithDetails(core.Detail{Field: "url", Message: core.AsError(err).Message})
		}
	case jobs.TypeBatchCrawl:
		if s.URL != "" {
			s.URLs, s.URL = append([]string{s.URL}, s.URLs...), ""
		}
		if len(s.URLs) == 0 || len(s.URLs) > jobs.MaxBatchURLs {
			return field("urls", fmt.Sprintf("batch_crawl takes 1 to %d urls, got %d", jobs.MaxBatchURLs, len(s.URLs)))
		}
		var details []core.Detail
		for i, u := range s.URLs {
			if _, err := urlnorm.Validate(u); err != nil && len(details) < 50 {
				details = append(details, core.Detail{Field: fmt.Sprintf("urls[%d]", i), Message: core.AsError(err).Message})
			}
		}
		if len(details) > 0 {
			return core.Errorf(core.ErrInvalidURL, "%s: %s", details[0].Field, details[0].Message).WithDetails(details...)
		}
	default:
		return core.Errorf(core.ErrValidation, "type: crawljob does not run %s", s.Type)
	}
	if s.Task != "" || len(s.Parameters) > 0 {
		return field("task", "task and parameters are for maintenance jobs")
	}
	opts, err := decodeOptions(s.Options)
	if err != nil {
		return err
	}
	if s.Type == jobs.TypeExtract && opts.Extraction == nil {
		return field("options.extraction", "an extract job runs options.extraction (a strategy spec, docs/strategies.md); for the page alone submit single_crawl")
	}
	opts = opts.WithDefaults()
	if err := opts.Validate("options"); err != nil {
		return err
	}
	if err := e.Pipeline.PrepareStructured(&opts, "options"); err != nil {
		return err
	}
	raw, err := json.Marshal(opts)
	if err != nil {
		return err
	}
	s.Options = raw
	return nil
}

func field(name, msg string) error {
	return core.Errorf(core.ErrValidation, "%s: %s", name, msg).WithDetails(core.Detail{Field: name, Message: msg})
}

func decodeOptions(raw json.RawMessage) (pipeline.Options, error) {
	var o pipeline.Options
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return o, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		return o, core.Errorf(core.ErrValidation, "options: %s", err.Error()).WithDetails(core.Detail{Field: "options", Message: err.Error()})
	}
	return o, nil
}

// Checkpoint keys.
const (
	cpChunks    = "chunks_done"
	cpSucceeded = "succeeded"
	cpFailed    = "failed"
	cpBytes     = "bytes"
)

// Run implements jobs.Executor.
func (e Executor) Run(ctx context.Context, r *jobs.Run) (*jobs.Outcome, error) {
	urls := r.Job.Input.URLs
	if r.Job.Type != jobs.TypeBatchCrawl {
		urls = []string{r.Job.Input.URL}
	}
	opts, err := decodeOptions(r.Job.Input.Options)
	if err != nil {
		return nil, err
	}
	opts = opts.WithDefaults()
	cp := r.Job.Checkpoint
	done, succeeded, failed, size := atoi(cp[cpChunks]), atoi(cp[cpSucceeded]), atoi(cp[cpFailed]), atoi(cp[cpBytes])
	pages := (len(urls) + jobs.PageItems - 1) / jobs.PageItems
	for chunk := done; chunk < pages; chunk++ {
		if !r.Deadline.IsZero() && time.Now().After(r.Deadline) {
			return nil, jobs.ErrContinue
		}
		lo := chunk * jobs.PageItems
		part := urls[lo:min(lo+jobs.PageItems, len(urls))]
		items := make([]json.RawMessage, len(part))
		_, err := e.Pipeline.Batch(ctx, part, opts, func(i int, res pipeline.Result) error {
			res = expect(r.Job.Type, res)
			if res.OK() {
				succeeded++
			} else {
				failed++
			}
			b, err := json.Marshal(Item{Index: lo + i, Result: res})
			items[i] = b
			return err
		})
		if err != nil {
			if ctx.Err() != nil {
				return nil, core.Wrap(core.ErrTimeout, ctx.Err(), "the crawl was stopped")
			}
			return nil, err
		}
		n, err := r.Results.WritePage(ctx, chunk, items)
		if err != nil {
			return nil, err
		}
		size += n
		if err := r.Checkpoint(ctx, map[string]string{cpChunks: strconv.Itoa(chunk + 1), cpSucceeded: strconv.Itoa(succeeded),
			cpFailed: strconv.Itoa(failed), cpBytes: strconv.Itoa(size)}); err != nil {
			return nil, err
		}
		if err := r.Progress(ctx, jobs.Progress{Completed: succeeded + failed, Total: len(urls), Succeeded: succeeded, Failed: failed}); err != nil {
			return nil, err
		}
	}
	return &jobs.Outcome{Success: failed == 0, Summary: Summary{TotalURLs: len(urls), Succeeded: succeeded, Failed: failed},
		Items: len(urls), Pages: pages, Bytes: size}, nil
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// expect turns a crawl that worked but is not what the job type asked for
// into a failed item that says why: a pdf job whose URL answered with
// HTML, an extract job whose strategies found nothing to return.
func expect(t jobs.Type, res pipeline.Result) pipeline.Result {
	if !res.OK() {
		return res
	}
	switch {
	case t == jobs.TypePDF && !isPDF(res.ContentType):
		ct := res.ContentType
		if ct == "" {
			ct = "none"
		}
		res.Error = core.InfoOf(core.Errorf(core.ErrExtraction, "the URL did not answer with a PDF (content type %s); submit single_crawl for other documents", ct))
	case t == jobs.TypeExtract && res.Extraction == nil:
		res.Error = core.InfoOf(core.Errorf(core.ErrExtraction, "options.extraction returned no structured data for this page"))
	}
	return res
}

func isPDF(contentType string) bool {
	mt, _, _ := strings.Cut(strings.ToLower(contentType), ";")
	return strings.TrimSpace(mt) == "application/pdf"
}
