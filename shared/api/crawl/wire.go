package crawlapi

import (
	"net/http"
	"time"

	"github.com/riptidecrawler/riptide/shared/app"
	"github.com/riptidecrawler/riptide/shared/pipeline"
	"github.com/riptidecrawler/riptide/shared/store"
)

// LambdaSyncDeadline keeps a synchronous batch inside API Gateway's 29 s
// integration timeout, with time left to encode the response.
const LambdaSyncDeadline = 25 * time.Second

// NewDeps builds the group's dependencies from the common wiring; headless
// pages go to renderer (nil: they are extracted raw, with a note).
func NewDeps(b *app.Base, renderer pipeline.Renderer, spider SpiderDelegate) (Deps, error) {
	p, err := pipeline.New(pipeline.Config{AllowCIDRs: b.Config.AllowCIDRs, Cache: store.NewCache(b.Store), Logger: b.Logger, Renderer: renderer})
	if err != nil {
		return Deps{}, err
	}
	d := Deps{Pipeline: p, Spider: spider}
	if b.InLambda {
		d.SyncDeadline = LambdaSyncDeadline
	}
	return d, nil
}

// Wire returns the group's handler builder; used by the crawl function and
// the local server.
func Wire(renderer pipeline.Renderer, spider SpiderDelegate) app.Handlers {
	return func(b *app.Base) (map[string]http.Handler, error) {
		d, err := NewDeps(b, renderer, spider)
		if err != nil {
			return nil, err
		}
		return Handlers(d), nil
	}
}
