package spiderrunswire_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/blob"
	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/spider"
	"github.com/riptidecrawler/riptide/shared/store/spiderruns"
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/spiderrunswire"
)

// storeOneLargeRecord runs the process's run store through one page whose
// record is over the blob threshold, and returns the process.
func storeOneLargeRecord(t *testing.T, env map[string]string) (*wire.Process, spider.RunStore, string) {
	t.Helper()
	env["RIPTIDE_LOG_LEVEL"] = "error"
	p, err := wire.New(context.Background(), "test", config.FromMap(env))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	rs, err := spiderrunswire.Runs(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	ctx, now, id := context.Background(), time.Now(), spider.NewID()
	pol := spider.PushPolicy{TTL: time.Hour}
	if err := rs.Create(ctx, spider.NewRun{ID: id, Gen: 1, Seeds: []string{"a"}, TTL: time.Hour, Created: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := rs.Push(ctx, id, pol, []spider.FoundLink{{URL: "a"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := rs.Takeover(ctx, id, "b1"); err != nil {
		t.Fatal(err)
	}
	if _, err := rs.Claim(ctx, id, spider.ClaimRequest{Batch: "b1", Want: 1, Now: now, PageBytes: 10}); err != nil {
		t.Fatal(err)
	}
	rec := []byte(`{"doc":"` + strings.Repeat("x", spiderruns.MinBlobRecord) + `"}`)
	if _, err := rs.Complete(ctx, id, "b1", pol, []spider.Outcome{{URL: "a", Kind: spider.OutcomeOK, ContentHash: "h", Result: rec}}); err != nil {
		t.Fatal(err)
	}
	if r, err := rs.Results(ctx, id, 0, 1); err != nil || len(r.Records) != 1 || string(r.Records[0]) != string(rec) {
		t.Fatalf("results: %v", err)
	}
	return p, rs, id
}

// A process with a real Redis and a blob folder keeps large records in
// the folder under spider/; without a folder or bucket (the blob store
// would be this process's memory, which no other process reads) they stay
// in Redis; on the embedded Redis runs stay in process memory.
func TestWhereRecordsLive(t *testing.T) {
	url := testenv.RedisURL(t)
	t.Run("redis and a blob folder", func(t *testing.T) {
		dir := t.TempDir()
		p, rs, id := storeOneLargeRecord(t, map[string]string{"REDIS_URL": url, "RIPTIDE_KEY_PREFIX": testenv.KeyPrefix(t), "RIPTIDE_BLOB_DIR": dir})
		d, _ := blob.NewDir(dir)
		objs, err := d.List(context.Background(), spiderrunswire.RecordsPrefix+id+"/")
		if err != nil || len(objs) != 1 {
			t.Fatalf("objects %+v %v", objs, err)
		}
		if n := len(p.Store.Client.Keys(context.Background(), p.Store.Key("spider", "{"+id+"}")+":rec:*").Val()); n != 0 {
			t.Errorf("%d record keys in Redis", n)
		}
		if err := rs.Delete(context.Background(), id); err != nil {
			t.Fatal(err)
		}
		if objs, _ := d.List(context.Background(), ""); len(objs) != 0 {
			t.Errorf("objects after Delete: %+v", objs)
		}
	})
	t.Run("redis alone", func(t *testing.T) {
		p, _, id := storeOneLargeRecord(t, map[string]string{"REDIS_URL": url, "RIPTIDE_KEY_PREFIX": testenv.KeyPrefix(t)})
		if n := len(p.Store.Client.Keys(context.Background(), p.Store.Key("spider", "{"+id+"}")+":rec:*").Val()); n != 1 {
			t.Errorf("%d record keys in Redis, want 1", n)
		}
	})
	t.Run("embedded", func(t *testing.T) {
		dir := t.TempDir()
		_, rs, _ := storeOneLargeRecord(t, map[string]string{"RIPTIDE_BLOB_DIR": dir})
		if _, ok := rs.(*spider.MemoryRunStore); !ok {
			t.Errorf("run store %T on the embedded Redis", rs)
		}
	})
}
