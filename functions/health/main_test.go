package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/riptidecrawler/riptide/internal/functest"
	"github.com/riptidecrawler/riptide/shared/config"
)

func TestSampleEvents(t *testing.T) { functest.DriveEvents(t, "health", function.Handler) }

// TestMetricsOverAPIGateway: the health function is the one Lambda that
// serves /metrics; after a request its exposition has the request
// families, the engine families and the runtime collectors of the
// contract, answered through a real API Gateway REST event.
func TestMetricsOverAPIGateway(t *testing.T) {
	ctx := context.Background()
	h, err := function.Handler(ctx, config.FromMap(map[string]string{"RIPTIDE_API_KEYS": functest.SampleKey, "RIPTIDE_LOG_LEVEL": "warn"}))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(functest.RepoRoot(t), "events", "health", "apigw-rest.json"))
	if err != nil {
		t.Fatal(err)
	}
	invoke := func(path string) events.APIGatewayProxyResponse {
		t.Helper()
		var ev events.APIGatewayProxyRequest
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		ev.Path, ev.Resource, ev.RequestContext.ResourcePath, ev.RequestContext.Path = path, path, path, "/prod"+path
		payload, _ := json.Marshal(ev)
		out, err := h.Invoke(ctx, payload)
		if err != nil {
			t.Fatal(err)
		}
		resp, ok := out.(events.APIGatewayProxyResponse)
		if !ok {
			t.Fatalf("%s answered with %T", path, out)
		}
		return resp
	}
	if resp := invoke("/api/v1/health"); resp.StatusCode != 200 {
		t.Fatalf("health: %d %s", resp.StatusCode, resp.Body)
	}
	resp := invoke("/metrics")
	ct := resp.Headers["Content-Type"]
	if v := resp.MultiValueHeaders["Content-Type"]; ct == "" && len(v) > 0 {
		ct = v[0]
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Fatalf("/metrics: %d %q", resp.StatusCode, ct)
	}
	if !strings.Contains(resp.Body, `riptide_http_requests_total{method="GET",op="health.check",status="200"} 1`) {
		t.Errorf("/metrics lacks the health request:\n%s", resp.Body)
	}
	functest.CheckMetricFamilies(t, resp.Body,
		"riptide_http_requests_total counter", "riptide_http_request_duration_seconds histogram", "riptide_http_requests_in_flight gauge",
		"riptide_phase_duration_seconds histogram", "riptide_circuit_breaker_refusals_total counter",
		"go_goroutines gauge")
}
