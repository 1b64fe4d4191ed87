package spiderruns_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/riptidecrawler/riptide/internal/motoaws"
	"github.com/riptidecrawler/riptide/shared/awsapi"
	"github.com/riptidecrawler/riptide/shared/blob"
	"github.com/riptidecrawler/riptide/shared/blob/s3blob"
	"github.com/riptidecrawler/riptide/shared/spider"
	"github.com/riptidecrawler/riptide/shared/store/spiderruns"
)

// claimed creates run id with urls and claims them all for batch b1.
func claimed(t *testing.T, rs *spiderruns.Runs, id string, urls ...string) spider.PushPolicy {
	t.Helper()
	ctx, now := context.Background(), time.Now()
	p := spider.PushPolicy{TTL: time.Hour}
	if err := rs.Create(ctx, spider.NewRun{ID: id, Gen: 1, Seeds: urls[:1], TTL: time.Hour, Created: now}); err != nil {
		t.Fatal(err)
	}
	links := make([]spider.FoundLink, len(urls))
	for i, u := range urls {
		links[i] = spider.FoundLink{URL: u}
	}
	if _, err := rs.Push(ctx, id, p, links); err != nil {
		t.Fatal(err)
	}
	if _, err := rs.Takeover(ctx, id, "b1"); err != nil {
		t.Fatal(err)
	}
	if c, err := rs.Claim(ctx, id, spider.ClaimRequest{Batch: "b1", Want: len(urls), Now: now, PageBytes: 10}); err != nil || len(c.URLs) != len(urls) {
		t.Fatalf("claim %+v %v", c, err)
	}
	return p
}

func sized(u string, n int) []byte {
	return []byte(`{"u":"` + u + `","doc":"` + strings.Repeat(u, n) + `"}`)
}

// With a shared blob store, records of MinBlobRecord bytes or more are
// in one object per completion under the run's id and the list names
// each with "%", the object, its offset and length; smaller
// large records stay in Redis keys, small ones in the list. They read back
// in order, outlive Finish, read as expired when gone, and go with Delete;
// the records of stale and duplicate pages are not kept.
func TestLargeRecordsInTheBlobStore(t *testing.T) {
	s := open(t, "redis")
	dir := t.TempDir()
	d, err := blob.NewDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	records := blob.WithPrefix(d, "spider/")
	rs := spiderruns.New(s, spiderruns.WithBlobRecords(records, 0))
	ctx := context.Background()
	id := spider.NewID()
	p := claimed(t, rs, id, "a", "b", "c", "d", "e")
	big := func(u string) []byte { return sized(u, spiderruns.MinBlobRecord) }
	medium := sized("d", 4<<10) // over 1 KiB, under the blob threshold: a Redis key
	outcomes := []spider.Outcome{
		{URL: "a", Kind: spider.OutcomeOK, ContentHash: "h1", Result: big("a")},
		{URL: "b", Kind: spider.OutcomeOK, ContentHash: "h1", Result: big("b")}, // duplicate content: not stored
		{URL: "c", Kind: spider.OutcomeFailed, Result: []byte(`{"u":"c"}`)},
		{URL: "d", Kind: spider.OutcomeOK, ContentHash: "h2", Result: slices.Clone(medium)},
		{URL: "e", Kind: spider.OutcomeOK, ContentHash: "h3", Result: big("e")},
		{URL: "stale", Kind: spider.OutcomeOK, Result: big("s")}, // never claimed: not stored
	}
	got, err := rs.Complete(ctx, id, "b1", p, outcomes)
	// The spider reuses its record buffers once Complete returns
	// (spider.RunStore): nothing stored may still point into them.
	for _, o := range outcomes {
		for i := range o.Result {
			o.Result[i] = '#'
		}
	}
	if err != nil || len(got) != 6 || got[1] != spider.RecordDuplicate || got[5] != spider.RecordStale {
		t.Fatalf("complete %v %v", got, err)
	}
	objs, err := records.List(ctx, id+"/")
	if err != nil || len(objs) != 1 || !strings.HasSuffix(objs[0].Key, ".jsonl") {
		t.Fatalf("objects %+v %v, want one holding the records of at least %d bytes", objs, err, spiderruns.MinBlobRecord)
	}
	base := s.Key("spider", "{"+id+"}")
	if keys := s.Client.Keys(ctx, base+":rec:*").Val(); len(keys) != 1 {
		t.Fatalf("record keys %v, want the medium record's", keys)
	}
	list := s.Client.LRange(ctx, base+":results", 0, -1).Val()
	if len(list) != 4 || list[0] != fmt.Sprintf("%%%s:0:%d", objs[0].Key, len(big("a"))) || !strings.HasPrefix(list[2], "@") ||
		!strings.HasPrefix(list[3], "%"+objs[0].Key+":") {
		t.Fatalf("results list %.100q", list)
	}
	want := [][]byte{big("a"), []byte(`{"u":"c"}`), medium, big("e")}
	check := func(offset int64, limit int) {
		t.Helper()
		r, err := rs.Results(ctx, id, offset, limit)
		if err != nil || r.Total != 4 {
			t.Fatalf("results %v %+v", err, r)
		}
		exp := want[offset:min(int(offset)+limit, len(want))]
		if len(r.Records) != len(exp) {
			t.Fatalf("results from %d: %d records, want %d", offset, len(r.Records), len(exp))
		}
		for i := range exp {
			if string(r.Records[i]) != string(exp[i]) {
				t.Errorf("record %d: %.40s, want %.40s", int(offset)+i, r.Records[i], exp[i])
			}
		}
	}
	check(0, 10)
	check(1, 3)
	check(3, 1)
	if err := rs.Finish(ctx, id, spider.RunEnd{State: spider.StateCompleted, At: time.Now()}, time.Minute); err != nil {
		t.Fatal(err)
	}
	check(0, 10)

	// An object that is gone reads as a record key that is gone.
	if err := records.Delete(ctx, objs[0].Key); err != nil {
		t.Fatal(err)
	}
	if _, err := rs.Results(ctx, id, 3, 10); err == nil || !strings.Contains(err.Error(), "result record 3 of run "+id+" has expired") {
		t.Errorf("results with an object gone: %v", err)
	}
	if _, err := rs.Results(ctx, id, 0, 10); err == nil || !strings.Contains(err.Error(), "result record 0 of run "+id+" has expired") {
		t.Errorf("results with an object gone: %v", err)
	}
	if err := rs.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	if left, err := d.List(ctx, ""); err != nil || len(left) != 0 {
		t.Errorf("objects left after Delete: %+v %v", left, err)
	}
	if left := s.Client.Keys(ctx, base+"*").Val(); len(left) != 0 {
		t.Errorf("keys left after Delete: %v", left)
	}
}

// A blob store that refuses a record fails the completion: nothing is
// listed and the records already written are removed.
func TestBlobRecordWriteFails(t *testing.T) {
	s := open(t, "redis")
	dir := t.TempDir()
	d, err := blob.NewDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	rs := spiderruns.New(s, spiderruns.WithBlobRecords(d, 0))
	ctx := context.Background()
	id := spider.NewID()
	p := claimed(t, rs, id, "a", "b")
	// The run's folder cannot be made: a file has its name.
	if err := os.WriteFile(filepath.Join(dir, id), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = rs.Complete(ctx, id, "b1", p, []spider.Outcome{
		{URL: "a", Kind: spider.OutcomeOK, ContentHash: "h1", Result: sized("a", 4<<10)},
		{URL: "b", Kind: spider.OutcomeOK, ContentHash: "h2", Result: sized("b", spiderruns.MinBlobRecord)},
	})
	if err == nil || !strings.Contains(err.Error(), "store result records") {
		t.Fatalf("complete with the blob store failing: %v", err)
	}
	base := s.Key("spider", "{"+id+"}")
	if keys := s.Client.Keys(ctx, base+":rec:*").Val(); len(keys) != 0 {
		t.Errorf("record keys left by a failed completion: %v", keys)
	}
	if n := s.Client.LLen(ctx, base+":results").Val(); n != 0 {
		t.Errorf("%d results listed by a failed completion", n)
	}
}

// A run whose records are in a blob store cannot be read or deleted by a
// process without one: it says so rather than losing them silently.
func TestBlobRecordsWithoutABlobStore(t *testing.T) {
	s := open(t, "redis")
	d := blobDir(t)
	rs := spiderruns.New(s, spiderruns.WithBlobRecords(d, 0))
	ctx := context.Background()
	id := spider.NewID()
	p := claimed(t, rs, id, "a")
	if _, err := rs.Complete(ctx, id, "b1", p, []spider.Outcome{
		{URL: "a", Kind: spider.OutcomeOK, ContentHash: "h1", Result: sized("a", spiderruns.MinBlobRecord)},
	}); err != nil {
		t.Fatal(err)
	}
	plain := spiderruns.New(s)
	if _, err := plain.Results(ctx, id, 0, 1); err == nil || !strings.Contains(err.Error(), "blob store") {
		t.Errorf("results without the blob store: %v", err)
	}
	if err := plain.Delete(ctx, id); err == nil || !strings.Contains(err.Error(), "blob store") {
		t.Errorf("delete without the blob store: %v", err)
	}
	if r, err := rs.Results(ctx, id, 0, 1); err != nil || len(r.Records) != 1 {
		t.Errorf("the run is intact: %v", err)
	}
}

// The same on S3 (moto_server): a completion's records are one object of
// the bucket under the store's prefix, read back and deleted with the run.
func TestBlobRecordsOnS3(t *testing.T) {
	cfg := motoaws.Config(t, "us-east-1")
	client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	ctx := context.Background()
	bucket := "riptide-artifacts-" + strings.ToLower(spider.NewID()[:12])
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	st, err := s3blob.New(ctx, cfg, bucket, "", awsapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	records := blob.WithPrefix(st, "spider/")
	s := open(t, "redis")
	rs := spiderruns.New(s, spiderruns.WithBlobRecords(records, 0))
	id := spider.NewID()
	p := claimed(t, rs, id, "a", "b")
	recs := [][]byte{sized("a", spiderruns.MinBlobRecord), sized("b", 2*spiderruns.MinBlobRecord)}
	if _, err := rs.Complete(ctx, id, "b1", p, []spider.Outcome{
		{URL: "a", Kind: spider.OutcomeOK, ContentHash: "h1", Result: recs[0]},
		{URL: "b", Kind: spider.OutcomeOK, ContentHash: "h2", Result: recs[1]},
	}); err != nil {
		t.Fatal(err)
	}
	out, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("spider/" + id + "/")})
	if err != nil || len(out.Contents) != 1 {
		t.Fatalf("objects in the bucket: %v %v", out, err)
	}
	r, err := rs.Results(ctx, id, 0, 10)
	if err != nil || len(r.Records) != 2 || string(r.Records[0]) != string(recs[0]) || string(r.Records[1]) != string(recs[1]) {
		t.Fatalf("results: %v", err)
	}
	if err := rs.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	out, err = client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("spider/")})
	if err != nil || len(out.Contents) != 0 {
		t.Fatalf("objects after Delete: %v %v", out, err)
	}
}

// countingStore counts the calls made to a blob store.
type countingStore struct {
	blob.Store
	puts, gets, deletes atomic.Int64
}

func (c *countingStore) Put(ctx context.Context, key, contentType string, data []byte) error {
	c.puts.Add(1)
	return c.Store.Put(ctx, key, contentType, data)
}

func (c *countingStore) Get(ctx context.Context, key string) ([]byte, blob.Object, error) {
	c.gets.Add(1)
	return c.Store.Get(ctx, key)
}

func (c *countingStore) Delete(ctx context.Context, key string) error {
	c.deletes.Add(1)
	return c.Store.Delete(ctx, key)
}

// One completion writes one object however many large records it holds
// (one file create or S3 PUT per group of pages, not per page); Results
// reads each object its range touches once, and no other; Delete deletes
// each object once, also when the results list's chunked walk splits an
// object's records.
func TestOneBlobObjectPerCompletion(t *testing.T) {
	s := open(t, "redis")
	d := blobDir(t)
	st := &countingStore{Store: d}
	rs := spiderruns.New(s, spiderruns.WithBlobRecords(st, 0))
	ctx := context.Background()
	id := spider.NewID()
	p := claimed(t, rs, id, "a", "b", "c", "d", "e", "f")
	// Entries listed before: the second object's records straddle the
	// first recordScan (1,000) entries the Delete walk reads.
	base := s.Key("spider", "{"+id+"}")
	filler := make([]any, 996)
	for i := range filler {
		filler[i] = `{"u":"earlier"}`
	}
	if err := s.Client.RPush(ctx, base+":results", filler...).Err(); err != nil {
		t.Fatal(err)
	}
	var want [][]byte
	for _, group := range [][]string{{"a", "b", "c"}, {"d", "e", "f"}} {
		var outcomes []spider.Outcome
		for j, u := range group {
			rec := sized(u, spiderruns.MinBlobRecord+j*1000)
			outcomes = append(outcomes, spider.Outcome{URL: u, Kind: spider.OutcomeOK, ContentHash: "h" + u, Result: rec})
			want = append(want, rec)
		}
		if got, err := rs.Complete(ctx, id, "b1", p, outcomes); err != nil || len(got) != 3 {
			t.Fatalf("complete %v %v", got, err)
		}
	}
	objs, err := d.List(ctx, id+"/")
	if err != nil || len(objs) != 2 || st.puts.Load() != 2 {
		t.Fatalf("%d puts, objects %+v %v: want one per completion", st.puts.Load(), objs, err)
	}
	read := func(offset int64, limit int, wantGets int64) {
		t.Helper()
		st.gets.Store(0)
		r, err := rs.Results(ctx, id, offset, limit)
		if err != nil {
			t.Fatal(err)
		}
		for i, rec := range r.Records {
			if at := int(offset) + i - len(filler); at >= 0 && string(rec) != string(want[at]) {
				t.Errorf("record %d: %.30s, want %.30s", offset+int64(i), rec, want[at])
			}
		}
		if n := st.gets.Load(); n != wantGets {
			t.Errorf("results from %d, %d: %d object reads, want %d", offset, limit, n, wantGets)
		}
	}
	read(996, 6, 2)
	read(997, 2, 1)
	read(999, 2, 1)
	read(990, 7, 1)
	read(0, 10, 0)
	if err := rs.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	if n := st.deletes.Load(); n != 2 {
		t.Errorf("%d object deletes, want 2", n)
	}
	if left, _ := d.List(ctx, ""); len(left) != 0 {
		t.Errorf("objects left: %+v", left)
	}
}

// An object shared by stale or duplicate pages and a stored one stays
// whole, so the stored record reads back; one holding only records the
// run did not keep is deleted at once.
func TestBlobObjectOfStaleAndDuplicatePages(t *testing.T) {
	s := open(t, "redis")
	d := blobDir(t)
	rs := spiderruns.New(s, spiderruns.WithBlobRecords(d, 0))
	ctx := context.Background()
	id := spider.NewID()
	p := claimed(t, rs, id, "a", "b", "c")
	big := func(u string) []byte { return sized(u, spiderruns.MinBlobRecord) }
	got, err := rs.Complete(ctx, id, "b1", p, []spider.Outcome{
		{URL: "stale", Kind: spider.OutcomeOK, ContentHash: "h0", Result: big("s")},
		{URL: "a", Kind: spider.OutcomeOK, ContentHash: "h1", Result: big("a")},
		{URL: "b", Kind: spider.OutcomeOK, ContentHash: "h1", Result: big("b")},
	})
	if err != nil || got[0] != spider.RecordStale || got[1] != spider.RecordStored || got[2] != spider.RecordDuplicate {
		t.Fatalf("complete %v %v", got, err)
	}
	first, err := d.List(ctx, id+"/")
	if err != nil || len(first) != 1 {
		t.Fatalf("objects %+v %v", first, err)
	}
	// Only pages the run does not keep: their object goes.
	got, err = rs.Complete(ctx, id, "b1", p, []spider.Outcome{
		{URL: "stale2", Kind: spider.OutcomeOK, ContentHash: "h9", Result: big("t")},
		{URL: "c", Kind: spider.OutcomeOK, ContentHash: "h1", Result: big("c")},
	})
	if err != nil || got[0] != spider.RecordStale || got[1] != spider.RecordDuplicate {
		t.Fatalf("complete %v %v", got, err)
	}
	if objs, err := d.List(ctx, id+"/"); err != nil || len(objs) != 1 || objs[0].Key != first[0].Key {
		t.Fatalf("objects %+v %v, want only %s", objs, err, first[0].Key)
	}
	r, err := rs.Results(ctx, id, 0, 10)
	if err != nil || r.Total != 1 || string(r.Records[0]) != string(big("a")) {
		t.Fatalf("results %v %+v", err, r)
	}
	if err := rs.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	if left, _ := d.List(ctx, ""); len(left) != 0 {
		t.Errorf("objects left: %+v", left)
	}
}

// Runs written by releases before batch objects list "&" + a key of one
// object per record: they read back beside "%" entries and go with Delete.
// A malformed reference is an error, not a wrong record.
func TestOlderBlobRecordReferencesStillRead(t *testing.T) {
	s := open(t, "redis")
	d := blobDir(t)
	rs := spiderruns.New(s, spiderruns.WithBlobRecords(d, 0))
	ctx := context.Background()
	id := spider.NewID()
	p := claimed(t, rs, id, "a")
	old := sized("o", spiderruns.MinBlobRecord)
	oldKey := id + "/b0-1.json"
	if err := d.Put(ctx, oldKey, "", old); err != nil {
		t.Fatal(err)
	}
	base := s.Key("spider", "{"+id+"}")
	if err := s.Client.RPush(ctx, base+":results", "&"+oldKey).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := rs.Complete(ctx, id, "b1", p, []spider.Outcome{{URL: "a", Kind: spider.OutcomeOK, ContentHash: "h1", Result: sized("a", spiderruns.MinBlobRecord)}}); err != nil {
		t.Fatal(err)
	}
	r, err := rs.Results(ctx, id, 0, 10)
	if err != nil || len(r.Records) != 2 || string(r.Records[0]) != string(old) || string(r.Records[1]) != string(sized("a", spiderruns.MinBlobRecord)) {
		t.Fatalf("results %v %+v", err, r)
	}
	if err := s.Client.RPush(ctx, base+":results", "%"+id+"/b1-9.jsonl:x:1").Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := rs.Results(ctx, id, 2, 1); err == nil || !strings.Contains(err.Error(), "malformed") {
		t.Errorf("malformed reference: %v", err)
	}
	if err := s.Client.RPop(ctx, base+":results").Err(); err != nil {
		t.Fatal(err)
	}
	if err := rs.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	if left, _ := d.List(ctx, ""); len(left) != 0 {
		t.Errorf("objects left: %+v", left)
	}
}

// blobDir is a blob folder of the test's own, standing in for S3.
func blobDir(t *testing.T) *blob.Dir {
	t.Helper()
	d, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Completions running at once (batches of several runs on one instance)
// build their objects in pooled buffers: each object must hold its own
// records, whatever another completion wrote into a buffer afterwards.
func TestConcurrentCompletionsKeepTheirOwnObjects(t *testing.T) {
	s := open(t, "redis")
	rs := spiderruns.New(s, spiderruns.WithBlobRecords(blob.NewMemory(), 0))
	ctx := context.Background()
	const runs, groups = 6, 8
	ids := make([]string, runs)
	errs := make(chan error, runs)
	for r := range runs {
		ids[r] = spider.NewID()
		var urls []string
		for g := range groups {
			urls = append(urls, fmt.Sprintf("r%dg%da", r, g), fmt.Sprintf("r%dg%db", r, g))
		}
		p := claimed(t, rs, ids[r], urls...)
		go func() {
			for g := range groups {
				var outcomes []spider.Outcome
				for _, u := range urls[2*g : 2*g+2] {
					outcomes = append(outcomes, spider.Outcome{URL: u, Kind: spider.OutcomeOK, ContentHash: u,
						Result: sized(u, spiderruns.MinBlobRecord/len(u)+r*100)})
				}
				if got, err := rs.Complete(ctx, ids[r], "b1", p, outcomes); err != nil || len(got) != 2 {
					errs <- fmt.Errorf("run %d group %d: %v %v", r, g, got, err)
					return
				}
			}
			errs <- nil
		}()
	}
	for range runs {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for r, id := range ids {
		res, err := rs.Results(ctx, id, 0, 100)
		if err != nil || len(res.Records) != 2*groups {
			t.Fatalf("run %d: %v, %d records", r, err, len(res.Records))
		}
		for i, rec := range res.Records {
			u := fmt.Sprintf("r%dg%d%c", r, i/2, 'a'+i%2)
			if want := sized(u, spiderruns.MinBlobRecord/len(u)+r*100); string(rec) != string(want) {
				t.Fatalf("run %d record %d: %.40s..., want %.40s...", r, i, rec, want)
			}
		}
	}
}
