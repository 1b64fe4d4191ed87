package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer lets the test read what serve prints while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// startServe runs `riptide serve` on a free port with the test's
// environment and returns its base URL; the server stops at the end of the
// test, which fails if it does not stop cleanly.
func startServe(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &lockedBuffer{}
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, nil, out, io.Discard) }()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("serve exited %d", code)
			}
		case <-time.After(15 * time.Second):
			t.Error("serve did not stop on cancel")
		}
	})
	re := regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
	}
	t.Fatalf("serve did not print where it listens: %q", out.String())
	return ""
}

// call sends a request (JSON when body is not empty) and returns the
// status and body.
func call(t testing.TB, method, url, body string) (int, string) {
	t.Helper()
	return callWith(t, method, url, body, nil)
}

// callWith is call with extra request headers.
func callWith(t testing.TB, method, url, body string, header http.Header) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// articleSite is a loopback site where every path is a small article page.
func articleSite(t testing.TB) *httptest.Server {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<html><head><title>Page %s</title></head><body><article><h1>Page %s</h1><p>%s</p></article></body></html>`,
			r.URL.Path, r.URL.Path, strings.Repeat("Some words about the page worth reading. ", 40))
	}))
	t.Cleanup(site.Close)
	return site
}

type jobView struct {
	Status string `json:"status"`
	Result struct {
		Success bool `json:"success"`
	} `json:"result"`
}

// submitJob submits a job and returns its id.
func submitJob(t testing.TB, base, body string) string {
	t.Helper()
	code, out := call(t, "POST", base+"/api/v1/workers/jobs", body)
	var acc struct {
		JobID string `json:"job_id"`
	}
	if code != http.StatusAccepted || json.Unmarshal([]byte(out), &acc) != nil || acc.JobID == "" {
		t.Fatalf("submit: %d %s", code, out)
	}
	return acc.JobID
}

// waitJob polls a job until it ends (2 minutes at most).
func waitJob(t testing.TB, base, id string) jobView {
	t.Helper()
	var j jobView
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		_, out := call(t, "GET", base+"/api/v1/workers/jobs/"+id, "")
		if err := json.Unmarshal([]byte(out), &j); err != nil {
			t.Fatalf("job %s: %s", id, out)
		}
		switch j.Status {
		case "completed", "failed", "dead_letter", "cancelled":
			return j
		}
	}
	t.Fatalf("job %s still %s after 2 minutes", id, j.Status)
	return j
}

// mustComplete waits for a job that must complete with every item done.
func mustComplete(t testing.TB, base, id string) {
	t.Helper()
	if j := waitJob(t, base, id); j.Status != "completed" || !j.Result.Success {
		t.Fatalf("job %s: %+v", id, j)
	}
}
