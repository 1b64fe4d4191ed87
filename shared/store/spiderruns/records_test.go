package spiderruns_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
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
// objects under the run's id and the list names them with "&"; smaller
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
	got, err := rs.Complete(ctx, id, "b1", p, []spider.Outcome{
		{URL: "a", Kind: spider.OutcomeOK, ContentHash: "h1", Result: big("a")},
		{URL: "b", Kind: spider.OutcomeOK, ContentHash: "h1", Result: big("b")}, // duplicate content: not stored
		{URL: "c", Kind: spider.OutcomeFailed, Result: []byte(`{"u":"c"}`)},
		{URL: "d", Kind: spider.OutcomeOK, ContentHash: "h2", Result: medium},
		{URL: "e", Kind: spider.OutcomeOK, ContentHash: "h3", Result: big("e")},
		{URL: "stale", Kind: spider.OutcomeOK, Result: big("s")}, // never claimed: not stored
	})
	if err != nil || len(got) != 6 || got[1] != spider.RecordDuplicate || got[5] != spider.RecordStale {
		t.Fatalf("complete %v %v", got, err)
	}
	objs, err := records.List(ctx, id+"/")
	if err != nil || len(objs) != 2 {
		t.Fatalf("objects %+v %v, want the two stored records of at least %d bytes", objs, err, spiderruns.MinBlobRecord)
	}
	base := s.Key("spider", "{"+id+"}")
	if keys := s.Client.Keys(ctx, base+":rec:*").Val(); len(keys) != 1 {
		t.Fatalf("record keys %v, want the medium record's", keys)
	}
	list := s.Client.LRange(ctx, base+":results", 0, -1).Val()
	if len(list) != 4 || list[0] != "&"+objs[0].Key || !strings.HasPrefix(list[2], "@") || list[3] != "&"+objs[1].Key {
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
	if err := records.Delete(ctx, objs[1].Key); err != nil {
		t.Fatal(err)
	}
	if _, err := rs.Results(ctx, id, 0, 10); err == nil || !strings.Contains(err.Error(), "result record 3 of run "+id+" has expired") {
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
	if err == nil || !strings.Contains(err.Error(), "store result record") {
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
	d, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
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

// The same on S3 (moto_server): records are objects of the bucket under
// the store's prefix, read back and deleted with the run.
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
	if err != nil || len(out.Contents) != 2 {
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
