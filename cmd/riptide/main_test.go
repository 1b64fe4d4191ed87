package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestOpenAPIIsCurrent(t *testing.T) {
	want, err := openAPIDocument()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../shared/api/openapi.json")
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("shared/api/openapi.json is stale: run `make openapi`")
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Status     string `json:"x-status"`
			Deprecated bool   `json:"deprecated"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(want, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Paths["/api/v1/health"]["get"].Status != "ready" || !doc.Paths["/crawl"]["post"].Deprecated {
		t.Errorf("x-status / deprecated flags wrong: %+v %+v", doc.Paths["/api/v1/health"], doc.Paths["/crawl"])
	}
}

func TestRoutesAndVersion(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"routes"}, nil, &out, &errb); code != 0 {
		t.Fatalf("routes: %d %s", code, errb.String())
	}
	if !regexp.MustCompile(`crawl\s+POST\s+/api/v1/crawl\s`).MatchString(out.String()) {
		t.Errorf("routes output:\n%s", out.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"version"}, nil, &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "riptide ") {
		t.Errorf("version: %d %q", code, out.String())
	}
	if code := run(context.Background(), []string{"bogus"}, nil, &out, &errb); code != 2 {
		t.Errorf("unknown command exit %d", code)
	}
}

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

// TestServeZeroConfig starts the local server with no configuration at all
// (embedded Redis) and checks /healthz and the loud no-key 401.
func TestServeZeroConfig(t *testing.T) {
	for _, k := range []string{"REDIS_URL", "RIPTIDE_API_KEYS", "RIPTIDE_AUTH"} {
		t.Setenv(k, "")
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := &lockedBuffer{}
	done := make(chan int)
	go func() { done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, nil, out, io.Discard) }()
	re := regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`)
	var base string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
			break
		}
	}
	if base == "" {
		cancel()
		t.Fatalf("serve did not print where it listens: %q", out.String())
	}
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"detail":"embedded"`) {
		t.Fatalf("healthz: %d %s", resp.StatusCode, body)
	}
	resp, err = http.Post(base+"/api/v1/crawl", "application/json", strings.NewReader(`{"urls":["https://example.com/"]}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.Contains(string(body), "no API keys configured") {
		t.Fatalf("crawl without keys: %d %s", resp.StatusCode, body)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d", code)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop on cancel")
	}
}
