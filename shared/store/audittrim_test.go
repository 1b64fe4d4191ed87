package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/shared/audit"
	"github.com/riptidecrawler/riptide/shared/blob"
	"github.com/riptidecrawler/riptide/shared/store"
)

// TestAuditTrimKeepsTheChainVerifiable: after an export, the exported
// entries leave Redis; the last one's hash is the anchor, Verify proves
// the rest from it and says so, appends and tenant lookups go on, and a
// tampered stored entry is neither trimmed nor hidden.
func TestAuditTrimKeepsTheChainVerifiable(t *testing.T) {
	backendsPrefixed(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		log := store.NewAuditLog(s)
		appendN := func(from, n int) {
			for i := range n {
				tenant := "t-even"
				if (from+i)%2 == 1 {
					tenant = "t-odd"
				}
				if _, err := log.Append(ctx, audit.Entry{Time: time.Now(), Actor: "rtk_a", Tenant: tenant, Action: "admin.keys.create",
					Method: "POST", Path: "/api/v1/admin/keys", Status: 201, RequestID: fmt.Sprint(from + i)}); err != nil {
					t.Fatal(err)
				}
			}
		}
		appendN(1, 10)
		// Nothing exported: nothing trimmed.
		if a, err := audit.Trim(ctx, log, log, log, 4); err != nil || a.Seq != 0 {
			t.Fatalf("trim before export: %+v %v", a, err)
		}
		sink := blob.NewMemory()
		if n, err := audit.Export(ctx, log, log, sink, 4); err != nil || n != 10 {
			t.Fatalf("export: %d %v", n, err)
		}
		a, err := audit.Trim(ctx, log, log, log, 4)
		if err != nil || a.Seq != 10 {
			t.Fatalf("trim: %+v %v", a, err)
		}
		if n := s.Client.LLen(ctx, log.Key()).Val(); n != 0 {
			t.Fatalf("%d entries left in Redis after trimming all 10", n)
		}
		// The anchor is the exported entry 10 (last line of the last batch).
		data, _, _ := sink.Get(ctx, audit.BatchName(9, 10))
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if last := audit.Decode([]byte(lines[len(lines)-1])); last.Entry.Seq != 10 || last.Entry.Hash != a.Hash {
			t.Fatalf("anchor %+v is not the exported entry 10 %+v", a, last.Entry)
		}
		appendN(11, 7)
		res, err := audit.Verify(ctx, log, 3)
		if err != nil || !res.OK || res.Checked != 7 || res.AnchorSeq != 10 || res.AnchorHash != a.Hash {
			t.Fatalf("verify after trim: %+v %v", res, err)
		}
		if n, _ := log.Len(ctx); n != 17 {
			t.Fatalf("Len = %d, want 17 (trimmed entries count)", n)
		}
		rows, _ := log.Range(ctx, 12, 2)
		if len(rows) != 2 || rows[0].Entry.Seq != 12 || rows[1].Entry.Seq != 13 {
			t.Fatalf("Range by sequence number after a trim: %+v", rows)
		}
		// Tenant lookups see only what Redis still holds, by the right entry.
		got, err := log.EntriesOf(ctx, "t-odd", nil)
		if err != nil {
			t.Fatal(err)
		}
		var seqs []int64
		for _, e := range got {
			seqs = append(seqs, e.Seq)
		}
		if fmt.Sprint(seqs) != "[11 13 15 17]" {
			t.Fatalf("t-odd entries after the trim: %v", seqs)
		}
		// Export and trim again (partially: batches of 4 leave none behind).
		if n, _ := audit.Export(ctx, log, log, sink, 4); n != 7 {
			t.Fatalf("second export: %d", n)
		}
		appendN(18, 3)
		if a, err = audit.Trim(ctx, log, log, log, 4); err != nil || a.Seq != 17 {
			t.Fatalf("second trim: %+v %v", a, err)
		}
		if res, _ = audit.Verify(ctx, log, 500); !res.OK || res.Checked != 3 || res.AnchorSeq != 17 {
			t.Fatalf("verify after the second trim: %+v", res)
		}
		// A tampered entry among the exported ones: no trim, evidence kept.
		if _, err := audit.Export(ctx, log, log, sink, 4); err != nil {
			t.Fatal(err)
		}
		raw := s.Client.LIndex(ctx, log.Key(), 1).Val() // entry 19
		s.Client.LSet(ctx, log.Key(), 1, strings.Replace(raw, `"status":201`, `"status":200`, 1))
		if _, err := audit.Trim(ctx, log, log, log, 4); err == nil || !strings.Contains(err.Error(), "seq 19") {
			t.Fatalf("trim over a tampered entry: %v", err)
		}
		if n := s.Client.LLen(ctx, log.Key()).Val(); n != 3 {
			t.Fatalf("a refused trim removed entries: %d left", n)
		}
		if res, _ = audit.Verify(ctx, log, 500); res.OK || res.BadSeq != 19 || res.Position != 19 {
			t.Fatalf("tampered entry after a trim: %+v", res)
		}
		// A stale anchor cannot move the list (TrimThrough checks the hash).
		if err := log.TrimThrough(ctx, audit.Anchor{Seq: 18, Hash: audit.Genesis}); err == nil {
			t.Fatal("trimming through an entry with another hash must fail")
		}
	})
}
