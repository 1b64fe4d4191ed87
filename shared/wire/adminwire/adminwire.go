// Package adminwire wires the admin group: the process's managed key
// service (wire.Process.Keys) and the tenant export/deletion service
// behind the admin routes, and the rotation of the bootstrap API keys
// secret (rotation.go).
package adminwire

import (
	"context"

	adminapi "github.com/riptidecrawler/riptide/shared/api/admin"
	"github.com/riptidecrawler/riptide/shared/lambdaio"
	"github.com/riptidecrawler/riptide/shared/privacy"
	"github.com/riptidecrawler/riptide/shared/store"
	"github.com/riptidecrawler/riptide/shared/wire"
)

// Build is the admin group's Builder.
func Build(ctx context.Context, p *wire.Process) (wire.Group, error) {
	priv, err := Privacy(ctx, p)
	if err != nil {
		return wire.Group{}, err
	}
	return wire.Group{Handlers: adminapi.Handlers(adminapi.Deps{Keys: p.Keys, Privacy: priv}),
		Events: lambdaio.Handler{Task: rotationTask(p)}}, nil
}

// Privacy returns the tenant export/deletion service of p (nil without
// managed keys): the keys' own data and everything the tenant owns.
func Privacy(ctx context.Context, p *wire.Process) (*privacy.Service, error) {
	if p.Keys == nil {
		return nil, nil
	}
	owned, err := OwnedDataSources(ctx, p)
	if err != nil {
		return nil, err
	}
	return &privacy.Service{Keys: p.Keys, Sources: append(owned, store.PrivacySources(p.Store)...)}, nil
}
