package main

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/shared/routes"
	"github.com/riptidecrawler/riptide/web/playground"
)

// TestServePlayground: riptide serve answers / and the build's assets
// without a key, with their content types, cache and CSP headers, while
// the API keeps its auth, its JSON errors and its routes.
func TestServePlayground(t *testing.T) {
	t.Setenv("REDIS_URL", "")
	t.Setenv("RIPTIDE_AUTH", "")
	t.Setenv("RIPTIDE_API_KEYS", "serve-playground-key")
	base := startServe(t)

	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" ||
		resp.Header.Get("Content-Security-Policy") != playground.CSP || !strings.Contains(body, "RipTide playground") {
		t.Fatalf("GET /: %d %v\n%s", resp.StatusCode, resp.Header, body)
	}
	types := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
	for _, m := range regexp.MustCompile(`(?:src|href)="(/assets/[^"]+)"`).FindAllStringSubmatch(body, -1) {
		a, err := http.Get(base + m[1])
		if err != nil {
			t.Fatal(err)
		}
		readAll(t, a)
		if want := types[m[1][strings.LastIndex(m[1], "."):]]; a.StatusCode != 200 || a.Header.Get("Content-Type") != want ||
			!strings.Contains(a.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("GET %s: %d %q %q", m[1], a.StatusCode, a.Header.Get("Content-Type"), a.Header.Get("Cache-Control"))
		}
	}

	// The API is unaffected: public routes, auth on the others, the
	// unified 404 (an unknown asset included) and 405.
	if code, b := call(t, "GET", base+"/api/v1/health", ""); code != 200 || !strings.Contains(b, `"status"`) {
		t.Errorf("GET /api/v1/health: %d %s", code, b)
	}
	if code, b := call(t, "GET", base+"/api/v1/openapi.json", ""); code != 200 || !strings.Contains(b, `"openapi"`) {
		t.Errorf("GET /api/v1/openapi.json: %d", code)
	}
	if code, b := call(t, "POST", base+"/api/v1/crawl", `{"urls":["http://127.0.0.1:1/"]}`); code != 401 || !strings.Contains(b, "authentication_error") {
		t.Errorf("POST /api/v1/crawl without a key: %d %s", code, b)
	}
	for _, p := range []string{"/assets/missing.js", "/nope"} {
		if code, b := call(t, "GET", base+p, ""); code != 404 || !strings.Contains(b, `"type":"not_found"`) {
			t.Errorf("GET %s: %d %s", p, code, b)
		}
	}
	if code, b := call(t, "POST", base+"/", "{}"); code != 404 || !strings.Contains(b, `"error"`) {
		t.Errorf("POST /: %d %s", code, b)
	}
}

// TestPlaygroundPathsAreFree: no API route takes / or a path under the
// playground's assets, so the static files can never shadow one.
func TestPlaygroundPathsAreFree(t *testing.T) {
	for _, rt := range routes.Routes() {
		for _, p := range rt.Paths() {
			if p == "/" || strings.HasPrefix(p, playground.AssetsPrefix) || p+"/" == playground.AssetsPrefix {
				t.Errorf("route %s (%s %s) collides with the playground", rt.Op, rt.Method, p)
			}
		}
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
