package main

import (
	"net/http"
	"strings"
	"testing"
)

// TestCORSExposesRequestID: a page on another origin (the playground on
// CloudFront, a user's app) can read X-Request-ID, the id to quote when
// reporting a problem, and Location, where a 202 says to follow the work,
// on every kind of API answer: success, 401, 404, 405, preflight.
func TestCORSExposesRequestID(t *testing.T) {
	t.Setenv("REDIS_URL", "")
	t.Setenv("RIPTIDE_AUTH", "")
	t.Setenv("RIPTIDE_API_KEYS", remoteKey)
	t.Setenv("RIPTIDE_CORS_ORIGINS", "*")
	base := startServe(t)
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/api/v1/health", ""},
		{"GET", "/healthz", ""},
		{"POST", "/api/v1/crawl", `{"urls":["http://127.0.0.1:1/"]}`}, // 401: no key
		{"GET", "/api/v1/no-such-route", ""},
		{"GET", "/crawl", ""}, // legacy path, wrong method
		{"OPTIONS", "/api/v1/crawl", ""},
	} {
		req, _ := http.NewRequest(tc.method, base+tc.path, strings.NewReader(tc.body))
		req.Header.Set("Origin", "https://playground.invalid")
		if tc.method == "OPTIONS" {
			req.Header.Set("Access-Control-Request-Method", "POST")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		exposed := map[string]bool{}
		for _, h := range strings.Split(resp.Header.Get("Access-Control-Expose-Headers"), ",") {
			exposed[http.CanonicalHeaderKey(strings.TrimSpace(h))] = true
		}
		if resp.Header.Get("X-Request-ID") == "" || !exposed["X-Request-Id"] || !exposed["Location"] || !exposed["Retry-After"] {
			t.Errorf("%s %s: %d, X-Request-ID %q, exposed %v", tc.method, tc.path, resp.StatusCode, resp.Header.Get("X-Request-ID"), exposed)
		}
	}
}
