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
func Build(_ context.Context, p *wire.Process) (wire.Group, error) {
	return wire.Group{Handlers: adminapi.Handlers(adminapi.Deps{Keys: p.Keys, Privacy: Privacy(p)}),
		Events: lambdaio.Handler{Task: rotationTask(p)}}, nil
}

// Privacy returns the tenant export/deletion service of p (nil without
// managed keys).
func Privacy(p *wire.Process) *privacy.Service {
	if p.Keys == nil {
		return nil
	}
	return &privacy.Service{Keys: p.Keys, Sources: store.PrivacySources(p.Store)}
}
