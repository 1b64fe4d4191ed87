package sessionsapi_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	sessionsapi "github.com/riptidecrawler/riptide/shared/api/sessions"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/routes"
	"github.com/riptidecrawler/riptide/shared/sessions"
	"github.com/riptidecrawler/riptide/shared/store"
	"github.com/riptidecrawler/riptide/shared/store/sessionstore"
)

// The group's routes through the real middleware (strict JSON, unified
// errors) on the embedded store; key scoping and crawls are covered end to
// end in cmd/riptide (TestSessionCookiesCarryOverThroughServe).
func handler(t *testing.T) http.Handler {
	t.Helper()
	st, err := store.Open(store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h, err := httpx.NewHandler(httpx.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Auth: httpx.AuthConfig{Disabled: true}},
		routes.Group("sessions"), sessionsapi.Handlers(sessionsapi.Deps{Service: &sessions.Service{Store: sessionstore.New(st)}}))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func call(t *testing.T, h http.Handler, method, path, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	if rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
		}
	}
	return rec.Code, out
}

func errType(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	s, _ := e["type"].(string)
	return s
}

func TestRoutes(t *testing.T) {
	h := handler(t)
	code, s := call(t, h, "POST", "/api/v1/sessions", `{"ttl_ms":600000}`)
	if code != 201 || s["ttl_ms"] != float64(600000) {
		t.Fatalf("create: %d %v", code, s)
	}
	id := s["session_id"].(string)
	base := "/api/v1/sessions/" + id
	for _, c := range []string{
		`{"domain":"shop.example.org","name":"sid","value":"1"}`,
		`{"domain":"www.shop.example.org","name":"pref","value":"2","host_only":true,"path":"/a"}`,
		`{"domain":"other.example.org","name":"x","value":"3","same_site":"strict","max_age_ms":60000}`,
	} {
		if code, out := call(t, h, "POST", base+"/cookies", c); code != 201 {
			t.Fatalf("set %s: %d %v", c, code, out)
		}
	}
	if code, out := call(t, h, "GET", base+"/cookies", ""); code != 200 || len(out["cookies"].([]any)) != 3 {
		t.Fatalf("list: %d %v", code, out)
	}
	code, out := call(t, h, "GET", base+"/cookies/www.shop.example.org", "")
	if code != 200 || len(out["cookies"].([]any)) != 2 || out["domain"] != "www.shop.example.org" {
		t.Fatalf("per host: %d %v", code, out)
	}
	if code, out := call(t, h, "GET", base+"/cookies/unknown.example.org", ""); code != 200 || len(out["cookies"].([]any)) != 0 {
		t.Fatalf("no cookies is an empty list: %d %v", code, out)
	}
	if code, out := call(t, h, "GET", base+"/cookies/www.shop.example.org/pref?path=/b", ""); code != 404 || errType(out) != "not_found" {
		t.Fatalf("cookie on another path: %d %v", code, out)
	}
	if code, _ := call(t, h, "DELETE", base+"/cookies/www.shop.example.org/pref?path=/a", ""); code != 204 {
		t.Fatalf("delete one: %d", code)
	}
	if code, out := call(t, h, "DELETE", base+"/cookies/www.shop.example.org/pref", ""); code != 404 {
		t.Fatalf("delete it again: %d %v", code, out)
	}
	if code, _ := call(t, h, "DELETE", base+"/cookies", ""); code != 204 {
		t.Fatalf("clear: %d", code)
	}
	if code, out := call(t, h, "GET", base, ""); code != 200 || out["cookie_count"] != float64(0) {
		t.Fatalf("get after clear: %d %v", code, out)
	}
	if code, out := call(t, h, "POST", base+"/extend", `{"additional_seconds":60}`); code != 200 {
		t.Fatalf("extend with the original's field: %d %v", code, out)
	}
	if code, out := call(t, h, "GET", "/api/v1/sessions/stats", ""); code != 200 || out["total_sessions"] != float64(1) {
		t.Fatalf("stats: %d %v", code, out)
	}
	if code, out := call(t, h, "POST", "/api/v1/sessions/cleanup", ""); code != 200 || out["removed_count"] != float64(0) {
		t.Fatalf("cleanup: %d %v", code, out)
	}
	if code, out := call(t, h, "GET", "/api/v1/sessions?limit=1", ""); code != 200 || len(out["sessions"].([]any)) != 1 {
		t.Fatalf("list sessions: %d %v", code, out)
	}

	bad := map[string]struct{ method, path, body, typ string }{
		"unknown field":     {"POST", "/api/v1/sessions", `{"ttl":5}`, "validation_error"},
		"ttl too short":     {"POST", "/api/v1/sessions", `{"ttl_ms":5}`, "validation_error"},
		"extend nothing":    {"POST", base + "/extend", `{}`, "validation_error"},
		"extend both":       {"POST", base + "/extend", `{"additional_ms":1,"additional_seconds":1}`, "validation_error"},
		"extend too far":    {"POST", base + "/extend", `{"additional_ms":9999999999999}`, "validation_error"},
		"public suffix":     {"POST", base + "/cookies", `{"domain":"co.uk","name":"a","value":"1"}`, "validation_error"},
		"bad cookie name":   {"POST", base + "/cookies", `{"domain":"h.example.org","name":"a b","value":"1"}`, "validation_error"},
		"limit":             {"GET", "/api/v1/sessions?limit=1000", "", "validation_error"},
		"cursor":            {"GET", "/api/v1/sessions?cursor=zz", "", "validation_error"},
		"relative path":     {"GET", base + "/cookies/h.example.org/a?path=x", "", "validation_error"},
		"unknown session":   {"GET", "/api/v1/sessions/" + sessions.NewID(), "", "not_found"},
		"not an id":         {"GET", "/api/v1/sessions/s-1", "", "not_found"},
		"cookie on unknown": {"POST", "/api/v1/sessions/" + sessions.NewID() + "/cookies", `{"domain":"h.example.org","name":"a","value":"1"}`, "not_found"},
	}
	for name, c := range bad {
		if _, out := call(t, h, c.method, c.path, c.body); errType(out) != c.typ {
			t.Errorf("%s: %v, want %s", name, out, c.typ)
		}
	}
	// Delete is idempotent.
	for i := 0; i < 2; i++ {
		if code, _ := call(t, h, "DELETE", base, ""); code != 204 {
			t.Fatalf("delete #%d: %d", i, code)
		}
	}
	if code, _ := call(t, h, "GET", base, ""); code != 404 {
		t.Fatalf("deleted session: %d", code)
	}
}
