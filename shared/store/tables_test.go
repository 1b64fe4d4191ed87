package store_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/shared/store"
)

func TestTablesKeepValuesWithTheirTTL(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tb := store.NewTables(s)
		small := []byte(`{"headers":["a"]}`)
		large := bytes.Repeat([]byte(`["row","of","cells"],`), 2000) // over the gzip threshold
		for id, v := range map[string][]byte{"small": small, "large": large} {
			if err := tb.Put(ctx, id, v, time.Minute); err != nil {
				t.Fatal(err)
			}
			got, ok, err := tb.Get(ctx, id)
			if err != nil || !ok || !bytes.Equal(got, v) {
				t.Fatalf("%s: ok %v err %v, %d bytes back of %d", id, ok, err, len(got), len(v))
			}
			ttl, err := s.Client.PTTL(ctx, s.Prefix()+"tables:v1:"+id).Result()
			if err != nil || ttl <= 0 || ttl > time.Minute {
				t.Fatalf("%s: ttl %v %v", id, ttl, err)
			}
		}
		if raw, _ := s.Client.Get(ctx, s.Prefix()+"tables:v1:large").Bytes(); len(raw) >= len(large)/4 {
			t.Fatalf("large value stored uncompressed: %d bytes", len(raw))
		}
		if _, ok, err := tb.Get(ctx, "missing"); ok || err != nil {
			t.Fatalf("missing id: ok %v err %v", ok, err)
		}
	})
}
