// Package adminwire wires the admin group: the process's managed key
// service (wire.Process.Keys) behind the admin routes.
package adminwire

import (
	"context"

	adminapi "github.com/riptidecrawler/riptide/shared/api/admin"
	"github.com/riptidecrawler/riptide/shared/wire"
)

// Build is the admin group's Builder.
func Build(_ context.Context, p *wire.Process) (wire.Group, error) {
	return wire.Group{Handlers: adminapi.Handlers(adminapi.Deps{Keys: p.Keys})}, nil
}
