package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestOpenAPIIsCurrent(t *testing.T) {
	want, err := openAPIDocument()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../shared/routes/openapi.json")
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("shared/routes/openapi.json is stale: run `make openapi`")
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

// TestServeZeroConfig starts the local server with no configuration at all
// (embedded Redis) and checks /healthz and the loud no-key 401.
func TestServeZeroConfig(t *testing.T) {
	for _, k := range []string{"REDIS_URL", "RIPTIDE_API_KEYS", "RIPTIDE_AUTH"} {
		t.Setenv(k, "")
	}
	base := startServe(t)
	code, body := call(t, "GET", base+"/healthz", "")
	if code != 200 || !strings.Contains(body, `"detail":"embedded"`) {
		t.Fatalf("healthz: %d %s", code, body)
	}
	code, body = call(t, "POST", base+"/api/v1/crawl", `{"urls":["https://example.com/"]}`)
	if code != 401 || !strings.Contains(body, "no API keys configured") {
		t.Fatalf("crawl without keys: %d %s", code, body)
	}
}
