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
}
