package httpx_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/monitor"
	"github.com/riptidecrawler/riptide/shared/routes"
)

type echoRequest struct {
	Name    string `json:"name"`
	Options struct {
		Concurrency int    `json:"concurrency"`
		CacheMode   string `json:"cache_mode"`
	} `json:"options"`
}

var testRoutes = []routes.Route{
	{Op: "t.health", Group: "t", Method: "GET", Path: "/api/v1/health", Aliases: []string{"/healthz"}, Public: true, Status: routes.Ready},
	{Op: "t.echo", Group: "t", Method: "POST", Path: "/api/v1/echo", Legacy: []string{"/echo"}, Body: routes.JSONBody, MaxBody: 64, Status: routes.Ready},
	{Op: "t.item", Group: "t", Method: "GET", Path: "/api/v1/items/{id}", Legacy: []string{"/items/{id}"}, Status: routes.Ready},
	{Op: "t.item.delete", Group: "t", Method: "DELETE", Path: "/api/v1/items/{id}", Legacy: []string{"/items/{id}"}, Status: routes.Ready},
	{Op: "t.panic", Group: "t", Method: "GET", Path: "/api/v1/panic", Status: routes.Ready},
	{Op: "t.planned", Group: "t", Method: "POST", Path: "/api/v1/later", Body: routes.JSONBody, Status: routes.Planned},
	{Op: "t.metrics", Group: "t", Method: "GET", Path: "/metrics", Public: true, Status: routes.Ready},
	{Op: "t.status", Group: "t", Method: "GET", Path: "/api/v1/status", Legacy: []string{"/status"}, LegacyMethods: []string{"POST"}, Status: routes.Ready},
	{Op: "t.start", Group: "t", Method: "POST", Path: "/api/v1/start", Legacy: []string{"/start"}, Body: routes.JSONBody, Status: routes.Ready,
		LegacyFields: map[string]string{"max_depth": "options.max_depth"}},
}

type startRequest struct {
	Seeds   []string `json:"seeds"`
	Options struct {
		MaxDepth *int `json:"max_depth"`
	} `json:"options"`
}

type server struct {
	h       http.Handler
	metrics *requestMetrics
	logs    *bytes.Buffer
}

func newServer(t *testing.T, auth httpx.AuthConfig) server {
	t.Helper()
	logs := &bytes.Buffer{}
	m := &requestMetrics{}
	handlers := map[string]http.Handler{
		"t.health": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			httpx.WriteJSON(w, 200, map[string]string{"status": "ok"})
		}),
		"t.echo": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var req echoRequest
			if err := httpx.Decode(r, &req); err != nil {
				httpx.WriteError(w, r, err)
				return
			}
			httpx.WriteJSON(w, 200, req)
		}),
		"t.item": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			httpx.WriteJSON(w, 200, map[string]string{"id": r.PathValue("id")})
		}),
		"t.item.delete": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }),
		"t.panic":       http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic("secret internal detail") }),
		"t.metrics":     http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }),
		"t.status": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			httpx.WriteJSON(w, 200, map[string]string{"method": r.Method, "query": r.URL.Query().Encode()})
		}),
		"t.start": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var req startRequest
			if err := httpx.Decode(r, &req); err != nil {
				httpx.WriteError(w, r, err)
				return
			}
			httpx.WriteJSON(w, 200, req)
		}),
	}
	h, err := httpx.NewHandler(httpx.Options{
		Logger:  slog.New(slog.NewJSONHandler(logs, nil)),
		Metrics: m,
		Auth:    auth,
		CORS:    httpx.CORSConfig{AllowedOrigins: []string{"https://app.example"}},
	}, testRoutes, handlers)
	if err != nil {
		t.Fatal(err)
	}
	return server{h: h, metrics: m, logs: logs}
}

func keyAuth() httpx.AuthConfig {
	return httpx.AuthConfig{Authenticator: httpx.NewStaticKeys([]string{"k1", "k2"}), PublicMetrics: true}
}

func do(s server, method, path string, body io.Reader, headers ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, body)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	return rec
}

// errorOf asserts the unified error shape and returns its payload.
func errorOf(t *testing.T, rec *httptest.ResponseRecorder, wantStatus int, wantType core.ErrorType) httpx.ErrorPayload {
	t.Helper()
	if rec.Code != wantStatus {
		t.Fatalf("status = %d, want %d; body %s", rec.Code, wantStatus, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q", ct)
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("error body is not JSON: %v: %s", err, rec.Body)
	}
	if len(body) != 1 || body["error"] == nil {
		t.Fatalf("error body must be exactly {\"error\": {...}}, got %s", rec.Body)
	}
	var p httpx.ErrorPayload
	dec := json.NewDecoder(bytes.NewReader(body["error"]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("error payload has unexpected fields: %v: %s", err, rec.Body)
	}
	if p.Type != wantType || p.Status != wantStatus || p.Message == "" {
		t.Fatalf("payload = %+v, want type %s status %d", p, wantType, wantStatus)
	}
	if p.RequestID == "" || p.RequestID != rec.Header().Get("X-Request-ID") {
		t.Fatalf("request_id %q must equal X-Request-ID %q", p.RequestID, rec.Header().Get("X-Request-ID"))
	}
	if rec.Header().Get("API-Version") != "1" {
		t.Fatalf("API-Version header missing on error")
	}
	return p
}

func TestUnknownRouteIs404InUnifiedShape(t *testing.T) {
	s := newServer(t, keyAuth())
	p := errorOf(t, do(s, "GET", "/api/v1/nope", nil), 404, core.ErrNotFound)
	if !strings.Contains(p.Message, "/api/v1/nope") {
		t.Errorf("message should name the path: %q", p.Message)
	}
}

func TestWrongMethodIs405WithAllow(t *testing.T) {
	s := newServer(t, keyAuth())
	rec := do(s, "PUT", "/api/v1/items/7", nil, "X-API-Key", "k1")
	errorOf(t, rec, 405, core.ErrMethodNotAllowed)
	if got := rec.Header().Get("Allow"); got != "GET, HEAD, DELETE" {
		t.Errorf("Allow = %q, want GET, HEAD, DELETE", got)
	}
	rec = do(s, "GET", "/echo", nil)
	errorOf(t, rec, 405, core.ErrMethodNotAllowed)
	if got := rec.Header().Get("Allow"); got != "POST" {
		t.Errorf("Allow = %q, want POST", got)
	}
}

func TestAuth(t *testing.T) {
	s := newServer(t, keyAuth())
	body := `{"name":"a"}`
	cases := []struct {
		name    string
		headers []string
		status  int
		message string
	}{
		{"no key", nil, 401, "missing API key"},
		{"wrong key", []string{"X-API-Key", "nope"}, 401, "invalid API key"},
		{"x-api-key", []string{"X-API-Key", "k1"}, 200, ""},
		{"bearer", []string{"Authorization", "Bearer k2"}, 200, ""},
		{"bearer lowercase scheme", []string{"Authorization", "bearer k2"}, 200, ""},
		{"basic is not bearer", []string{"Authorization", "Basic k2"}, 401, "missing API key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := append([]string{"Content-Type", "application/json"}, c.headers...)
			rec := do(s, "POST", "/api/v1/echo", strings.NewReader(body), h...)
			if c.status == 200 {
				if rec.Code != 200 {
					t.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
				return
			}
			p := errorOf(t, rec, c.status, core.ErrAuthentication)
			if !strings.Contains(p.Message, c.message) {
				t.Errorf("message %q should contain %q", p.Message, c.message)
			}
			if rec.Header().Get("WWW-Authenticate") == "" {
				t.Error("401 must carry WWW-Authenticate")
			}
		})
	}
	// Public routes need no key.
	if rec := do(s, "GET", "/healthz", nil); rec.Code != 200 {
		t.Fatalf("public route: %d", rec.Code)
	}
}

func TestNoKeysConfiguredSaysSoInEvery401(t *testing.T) {
	s := newServer(t, httpx.AuthConfig{Authenticator: httpx.NewStaticKeys(nil)})
	for _, path := range []string{"/api/v1/items/1", "/items/1"} {
		p := errorOf(t, do(s, "GET", path, nil, "X-API-Key", "anything"), 401, core.ErrAuthentication)
		if !strings.Contains(p.Message, "no API keys configured") || !strings.Contains(p.Message, "RIPTIDE_API_KEYS") {
			t.Errorf("message must say no keys are configured and how to fix it: %q", p.Message)
		}
	}
	s = newServer(t, httpx.AuthConfig{Disabled: true})
	if rec := do(s, "GET", "/api/v1/items/1", nil); rec.Code != 200 {
		t.Fatalf("auth disabled explicitly: %d", rec.Code)
	}
}

func TestMetricsAuthIsConfigurable(t *testing.T) {
	s := newServer(t, httpx.AuthConfig{Authenticator: httpx.NewStaticKeys([]string{"k1"}), PublicMetrics: false})
	errorOf(t, do(s, "GET", "/metrics", nil), 401, core.ErrAuthentication)
	if rec := do(s, "GET", "/metrics", nil, "X-API-Key", "k1"); rec.Code != 200 {
		t.Fatalf("metrics with key: %d", rec.Code)
	}
}

// chunked hides the length so only the bytes-read limit can catch it.
type chunked struct{ io.Reader }

func TestBodyLimitOnBytesRead(t *testing.T) {
	s := newServer(t, keyAuth())
	big := `{"name":"` + strings.Repeat("x", 200) + `"}`
	// Announced length over the limit.
	errorOf(t, do(s, "POST", "/api/v1/echo", strings.NewReader(big), "X-API-Key", "k1", "Content-Type", "application/json"), 413, core.ErrPayloadTooLarge)
	// No Content-Length (chunked): caught on bytes read.
	req := httptest.NewRequest("POST", "/api/v1/echo", chunked{strings.NewReader(big)})
	req.ContentLength = -1
	req.Header.Set("X-API-Key", "k1")
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	p := errorOf(t, rec, 413, core.ErrPayloadTooLarge)
	if !strings.Contains(p.Message, "64 bytes") {
		t.Errorf("413 message should state the limit: %q", p.Message)
	}
	// A lying Content-Length smaller than the body is still capped.
	req = httptest.NewRequest("POST", "/api/v1/echo", strings.NewReader(big))
	req.ContentLength = 10
	req.Header.Set("X-API-Key", "k1")
	req.Header.Set("Content-Type", "application/json")
	rec = httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	if rec.Code == 200 {
		t.Fatalf("a body beyond its announced length must not decode as a full request")
	}
}

func TestNonJSONBodyIs415(t *testing.T) {
	s := newServer(t, keyAuth())
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", ""} {
		rec := do(s, "POST", "/api/v1/echo", strings.NewReader(`{"name":"a"}`), "X-API-Key", "k1", "Content-Type", ct)
		errorOf(t, rec, 415, core.ErrUnsupportedMediaType)
	}
	rec := do(s, "POST", "/api/v1/echo", strings.NewReader(`{"name":"a"}`), "X-API-Key", "k1", "Content-Type", "application/json; charset=utf-8")
	if rec.Code != 200 {
		t.Fatalf("json with charset: %d %s", rec.Code, rec.Body)
	}
}

func TestStrictDecodingNamesTheField(t *testing.T) {
	s := newServer(t, keyAuth())
	post := func(body string) *httptest.ResponseRecorder {
		return do(s, "POST", "/api/v1/echo", strings.NewReader(body), "X-API-Key", "k1", "Content-Type", "application/json")
	}
	p := errorOf(t, post(`{"name":"a","options":{"concurency":4}}`), 400, core.ErrValidation)
	if !strings.Contains(p.Message, `"options.concurency"`) || !strings.Contains(p.Message, `did you mean "concurrency"`) {
		t.Errorf("unknown nested field: %q", p.Message)
	}
	if len(p.Details) != 1 || p.Details[0].Field != "options.concurency" {
		t.Errorf("details should point at the field: %+v", p.Details)
	}
	p = errorOf(t, post(`{"nmae":"a"}`), 400, core.ErrValidation)
	if !strings.Contains(p.Message, `"nmae"`) {
		t.Errorf("unknown top-level field: %q", p.Message)
	}
	p = errorOf(t, post(`{"options":{"concurrency":"four"}}`), 400, core.ErrValidation)
	if !strings.Contains(p.Message, "options.concurrency") || !strings.Contains(p.Message, "integer") {
		t.Errorf("type error should name field and expected type: %q", p.Message)
	}
	errorOf(t, post(`{"name":"a"} {"name":"b"}`), 400, core.ErrValidation)
	errorOf(t, post(`{"name":`), 400, core.ErrValidation)
	errorOf(t, post(`[1,2]`), 400, core.ErrValidation)
	p = errorOf(t, do(s, "POST", "/api/v1/echo", nil, "X-API-Key", "k1"), 400, core.ErrValidation)
	if !strings.Contains(p.Message, "empty") {
		t.Errorf("empty body: %q", p.Message)
	}
}

func TestVersionNegotiation(t *testing.T) {
	s := newServer(t, keyAuth())
	ok := []string{"", "application/json", "application/vnd.riptide.v1+json", "application/vnd.riptide.v2+json, application/vnd.riptide.v1+json", "application/vnd.riptide.v2+json, */*;q=0.1"}
	for _, accept := range ok {
		rec := do(s, "GET", "/healthz", nil, "Accept", accept)
		if rec.Code != 200 || rec.Header().Get("API-Version") != "1" {
			t.Errorf("Accept %q: %d, API-Version %q", accept, rec.Code, rec.Header().Get("API-Version"))
		}
	}
	p := errorOf(t, do(s, "GET", "/healthz", nil, "Accept", "application/vnd.riptide.v2+json"), 406, core.ErrUnsupportedVersion)
	if !strings.Contains(p.Message, `"1"`) {
		t.Errorf("406 must list supported versions: %q", p.Message)
	}
	errorOf(t, do(s, "GET", "/healthz", nil, "API-Version", "2"), 406, core.ErrUnsupportedVersion)
	if rec := do(s, "GET", "/healthz", nil, "API-Version", "1"); rec.Code != 200 {
		t.Errorf("API-Version: 1 -> %d", rec.Code)
	}
}

func TestLegacyTwinAnswersIdenticallyWithDeprecationHeaders(t *testing.T) {
	s := newServer(t, keyAuth())
	canon := do(s, "GET", "/api/v1/items/42", nil, "X-API-Key", "k1")
	legacy := do(s, "GET", "/items/42", nil, "X-API-Key", "k1")
	if canon.Code != 200 || legacy.Code != canon.Code || legacy.Body.String() != canon.Body.String() {
		t.Fatalf("legacy %d %s vs canonical %d %s", legacy.Code, legacy.Body, canon.Code, canon.Body)
	}
	if canon.Header().Get("Deprecation") != "" {
		t.Error("canonical path must not be deprecated")
	}
	if got := legacy.Header().Get("Link"); got != `</api/v1/items/42>; rel="successor-version"` {
		t.Errorf("Link = %q", got)
	}
	if !strings.HasPrefix(legacy.Header().Get("Deprecation"), "@") {
		t.Errorf("Deprecation = %q, want @<unix seconds> (RFC 9745)", legacy.Header().Get("Deprecation"))
	}
	if _, err := http.ParseTime(legacy.Header().Get("Sunset")); err != nil {
		t.Errorf("Sunset must be an HTTP date: %v", err)
	}
	// Errors on legacy paths carry the headers too.
	rec := do(s, "GET", "/items/42", nil)
	errorOf(t, rec, 401, core.ErrAuthentication)
	if rec.Header().Get("Deprecation") == "" {
		t.Error("legacy error responses must carry Deprecation")
	}
}

func TestPanicIs500WithoutLeakingDetails(t *testing.T) {
	s := newServer(t, keyAuth())
	rec := do(s, "GET", "/api/v1/panic", nil, "X-API-Key", "k1")
	p := errorOf(t, rec, 500, core.ErrInternal)
	if strings.Contains(rec.Body.String(), "secret internal detail") {
		t.Fatal("panic value leaked to the client")
	}
	if p.Retryable {
		t.Error("internal errors are not retryable")
	}
	if !strings.Contains(s.logs.String(), "secret internal detail") {
		t.Error("panic should be logged for operators")
	}
}

func TestPlannedRouteIs501(t *testing.T) {
	s := newServer(t, keyAuth())
	p := errorOf(t, do(s, "POST", "/api/v1/later", strings.NewReader(`{}`), "X-API-Key", "k1", "Content-Type", "application/json"), 501, core.ErrNotImplemented)
	if !strings.Contains(p.Message, "planned") {
		t.Errorf("501 should say the route is planned: %q", p.Message)
	}
	// A planned route answering 501 is not an outage: logged at info, not error.
	for _, line := range strings.Split(strings.TrimSpace(s.logs.String()), "\n") {
		if strings.Contains(line, `"level":"ERROR"`) {
			t.Errorf("a planned route's 501 was logged as an error: %s", line)
		}
	}
	if !strings.Contains(s.logs.String(), `"level":"INFO","msg":"planned operation requested"`) {
		t.Errorf("the 501 should be logged at info:\n%s", s.logs.String())
	}
}

// TestInvalidUTF8BodyIs400: RFC 8259 requires UTF-8; encoding/json would
// turn bad bytes into U+FFFD and accept the body.
func TestInvalidUTF8BodyIs400(t *testing.T) {
	s := newServer(t, keyAuth())
	body := "{\"name\":\"caf\xe9\"}" // Latin-1 é
	p := errorOf(t, do(s, "POST", "/api/v1/echo", strings.NewReader(body), "X-API-Key", "k1", "Content-Type", "application/json"), 400, core.ErrValidation)
	if !strings.Contains(p.Message, "UTF-8") || !strings.Contains(p.Message, "offset 12") || len(p.Details) != 1 {
		t.Errorf("message should say where the invalid UTF-8 is: %+v", p)
	}
	// A real U+FFFD, validly encoded, is fine.
	rec := do(s, "POST", "/api/v1/echo", strings.NewReader("{\"name\":\"\xef\xbf\xbd\"}"), "X-API-Key", "k1", "Content-Type", "application/json")
	if rec.Code != 200 {
		t.Errorf("valid UTF-8: %d %s", rec.Code, rec.Body)
	}
	if err := httpx.DecodeBytes([]byte("{\"name\":\"\xff\"}"), &echoRequest{}, false); core.AsError(err).Type != core.ErrValidation {
		t.Errorf("DecodeBytes (WebSocket messages, queue payloads) must refuse invalid UTF-8 too: %v", err)
	}
}

// TestEveryLegacyAnswerIsDeprecated: answers written before a route runs
// (406 from version negotiation, 405 from the fallback) carry the
// deprecation headers on legacy paths too.
func TestEveryLegacyAnswerIsDeprecated(t *testing.T) {
	s := newServer(t, keyAuth())
	for _, c := range []struct {
		name         string
		rec          *httptest.ResponseRecorder
		status       int
		typ          core.ErrorType
		wantLink     string
		isDeprecated bool
	}{
		{"406 on a legacy path", do(s, "GET", "/items/7", nil, "X-API-Key", "k1", "Accept", "application/vnd.riptide.v2+json"),
			406, core.ErrUnsupportedVersion, "</api/v1/items/7>", true},
		{"405 on a legacy path", do(s, "PUT", "/items/7", nil, "X-API-Key", "k1"), 405, core.ErrMethodNotAllowed, "</api/v1/items/7>", true},
		{"405 on a legacy path with one route", do(s, "GET", "/echo", nil, "X-API-Key", "k1"), 405, core.ErrMethodNotAllowed, "</api/v1/echo>", true},
		{"406 on a canonical path", do(s, "GET", "/api/v1/items/7", nil, "X-API-Key", "k1", "API-Version", "2"), 406, core.ErrUnsupportedVersion, "", false},
		{"404", do(s, "GET", "/nope", nil), 404, core.ErrNotFound, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			errorOf(t, c.rec, c.status, c.typ)
			h := c.rec.Header()
			if got := h.Get("Deprecation") != "" && h.Get("Sunset") != ""; got != c.isDeprecated {
				t.Errorf("Deprecation %q, Sunset %q; want present = %v", h.Get("Deprecation"), h.Get("Sunset"), c.isDeprecated)
			}
			if c.wantLink != "" && h.Get("Link") != c.wantLink+`; rel="successor-version"` {
				t.Errorf("Link = %q", h.Get("Link"))
			}
		})
	}
}

// TestLegacyPathsTakeTheOriginalsRequests: the original's method (POST
// with a JSON body where the twin is a GET with a query) and its top-level
// fields (moved into options) work on legacy paths, and only there.
func TestLegacyPathsTakeTheOriginalsRequests(t *testing.T) {
	s := newServer(t, keyAuth())
	json := []string{"X-API-Key", "k1", "Content-Type", "application/json"}
	canon := do(s, "GET", "/api/v1/status?spider_id=abc&include_metrics=true", nil, "X-API-Key", "k1")
	legacy := do(s, "POST", "/status", strings.NewReader(`{"spider_id":"abc","include_metrics":true}`), json...)
	if legacy.Code != 200 || legacy.Body.String() != canon.Body.String() || legacy.Header().Get("Deprecation") == "" {
		t.Errorf("POST /status: %d %s, want its GET twin's %s with Deprecation", legacy.Code, legacy.Body, canon.Body)
	}
	if rec := do(s, "POST", "/status", nil, "X-API-Key", "k1"); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"method":"GET"`) {
		t.Errorf("POST /status without a body: %d %s", rec.Code, rec.Body)
	}
	errorOf(t, do(s, "POST", "/status", strings.NewReader(`{"spider_id":{"x":1}}`), json...), 400, core.ErrValidation)
	errorOf(t, do(s, "POST", "/status", strings.NewReader(`{"spider_id":"abc"}`), "X-API-Key", "k1", "Content-Type", "text/plain"), 415, core.ErrUnsupportedMediaType)
	errorOf(t, do(s, "POST", "/status", strings.NewReader(`{}`)), 401, core.ErrAuthentication)
	errorOf(t, do(s, "POST", "/api/v1/status", strings.NewReader(`{}`), json...), 405, core.ErrMethodNotAllowed)
	if allow := do(s, "PUT", "/status", nil, "X-API-Key", "k1").Header().Get("Allow"); allow != "GET, HEAD, POST" {
		t.Errorf("Allow on the legacy path = %q", allow)
	}

	rec := do(s, "POST", "/start", strings.NewReader(`{"seeds":["http://a.test/"],"max_depth":2}`), json...)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"options":{"max_depth":2}`) {
		t.Errorf("legacy top-level max_depth: %d %s", rec.Code, rec.Body)
	}
	p := errorOf(t, do(s, "POST", "/start", strings.NewReader(`{"max_depth":2,"options":{"max_depth":3}}`), json...), 400, core.ErrValidation)
	if !strings.Contains(p.Message, "given twice") {
		t.Errorf("both forms at once: %+v", p)
	}
	p = errorOf(t, do(s, "POST", "/api/v1/start", strings.NewReader(`{"max_depth":2}`), json...), 400, core.ErrValidation)
	if !strings.Contains(p.Message, `unknown field "max_depth"`) {
		t.Errorf("the canonical path takes only the current form: %+v", p)
	}
}

func TestRequestID(t *testing.T) {
	s := newServer(t, keyAuth())
	rec := do(s, "GET", "/healthz", nil, "X-Request-ID", "client-id-123")
	if got := rec.Header().Get("X-Request-ID"); got != "client-id-123" {
		t.Errorf("valid id not echoed: %q", got)
	}
	rec = do(s, "GET", "/healthz", nil, "X-Request-ID", "bad id\nwith newline")
	if got := rec.Header().Get("X-Request-ID"); len(got) != 26 {
		t.Errorf("invalid id must be replaced by a ULID, got %q", got)
	}
	a, b := httpx.NewRequestID(), httpx.NewRequestID()
	if a == b || len(a) != 26 {
		t.Errorf("ULIDs %q %q", a, b)
	}
}

func TestCORS(t *testing.T) {
	s := newServer(t, keyAuth())
	rec := do(s, "OPTIONS", "/api/v1/echo", nil, "Origin", "https://app.example", "Access-Control-Request-Method", "POST")
	if rec.Code != 204 || rec.Header().Get("Access-Control-Allow-Origin") != "https://app.example" ||
		!strings.Contains(rec.Header().Get("Access-Control-Allow-Headers"), "X-API-Key") {
		t.Fatalf("preflight: %d %v", rec.Code, rec.Header())
	}
	rec = do(s, "GET", "/healthz", nil, "Origin", "https://evil.example")
	if rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Error("disallowed origin got CORS headers")
	}
	rec = do(s, "OPTIONS", "/api/v1/echo", nil, "Origin", "https://evil.example", "Access-Control-Request-Method", "POST")
	errorOf(t, rec, 405, core.ErrMethodNotAllowed)
}

func TestAccessLogAndMetrics(t *testing.T) {
	s := newServer(t, keyAuth())
	do(s, "GET", "/api/v1/items/9?token=supersecret", nil, "X-API-Key", "k1")
	do(s, "GET", "/nope", nil)
	logs := s.logs.String()
	if strings.Contains(logs, "supersecret") || strings.Contains(logs, `"k1"`) {
		t.Fatalf("query strings and keys must not be logged: %s", logs)
	}
	var line map[string]any
	if err := json.Unmarshal([]byte(strings.SplitN(logs, "\n", 2)[0]), &line); err != nil {
		t.Fatalf("log is not JSON: %v", err)
	}
	if line["op"] != "t.item" || line["status"] != float64(200) || line["request_id"] == "" || line["principal"] == "" {
		t.Errorf("access log line: %v", line)
	}
	s.metrics.mu.Lock()
	defer s.metrics.mu.Unlock()
	if want := []string{"t.item GET 200", "unmatched GET 404"}; !slices.Equal(s.metrics.observed, want) {
		t.Errorf("request metrics %v, want %v", s.metrics.observed, want)
	}
	if s.metrics.begun != 2 || s.metrics.inFlight != 0 {
		t.Errorf("in flight: %d begun, %d still in flight", s.metrics.begun, s.metrics.inFlight)
	}
}

// TestNoRequestMetrics: without a RequestMetrics (every Lambda but the
// health function) requests are served and still reach the recorder.
func TestNoRequestMetrics(t *testing.T) {
	rec := &requestRecords{}
	h, err := httpx.NewHandler(httpx.Options{Recorder: rec, Auth: keyAuth(), Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))},
		testRoutes[:1], map[string]http.Handler{"t.health": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			httpx.WriteJSON(w, 200, map[string]string{"status": "ok"})
		})})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/healthz", nil))
	if w.Code != 200 {
		t.Fatalf("healthz %d %s", w.Code, w.Body)
	}
	if len(rec.got) != 1 || rec.got[0].Route != "t.health" || rec.got[0].Status != 200 {
		t.Errorf("recorded %+v", rec.got)
	}
}

// requestMetrics records what the HTTP core reports through the
// RequestMetrics port (the Prometheus side is tested in shared/monitor/prom).
type requestMetrics struct {
	mu              sync.Mutex
	begun, inFlight int
	observed        []string
}

func (m *requestMetrics) BeginRequest() func() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.begun++
	m.inFlight++
	return func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.inFlight--
	}
}

func (m *requestMetrics) ObserveRequest(op, method string, status int, _ time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.observed = append(m.observed, fmt.Sprintf("%s %s %d", op, method, status))
}

type requestRecords struct{ got []monitor.Request }

func (r *requestRecords) RecordRequest(q monitor.Request) { r.got = append(r.got, q) }

func TestNewHandlerRefusesTableMismatch(t *testing.T) {
	table := []routes.Route{{Op: "a", Method: "GET", Path: "/a", Status: routes.Ready}}
	if _, err := httpx.NewHandler(httpx.Options{}, table, nil); err == nil {
		t.Error("ready route without handler must be refused")
	}
	table[0].Status = routes.Planned
	if _, err := httpx.NewHandler(httpx.Options{}, table, map[string]http.Handler{"a": http.NotFoundHandler()}); err == nil {
		t.Error("handler for a planned route must be refused")
	}
	if _, err := httpx.NewHandler(httpx.Options{}, table, map[string]http.Handler{"zzz": http.NotFoundHandler()}); err == nil {
		t.Error("handler without route must be refused")
	}
}

func TestRealRouteTableMounts(t *testing.T) {
	// Every path of the real table mounts without pattern conflicts, and
	// each answers through its own operation.
	handlers := map[string]http.Handler{}
	for _, r := range routes.Routes() {
		if r.Status == routes.Ready {
			op := r.Op
			handlers[op] = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(op)) })
		}
	}
	h, err := httpx.NewHandler(httpx.Options{Auth: httpx.AuthConfig{Disabled: true}}, routes.Routes(), handlers)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range routes.Routes() {
		for _, p := range r.Paths() {
			path := strings.NewReplacer("{id}", "x1", "{component}", "redis", "{domain}", "example.com", "{name}", "sid").Replace(p)
			req := httptest.NewRequest(r.Method, path, nil)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			switch r.Status {
			case routes.Ready:
				if rec.Body.String() != r.Op {
					t.Errorf("%s %s answered %q, want operation %s", r.Method, path, rec.Body, r.Op)
				}
			case routes.Planned:
				if rec.Code != 501 {
					t.Errorf("%s %s: planned route answered %d", r.Method, path, rec.Code)
				}
			}
		}
	}
}

func TestTypeErrorsNameTheClientsPath(t *testing.T) {
	type Inner struct {
		Concurrency int `json:"concurrency"`
	}
	var req struct {
		Options struct {
			Inner
			Mode string `json:"mode"`
		} `json:"options"`
	}
	err := httpx.DecodeBytes([]byte(`{"options":{"concurrency":"ten"}}`), &req, false)
	ce := core.AsError(err)
	if ce.Type != core.ErrValidation || !strings.HasPrefix(ce.Message, "options.concurrency: expected") || len(ce.Details) != 1 || ce.Details[0].Field != "options.concurrency" {
		t.Fatalf("%+v", ce)
	}
}
