package main

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestCallersSeeOnlyTheirOwnData: through `riptide serve`, spider runs,
// jobs and sessions belong to the caller's tenant (every key of the tenant
// sees them) or, for a key without a tenant, to that key alone; any other
// caller gets the same 404 as for an id that never existed.
func TestCallersSeeOnlyTheirOwnData(t *testing.T) {
	t.Setenv("REDIS_URL", "")
	t.Setenv("RIPTIDE_API_KEYS", "bootstrap-key-for-tenancy")
	base := startServe(t)
	send := func(key, method, path, body string) (int, string) {
		t.Helper()
		return callWith(t, method, base+path, body, http.Header{"X-Api-Key": {key}})
	}
	newKey := func(tenant string) string {
		t.Helper()
		body := `{"name":"t","scopes":["spider","jobs","render","crawl","read"]` + map[bool]string{true: `,"tenant":"` + tenant + `"`, false: ""}[tenant != ""] + `}`
		code, out := send("bootstrap-key-for-tenancy", "POST", "/api/v1/admin/keys", body)
		var created struct {
			Token string `json:"token"`
		}
		if code != 201 || json.Unmarshal([]byte(out), &created) != nil || created.Token == "" {
			t.Fatalf("create key: %d %s", code, out)
		}
		return created.Token
	}
	acme1, acme2, globex, loner := newKey("acme"), newKey("acme"), newKey("globex"), newKey("")
	idOf := func(field, body string) string {
		t.Helper()
		m := regexp.MustCompile(`"` + field + `":"([^"]+)"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no %s in %s", field, body)
		}
		return m[1]
	}

	// The seed is refused by the SSRF guard: the run ends at once, and
	// what matters here is who may read it.
	code, out := send(acme1, "POST", "/api/v1/spider/crawl", `{"seed_urls":["http://127.0.0.1:9/"]}`)
	if code != 202 {
		t.Fatalf("spider crawl: %d %s", code, out)
	}
	run := idOf("spider_id", out)
	code, out = send(acme1, "POST", "/api/v1/workers/jobs", `{"type":"single_crawl","url":"http://127.0.0.1:9/"}`)
	if code != 202 {
		t.Fatalf("job: %d %s", code, out)
	}
	job := idOf("job_id", out)
	code, out = send(acme1, "POST", "/api/v1/sessions", `{}`)
	if code != 201 {
		t.Fatalf("session: %d %s", code, out)
	}
	session := idOf("session_id", out)
	code, out = send(loner, "POST", "/api/v1/spider/crawl", `{"seed_urls":["http://127.0.0.1:9/"]}`)
	if code != 202 {
		t.Fatalf("spider crawl without a tenant: %d %s", code, out)
	}
	lonerRun := idOf("spider_id", out)

	reads := []struct{ method, path, body string }{
		{"GET", "/api/v1/spider/" + run, ""},
		{"GET", "/api/v1/spider/status?spider_id=" + run, ""},
		{"GET", "/api/v1/spider/" + run + "/results", ""},
		{"GET", "/api/v1/workers/jobs/" + job, ""},
		{"GET", "/api/v1/sessions/" + session, ""},
	}
	for _, r := range reads {
		if code, out := send(acme2, r.method, r.path, r.body); code != 200 {
			t.Errorf("another key of the same tenant: %s %s: %d %s", r.method, r.path, code, out)
		}
		for _, key := range []string{globex, loner} {
			if code, out := send(key, r.method, r.path, r.body); code != 404 {
				t.Errorf("another tenant's key: %s %s: %d %s", r.method, r.path, code, out)
			}
		}
	}
	// The refusal is the one an unknown id gets, word for word (but the id).
	_, unknown := send(globex, "GET", "/api/v1/spider/0123456789abcdef", "")
	_, foreign := send(globex, "GET", "/api/v1/spider/"+run, "")
	if strip := regexp.MustCompile(`"request_id":"[^"]*"|[0-9a-f]{16}`); strip.ReplaceAllString(unknown, "") != strip.ReplaceAllString(foreign, "") {
		t.Errorf("a foreign run is distinguishable from an unknown one:\n%s\n%s", foreign, unknown)
	}
	// Another tenant can neither stop the run nor stream its results,
	// and the job is not in its list.
	if code, out := send(globex, "POST", "/api/v1/spider/control", `{"spider_id":"`+run+`","action":"stop"}`); code != 404 {
		t.Errorf("another tenant stops the run: %d %s", code, out)
	}
	req, _ := http.NewRequest("GET", base+"/api/v1/spider/"+run+"/results", nil)
	req.Header.Set("X-Api-Key", globex)
	req.Header.Set("Accept", "application/x-ndjson")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 404 {
		t.Errorf("another tenant streams the results: %v %v", resp.StatusCode, err)
	} else {
		resp.Body.Close()
	}
	if _, out := send(globex, "GET", "/api/v1/workers/jobs", ""); strings.Contains(out, job) {
		t.Errorf("another tenant lists the job: %s", out)
	}
	if _, out := send(acme2, "GET", "/api/v1/workers/jobs", ""); !strings.Contains(out, job) {
		t.Errorf("the same tenant does not list the job: %s", out)
	}
	// A key without a tenant owns its data alone.
	if code, _ := send(loner, "GET", "/api/v1/spider/"+lonerRun, ""); code != 200 {
		t.Errorf("the key without a tenant reads its own run: %d", code)
	}
	if code, _ := send(acme1, "GET", "/api/v1/spider/"+lonerRun, ""); code != 404 {
		t.Errorf("a tenant's key reads the run of a key without one: %d", code)
	}
}
