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

// Wire builds the group's handlers from the common wiring; used by the
// crawl function and the local server.
func Wire(b *app.Base) (map[string]http.Handler, error) {
	p, err := pipeline.New(pipeline.Config{AllowCIDRs: b.Config.AllowCIDRs, Cache: store.NewCache(b.Store), Logger: b.Logger})
	if err != nil {
		return nil, err
	}
	d := Deps{Pipeline: p}
	if b.InLambda {
		d.SyncDeadline = LambdaSyncDeadline
	}
	return Handlers(d), nil
}
