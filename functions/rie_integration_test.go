package functions_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/functest"
	"github.com/riptidecrawler/riptide/internal/rie"
	"github.com/riptidecrawler/riptide/internal/testenv"
)

// prebuiltBootstrap returns the bootstrap of fn that `make test-bootstraps`
// built before `go test` (RIPTIDE_TEST_BOOTSTRAPS, set by `make test`), or
// "" when the test runs on its own and builds it. Compiling inside the test
// counts against go test's timeout, which a cold build cache on a busy
// machine exceeded.
func prebuiltBootstrap(t *testing.T, fn string) string {
	t.Helper()
	dir := os.Getenv("RIPTIDE_TEST_BOOTSTRAPS")
	if dir == "" {
		return ""
	}
	p := filepath.Join(dir, fn, "bootstrap")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("RIPTIDE_TEST_BOOTSTRAPS=%s but %v: run `make test-bootstraps`", dir, err)
	}
	return p
}

// TestBootstrapsUnderRuntimeEmulator proves the built binaries are real
// Lambda functions: each runs under aws-lambda-rie and answers its sample
// events, including a response-streaming route.
func TestBootstrapsUnderRuntimeEmulator(t *testing.T) {
	if testing.Short() {
		t.Skip("builds binaries")
	}
	root := functest.RepoRoot(t)
	riePath, err := rie.Find(root)
	if err != nil {
		testenv.Missing(t, "aws-lambda-rie", "run `make tools` (installs it into bin/)")
	}
	for _, fn := range []string{"health", "crawl"} {
		t.Run(fn, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			bootstrap := prebuiltBootstrap(t, fn)
			if bootstrap == "" {
				var err error
				if bootstrap, err = rie.Build(ctx, root, fn, t.TempDir()); err != nil {
					t.Fatal(err)
				}
			}
			emu, err := rie.Start(ctx, riePath, bootstrap, []string{"RIPTIDE_API_KEYS=" + functest.SampleKey})
			if err != nil {
				t.Fatal(err)
			}
			defer emu.Stop()
			events, _ := filepath.Glob(filepath.Join(root, "events", fn, "*.json"))
			for _, ev := range events {
				payload, _ := os.ReadFile(ev)
				out, err := emu.Invoke(ctx, payload)
				if err != nil {
					t.Fatalf("%s: %v", ev, err)
				}
				var resp struct {
					StatusCode int    `json:"statusCode"`
					Body       string `json:"body"`
				}
				if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode == 0 {
					t.Fatalf("%s: not a proxy response: %s\nlogs:\n%s", filepath.Base(ev), out, emu.Logs())
				}
				if fn == "health" && (resp.StatusCode != 200 || !strings.Contains(resp.Body, `"status":"healthy"`)) {
					t.Fatalf("health: %d %s", resp.StatusCode, resp.Body)
				}
				if resp.StatusCode >= 500 && resp.StatusCode != 501 {
					t.Fatalf("%s: %d %s", filepath.Base(ev), resp.StatusCode, resp.Body)
				}
			}
			if d, ok := emu.InitDuration(); !ok || d <= 0 {
				t.Errorf("emulator reported no init duration:\n%s", emu.Logs())
			}
			if fn != "crawl" {
				return
			}
			// A stream route answers in Lambda's streaming format: a JSON
			// prelude, eight NUL bytes, then the body.
			ev := `{"httpMethod":"POST","path":"/api/v1/crawl/stream","headers":{"X-API-Key":"` + functest.SampleKey +
				`","Content-Type":"application/json"},"body":"{\"urls\":[\"http://127.0.0.1:1/\"]}"}`
			out, err := emu.Invoke(ctx, []byte(ev))
			if err != nil {
				t.Fatal(err)
			}
			i := bytes.Index(out, make([]byte, 8))
			if i < 0 {
				t.Fatalf("stream route did not answer in the streaming format: %q", out)
			}
			var prelude struct {
				StatusCode int               `json:"statusCode"`
				Headers    map[string]string `json:"headers"`
			}
			if err := json.Unmarshal(out[:i], &prelude); err != nil || prelude.StatusCode == 0 {
				t.Fatalf("prelude %q: %v", out[:i], err)
			}
		})
	}
}
