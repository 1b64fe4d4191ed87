package crawlapi

import (
	"net/http"
	"sort"
	"strings"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/pipeline"
	"github.com/riptidecrawler/riptide/shared/urlnorm"
)

// ExtractRequest is the body of POST /api/v1/extract: a URL to crawl, or
// raw HTML (with an optional URL to resolve its links against).
type ExtractRequest struct {
	URL     string           `json:"url,omitempty"`
	HTML    *string          `json:"html,omitempty"`
	Options pipeline.Options `json:"options"`
}

func (d Deps) extract(w http.ResponseWriter, r *http.Request) {
	var req ExtractRequest
	if err := httpx.Decode(r, &req); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if err := req.validate(d.Pipeline); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	var res pipeline.Result
	if req.HTML != nil {
		res = d.Pipeline.ExtractHTML(r.Context(), []byte(*req.HTML), req.URL, req.Options)
	} else {
		res = d.Pipeline.Crawl(r.Context(), req.URL, req.Options)
	}
	// One URL: its failure is the request's failure, in the unified shape.
	if res.Error != nil {
		httpx.WriteError(w, r, &core.Error{Type: res.Error.Type, Message: res.Error.Message, Permanent: !res.Error.Retryable})
		return
	}
	httpx.WriteJSON(w, http.StatusOK, res)
}

func (req *ExtractRequest) validate(p *pipeline.Pipeline) error {
	if req.HTML == nil && req.URL == "" {
		return core.Errorf(core.ErrValidation, "url or html is required").WithDetails(core.Detail{Field: "url", Message: "required without html"})
	}
	if req.URL != "" {
		if _, err := urlnorm.Validate(req.URL); err != nil {
			return core.Errorf(core.ErrInvalidURL, "url: %s", core.AsError(err).Message).WithDetails(core.Detail{Field: "url", Message: core.AsError(err).Message})
		}
	}
	if req.HTML != nil {
		if strings.TrimSpace(*req.HTML) == "" {
			return core.Errorf(core.ErrValidation, "html: must not be empty")
		}
		// With raw HTML nothing is fetched, cached or rendered: options that
		// only steer those would be silently dropped, so they are refused.
		o := req.Options
		var unused []string
		for name, set := range map[string]bool{
			"concurrency": o.Concurrency != 0, "cache_mode": o.CacheMode != "", "cache_ttl_ms": o.CacheTTLMS != 0,
			"respect_robots": o.RespectRobots != nil, "timeout_ms": o.TimeoutMS != 0, "render_mode": o.RenderMode != "",
			"max_body_bytes": o.MaxBodyBytes != 0, "user_agent": o.UserAgent != "", "headers": len(o.Headers) > 0,
		} {
			if set {
				unused = append(unused, "options."+name)
			}
		}
		if len(unused) > 0 {
			sort.Strings(unused)
			return core.Errorf(core.ErrValidation, "%s has no effect with html input (nothing is fetched); only options.formats applies", strings.Join(unused, ", "))
		}
	}
	if req.Options.Concurrency != 0 {
		return core.Errorf(core.ErrValidation, "options.concurrency does not apply to a single URL")
	}
	req.Options = req.Options.WithDefaults()
	if err := req.Options.Validate("options"); err != nil {
		return err
	}
	return p.PrepareStructured(&req.Options, "options")
}
