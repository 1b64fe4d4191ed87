// Package crawl serves the crawl endpoint group: batch crawls, NDJSON and
// SSE streams, the WebSocket protocol, and single-page extraction.
package crawlapi

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/pipeline"
	"github.com/riptidecrawler/riptide/shared/urlnorm"
)

// Request is the body of POST /api/v1/crawl and its streaming twins.
type Request struct {
	URLs    []string `json:"urls"`
	Options Options  `json:"options"`
	// Async submits the batch as a job (POST /api/v1/crawl only): the
	// answer is 202 with job_id, status_url and a Location header. A
	// batch over the synchronous limit is submitted so without asking.
	Async bool `json:"async,omitempty"`
}

// Options are the crawl options, plus the delegation of the whole request
// to the spider (POST /api/v1/crawl only).
type Options struct {
	pipeline.Options
	// UseSpider crawls the URLs as seeds of a deep crawl: the answer is the
	// spider's 202 with its id and status URL.
	UseSpider bool `json:"use_spider,omitempty"`
	// Spider holds the spider's options (as in POST /api/v1/spider/crawl).
	Spider json.RawMessage `json:"spider,omitempty"`
}

// normalize fills option defaults and validates the request. Every bad URL
// is listed in the error's details, so a client fixes them all at once.
func (r *Request) normalize(p *pipeline.Pipeline) error {
	if r.Async {
		// Streams answer as they go, and a spider run is async already.
		return core.Errorf(core.ErrValidation, "async: only POST /api/v1/crawl without options.use_spider submits a job").
			WithDetails(core.Detail{Field: "async", Message: "not here"})
	}
	if len(r.URLs) == 0 {
		return core.Errorf(core.ErrValidation, "urls: at least one URL is required").
			WithDetails(core.Detail{Field: "urls", Message: "required"})
	}
	if len(r.URLs) > pipeline.MaxURLs {
		return core.Errorf(core.ErrValidation, "urls: at most %d URLs per request, got %d (use /api/v1/spider/crawl or async jobs for more)",
			pipeline.MaxURLs, len(r.URLs)).WithDetails(core.Detail{Field: "urls", Message: "too many"})
	}
	var details []core.Detail
	for i, u := range r.URLs {
		if _, err := urlnorm.Validate(u); err != nil {
			details = append(details, core.Detail{Field: fmt.Sprintf("urls[%d]", i), Message: core.AsError(err).Message})
		}
	}
	if len(details) > 0 {
		return core.Errorf(core.ErrInvalidURL, "%s: %s", details[0].Field, details[0].Message).WithDetails(details...)
	}
	if r.Options.UseSpider {
		// The spider crawls with its own options: page options here would
		// be silently dropped, so they are refused.
		if !reflect.ValueOf(r.Options.Options).IsZero() {
			return core.Errorf(core.ErrValidation, "with options.use_spider, put spider options in options.spider; other options do not apply")
		}
		return nil
	}
	if len(r.Options.Spider) > 0 {
		return core.Errorf(core.ErrValidation, "options.spider needs options.use_spider: true")
	}
	r.Options.Options = r.Options.Options.WithDefaults()
	if err := r.Options.Validate("options"); err != nil {
		return err
	}
	return p.PrepareStructured(&r.Options.Options, "options")
}
