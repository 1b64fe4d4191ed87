// Package spiderrunswire picks the home of the process's spider runs, one
// per process, shared by the spider engine and the privacy sources (so a
// tenant export in `riptide serve` sees the runs the spider made).
package spiderrunswire

import (
	"context"

	"github.com/riptidecrawler/riptide/shared/blob"
	"github.com/riptidecrawler/riptide/shared/spider"
	"github.com/riptidecrawler/riptide/shared/store"
	"github.com/riptidecrawler/riptide/shared/store/spiderruns"
	"github.com/riptidecrawler/riptide/shared/wire"
)

// RecordsPrefix is where large spider result records live in the blob
// store (infra/cdk grants and expires this prefix of the artifacts bucket).
const RecordsPrefix = "spider/"

// Runs returns the process's spider run store; see For. Its large result
// records go to the process's blob store when that store is shared by
// every process (RIPTIDE_ARTIFACTS_BUCKET or RIPTIDE_BLOB_DIR).
func Runs(ctx context.Context, p *wire.Process) (spider.RunStore, error) {
	return wire.Shared(p, "spider.runs", func() (spider.RunStore, error) {
		var records blob.Store
		if !p.Store.Embedded() && (p.Config.ArtifactsBucket != "" || p.Config.BlobDir != "") {
			var err error
			if records, err = p.Blob(ctx, RecordsPrefix); err != nil {
				return nil, err
			}
		}
		return For(p.Store, records), nil
	})
}

// For is where runs live on st: in Redis (spiderruns) when st is a real
// Redis server, which every process of a deployment shares; in this
// process's memory when st is the embedded Redis. The embedded Redis is
// itself in this process and gone with it, so nothing is lost by keeping
// runs in Go instead, and a great deal is gained: miniredis runs the run
// store's Lua scripts in a Lua interpreter, tens of redis.call each per
// page, which cost a spider with extraction about a sixth of its CPU
// (docs/benchmarks.md). The two stores pass the same engine tests
// (shared/spider, every backend).
//
// records, when not nil, is a blob store every process of the deployment
// reaches (S3, or the folder of the one local server): the Redis run
// store keeps its largest result records there instead of in Redis,
// which then no longer carries the pages' documents (docs/storage.md).
// Never pass the in-memory blob store with a real Redis: another process
// could not read the records.
func For(st *store.Store, records blob.Store) spider.RunStore {
	if st.Embedded() {
		return spider.NewMemoryRunStore()
	}
	if records != nil {
		return spiderruns.New(st, spiderruns.WithBlobRecords(records, 0))
	}
	return spiderruns.New(st)
}
