// Package spiderrunswire picks the home of the process's spider runs, one
// per process, shared by the spider engine and the privacy sources (so a
// tenant export in `riptide serve` sees the runs the spider made).
package spiderrunswire

import (
	"github.com/riptidecrawler/riptide/shared/spider"
	"github.com/riptidecrawler/riptide/shared/store"
	"github.com/riptidecrawler/riptide/shared/store/spiderruns"
	"github.com/riptidecrawler/riptide/shared/wire"
)

// Runs returns the process's spider run store; see For.
func Runs(p *wire.Process) spider.RunStore {
	rs, _ := wire.Shared(p, "spider.runs", func() (spider.RunStore, error) { return For(p.Store), nil })
	return rs
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
func For(st *store.Store) spider.RunStore {
	if st.Embedded() {
		return spider.NewMemoryRunStore()
	}
	return spiderruns.New(st)
}
