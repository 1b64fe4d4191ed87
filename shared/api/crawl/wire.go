package crawl

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

// NewDeps builds the group's dependencies from the common wiring.
func NewDeps(b *app.Base) (Deps, error) {
	p, err := pipeline.New(pipeline.Config{AllowCIDRs: b.Config.AllowCIDRs, Cache: store.NewCache(b.Store), Logger: b.Logger})
	if err != nil {
		return Deps{}, err
	}
	d := Deps{Pipeline: p}
	if b.InLambda {
		d.SyncDeadline = LambdaSyncDeadline
	}
	return d, nil
}

// Wire builds the group's handlers; used by the crawl function and the
// local server.
func Wire(b *app.Base) (map[string]http.Handler, error) {
	d, err := NewDeps(b)
	if err != nil {
		return nil, err
	}
	return Handlers(d), nil
}
