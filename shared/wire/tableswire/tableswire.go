// Package tableswire wires the tables group: tables from HTML or URLs
// fetched through the process's fetcher, kept in Redis with a TTL for
// export.
package tableswire

import (
	"context"

	tablesapi "github.com/riptidecrawler/riptide/shared/api/tables"
	"github.com/riptidecrawler/riptide/shared/store"
	"github.com/riptidecrawler/riptide/shared/wire"
)

// Build is the tables group's Builder.
func Build(_ context.Context, p *wire.Process) (wire.Group, error) {
	return wire.Group{Handlers: tablesapi.Handlers(tablesapi.Deps{Fetcher: p.Fetcher(), Store: store.NewTables(p.Store), TTL: tablesapi.DefaultTTL})}, nil
}
