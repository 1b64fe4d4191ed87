package spiderapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/spider"
)

// CrawlDelegate starts spider runs for POST /api/v1/crawl with
// options.use_spider (it implements the crawl group's SpiderDelegate).
type CrawlDelegate struct {
	Service *spider.Service
}

// Delegate starts a run with the request's URLs as seeds and answers like
// POST /api/v1/spider/crawl does (202 with the run's id and status URL).
func (c CrawlDelegate) Delegate(ctx context.Context, seeds []string, raw json.RawMessage) (int, any, error) {
	var opts spider.Options
	if len(raw) > 0 {
		if err := httpx.DecodeBytes(raw, &opts, false); err != nil {
			return 0, nil, prefixFields(err, "options.spider.")
		}
	}
	id, err := c.Service.Start(ctx, httpx.Owner(ctx), seeds, opts)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, accepted(id), nil
}

// Location is where the accepted run is followed (the 202's Location header).
func (a Accepted) Location() string { return a.StatusURL }

func accepted(id string) Accepted {
	return Accepted{SpiderID: id, Status: spider.StateRunning,
		StatusURL: "/api/v1/spider/" + id, ResultsURL: "/api/v1/spider/" + id + "/results"}
}

// prefixFields names fields by their place in the crawl request.
func prefixFields(err error, prefix string) error {
	e := core.AsError(err)
	out := &core.Error{Type: e.Type, Message: e.Message, Cause: e.Cause}
	for _, d := range e.Details {
		if d.Field != "" {
			out.Message = strings.Replace(out.Message, `"`+d.Field+`"`, `"`+prefix+d.Field+`"`, 1)
			d.Field = prefix + d.Field
		}
		out.Details = append(out.Details, d)
	}
	return out
}
