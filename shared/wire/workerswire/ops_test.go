package workerswire_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/riptidecrawler/riptide/internal/motoaws"
	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/audit"
	"github.com/riptidecrawler/riptide/shared/jobs"
	"github.com/riptidecrawler/riptide/shared/lambdaio"
	"github.com/riptidecrawler/riptide/shared/store"
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/workerswire"
)

// worker wires the workers function as Lambda would (env from the map;
// AWS through moto via the SDK's own AWS_ENDPOINT_URL) and returns its
// event handler and store.
func worker(t *testing.T, env map[string]string) (*lambdaio.Handler, *store.Store) {
	t.Helper()
	base := map[string]string{"REDIS_URL": testenv.RedisURL(t), "RIPTIDE_KEY_PREFIX": testenv.KeyPrefix(t),
		"RIPTIDE_AUTH": "disabled", "RIPTIDE_LOG_LEVEL": "error"}
	for k, v := range env {
		base[k] = v
	}
	h, p, err := wire.Function(context.Background(), "workers", func(k string) (string, bool) { v, ok := base[k]; return v, ok }, workerswire.Build)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return h, p.Store
}

func motoS3(t *testing.T) *s3.Client {
	t.Helper()
	return s3.NewFromConfig(motoaws.Config(t, "us-east-1"), func(o *s3.Options) { o.UsePathStyle = true })
}

// The scheduled backup event writes the store's backup to the backup
// bucket (moto_server S3) under a dated key; restored into another
// prefix it gives back every key.
func TestBackupTaskWritesTheBackupBucket(t *testing.T) {
	ctx := context.Background()
	client := motoS3(t)
	bucket := "backups-" + jobs.NewID()[:8]
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	h, st := worker(t, map[string]string{"RIPTIDE_BACKUP_BUCKET": bucket})
	if _, err := st.EnsureSchema(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 250 {
		st.Client.HSet(ctx, st.Key("job", fmt.Sprint(i)), "state", "done", "n", i)
	}
	st.Client.Set(ctx, st.Key("ttl-key"), "v", time.Hour)
	want, _ := st.Client.Keys(ctx, st.Prefix()+"*").Result()

	out, err := h.Invoke(ctx, []byte(`{"riptide_task":"backup"}`))
	if err != nil {
		t.Fatal(err)
	}
	res, ok := out.(workerswire.BackupResult)
	today := time.Now().UTC().Format("2006/01/02/riptide-backup-")
	if !ok || res.Keys != int64(len(want)) || !strings.HasPrefix(res.Key, today) || !strings.HasSuffix(res.Key, ".ndjson.gz") ||
		res.SchemaVersion != store.SchemaVersion || res.Bytes == 0 {
		t.Fatalf("result %#v (want %d keys)", out, len(want))
	}
	obj, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(res.Key)})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(obj.Body)
	obj.Body.Close()
	if len(data) != res.Bytes || aws.ToString(obj.ContentType) != workerswire.BackupContentType {
		t.Fatalf("object: %d bytes (result says %d), %s", len(data), res.Bytes, aws.ToString(obj.ContentType))
	}
	other, err := store.Open(store.Options{URL: "redis://" + st.Client.Options().Addr, Prefix: testenv.KeyPrefix(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, rst, err := other.Restore(ctx, bytes.NewReader(data), store.RestoreOptions{}); err != nil || rst.Keys != int64(len(want)) {
		t.Fatalf("restore: %+v %v", rst, err)
	}
	if v := other.Client.HGet(ctx, other.Key("job", "249"), "n").Val(); v != "249" {
		t.Fatalf("restored job 249 n=%q", v)
	}
	if ttl := other.Client.TTL(ctx, other.Key("ttl-key")).Val(); ttl <= 0 || ttl > time.Hour {
		t.Fatalf("restored TTL %v", ttl)
	}
}

// A backup that cannot be stored is an invocation error (Scheduler
// retries, then dead-letters it; the backup-missing alarm fires), never a
// silent success.
func TestBackupTaskFailures(t *testing.T) {
	ctx := context.Background()
	motoS3(t)
	h, _ := worker(t, map[string]string{"RIPTIDE_BACKUP_BUCKET": "no-such-bucket-" + jobs.NewID()[:8]})
	if _, err := h.Invoke(ctx, []byte(`{"riptide_task":"backup"}`)); err == nil || !strings.Contains(err.Error(), "upload backup") {
		t.Fatalf("missing bucket: %v", err)
	}
	h, _ = worker(t, nil)
	if _, err := h.Invoke(ctx, []byte(`{"riptide_task":"backup"}`)); err == nil || !strings.Contains(err.Error(), "RIPTIDE_BACKUP_BUCKET is not set") {
		t.Fatalf("no bucket configured: %v", err)
	}
	if _, err := h.Invoke(ctx, []byte(`{"riptide_task":"reindex"}`)); !errors.Is(err, lambdaio.ErrUnsupportedEvent) {
		t.Fatalf("unknown task: %v", err)
	}
}

// responseURL is a loopback stand-in for CloudFormation's pre-signed
// response URL; answers returns the JSON bodies PUT to it.
func responseURL(t *testing.T) (string, func() []map[string]any) {
	var mu sync.Mutex
	var got []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if r.Method != http.MethodPut || json.NewDecoder(r.Body).Decode(&body) != nil {
			w.WriteHeader(400)
			return
		}
		mu.Lock()
		got = append(got, body)
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/cfn-response?X-Amz-Signature=x", func() []map[string]any { mu.Lock(); defer mu.Unlock(); return got }
}

func migrationEvent(requestType, url string) []byte {
	ev := map[string]any{"RequestType": requestType, "ResponseURL": url, "StackId": "arn:aws:cloudformation:us-east-1:1:stack/riptide/x",
		"RequestId": "r-" + requestType, "LogicalResourceId": "OpsMigration", "ResourceType": "Custom::RiptideMigration",
		"ResourceProperties": map[string]any{"riptide_task": "migrate", "Version": "3"}}
	if requestType != "Create" {
		ev["PhysicalResourceId"] = "riptide-schema:old"
	}
	b, _ := json.Marshal(ev)
	return b
}

// The deploy's migration custom resource migrates the store and answers
// CloudFormation; a failure answers FAILED with the reason; Delete changes
// nothing.
func TestMigrationCustomResource(t *testing.T) {
	ctx := context.Background()
	h, st := worker(t, nil)
	url, answers := responseURL(t)
	log := store.NewAuditLog(st)
	for i := range 12 {
		if _, err := log.Append(ctx, audit.Entry{Time: time.Now(), Actor: "rtk_a", Tenant: "t1", Action: "x", Method: "GET", Path: "/", Status: 200}); err != nil {
			t.Fatal(err)
		}
		if i == 0 { // a version-1 trail: no index
			idx, _ := st.Client.Keys(ctx, st.Key("audit", "idx")+":*").Result()
			st.Client.Del(ctx, idx...)
		}
	}
	st.Client.Set(ctx, st.Key("schema_version"), 1, 0)

	if _, err := h.Invoke(ctx, migrationEvent("Create", url)); err != nil {
		t.Fatal(err)
	}
	a := answers()
	if len(a) != 1 || a[0]["Status"] != "SUCCESS" || a[0]["PhysicalResourceId"] != "riptide-schema:"+st.Prefix() ||
		a[0]["Data"].(map[string]any)["SchemaVersion"] != float64(store.SchemaVersion) {
		t.Fatalf("answers %v", a)
	}
	if v, _, _ := st.SchemaVersionOf(ctx); v != store.SchemaVersion {
		t.Fatalf("store version %d", v)
	}
	if n := st.Client.Get(ctx, st.Key("audit", "idx", "through")).Val(); n != "12" {
		t.Fatalf("audit index not built: watermark %q", n)
	}

	// A store this binary cannot read: FAILED, with the reason.
	st.Client.Set(ctx, st.Key("schema_version"), "garbage", 0)
	if _, err := h.Invoke(ctx, migrationEvent("Update", url)); err != nil {
		t.Fatal(err)
	}
	if a = answers(); a[1]["Status"] != "FAILED" || !strings.Contains(a[1]["Reason"].(string), `schema version "garbage" is not a number`) {
		t.Fatalf("failure answer %v", a[1])
	}
	// Delete (stack deletion, or the rollback of a failed Create) does
	// nothing and succeeds.
	if _, err := h.Invoke(ctx, migrationEvent("Delete", url)); err != nil {
		t.Fatal(err)
	}
	if a = answers(); a[2]["Status"] != "SUCCESS" || a[2]["PhysicalResourceId"] != "riptide-schema:old" {
		t.Fatalf("delete answer %v", a[2])
	}
	if v := st.Client.Get(ctx, st.Key("schema_version")).Val(); v != "garbage" {
		t.Fatalf("Delete touched the store: %q", v)
	}

	// Another runner holds the lock past this invocation's deadline:
	// FAILED, "migration in progress", before the deadline.
	st.Client.Set(ctx, st.Key("schema_version"), 1, 0)
	st.Client.Set(ctx, st.Key("schema_lock"), "another-runner", time.Minute)
	dctx, cancel := context.WithTimeout(ctx, 21*time.Second) // 20 s margin: 1 s of waiting
	defer cancel()
	if _, err := h.Invoke(dctx, migrationEvent("Update", url)); err != nil {
		t.Fatal(err)
	}
	if a = answers(); a[3]["Status"] != "FAILED" || !strings.Contains(a[3]["Reason"].(string), "migration in progress") {
		t.Fatalf("locked answer %v", a[3])
	}
	st.Client.Del(ctx, st.Key("schema_lock"))

	// A stack rollback (older code, newer store): success, store untouched.
	st.Client.Set(ctx, st.Key("schema_version"), store.SchemaVersion+1, 0)
	if _, err := h.Invoke(ctx, migrationEvent("Update", url)); err != nil {
		t.Fatal(err)
	}
	if a = answers(); a[4]["Status"] != "SUCCESS" {
		t.Fatalf("rollback answer %v", a[4])
	}
}

// The scheduled audit export writes the entries not yet exported to the
// audit bucket (moto S3) in batches and trims them from Redis; the chain
// left verifies from its anchor, and a second run exports only what came
// after.
func TestAuditExportTaskWritesTheAuditBucket(t *testing.T) {
	ctx := context.Background()
	client := motoS3(t)
	bucket := "audit-" + jobs.NewID()[:8]
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	h, st := worker(t, map[string]string{"RIPTIDE_AUDIT_BUCKET": bucket})
	log := store.NewAuditLog(st)
	appendEntries := func(n int) {
		for range n {
			if _, err := log.Append(ctx, audit.Entry{Time: time.Now(), Actor: "rtk_a", Tenant: "t1", Action: "keys.create", Method: "POST", Path: "/", Status: 201}); err != nil {
				t.Fatal(err)
			}
		}
	}
	exportOnce := func() workerswire.AuditExportResult {
		t.Helper()
		out, err := h.Invoke(ctx, []byte(`{"riptide_task":"audit_export"}`))
		if err != nil {
			t.Fatal(err)
		}
		res, ok := out.(workerswire.AuditExportResult)
		if !ok {
			t.Fatalf("result %#v", out)
		}
		return res
	}
	appendEntries(workerswire.AuditExportBatch + 5)
	if res := exportOnce(); res.Exported != workerswire.AuditExportBatch+5 || res.AnchorSeq != workerswire.AuditExportBatch+5 {
		t.Fatalf("first export %+v", res)
	}
	list, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Contents) != 2 {
		t.Fatalf("objects in the audit bucket: %d, want 2 batches", len(list.Contents))
	}
	appendEntries(3)
	if res := exportOnce(); res.Exported != 3 || res.AnchorSeq != workerswire.AuditExportBatch+8 {
		t.Fatalf("second export %+v", res)
	}
	if r, err := audit.Verify(ctx, log, 0); err != nil || !r.OK || r.AnchorSeq != workerswire.AuditExportBatch+8 {
		t.Fatalf("verify after trim: %+v %v", r, err)
	}
}
