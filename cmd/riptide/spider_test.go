package main

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestServeMountsSpider checks the local server's spider wiring: the
// group is mounted on the local orchestrator's service, status reads the
// store, and crawling says the page pipeline is not wired in yet.
func TestServeMountsSpider(t *testing.T) {
	t.Setenv("REDIS_URL", "")
	t.Setenv("RIPTIDE_AUTH", "disabled")
	ctx, cancel := context.WithCancel(context.Background())
	out := &lockedBuffer{}
	done := make(chan int)
	go func() { done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, nil, out, io.Discard) }()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Error("serve did not stop on cancel")
		}
	}()
	re := regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`)
	var base string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && base == ""; time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		t.Fatalf("serve did not start: %q", out.String())
	}
	get := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("GET", "/api/v1/spider/0123456789abcdef", ""); code != 404 || !strings.Contains(body, "no spider run") {
		t.Errorf("status of an unknown run: %d %s", code, body)
	}
	// The seed is a loopback address the SSRF guard refuses (no allowlist
	// here): the run starts, and its only page fails as blocked_url.
	code, body := get("POST", "/api/v1/spider/crawl", `{"seed_urls":["http://127.0.0.1:9/"]}`)
	if code != 202 || !strings.Contains(body, `"status_url"`) {
		t.Fatalf("crawl: %d %s", code, body)
	}
	id := regexp.MustCompile(`"spider_id":"([0-9a-f]+)"`).FindStringSubmatch(body)[1]
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		_, st := get("GET", "/api/v1/spider/"+id, "")
		if strings.Contains(st, `"status":"completed"`) || strings.Contains(st, `"status":"failed"`) {
			if !strings.Contains(st, "blocked_url") {
				t.Errorf("the seed should fail as blocked_url: %s", st)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("run did not finish: %s", st)
		}
	}
	if code, body := get("POST", "/spider/control", `{"spider_id":"0123456789abcdef","action":"stop"}`); code != 404 {
		t.Errorf("legacy control: %d %s", code, body)
	}
}
