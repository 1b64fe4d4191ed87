package adminwire_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/audit"
	"github.com/riptidecrawler/riptide/shared/blob"
	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/gatewaykeys"
	"github.com/riptidecrawler/riptide/shared/jobs"
	"github.com/riptidecrawler/riptide/shared/keys"
	"github.com/riptidecrawler/riptide/shared/llm"
	"github.com/riptidecrawler/riptide/shared/routes"
	"github.com/riptidecrawler/riptide/shared/sessions"
	"github.com/riptidecrawler/riptide/shared/spider"
	"github.com/riptidecrawler/riptide/shared/store"
	"github.com/riptidecrawler/riptide/shared/store/jobstore"
	"github.com/riptidecrawler/riptide/shared/store/sessionstore"
	"github.com/riptidecrawler/riptide/shared/store/spiderruns"
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/adminwire"
	"github.com/riptidecrawler/riptide/shared/wire/healthwire"
)

const bootstrap = "bootstrap-admin-key-0123456789"

// serve builds the admin and health groups of one process on a real
// redis-server, under a prefix of its own.
func serve(t *testing.T, redisURL, prefix string, extraEnv ...string) *httptest.Server {
	t.Helper()
	env := map[string]string{"RIPTIDE_LOG_LEVEL": "error", "RIPTIDE_API_KEYS": bootstrap, "REDIS_URL": redisURL,
		"RIPTIDE_KEY_PREFIX": prefix, "RIPTIDE_KEY_PEPPER": "pepper", "RIPTIDE_RATE_LIMIT": "0"}
	for i := 0; i+1 < len(extraEnv); i += 2 {
		env[extraEnv[i]] = extraEnv[i+1]
	}
	p, err := wire.New(context.Background(), "test", config.FromMap(env))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	handlers := map[string]http.Handler{}
	for _, b := range []wire.Builder{adminwire.Build, healthwire.Build} {
		g, err := b(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range g.Handlers {
			handlers[k] = v
		}
	}
	h, err := p.HTTPHandler(append(routes.Group("admin"), routes.Group("health")...), handlers)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func call(t *testing.T, srv *httptest.Server, key, method, path, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, resp.Header, out
}

func TestManagedKeysThroughTheAPI(t *testing.T) {
	url := testenv.RedisURL(t)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix := "t" + hex.EncodeToString(b) + ":"
	srv := serve(t, url, prefix)

	// The bootstrap key creates keys; a created key's secret is shown once.
	code, _, out := call(t, srv, bootstrap, "POST", "/api/v1/admin/keys",
		`{"name":"reader","tenant":"acme","scopes":["read"],"rate_limit_per_minute":3}`)
	if code != 201 {
		t.Fatalf("create: %d %v", code, out)
	}
	reader := out["token"].(string)
	readerID := out["key"].(map[string]any)["id"].(string)
	if code, _, _ := call(t, srv, bootstrap, "POST", "/api/v1/admin/keys", `{"scopes":["superuser"]}`); code != 400 {
		t.Fatalf("unknown scope: %d", code)
	}

	// Scopes: read may not read the admin group.
	if code, _, out := call(t, srv, reader, "GET", "/api/v1/admin/keys", ""); code != 403 || out["error"].(map[string]any)["type"] != "permission_denied" {
		t.Fatalf("read key on admin route: %d %v", code, out)
	}
	// A limited admin key: its own plan (3/min) applies although the
	// server default is off, and its usage is counted.
	_, _, out = call(t, srv, bootstrap, "POST", "/api/v1/admin/keys", `{"name":"limited","scopes":["admin"],"rate_limit_per_minute":3}`)
	limited := out["token"].(string)
	limitedID := out["key"].(map[string]any)["id"].(string)
	code, h, _ := call(t, srv, limited, "GET", "/api/v1/admin/keys", "")
	if code != 200 || h.Get("X-RateLimit-Limit") != "3" || h.Get("X-RateLimit-Remaining") != "2" {
		t.Fatalf("plan headers: %d %q %q", code, h.Get("X-RateLimit-Limit"), h.Get("X-RateLimit-Remaining"))
	}
	call(t, srv, limited, "GET", "/api/v1/admin/keys", "")
	if code, _, _ := call(t, srv, limited, "GET", "/api/v1/admin/keys", ""); code != 200 {
		t.Fatalf("third request within plan: %d", code)
	}
	if code, h, _ := call(t, srv, limited, "GET", "/api/v1/admin/keys", ""); code != 429 || h.Get("Retry-After") == "" {
		t.Fatalf("fourth request over a 3/min plan: %d", code)
	}

	// Usage counters and last use, seen by an unlimited admin key.
	_, _, out = call(t, srv, bootstrap, "POST", "/api/v1/admin/keys", `{"name":"ops","scopes":["admin"]}`)
	admin := out["token"].(string)
	code, _, out = call(t, srv, admin, "GET", "/api/v1/admin/keys/"+limitedID, "")
	usage, _ := out["usage"].(map[string]any)
	if code != 200 || usage["requests"].(float64) != 4 || usage["last_used"] == nil {
		t.Fatalf("usage: %d %v", code, out)
	}
	if _, ok := out["hash"]; ok {
		t.Fatal("the API shows a key's hash")
	}
	code, _, out = call(t, srv, admin, "GET", "/api/v1/admin/keys?tenant=acme", "")
	if code != 200 || out["total"].(float64) != 1 {
		t.Fatalf("list by tenant: %d %v", code, out)
	}

	// A second process on the same Redis accepts the key, and refuses it
	// once revoked (its cache is cold here; the bound is tested in store).
	other := serve(t, url, prefix)
	if code, _, _ := call(t, other, admin, "GET", "/api/v1/admin/keys", ""); code != 200 {
		t.Fatalf("other process: %d", code)
	}
	code, _, out = call(t, srv, admin, "POST", "/api/v1/admin/keys/"+readerID+"/rotate", `{"grace_seconds":0}`)
	if code != 201 || out["replaced"].(map[string]any)["status"] != "revoked" {
		t.Fatalf("rotate: %d %v", code, out)
	}
	if code, _, _ := call(t, other, reader, "GET", "/api/v1/admin/keys", ""); code != 401 {
		t.Fatalf("rotated key still works elsewhere: %d", code)
	}
	newReader := out["token"].(string)
	if code, _, _ := call(t, other, newReader, "GET", "/api/v1/admin/keys", ""); code != 403 {
		t.Fatalf("replacement key keeps the read scope: %d", code)
	}
	code, _, out = call(t, srv, admin, "DELETE", "/api/v1/admin/keys/"+out["key"].(map[string]any)["id"].(string), "")
	if code != 200 || out["status"] != "revoked" {
		t.Fatalf("revoke: %d %v", code, out)
	}
	if code, _, _ := call(t, srv, newReader, "GET", "/api/v1/admin/keys", ""); code != 401 {
		t.Fatalf("revoked key: %d", code)
	}
	if code, _, _ := call(t, srv, admin, "DELETE", "/api/v1/admin/keys/000000000000", ""); code != 404 {
		t.Fatalf("unknown key: %d", code)
	}

	// The audit trail holds every state-changing call and every auth
	// failure, in one chain across both processes.
	s, err := store.Open(store.Options{URL: url, Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	log := store.NewAuditLog(s)
	res, err := audit.Verify(context.Background(), log, 100)
	if err != nil || !res.OK {
		t.Fatalf("chain: %+v %v", res, err)
	}
	rows, _ := log.Range(context.Background(), 1, 100)
	count := map[string]int{}
	for _, r := range rows {
		count[r.Entry.Action+" "+strconv.Itoa(r.Entry.Status)]++
		if r.Entry.Action == "auth.failure" && r.Entry.Remote == "" {
			t.Fatalf("failure without a remote address: %+v", r.Entry)
		}
	}
	want := map[string]int{"admin.keys.create 201": 3, "admin.keys.create 400": 1, "auth.failure 403": 2, "auth.failure 401": 2,
		"admin.keys.rotate 201": 1, "admin.keys.revoke 200": 1, "admin.keys.revoke 404": 1}
	for k, n := range want {
		if count[k] != n {
			t.Fatalf("audit %q: %d entries, want %d (all: %v)", k, count[k], n, count)
		}
	}
	if int(res.Checked) != len(rows) || count["admin.keys.list 200"] != 0 {
		t.Fatalf("reads are not audited: %v", count)
	}
}

// TestTenantExportAndDeleteLeaveNothing exports one tenant's data through
// the admin route, deletes it, and then scans every key of the deployment:
// nothing but the (kept) audit trail may mention the tenant or its keys,
// and another tenant's key still works.
func TestTenantExportAndDeleteLeaveNothing(t *testing.T) {
	url := testenv.RedisURL(t)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix := "t" + hex.EncodeToString(b) + ":"
	blobDir := t.TempDir()
	srv := serve(t, url, prefix, "RIPTIDE_BLOB_DIR", blobDir)
	ctx := context.Background()
	s, err := store.Open(store.Options{URL: url, Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	results, records := blobAt(t, blobDir, "results/"), blobAt(t, blobDir, "spider/")
	owned := ownData(t, s, results, records, "acme-corp")
	others := ownData(t, s, results, records, "beta")

	create := func(tenant string) (string, string) {
		_, _, out := call(t, srv, bootstrap, "POST", "/api/v1/admin/keys",
			`{"tenant":"`+tenant+`","scopes":["admin"],"rate_limit_per_minute":100}`)
		return out["token"].(string), out["key"].(map[string]any)["id"].(string)
	}
	acme1, acmeID1 := create("acme-corp")
	_, acmeID2 := create("acme-corp")
	beta, betaID := create("beta")
	for range 3 {
		call(t, srv, acme1, "GET", "/api/v1/admin/keys", "") // usage and rate-limit counters
	}
	call(t, srv, beta, "GET", "/api/v1/admin/keys", "")
	call(t, srv, acme1, "POST", "/api/v1/admin/keys", `{"scopes":["nope"]}`) // an audited call of the tenant
	if err := store.NewLLMUsage(s).Add(ctx, "rtk_"+acmeID1, llm.Usage{Requests: 1, InputTokens: 10, OutputTokens: 2}); err != nil {
		t.Fatal(err)
	}
	// The authorizer function's memo of the key's API Gateway key (AWS).
	if err := store.NewGatewayKeyMemo(s).Put(ctx, "rtk_"+acmeID1, gatewaykeys.Entry{KeyID: "gwk-" + acmeID1, Plan: "default"}); err != nil {
		t.Fatal(err)
	}

	code, _, out := call(t, srv, bootstrap, "GET", "/api/v1/admin/tenants/acme-corp/export", "")
	data, _ := out["data"].(map[string]any)
	if code != 200 || len(out["keys"].([]any)) != 2 || data["llm_usage"].(map[string]any)["rtk_"+acmeID1] == nil || len(data["audit_entries"].([]any)) != 1 ||
		data["gateway_keys"].(map[string]any)["rtk_"+acmeID1] == nil {
		t.Fatalf("export: %d %v", code, out)
	}
	// What the tenant owns: its job and schedule, its session with its
	// cookie, its spider run, and none of the other tenant's.
	exported, _ := json.Marshal(data)
	for _, want := range []string{owned.job, owned.schedule, owned.session, owned.cookie, owned.run} {
		if !strings.Contains(string(exported), want) {
			t.Errorf("export lacks %q: %s", want, exported)
		}
	}
	for _, other := range []string{others.job, others.session, others.run} {
		if strings.Contains(string(exported), other) {
			t.Errorf("export holds the other tenant's %q", other)
		}
	}
	if strings.Contains(fmt.Sprint(out), "hash") && strings.Contains(fmt.Sprint(out), "salt") {
		t.Fatal("export shows key hashes")
	}

	code, _, out = call(t, srv, bootstrap, "DELETE", "/api/v1/admin/tenants/acme-corp", "")
	deleted, _ := out["deleted"].(map[string]any)
	count := func(source string) float64 { n, _ := deleted[source].(float64); return n }
	// jobs: 1 schedule + 1 job + 1 result page; one session; one run.
	if code != 200 || out["keys_deleted"] != float64(2) || count("llm_usage") != 1 || count("gateway_keys") != 1 ||
		count("jobs") != 3 || count("sessions") != 1 || count("spider_runs") != 1 {
		t.Fatalf("delete: %d %v", code, out)
	}
	if pages, err := results.List(ctx, owned.job+"/"); err != nil || len(pages) != 0 {
		t.Errorf("the tenant's result pages after deletion: %v %v", pages, err)
	}
	if pages, err := results.List(ctx, others.job+"/"); err != nil || len(pages) != 1 {
		t.Errorf("the other tenant's result pages: %v %v", pages, err)
	}
	if recs, err := records.List(ctx, owned.run+"/"); err != nil || len(recs) != 0 {
		t.Errorf("the tenant's spider result records after deletion: %v %v", recs, err)
	}
	if recs, err := records.List(ctx, others.run+"/"); err != nil || len(recs) != 1 {
		t.Errorf("the other tenant's spider result records: %v %v", recs, err)
	}
	if code, _, _ := call(t, srv, acme1, "GET", "/api/v1/admin/keys", ""); code != 401 {
		t.Fatalf("a deleted tenant's key still works: %d", code)
	}

	// Scan everything under the prefix: only the audit trail may mention
	// the deleted tenant or its keys.
	var all []string
	iter := s.Client.Scan(ctx, 0, prefix+"*", 500).Iterator()
	for iter.Next(ctx) {
		all = append(all, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	kept := map[string]bool{prefix + "audit:log": true, prefix + "audit:head": true}
	sawBeta := false
	for _, k := range all {
		content := k
		switch s.Client.Type(ctx, k).Val() {
		case "string":
			content += s.Client.Get(ctx, k).Val()
		case "hash":
			content += fmt.Sprint(s.Client.HGetAll(ctx, k).Val())
		case "set":
			content += fmt.Sprint(s.Client.SMembers(ctx, k).Val())
		case "list":
			content += fmt.Sprint(s.Client.LRange(ctx, k, 0, -1).Val())
		case "zset":
			content += fmt.Sprint(s.Client.ZRange(ctx, k, 0, -1).Val())
		}
		sawBeta = sawBeta || strings.Contains(content, betaID)
		if kept[k] {
			continue
		}
		for _, needle := range []string{"acme-corp", acmeID1, acmeID2, owned.job, owned.schedule, owned.session, owned.run} {
			if strings.Contains(content, needle) {
				t.Errorf("%s still holds %q after deletion: %.200s", k, needle, content)
			}
		}
	}
	if !sawBeta {
		t.Fatal("the other tenant's data went too")
	}
	if code, _, _ := call(t, srv, beta, "GET", "/api/v1/admin/keys", ""); code != 200 {
		t.Fatalf("the other tenant's key: %d", code)
	}
	if code, _, out := call(t, srv, bootstrap, "GET", "/api/v1/admin/tenants/acme-corp/export", ""); code != 200 || len(out["keys"].([]any)) != 0 {
		t.Fatalf("export after delete: %d %v", code, out)
	}
}

// tenantData names what ownData stored for a tenant.
type tenantData struct{ job, schedule, session, cookie, run string }

// ownData stores, as the owner keys.TenantOwner(tenant), what the API's
// groups would: a finished job with an idempotency key and a result page,
// a schedule, a session with a cookie, and a spider run with a page whose
// record is in the blob store (records).
func ownData(t *testing.T, s *store.Store, results, records blob.Store, tenant string) tenantData {
	t.Helper()
	ctx, now := context.Background(), time.Now()
	owner := keys.TenantOwner(tenant)
	js := jobstore.New(s)
	d := tenantData{job: jobs.NewID(), schedule: jobs.NewID(), session: "session_" + jobs.NewID(), cookie: "cookie-of-" + tenant, run: spider.NewID()}
	j := &jobs.Job{ID: d.job, Type: jobs.TypeSingleCrawl, Status: jobs.StateCompleted, Owner: owner, IdempotencyKey: "nightly",
		Input: jobs.Input{URL: "https://" + tenant + ".test/"}, CreatedAt: now}
	if _, _, err := js.Create(ctx, j, time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := jobs.NewResultWriter(results, d.job).WritePage(ctx, 0, []json.RawMessage{json.RawMessage(`{"url":"https://` + tenant + `.test/"}`)}); err != nil {
		t.Fatal(err)
	}
	sc := &jobs.Schedule{ID: d.schedule, Name: "nightly", Owner: owner, Expression: "rate(1 day)", CreatedAt: now, UpdatedAt: now,
		Template: jobs.Spec{Type: jobs.TypeSingleCrawl, Input: jobs.Input{URL: "https://" + tenant + ".test/"}}}
	if err := js.PutSchedule(ctx, sc); err != nil {
		t.Fatal(err)
	}
	if err := js.SetDue(ctx, d.schedule, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	ss := sessionstore.New(s)
	if err := ss.Create(ctx, sessions.Session{ID: d.session, Owner: owner, TTLMS: 3_600_000, CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if ok, err := ss.SaveCookies(ctx, d.session, []sessions.Cookie{{Name: "sid", Value: d.cookie, Domain: tenant + ".test", Path: "/", HostOnly: true,
		CreatedAt: now}}, nil); !ok || err != nil {
		t.Fatalf("save cookie: %v %v", ok, err)
	}
	rs := spiderruns.New(s, spiderruns.WithBlobRecords(records, 0))
	seed := "https://" + tenant + ".test/"
	pol := spider.PushPolicy{TTL: time.Hour}
	if err := rs.Create(ctx, spider.NewRun{ID: d.run, Owner: owner, Gen: 1, Seeds: []string{seed}, TTL: time.Hour, Created: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := rs.Push(ctx, d.run, pol, []spider.FoundLink{{URL: seed}}); err != nil {
		t.Fatal(err)
	}
	if _, err := rs.Takeover(ctx, d.run, "b1"); err != nil {
		t.Fatal(err)
	}
	if _, err := rs.Claim(ctx, d.run, spider.ClaimRequest{Batch: "b1", Want: 1, Now: now, PageBytes: 10}); err != nil {
		t.Fatal(err)
	}
	page := []byte(`{"url":"` + seed + `","document":"` + strings.Repeat(tenant+" ", spiderruns.MinBlobRecord/len(tenant)) + `"}`)
	if got, err := rs.Complete(ctx, d.run, "b1", pol, []spider.Outcome{{URL: seed, Kind: spider.OutcomeOK, ContentHash: "h", Result: page}}); err != nil ||
		got[0] != spider.RecordStored {
		t.Fatalf("complete: %v %v", got, err)
	}
	return d
}

// blobAt is the blob store a process with RIPTIDE_BLOB_DIR=dir uses under
// prefix.
func blobAt(t *testing.T, dir, prefix string) blob.Store {
	t.Helper()
	b, err := blob.NewDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return blob.WithPrefix(b, prefix)
}
