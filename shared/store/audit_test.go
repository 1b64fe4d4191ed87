package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/shared/audit"
	"github.com/riptidecrawler/riptide/shared/blob"
	"github.com/riptidecrawler/riptide/shared/store"
)

func TestAuditChainConcurrentTamperExport(t *testing.T) {
	backendsPrefixed(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		// Two logs over two clients: appends from two processes at once.
		other, err := store.Open(store.Options{URL: "redis://" + s.Client.Options().Addr, Prefix: s.Key("")})
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		logs := []*store.AuditLog{store.NewAuditLog(s), store.NewAuditLog(other)}
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 10 {
					e := audit.Entry{Time: time.Now(), Actor: fmt.Sprintf("rtk_w%d", w), Action: "admin.keys.create", Method: "POST", Path: "/api/v1/admin/keys", Status: 201, RequestID: fmt.Sprint(i)}
					if _, err := logs[w%2].Append(ctx, e); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		log := logs[0]
		res, err := audit.Verify(ctx, log, 7) // a batch size that does not divide 40
		if err != nil || !res.OK || res.Checked != 40 {
			t.Fatalf("intact chain: %+v %v", res, err)
		}

		// Export in batches of 16: three objects, the last one partial,
		// then nothing new until more entries arrive.
		sink := blob.NewMemory()
		if n, err := audit.Export(ctx, log, log, sink, 16); err != nil || n != 40 {
			t.Fatalf("export: %d %v", n, err)
		}
		objs, _ := sink.List(ctx, "audit/")
		if len(objs) != 3 || objs[2].Key != audit.BatchName(33, 40) {
			t.Fatalf("batches: %+v", objs)
		}
		data, _, _ := sink.Get(ctx, audit.BatchName(1, 16))
		if strings.Count(string(data), "\n") != 16 {
			t.Fatalf("batch 1 has %d lines", strings.Count(string(data), "\n"))
		}
		if n, _ := audit.Export(ctx, log, log, sink, 16); n != 0 {
			t.Fatalf("re-export wrote %d entries", n)
		}

		// Changing one field of entry 23 is pinpointed.
		raw := s.Client.LIndex(ctx, log.Key(), 22).Val()
		s.Client.LSet(ctx, log.Key(), 22, strings.Replace(raw, `"status":201`, `"status":200`, 1))
		res, _ = audit.Verify(ctx, log, 500)
		if res.OK || res.BadSeq != 23 || !strings.Contains(res.Problem, "hash does not match") {
			t.Fatalf("tampered entry: %+v", res)
		}
		// Recomputing its hash moves the break to the next entry.
		e := audit.Decode([]byte(s.Client.LIndex(ctx, log.Key(), 22).Val())).Entry
		e.Hash = audit.ComputeHash(e)
		s.Client.LSet(ctx, log.Key(), 22, mustJSON(t, e))
		res, _ = audit.Verify(ctx, log, 500)
		if res.OK || res.BadSeq != 24 || !strings.Contains(res.Problem, "prev does not match") {
			t.Fatalf("re-hashed entry: %+v", res)
		}
		// Removing an entry is caught too.
		s.Client.LSet(ctx, log.Key(), 22, raw)
		s.Client.LRem(ctx, log.Key(), 1, s.Client.LIndex(ctx, log.Key(), 9).Val())
		res, _ = audit.Verify(ctx, log, 500)
		if res.OK || res.BadSeq != 10 || !strings.Contains(res.Problem, "removed") {
			t.Fatalf("removed entry: %+v", res)
		}
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
