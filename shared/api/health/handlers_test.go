package healthapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/testenv"
	healthapi "github.com/riptidecrawler/riptide/shared/api/health"
	"github.com/riptidecrawler/riptide/shared/health"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/monitor/prom"
	"github.com/riptidecrawler/riptide/shared/routes"
	"github.com/riptidecrawler/riptide/shared/store"
)

func server(t *testing.T, checkers ...health.Checker) http.Handler {
	t.Helper()
	m, err := prom.NewInstance()
	if err != nil {
		t.Fatal(err)
	}
	h, err := httpx.NewHandler(httpx.Options{Metrics: m, Auth: httpx.AuthConfig{Authenticator: httpx.NewStaticKeys([]string{"k"}), PublicMetrics: true}},
		routes.Group("health"), healthapi.Handlers(healthapi.Deps{Checkers: func() []health.Checker { return checkers }, Version: "test", Started: time.Now(), Metrics: m.Handler()}))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func get(h http.Handler, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec
}

func TestHealthWithRealRedis(t *testing.T) {
	s, err := store.Open(store.Options{URL: testenv.RedisURL(t), Prefix: testenv.KeyPrefix(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h := server(t, health.Redis(s))
	for _, path := range []string{"/healthz", "/api/v1/health"} {
		rec := get(h, path)
		var rep health.Report
		if err := json.Unmarshal(rec.Body.Bytes(), &rep); err != nil {
			t.Fatal(err)
		}
		if rec.Code != 200 || rep.Status != "healthy" || rep.Components["redis"].Status != "healthy" || rep.Components["redis"].Detail != "redis" {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
		}
	}
	rec := get(h, "/api/v1/health/redis")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"name":"redis"`) || !strings.Contains(rec.Body.String(), `"latency_ms"`) {
		t.Fatalf("component: %d %s", rec.Code, rec.Body)
	}
}

func TestRedisDownIs503(t *testing.T) {
	s, err := store.Open(store.Options{URL: "redis://127.0.0.1:" + itoa(testenv.FreePort(t))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h := server(t, health.Redis(s))
	rec := get(h, "/healthz")
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), `"status":"unhealthy"`) {
		t.Fatalf("redis down: %d %s", rec.Code, rec.Body)
	}
	if rec := get(h, "/health/redis"); rec.Code != 503 || rec.Header().Get("Deprecation") == "" {
		t.Fatalf("legacy component path: %d", rec.Code)
	}
}

func TestOptionalDownIsDegraded200(t *testing.T) {
	opt := health.Func{ComponentName: "chromium", Probe: func(context.Context) (string, error) { return "", errors.New("not installed") }}
	ok := health.Func{ComponentName: "redis", IsRequired: true, Probe: func(context.Context) (string, error) { return "embedded", nil }}
	rec := get(server(t, ok, opt), "/healthz")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"status":"degraded"`) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

func TestUnknownComponentIs404(t *testing.T) {
	rec := get(server(t), "/api/v1/health/nope")
	if rec.Code != 404 || !strings.Contains(rec.Body.String(), `"type":"not_found"`) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

func TestMetricsExposition(t *testing.T) {
	h := server(t)
	get(h, "/healthz")
	rec := get(h, "/metrics")
	body := rec.Body.String()
	if rec.Code != 200 || !strings.Contains(body, `riptide_http_requests_total{method="GET",op="health.check",status="200"} 1`) ||
		!strings.Contains(body, "riptide_http_request_duration_seconds_bucket") || !strings.Contains(body, "go_goroutines") {
		t.Fatalf("metrics: %d\n%s", rec.Code, body)
	}
	if rec := get(h, "/api/v1/metrics"); rec.Code != 200 {
		t.Fatalf("alias: %d", rec.Code)
	}
}

func TestMetricsWithoutInstanceMetricsIs404(t *testing.T) {
	// No shipped home mounts the health group without metrics (healthwire
	// installs them): this answer is a wiring fault's, not the API's, and
	// stays out of the traffic the contract test checks.
	t.Setenv(httpx.ContractRecordEnv, "")
	h, err := httpx.NewHandler(httpx.Options{Auth: httpx.AuthConfig{Disabled: true}}, routes.Group("health"),
		healthapi.Handlers(healthapi.Deps{Checkers: func() []health.Checker { return nil }, Version: "test", Started: time.Now()}))
	if err != nil {
		t.Fatal(err)
	}
	if rec := get(h, "/metrics"); rec.Code != 404 || !strings.Contains(rec.Body.String(), `"type":"not_found"`) {
		t.Fatalf("metrics without a registry: %d %s", rec.Code, rec.Body)
	}
}

func TestOpenAPIServedPublicly(t *testing.T) {
	rec := get(server(t), "/api/v1/openapi.json")
	var doc map[string]any
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &doc) != nil || doc["openapi"] != "3.1.0" {
		t.Fatalf("%d %.200s", rec.Code, rec.Body)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
