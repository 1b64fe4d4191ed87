package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
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
	for _, args := range [][]string{{"version"}, {"--version"}, {"-v"}} {
		code, out, errb := cliRun(t, nil, args...)
		if code != 0 || !regexp.MustCompile(`^riptide \S+ \(API v1\)\n$`).MatchString(out) {
			t.Errorf("%v: exit %d, %q, %q", args, code, out, errb)
		}
	}
}

// TestUsageErrorsExitTwo: a wrong command line exits 2 with a pointer to
// --help; no arguments print the usage on stderr.
func TestUsageErrorsExitTwo(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{}, "Available Commands:"},
		{[]string{"bogus"}, `unknown command "bogus"`},
		{[]string{"crawll"}, `did you mean "crawl"?`},
		{[]string{"crawl", "--bogus", "http://127.0.0.1:1/"}, "unknown flag: --bogus"},
		{[]string{"extract", "a.html", "b.html"}, "accepts at most 1 arg"},
		{[]string{"routes", "extra"}, `unknown command "extra"`},
		{[]string{"crawl", "http://127.0.0.1:1/", "--format", "pdf"}, `--format "pdf"`},
	} {
		code, out, errb := cliRun(t, nil, c.args...)
		if code != 2 || out != "" || !strings.Contains(errb, c.want) || (len(c.args) > 0 && !strings.Contains(errb, "--help' for usage")) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q (want %q)", c.args, code, out, errb, c.want)
		}
	}
}

// TestHelpExitsZero: --help, -h and `help CMD` print the command's own
// help on stdout and exit 0 (the flag package exited 1 after "flag: help
// requested", serve printed Go's default usage, routes printed the table).
func TestHelpExitsZero(t *testing.T) {
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"--help"}, []string{"Available Commands:", "serve", "crawl", "extract", "completion", "RIPTIDE_ALLOW_CIDRS"}},
		{[]string{"-h"}, []string{"Available Commands:"}},
		{[]string{"help", "crawl"}, []string{"riptide crawl URL... [flags]", "--render-mode", "==> URL <=="}},
		{[]string{"crawl", "--help"}, []string{"--render ", "--format", "--ndjson", "RIPTIDE_ALLOW_CIDRS"}},
		{[]string{"crawl", "http://127.0.0.1:1/", "-h"}, []string{"--render-mode"}},
		{[]string{"serve", "--help"}, []string{"riptide serve [flags]", "--addr", "REDIS_URL", "RIPTIDE_API_KEYS"}},
		{[]string{"extract", "-h"}, []string{"riptide extract [FILE|-]", "--ndjson", "--workers"}},
		{[]string{"routes", "--help"}, []string{"List the route table", "Usage:"}},
		{[]string{"openapi", "--help"}, []string{"OpenAPI document"}},
		{[]string{"completion", "--help"}, []string{"bash", "zsh", "fish"}},
	} {
		code, out, errb := cliRun(t, nil, c.args...)
		if code != 0 || errb != "" {
			t.Errorf("%v: exit %d, stderr %q", c.args, code, errb)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: help lacks %q:\n%s", c.args, w, out)
			}
		}
		if strings.Contains(out, "GROUP") && strings.Contains(out, "/api/v1/crawl ") {
			t.Errorf("%v printed the route table instead of help", c.args)
		}
	}
}

// TestShellCompletion: `riptide completion SHELL` prints a script for the
// shell, and the completion protocol offers subcommands and flag values.
func TestShellCompletion(t *testing.T) {
	for shell, want := range map[string]string{"bash": "__start_riptide", "zsh": "#compdef riptide", "fish": "complete -c riptide"} {
		code, out, errb := cliRun(t, nil, "completion", shell)
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("completion %s: exit %d, stderr %q, script lacks %q", shell, code, errb, want)
		}
	}
	code, out, _ := cliRun(t, nil, "__complete", "cr")
	if code != 0 || !strings.Contains(out, "crawl") {
		t.Errorf("completing 'cr': %d %q", code, out)
	}
	code, out, _ = cliRun(t, nil, "__complete", "crawl", "--render-mode", "")
	if code != 0 || !strings.Contains(out, "headless") || !strings.Contains(out, "raw") {
		t.Errorf("completing --render-mode: %d %q", code, out)
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
	// A request net/http refuses before routing answers in the unified
	// shape too (the listener is wrapped).
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\nBad\x01Name: v\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "application/json" || !strings.Contains(string(b), `"type":"validation_error"`) {
		t.Errorf("malformed request: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
}
