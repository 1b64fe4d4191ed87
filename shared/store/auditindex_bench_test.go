package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/audit"
	"github.com/riptidecrawler/riptide/shared/store"
)

// BenchmarkTenantAuditEntries compares one tenant's audit lookup (its data
// export) through the schema-2 index with the schema-1 scan of the whole
// trail, on a real redis-server: 20,000 entries, 50 tenants.
func BenchmarkTenantAuditEntries(b *testing.B) {
	ctx := context.Background()
	s := openReal(b, testenv.KeyPrefix(b))
	if _, err := s.EnsureSchema(ctx); err != nil {
		b.Fatal(err)
	}
	log := store.NewAuditLog(s)
	const entries, tenants = 20000, 50
	for i := range entries {
		e := audit.Entry{Time: time.Unix(int64(i), 0), Actor: fmt.Sprintf("rtk_k%d", i%(2*tenants)), Tenant: fmt.Sprintf("tenant-%d", i%tenants),
			Action: "crawl.batch", Method: "POST", Path: "/api/v1/crawl", Status: 200}
		if _, err := log.Append(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
	run := func(b *testing.B) {
		for b.Loop() {
			got, err := log.EntriesOf(ctx, "tenant-7", []string{"rtk_k7", "rtk_k57"})
			if err != nil || len(got) != entries/tenants {
				b.Fatalf("%d entries, %v", len(got), err)
			}
		}
	}
	b.Run("index", run)
	if _, err := s.Migrate(ctx, store.MigrateOptions{Target: 1}); err != nil {
		b.Fatal(err)
	}
	b.Run("scan", run)
}
