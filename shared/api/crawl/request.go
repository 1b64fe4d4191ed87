// Package crawl serves the crawl endpoint group: batch crawls, NDJSON and
// SSE streams, the WebSocket protocol, and single-page extraction.
package crawl

import (
	"fmt"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/pipeline"
	"github.com/riptidecrawler/riptide/shared/urlnorm"
)

// Request is the body of POST /api/v1/crawl and its streaming twins.
type Request struct {
	URLs    []string         `json:"urls"`
	Options pipeline.Options `json:"options"`
}

// normalize fills option defaults and validates the request. Every bad URL
// is listed in the error's details, so a client fixes them all at once.
func (r *Request) normalize() error {
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
	r.Options = r.Options.WithDefaults()
	return r.Options.Validate("options")
}
