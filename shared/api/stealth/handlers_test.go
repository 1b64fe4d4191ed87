package stealthapi_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/internal/testenv"
	stealthapi "github.com/riptidecrawler/riptide/shared/api/stealth"
	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/render"
	"github.com/riptidecrawler/riptide/shared/routes"
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/pipelinewire"
)

func server(t *testing.T, withBrowser bool) http.Handler {
	t.Helper()
	var r render.Renderer
	if withBrowser {
		if _, err := render.FindChromium(); err != nil {
			testenv.Missing(t, "chromium", "apt-get install chromium-headless-shell (or chromium)")
		}
		// The production wiring: the fetch layer's guard, no allowlist.
		p, err := wire.New(t.Context(), "test", config.FromMap(map[string]string{"RIPTIDE_LOG_LEVEL": "error"}))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close() })
		r = pipelinewire.Renderer(t.Context(), p)
	}
	h, err := httpx.NewHandler(httpx.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Auth: httpx.AuthConfig{Disabled: true}},
		routes.Group("stealth"), stealthapi.Handlers(stealthapi.Deps{Renderer: r}))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func call(h http.Handler, method, path, body string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	h.ServeHTTP(rec, req)
	return rec
}

func TestHighFixesWhatNoneFails(t *testing.T) {
	h := server(t, true)
	rec := call(h, "POST", "/api/v1/stealth/test", `{"preset":"high","compare":true}`)
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	var out stealthapi.TestResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if out.Report.Failed != 0 || out.Report.Passed == 0 {
		t.Fatalf("high must pass every check: failing %v", out.Report.Failing())
	}
	if out.Baseline == nil || out.Baseline.Failed == 0 {
		t.Fatalf("none must fail some checks (headless Chromium is detectable): %+v", out.Baseline)
	}
	if len(out.Fixed) != out.Baseline.Failed {
		t.Fatalf("high must fix every check none fails: none fails %v, fixed %v", out.Baseline.Failing(), out.Fixed)
	}
	for _, must := range []string{"webdriver", "headless_user_agent"} {
		if c, _ := out.Baseline.Check(must); c.Pass {
			t.Errorf("check %s should fail without stealth", must)
		}
	}
}

func TestConfigureCapabilitiesHealth(t *testing.T) {
	h := server(t, false)
	rec := call(h, "POST", "/api/v1/stealth/configure", `{"preset":"high","platform":"macos","locale":"de-DE"}`)
	var c stealthapi.Configuration
	_ = json.Unmarshal(rec.Body.Bytes(), &c)
	if rec.Code != 200 || c.Preset != "high" || !strings.Contains(c.UserAgent, "Macintosh") || !strings.HasPrefix(c.AcceptLanguage, "de-DE") || len(c.Features) == 0 {
		t.Fatalf("configure: %d %s", rec.Code, rec.Body)
	}
	// JSON fields are snake_case everywhere (they were Width, ScreenWidth...).
	var raw struct {
		Viewport map[string]json.RawMessage `json:"viewport"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &raw)
	for _, k := range []string{"width", "height", "screen_width", "screen_height", "device_scale_factor"} {
		if _, ok := raw.Viewport[k]; !ok || len(raw.Viewport) != 5 {
			t.Errorf("viewport keys must be snake_case, want %s: %s", k, rec.Body)
		}
	}
	if rec := call(h, "POST", "/api/v1/stealth/configure", `{"preset":"ultra"}`); rec.Code != 400 {
		t.Fatalf("unknown preset: %d", rec.Code)
	}
	if rec := call(h, "POST", "/api/v1/stealth/configure", `{"preset":"High"}`); rec.Code != 400 {
		t.Fatalf("enums are lowercase: %d", rec.Code)
	}
	rec = call(h, "GET", "/api/v1/stealth/capabilities", "")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"name":"high"`) || !strings.Contains(rec.Body.String(), "webgl") {
		t.Fatalf("capabilities: %s", rec.Body)
	}
	// Without a browser: health says so and the test is a dependency error.
	if rec := call(h, "GET", "/api/v1/stealth/health", ""); rec.Code != 503 || !strings.Contains(rec.Body.String(), "unhealthy") {
		t.Fatalf("health without browser: %d %s", rec.Code, rec.Body)
	}
	if rec := call(h, "POST", "/api/v1/stealth/test", ""); rec.Code != 503 || !strings.Contains(rec.Body.String(), "dependency_error") {
		t.Fatalf("test without browser: %d %s", rec.Code, rec.Body)
	}
}
