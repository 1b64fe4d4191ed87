package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/jobs"
	"github.com/riptidecrawler/riptide/shared/store"
	"github.com/riptidecrawler/riptide/shared/store/jobstore"
)

// TestJobsRedriveCommand dead-letters a message of the local queue on a
// real Redis and brings it back with `riptide jobs redrive`.
func TestJobsRedriveCommand(t *testing.T) {
	url, prefix := testenv.RedisURL(t), "t"+jobs.NewID()[:10]+":"
	s, err := store.Open(store.Options{URL: url, Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	q := jobstore.NewQueue(jobstore.New(s), time.Minute, 1)
	if err := q.Send(ctx, jobs.PriorityNormal, []byte(`{"job_id":"x"}`), 0); err != nil {
		t.Fatal(err)
	}
	d, _ := q.Receive(ctx, 1, time.Second)
	if err := q.Release(ctx, d[0], 0, "boom"); err != nil {
		t.Fatal(err)
	}
	if again, _ := q.Receive(ctx, 1, 100*time.Millisecond); len(again) != 0 {
		t.Fatalf("message past its receive limit was delivered: %+v", again)
	}
	env := map[string]string{"REDIS_URL": url, "RIPTIDE_KEY_PREFIX": prefix}
	code, out, errb := cliRun(t, env, "jobs", "redrive")
	if code != 0 || !strings.Contains(out, "1 message(s) moved") {
		t.Fatalf("redrive: %d %q %q", code, out, errb)
	}
	if back, _ := q.Receive(ctx, 1, time.Second); len(back) != 1 || string(back[0].Body) != `{"job_id":"x"}` {
		t.Fatalf("after redrive: %+v", back)
	}
}
