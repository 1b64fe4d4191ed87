package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/audit"
	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/keys"
	"github.com/riptidecrawler/riptide/shared/store"
)

func TestAuditVerifyPinpointsTamperingAndExports(t *testing.T) {
	url := testenv.RedisURL(t)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix := "t" + hex.EncodeToString(b) + ":"
	s, err := store.Open(store.Options{URL: url, Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	log := store.NewAuditLog(s)
	for i := range 5 {
		if _, err := log.Append(ctx, audit.Entry{Time: time.Now(), Actor: "rtk_0123456789ab", Action: "crawl.batch",
			Method: "POST", Path: "/api/v1/crawl", Status: 200 + i}); err != nil {
			t.Fatal(err)
		}
	}
	blobDir := t.TempDir()
	env := map[string]string{"REDIS_URL": url, "RIPTIDE_KEY_PREFIX": prefix, "RIPTIDE_BLOB_DIR": blobDir, "RIPTIDE_LOG_LEVEL": "error"}
	riptide := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := cli{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, lookup: config.FromMap(env)}.run(ctx, args)
		return code, out.String(), errOut.String()
	}

	if code, out, errOut := riptide("audit", "verify"); code != exitOK || !strings.Contains(out, "intact: 5 entries") {
		t.Fatalf("intact chain: %d %q %q", code, out, errOut)
	}
	if code, out, _ := riptide("audit", "export", "--batch", "2", "--trim=false"); code != exitOK || !strings.Contains(out, "exported 5") || strings.Contains(out, "trimmed") {
		t.Fatalf("export: %d %q", code, out)
	}
	files, _ := filepath.Glob(filepath.Join(blobDir, "audit", "*.ndjson"))
	if len(files) != 3 {
		t.Fatalf("exported objects: %v", files)
	}
	last, _ := os.ReadFile(filepath.Join(blobDir, filepath.FromSlash(audit.BatchName(5, 5))))
	if !strings.Contains(string(last), `"seq":5`) {
		t.Fatalf("last batch: %q", last)
	}

	// An edited entry 3 is named, with exit code 1.
	raw := s.Client.LIndex(ctx, log.Key(), 2).Val()
	s.Client.LSet(ctx, log.Key(), 2, strings.Replace(raw, `"status":202`, `"status":403`, 1))
	code, _, errOut := riptide("audit", "verify")
	if code != exitFail || !strings.Contains(errOut, "BROKEN at entry seq 3") || !strings.Contains(errOut, "changed") {
		t.Fatalf("tampered chain: %d %q", code, errOut)
	}
	if code, out, _ := riptide("audit", "verify", "--json"); code != exitFail || !strings.Contains(out, `"bad_seq":3`) {
		t.Fatalf("json: %d %q", code, out)
	}
	// Repaired, two more entries, export with the default trim: Redis
	// keeps only what follows the anchor, and verify says where it starts.
	s.Client.LSet(ctx, log.Key(), 2, raw)
	for i := range 2 {
		if _, err := log.Append(ctx, audit.Entry{Time: time.Now(), Actor: "rtk_0123456789ab", Action: "crawl.batch",
			Method: "POST", Path: "/api/v1/crawl", Status: 205 + i}); err != nil {
			t.Fatal(err)
		}
	}
	if code, out, errOut := riptide("audit", "export", "--batch", "2"); code != exitOK || !strings.Contains(out, "exported 2") || !strings.Contains(out, "starts after seq 7") {
		t.Fatalf("export with trim: %d %q %q", code, out, errOut)
	}
	if n := s.Client.LLen(ctx, log.Key()).Val(); n != 0 {
		t.Fatalf("%d exported entries left in Redis", n)
	}
	if _, err := log.Append(ctx, audit.Entry{Time: time.Now(), Action: "auth.failure", Method: "GET", Path: "/api/v1/crawl", Status: 401}); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := riptide("audit", "verify"); code != exitOK || !strings.Contains(out, "intact from the anchor: 1 entries after seq 7") {
		t.Fatalf("verify after trim: %d %q %q", code, out, errOut)
	}
	delete(env, "REDIS_URL")
	if code, _, errOut := riptide("audit", "verify"); code != exitFail || !strings.Contains(errOut, "REDIS_URL") {
		t.Fatalf("no redis: %d %q", code, errOut)
	}
}

func TestTenantExportAndDeleteCLI(t *testing.T) {
	url := testenv.RedisURL(t)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix := "t" + hex.EncodeToString(b) + ":"
	s, err := store.Open(store.Options{URL: url, Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	svc := &keys.Service{Store: store.NewAPIKeys(s)}
	k, _, err := svc.Create(ctx, keys.Spec{Tenant: "t1", Scopes: []keys.Scope{keys.ScopeCrawl}})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Record(ctx, k.ID, keys.Delta{Requests: 1, URLs: 7}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"REDIS_URL": url, "RIPTIDE_KEY_PREFIX": prefix, "RIPTIDE_LOG_LEVEL": "error"}
	riptide := func(args ...string) (int, string) {
		var out, errOut bytes.Buffer
		code := cli{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, lookup: config.FromMap(env)}.run(ctx, args)
		return code, out.String() + errOut.String()
	}
	if code, out := riptide("tenant", "export", "t1"); code != exitOK || !strings.Contains(out, k.ID) || !strings.Contains(out, `"urls": 7`) {
		t.Fatalf("export: %d %s", code, out)
	}
	if code, out := riptide("tenant", "delete", "t1"); code != exitOK || !strings.Contains(out, `"keys_deleted": 1`) {
		t.Fatalf("delete: %d %s", code, out)
	}
	if n := s.Client.Exists(ctx, s.Key("apikey", k.ID), s.Key("apikey_usage", k.ID)).Val(); n != 0 {
		t.Fatalf("%d keys left", n)
	}
	if code, _ := riptide("tenant", "delete"); code != exitUsage {
		t.Fatalf("missing tenant: %d", code)
	}
}
