package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/store"
)

// riptide backup, a wipe, riptide restore into another prefix, and
// riptide migrate, on a real redis-server.
func TestBackupRestoreMigrateCommands(t *testing.T) {
	url := testenv.RedisURL(t)
	from, to := testenv.KeyPrefix(t), testenv.KeyPrefix(t)
	ctx := context.Background()
	s, err := store.Open(store.Options{URL: url, Prefix: from})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Client.Set(ctx, s.Key("a"), "1", 0)
	s.Client.HSet(ctx, s.Key("h"), "f", "v")
	runWith := func(prefix string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		c := cli{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, lookup: config.FromMap(map[string]string{
			"REDIS_URL": url, "RIPTIDE_KEY_PREFIX": prefix, "RIPTIDE_AUTH": "disabled", "RIPTIDE_LOG_LEVEL": "error"})}
		code := c.run(ctx, args)
		return code, out.String(), errb.String()
	}
	file := filepath.Join(t.TempDir(), "b.ndjson.gz")
	if code, _, errs := runWith(from, "backup", "-o", file); code != 0 || !strings.Contains(errs, "backed up 2 keys") {
		t.Fatalf("backup: exit %d: %s", code, errs)
	}
	if code, _, _ := runWith(from, "backup", "-o", file); code == 0 {
		t.Fatal("backup overwrote an existing file")
	}
	if code, _, errs := runWith(to, "restore", file); code != 0 || !strings.Contains(errs, "restored 2 keys") || !strings.Contains(errs, "schema version 2") {
		t.Fatalf("restore: exit %d: %s", code, errs)
	}
	if v, _ := s.Client.HGet(ctx, to+"h", "f").Result(); v != "v" {
		t.Fatalf("restored hash field %q", v)
	}
	if code, _, _ := runWith(to, "restore", file); code == 0 {
		t.Fatal("restore over existing keys without --replace succeeded")
	}
	if code, _, errs := runWith(to, "restore", "--replace", file); code != 0 {
		t.Fatalf("restore --replace: exit %d: %s", code, errs)
	}
	if code, out, _ := runWith(to, "migrate", "--check"); code != 0 || !strings.Contains(out, "store schema version 2; this binary's 2") {
		t.Fatalf("migrate --check: exit %d: %s", code, out)
	}
	// Down to 1 (before running an older binary), and up again.
	if code, out, errs := runWith(to, "migrate", "--to", "1"); code != 0 || !strings.Contains(out, "store schema version 1") || !strings.Contains(errs, "migrated 2 -> 1 (audit-index)") {
		t.Fatalf("migrate --to 1: exit %d: %s %s", code, out, errs)
	}
	if code, out, _ := runWith(to, "migrate", "--check"); code != 0 || !strings.Contains(out, "store schema version 1; this binary's 2") {
		t.Fatalf("migrate --check after down: exit %d: %s", code, out)
	}
	if code, _, errs := runWith(to, "migrate", "--to", "3"); code != 2 || !strings.Contains(errs, "knows schema versions 1..2") {
		t.Fatalf("migrate --to 3: exit %d: %s", code, errs)
	}
	// Another runner holds the lock: --wait 0 reports it.
	s.Client.Set(ctx, to+"schema_lock", "other-runner", time.Minute)
	if code, _, errs := runWith(to, "migrate", "--wait", "0"); code == 0 || !strings.Contains(errs, "migration in progress") {
		t.Fatalf("migrate while locked: exit %d: %s", code, errs)
	}
	s.Client.Del(ctx, to+"schema_lock")
	if code, out, _ := runWith(from, "migrate"); code != 0 || !strings.Contains(out, "store schema version 2") {
		t.Fatalf("migrate: exit %d: %s", code, out)
	}
	var out, errb bytes.Buffer
	c := cli{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, lookup: config.FromMap(map[string]string{"RIPTIDE_AUTH": "disabled"})}
	if code := c.run(ctx, []string{"backup"}); code != 2 || !strings.Contains(errb.String(), "REDIS_URL is not set") {
		t.Fatalf("backup of the embedded store: exit %d: %s", code, errb.String())
	}
	keys, _ := s.Client.Keys(ctx, to+"*").Result()
	keys2, _ := s.Client.Keys(ctx, from+"*").Result()
	_ = s.Client.Del(ctx, append(keys, keys2...)...).Err()
}
