package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/internal/oidctest"
)

// TestServeAcceptsTokensOfTheIdentityProvider: with RIPTIDE_OIDC_ISSUER
// set and no API key at all, riptide serve takes the provider's JWTs, maps
// their scopes onto routes, and refuses tokens for another audience.
func TestServeAcceptsTokensOfTheIdentityProvider(t *testing.T) {
	idp := oidctest.New(t)
	t.Setenv("REDIS_URL", "")
	t.Setenv("RIPTIDE_API_KEYS", "")
	t.Setenv("RIPTIDE_OIDC_ISSUER", idp.Srv.URL)
	t.Setenv("RIPTIDE_OIDC_AUDIENCE", "riptide-api")
	t.Setenv("RIPTIDE_RATE_PLANS", `{"pro": {"*": {"requests": 1200}}}`)
	base := startServe(t)
	send := func(method, path, token, body string) (int, string) {
		t.Helper()
		h := http.Header{}
		if token != "" {
			h.Set("Authorization", "Bearer "+token)
		}
		return callWith(t, method, base+path, body, h)
	}
	if code, body := send("GET", "/api/v1/workers/jobs", "", ""); code != 401 {
		t.Fatalf("no credential: %d %s", code, body)
	}
	jobsToken := idp.Token(t, map[string]any{"scope": "jobs read", "tenant": "acme"})
	if code, body := send("GET", "/api/v1/workers/jobs", jobsToken, ""); code != 200 {
		t.Fatalf("jobs-scoped token on GET /workers/jobs: %d %s", code, body)
	}
	if code, body := send("GET", "/api/v1/admin/keys", jobsToken, ""); code != 403 || !strings.Contains(body, `"admin"`) {
		t.Fatalf("jobs-scoped token on an admin route: %d %s", code, body)
	}
	admin := idp.Token(t, map[string]any{"scope": "riptide:admin"})
	if code, body := send("POST", "/api/v1/admin/keys", admin, `{"name":"ci","scopes":["crawl"]}`); code != 201 {
		t.Fatalf("admin token creating a key: %d %s", code, body)
	}
	// A WebSocket token stands for an API key; an identity provider's
	// token is refused with a 400 that says so.
	crawlToken := idp.Token(t, map[string]any{"scope": "crawl"})
	if code, body := send("POST", "/api/v1/crawl/ws/token", crawlToken, ""); code != 400 || !strings.Contains(body, "X-API-Key") {
		t.Fatalf("ws token for an OIDC caller: %d %s", code, body)
	}
	if code, body := send("GET", "/api/v1/workers/jobs", idp.Token(t, map[string]any{"aud": "another-api", "scope": "jobs"}), ""); code != 401 || !strings.Contains(body, "audience") {
		t.Fatalf("token for another audience: %d %s", code, body)
	}
	// The plan claim picks the rate-limit plan; a plan the server does
	// not know is the default plan (600 requests a minute).
	for plan, want := range map[string]string{"pro": "1200", "platinum": "600"} {
		req, _ := http.NewRequest("GET", base+"/api/v1/workers/jobs", nil)
		req.Header.Set("Authorization", "Bearer "+idp.Token(t, map[string]any{"scope": "jobs", "plan": plan, "sub": "user-" + plan}))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("X-RateLimit-Limit") != want {
			t.Errorf("token with plan %q: %d, X-RateLimit-Limit %q, want %s", plan, resp.StatusCode, resp.Header.Get("X-RateLimit-Limit"), want)
		}
	}
}
