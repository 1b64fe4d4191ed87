package tablesapi_test

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/fixture"
	"github.com/riptidecrawler/riptide/internal/testenv"
	tablesapi "github.com/riptidecrawler/riptide/shared/api/tables"
	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/routes"
	"github.com/riptidecrawler/riptide/shared/store"
)

func page(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "tables", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type env struct {
	site  *fixture.Site
	h     http.Handler
	store *store.Store
}

// setup serves the tables group over a real Redis (the store's TTLs are
// what is tested) and a fetcher allowed to reach the loopback site.
func setup(t *testing.T, ttl time.Duration) env {
	t.Helper()
	st, err := store.Open(store.Options{URL: testenv.RedisURL(t), Prefix: fmt.Sprintf("tt%d:", time.Now().UnixNano())})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	site := fixture.New(t, map[string]fixture.Page{
		"/spans":    fixture.HTML(page(t, "spans.html")),
		"/nested":   fixture.HTML(page(t, "nested.html")),
		"/big":      fixture.HTML(bigTable(1203)),
		"/data.csv": {Status: 200, ContentType: "text/csv", Body: "a,b\n1,2\n"},
	})
	f, err := fetch.New(fetch.Options{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	if err != nil {
		t.Fatal(err)
	}
	h, err := httpx.NewHandler(httpx.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Auth: httpx.AuthConfig{Disabled: true}},
		routes.Group("tables"), tablesapi.Handlers(tablesapi.Deps{Fetcher: f, Store: store.NewTables(st), TTL: ttl}))
	if err != nil {
		t.Fatal(err)
	}
	return env{site: site, h: h, store: st}
}

func bigTable(rows int) string {
	var b strings.Builder
	b.WriteString("<table><thead><tr><th>n</th><th>square</th><th>note</th></tr></thead><tbody>")
	for i := range rows {
		fmt.Fprintf(&b, "<tr><td>%d</td><td>%d</td><td>line, \"%d\"</td></tr>", i, i*i, i)
	}
	b.WriteString("</tbody></table>")
	return b.String()
}

func (e env) do(method, path, body string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	e.h.ServeHTTP(rec, req)
	return rec
}

func extract(t *testing.T, e env, body string) tablesapi.ExtractResponse {
	t.Helper()
	rec := e.do("POST", "/api/v1/tables/extract", body)
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	var out tablesapi.ExtractResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

type errBody struct {
	Error httpx.ErrorPayload `json:"error"`
}

func TestExtractFromURLAndExportCSV(t *testing.T) {
	e := setup(t, time.Hour)
	out := extract(t, e, `{"url":"`+e.site.URL("/spans")+`"}`)
	if out.TotalTables != 1 || out.URL != e.site.URL("/spans") || out.ExpiresAt.Before(time.Now().Add(59*time.Minute)) {
		t.Fatalf("%+v", out)
	}
	tb := out.Tables[0]
	if tb.Caption != "Ferry timetable, summer" || tb.RowCount != 4 || tb.RowsReturned != 4 || tb.NextPage != "" || tb.Export["csv"] != "/api/v1/tables/"+tb.ID+"/export?format=csv" {
		t.Fatalf("%+v", tb)
	}
	rec := e.do("GET", tb.Export["csv"], "")
	if rec.Code != 200 || rec.Header().Get("Content-Disposition") != `attachment; filename="table_`+tb.ID+`.csv"` ||
		!strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv; charset=utf-8") {
		t.Fatalf("%d %v", rec.Code, rec.Header())
	}
	back, err := csv.NewReader(rec.Body).ReadAll()
	if err != nil || !reflect.DeepEqual(back[0], tb.Headers) || !reflect.DeepEqual(back[1:], tb.Rows) {
		t.Fatalf("csv round trip %v: %q", err, back)
	}
	// The table lives in Redis with the TTL.
	if ttl := e.store.Client.PTTL(t.Context(), e.store.Key("tables", "v1", tb.ID)).Val(); ttl <= 0 || ttl > time.Hour {
		t.Fatalf("ttl %v", ttl)
	}
	md := e.do("GET", "/api/v1/tables/"+tb.ID+"/export?format=markdown", "")
	if md.Code != 200 || md.Header().Get("Content-Type") != "text/markdown; charset=utf-8" || !strings.Contains(md.Body.String(), "| Route | Weekdays / First |") {
		t.Fatalf("markdown %d %s", md.Code, md.Body)
	}
}

func TestNestedTablesReferenceEachOtherByID(t *testing.T) {
	e := setup(t, time.Hour)
	out := extract(t, e, `{"html":`+jsonString(page(t, "nested.html"))+`}`)
	if out.TotalTables != 3 || out.Skipped.SingleCell != 1 {
		t.Fatalf("%+v", out)
	}
	parent, north := out.Tables[0], out.Tables[1]
	if len(parent.NestedIDs) != 2 || parent.NestedIDs[0] != north.ID || north.ParentID != parent.ID {
		t.Fatalf("parent %+v north %+v", parent, north)
	}
	out = extract(t, e, `{"html":`+jsonString(page(t, "nested.html"))+`,"options":{"include_nested":false}}`)
	if out.TotalTables != 1 || len(out.Tables[0].NestedIDs) != 0 || len(out.Tables[0].Nested) != 0 {
		t.Fatalf("without nested: %+v", out)
	}
}

func TestLargeTablesArePaged(t *testing.T) {
	e := setup(t, time.Hour)
	out := extract(t, e, `{"url":"`+e.site.URL("/big")+`","options":{"max_rows":100}}`)
	tb := out.Tables[0]
	if tb.RowCount != 1203 || tb.RowsReturned != 100 || len(tb.Rows) != 100 || tb.NextPage == "" {
		t.Fatalf("%d %d %q", tb.RowCount, tb.RowsReturned, tb.NextPage)
	}
	// Follow next_page links: every row comes back once, typed.
	seen := 100
	next := tb.NextPage
	for next != "" {
		rec := e.do("GET", next, "")
		var p tablesapi.Page
		if err := json.Unmarshal(rec.Body.Bytes(), &p); rec.Code != 200 || err != nil {
			t.Fatalf("%d %v", rec.Code, err)
		}
		var first map[string]any
		_ = json.Unmarshal(p.Rows[0], &first)
		if first["n"] != float64(seen) || first["square"] != float64(seen*seen) || first["note"] != fmt.Sprintf(`line, "%d"`, seen) {
			t.Fatalf("row %d: %v", seen, first)
		}
		seen += len(p.Rows)
		next = p.NextPage
	}
	if seen != 1203 {
		t.Fatalf("paged through %d rows", seen)
	}
	// CSV and NDJSON export every row by default.
	rec := e.do("GET", "/api/v1/tables/"+tb.ID+"/export?format=ndjson", "")
	lines := 0
	sc := bufio.NewScanner(bytes.NewReader(rec.Body.Bytes()))
	for sc.Scan() {
		lines++
	}
	if rec.Header().Get("X-Total-Rows") != "1203" || lines != 1203 {
		t.Fatalf("ndjson %d lines", lines)
	}
}

func TestExpiredAndUnknownTablesAre404(t *testing.T) {
	e := setup(t, time.Second)
	tb := extract(t, e, `{"url":"`+e.site.URL("/spans")+`"}`).Tables[0]
	if rec := e.do("GET", tb.Export["json"], ""); rec.Code != 200 {
		t.Fatalf("fresh: %d", rec.Code)
	}
	time.Sleep(1500 * time.Millisecond)
	for _, path := range []string{tb.Export["json"], "/api/v1/tables/nope/export", "/api/v1/tables/0123456789abcdef01234567-9/export?format=csv"} {
		rec := e.do("GET", path, "")
		var body errBody
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		if rec.Code != 404 || body.Error.Type != "not_found" {
			t.Errorf("%s: %d %s", path, rec.Code, rec.Body)
		}
	}
}

func TestTablesClientMistakes(t *testing.T) {
	e := setup(t, time.Hour)
	tb := extract(t, e, `{"url":"`+e.site.URL("/spans")+`"}`).Tables[0]
	cases := []struct {
		method, path, body string
		status             int
		msg                string
	}{
		{"POST", "/api/v1/tables/extract", `{}`, 400, "give url or html"},
		{"POST", "/api/v1/tables/extract", `{"url":"http://127.0.0.1/","html":"<table>"}`, 400, "not both"},
		{"POST", "/api/v1/tables/extract", `{"html":"<p>x</p>","options":{"max_rows":0.5}}`, 400, "options.max_rows"},
		{"POST", "/api/v1/tables/extract", `{"html":"<p>x</p>","options":{"max_rows":99999}}`, 400, "options.max_rows"},
		{"POST", "/api/v1/tables/extract", `{"html_content":"<p>x</p>"}`, 400, `unknown field "html_content"`},
		{"POST", "/api/v1/tables/extract", `{"url":"` + e.site.URL("/data.csv") + `"}`, 422, "not HTML"},
		{"POST", "/api/v1/tables/extract", `{"url":"file:///etc/passwd"}`, 400, "scheme"},
		{"GET", tb.Export["csv"][:strings.Index(tb.Export["csv"], "?")] + "?format=xlsx", "", 400, "format: must be one of csv, markdown, json, ndjson"},
		{"GET", tb.Export["csv"] + "&limit=-1", "", 400, "limit"},
		{"GET", tb.Export["csv"] + "&include_headers=maybe", "", 400, "include_headers"},
	}
	for _, c := range cases {
		rec := e.do(c.method, c.path, c.body)
		var body errBody
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		if rec.Code != c.status || !strings.Contains(body.Error.Message, c.msg) {
			t.Errorf("%s %s %s: %d %s, want %d %q", c.method, c.path, c.body, rec.Code, rec.Body, c.status, c.msg)
		}
	}
	// No tables is an empty list, not an error.
	if out := extract(t, e, `{"html":"<p>no tables here</p>"}`); out.TotalTables != 0 || out.Tables == nil {
		t.Fatalf("%+v", out)
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
