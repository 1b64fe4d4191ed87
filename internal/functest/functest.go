// Package functest drives a function's real Lambda handler, in process,
// with the sample events in events/<function>/, and checks each answer
// against the route table: a ready route succeeds, a planned one says 501
// in the unified error shape.
package functest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/lambdaio"
	"github.com/riptidecrawler/riptide/shared/render"
	"github.com/riptidecrawler/riptide/shared/routes"
)

// SampleKey is the API key carried by the sample events.
const SampleKey = "local-dev-key"

// NewHandler is the signature of each function's wiring.
type NewHandler func(context.Context, config.LookupFunc) (*lambdaio.Handler, error)

// RepoRoot finds the repository root (the directory holding go.mod with
// the functions/ folder) from the test's working directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if _, err := os.Stat(filepath.Join(dir, "functions")); err == nil {
				return dir
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("repository root not found")
		}
		dir = parent
	}
}

// DriveEvents invokes the handler with every sample event of function and
// checks the responses.
func DriveEvents(t *testing.T, function string, newHandler NewHandler) {
	t.Helper()
	DriveEventsWith(t, function, newHandler, nil)
}

// DriveEventsWith is DriveEvents with more environment (a real Redis for
// the worker, whose backup task DUMPs types the embedded store cannot).
func DriveEventsWith(t *testing.T, function string, newHandler NewHandler, extra map[string]string) {
	t.Helper()
	// A blob folder: the worker's backup task writes there when no bucket
	// is configured.
	// AWS_LAMBDA_FUNCTION_NAME: the function is wired as in Lambda, where
	// nothing runs between invocations. Without it the workers function
	// starts `riptide serve`'s job pool, which ran the sample event's job
	// after the test and wrote into the blob folder while it was removed.
	env := map[string]string{"RIPTIDE_API_KEYS": SampleKey, "RIPTIDE_LOG_LEVEL": "warn", "RIPTIDE_BLOB_DIR": t.TempDir(),
		"AWS_LAMBDA_FUNCTION_NAME": "riptide-" + function}
	for k, v := range extra {
		env[k] = v
	}
	h, err := newHandler(context.Background(), config.FromMap(env))
	if err != nil {
		t.Fatalf("wire %s: %v", function, err)
	}
	files, _ := filepath.Glob(filepath.Join(RepoRoot(t), "events", function, "*.json"))
	if len(files) == 0 {
		t.Fatalf("no sample events in events/%s", function)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			payload, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			kind := lambdaio.Classify(payload)
			answers := redirectCustomResource(t, &payload)
			out, err := h.Invoke(context.Background(), payload)
			if err != nil {
				t.Fatalf("invoke: %v", err)
			}
			if answers != nil {
				// CloudFormation waits for this PUT, not for the result.
				if a := answers(); len(a) != 1 || a[0]["Status"] != "SUCCESS" {
					t.Fatalf("custom resource answers %v", a)
				}
			}
			switch kind {
			case lambdaio.KindREST:
				var ev events.APIGatewayProxyRequest
				_ = json.Unmarshal(payload, &ev)
				resp, ok := out.(events.APIGatewayProxyResponse)
				if !ok {
					if s, isStream := out.(*events.LambdaFunctionURLStreamingResponse); isStream {
						checkStatus(t, function, ev.HTTPMethod, ev.Path, s.StatusCode, "")
						return
					}
					t.Fatalf("REST event answered with %T", out)
				}
				checkStatus(t, function, ev.HTTPMethod, ev.Path, resp.StatusCode, resp.Body)
			case lambdaio.KindHTTPAPI:
				var ev events.APIGatewayV2HTTPRequest
				_ = json.Unmarshal(payload, &ev)
				resp, ok := out.(events.APIGatewayV2HTTPResponse)
				if !ok {
					t.Fatalf("HTTP API event answered with %T", out)
				}
				checkStatus(t, function, ev.RequestContext.HTTP.Method, ev.RawPath, resp.StatusCode, resp.Body)
			default:
				if out == nil {
					t.Fatalf("%s event gave no result", kind)
				}
			}
		})
	}
}

// redirectCustomResource points a CloudFormation custom-resource event's
// ResponseURL at a loopback server standing in for the pre-signed S3 URL,
// and returns the answers PUT to it (nil for other events).
func redirectCustomResource(t *testing.T, payload *[]byte) func() []map[string]any {
	t.Helper()
	var ev map[string]any
	if json.Unmarshal(*payload, &ev) != nil || ev["ResponseURL"] == nil || ev["RequestType"] == nil {
		return nil
	}
	var mu sync.Mutex
	var got []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if r.Method != http.MethodPut || json.NewDecoder(r.Body).Decode(&body) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		got = append(got, body)
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	ev["ResponseURL"] = srv.URL + "/cloudformation-custom-resource-response"
	*payload, _ = json.Marshal(ev)
	return func() []map[string]any { mu.Lock(); defer mu.Unlock(); return got }
}

// checkStatus compares a response with what the route table promises.
func checkStatus(t *testing.T, function, method, path string, status int, body string) {
	t.Helper()
	route, ok := match(function, method, path)
	if !ok {
		t.Fatalf("event %s %s matches no route of group %s", method, path, function)
	}
	switch route.Status {
	case routes.Ready:
		// Sample events target a loopback address, which the SSRF guard
		// refuses without sending a packet: a blocked_url answer proves the
		// request went through the whole stack.
		blocked := status == http.StatusBadRequest && strings.Contains(body, `"type":"blocked_url"`)
		if status == http.StatusServiceUnavailable && strings.Contains(body, `"type":"dependency_error"`) {
			skipWithoutChromium(t, function, body)
		}
		// Routes that call a search or LLM vendor answer 503 naming the
		// missing key, since the sample environment has none (tests never
		// call real vendors): that too went through the whole stack.
		unconfigured := status == http.StatusServiceUnavailable && strings.Contains(body, `"type":"dependency_error"`) && strings.Contains(body, "is not configured")
		if (status < 200 || status > 299) && !blocked && !unconfigured {
			t.Fatalf("%s %s (ready) answered %d: %s", method, path, status, body)
		}
	case routes.Planned:
		if status != http.StatusNotImplemented || (body != "" && !strings.Contains(body, `"type":"not_implemented"`)) {
			t.Fatalf("%s %s (planned) answered %d: %s", method, path, status, body)
		}
	}
}

// skipWithoutChromium turns the 503 dependency_error of a function that
// needs Chromium into a skip (a failure under RIPTIDE_INTEGRATION=require)
// when no Chromium is installed: the answer is right, the machine lacks
// the browser. With Chromium installed the 503 stays a failure.
func skipWithoutChromium(t *testing.T, function, body string) {
	t.Helper()
	fn, ok := routes.LookupFunction(function)
	if !ok || !fn.NeedsChromium {
		return
	}
	if _, err := render.FindChromium(); err != nil {
		testenv.Missing(t, "chromium", "function "+function+" answered dependency_error ("+strings.TrimSpace(body)+"); "+
			"apt-get install -y chromium-headless-shell (or chromium), or set RIPTIDE_CHROMIUM_PATH")
	}
}

func match(group, method, path string) (routes.Route, bool) {
	mux := http.NewServeMux()
	groupRoutes := routes.Group(group)
	for _, r := range groupRoutes {
		for _, p := range r.Paths() {
			mux.Handle(r.Method+" "+p, http.NotFoundHandler())
		}
	}
	req, err := http.NewRequest(method, "http://x"+path, nil)
	if err != nil {
		return routes.Route{}, false
	}
	_, pattern := mux.Handler(req)
	for _, r := range groupRoutes {
		for _, p := range r.Paths() {
			if r.Method+" "+p == pattern {
				return r, true
			}
		}
	}
	return routes.Route{}, false
}
