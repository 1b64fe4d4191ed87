// Package sessionswire wires the sessions group and the process's one
// sessions service, which the crawl pipeline shares (a session's cookies
// set by a crawl are those the API shows).
package sessionswire

import (
	"context"
	"time"

	sessionsapi "github.com/riptidecrawler/riptide/shared/api/sessions"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/sessions"
	"github.com/riptidecrawler/riptide/shared/store"
	"github.com/riptidecrawler/riptide/shared/store/sessionstore"
	"github.com/riptidecrawler/riptide/shared/wire"
)

// Build is the sessions group's Builder.
func Build(_ context.Context, p *wire.Process) (wire.Group, error) {
	return wire.Group{Handlers: sessionsapi.Handlers(sessionsapi.Deps{Service: Service(p)})}, nil
}

// Service returns the process's sessions service: sessions in the
// process's store, owned by the caller's API key, each limited to
// RIPTIDE_SESSION_RATE_LIMIT pages a minute.
func Service(p *wire.Process) *sessions.Service {
	svc, _ := wire.Shared(p, "sessions", func() (*sessions.Service, error) {
		svc := &sessions.Service{Store: sessionstore.New(p.Store), Owner: owner}
		if n := p.Config.SessionRateLimit; n > 0 {
			svc.Limiter = store.NewRateLimiter(p.Store, n, time.Minute)
		}
		return svc, nil
	})
	return svc
}

// owner is who the crawl's caller is as an owner of sessions (httpx.Owner,
// as sessionsapi.Owner).
func owner(ctx context.Context) string { return httpx.Owner(ctx) }
