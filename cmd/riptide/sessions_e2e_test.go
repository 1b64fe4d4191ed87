package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/testenv"
)

// TestSessionCookiesCarryOverThroughServe is issue 9's done-when for
// sessions: through `riptide serve`, a session's cookies set by one crawl
// are sent by the next, removed when the site deletes them, and visible
// only to the API key that created the session. It runs on the embedded
// store and on a real redis-server.
func TestSessionCookiesCarryOverThroughServe(t *testing.T) {
	t.Run("embedded", func(t *testing.T) {
		t.Setenv("REDIS_URL", "")
		sessionCookiesCarryOver(t)
	})
	t.Run("redis", func(t *testing.T) {
		t.Setenv("REDIS_URL", testenv.RedisURL(t))
		t.Setenv("RIPTIDE_KEY_PREFIX", testenv.KeyPrefix(t))
		sessionCookiesCarryOver(t)
	})
}

func sessionCookiesCarryOver(t *testing.T) {
	prose := strings.Repeat("This page reports the cookies it received so that a crawl can be checked end to end. ", 6)
	page := func(w http.ResponseWriter, r *http.Request, title string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!doctype html><html><head><title>%s</title></head><body><article><h1>%s</h1><p>Cookies received: [%s]. %s</p></article></body></html>",
			title, title, r.Header.Get("Cookie"), prose)
	}
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/login":
			http.SetCookie(w, &http.Cookie{Name: "sid", Value: "s3cr3t", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
			http.SetCookie(w, &http.Cookie{Name: "theme", Value: "dark", Path: "/account"})
			page(w, r, "Logged in")
		case "/logout":
			http.SetCookie(w, &http.Cookie{Name: "sid", Value: "", Path: "/", MaxAge: -1})
			page(w, r, "Logged out")
		case "/robots.txt":
			http.NotFound(w, r)
		default:
			page(w, r, "Who am I")
		}
	}))
	defer site.Close()
	t.Setenv("RIPTIDE_AUTH", "")
	t.Setenv("RIPTIDE_API_KEYS", "alice-key-0123456789,bob-key-0123456789")
	t.Setenv("RIPTIDE_ALLOW_CIDRS", "127.0.0.1/32")
	base := startServe(t)

	do := func(key, method, path, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("X-API-Key", key)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var out map[string]any
		if len(raw) > 0 {
			if err := json.Unmarshal(raw, &out); err != nil {
				t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
			}
		}
		return resp.StatusCode, out
	}
	const alice, bob = "alice-key-0123456789", "bob-key-0123456789"
	crawl := func(key, url, session string) (int, string) {
		t.Helper()
		opts := `{"cache_mode":"bypass"}`
		if session != "" {
			opts = `{"session_id":"` + session + `"}`
		}
		code, out := do(key, "POST", "/api/v1/crawl", `{"urls":["`+site.URL+url+`"],"options":`+opts+`}`)
		if code != 200 {
			return code, fmt.Sprint(out)
		}
		res := out["results"].([]any)[0].(map[string]any)
		doc, _ := res["document"].(map[string]any)
		if doc == nil {
			t.Fatalf("crawl %s: no document: %v", url, res)
		}
		return code, doc["text"].(string)
	}

	code, created := do(alice, "POST", "/api/v1/sessions", "")
	if code != 201 {
		t.Fatalf("create: %d %v", code, created)
	}
	id := created["session_id"].(string)

	if _, text := crawl(alice, "/login", id); !strings.Contains(text, "Cookies received: [].") {
		t.Fatalf("first crawl must start with an empty jar: %q", text)
	}
	if _, text := crawl(alice, "/whoami", id); !strings.Contains(text, "Cookies received: [sid=s3cr3t].") {
		t.Fatalf("the next crawl must send the cookie the first one got (and not the /account one): %q", text)
	}
	// An async job runs as the key that submitted it: the session is
	// Alice's, so her job sends its cookies too.
	code, acc := do(alice, "POST", "/api/v1/workers/jobs", `{"type":"single_crawl","url":"`+site.URL+`/whoami","options":{"session_id":"`+id+`"}}`)
	if code != 202 {
		t.Fatalf("job with a session: %d %v", code, acc)
	}
	jobID := acc["job_id"].(string)
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		_, j := do(alice, "GET", "/api/v1/workers/jobs/"+jobID, "")
		if st, _ := j["status"].(string); st == "completed" || st == "failed" || st == "dead_letter" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job with a session still %v after 60 s", j["status"])
		}
	}
	_, result := do(alice, "GET", "/api/v1/workers/jobs/"+jobID+"/result?inline=true", "")
	if raw, _ := json.Marshal(result); !strings.Contains(string(raw), "Cookies received: [sid=s3cr3t].") {
		t.Fatalf("the job's crawl did not send the session's cookie: %s", raw)
	}
	if _, text := crawl(alice, "/account/settings", id); !strings.Contains(text, "Cookies received: [theme=dark; sid=s3cr3t].") {
		t.Fatalf("a deeper path gets both, longest path first: %q", text)
	}
	if _, text := crawl(alice, "/whoami", ""); !strings.Contains(text, "Cookies received: [].") {
		t.Fatalf("a crawl without the session sends nothing: %q", text)
	}

	// The API shows the jar as the site set it.
	code, got := do(alice, "GET", "/api/v1/sessions/"+id+"/cookies/127.0.0.1/sid", "")
	if code != 200 || got["value"] != "s3cr3t" || got["http_only"] != true || got["host_only"] != true || got["same_site"] != "lax" {
		t.Fatalf("cookie through the API: %d %v", code, got)
	}

	// Another key sees nothing of it and cannot crawl with it.
	if code, _ := do(bob, "GET", "/api/v1/sessions/"+id, ""); code != 404 {
		t.Fatalf("bob read alice's session: %d", code)
	}
	if code, _ := crawl(bob, "/whoami", id); code != 404 {
		t.Fatalf("bob crawled with alice's session: %d", code)
	}
	if code, page := do(bob, "GET", "/api/v1/sessions", ""); code != 200 || len(page["sessions"].([]any)) != 0 {
		t.Fatalf("bob's listing: %d %v", code, page)
	}

	// A cookie set through the API is sent too; the site's logout deletes sid.
	if code, out := do(alice, "POST", "/api/v1/sessions/"+id+"/cookies", `{"domain":"127.0.0.1","name":"lang","value":"en","host_only":true}`); code != 201 {
		t.Fatalf("set cookie: %d %v", code, out)
	}
	crawl(alice, "/logout", id)
	if _, text := crawl(alice, "/whoami", id); !strings.Contains(text, "Cookies received: [lang=en].") {
		t.Fatalf("after logout: %q", text)
	}

	// extend really extends; the session's record counts its pages.
	_, before := do(alice, "GET", "/api/v1/sessions/"+id, "")
	code, after := do(alice, "POST", "/api/v1/sessions/"+id+"/extend", `{"additional_ms":3600000}`)
	b, _ := time.Parse(time.RFC3339, before["expires_at"].(string))
	a, _ := time.Parse(time.RFC3339, after["expires_at"].(string))
	if code != 200 || a.Sub(b) < time.Hour-time.Second {
		t.Fatalf("extend: %d %v -> %v", code, before["expires_at"], after["expires_at"])
	}
	if uses := after["uses"].(float64); uses != 6 {
		t.Fatalf("uses: %v, want the 6 pages alice crawled with the session (one by a job)", uses)
	}

	// The legacy path answers like its twin; delete is final.
	if code, _ := do(alice, "GET", "/sessions/"+id, ""); code != 200 {
		t.Fatalf("legacy path: %d", code)
	}
	if code, _ := do(alice, "DELETE", "/api/v1/sessions/"+id, ""); code != 204 {
		t.Fatalf("delete: %d", code)
	}
	if code, _ := crawl(alice, "/whoami", id); code != 404 {
		t.Fatalf("crawl with a deleted session: %d", code)
	}
}
