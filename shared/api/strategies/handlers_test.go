package strategiesapi_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/internal/fixture"
	"github.com/riptidecrawler/riptide/internal/wasmbuild"
	crawlapi "github.com/riptidecrawler/riptide/shared/api/crawl"
	strategiesapi "github.com/riptidecrawler/riptide/shared/api/strategies"
	"github.com/riptidecrawler/riptide/shared/blob"
	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/pipeline"
	"github.com/riptidecrawler/riptide/shared/routes"
	"github.com/riptidecrawler/riptide/shared/strategy"
	"github.com/riptidecrawler/riptide/shared/wasm"
)

const product = `<!doctype html><html><head><title>Blue Kettle</title>
<script type="application/ld+json">{"@type":"Product","name":"Blue Kettle","offers":{"price":"39.90"}}</script></head>
<body><article><h1>Blue Kettle</h1><span class="price">$39.90</span><span class="weight">heavy</span>
<p>A kettle that boils water quickly, with a long paragraph of prose so the extractor sees an article here.</p></article></body></html>`

type env struct {
	h    http.Handler
	site *fixture.Site
}

func setup(t *testing.T, withModules bool) env {
	t.Helper()
	site := fixture.New(t, map[string]fixture.Page{"/kettle": fixture.HTML(product)})
	f, err := fetch.New(fetch.Options{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	if err != nil {
		t.Fatal(err)
	}
	var mods strategiesapi.Modules
	var runner strategy.ModuleRunner
	if withModules {
		e := wasm.New(wasm.Options{Store: blob.NewMemory(), CacheDir: t.TempDir()})
		mods, runner = e, e
	}
	reg := strategy.NewRegistry(strategy.Builtins(strategy.BuiltinOptions{Modules: runner})...)
	p := &pipeline.Pipeline{Fetcher: f, Strategies: reg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	handlers := strategiesapi.Handlers(strategiesapi.Deps{Pipeline: p, Registry: reg, Modules: mods})
	for op, h := range crawlapi.Handlers(crawlapi.Deps{Pipeline: p}) {
		handlers[op] = h
	}
	table := append(routes.Group("strategies"), routes.Group("crawl")...)
	h, err := httpx.NewHandler(httpx.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Auth: httpx.AuthConfig{Disabled: true}}, table, handlers)
	if err != nil {
		t.Fatal(err)
	}
	return env{h: h, site: site}
}

func do(e env, method, path, ct string, body []byte) (*httptest.ResponseRecorder, map[string]any) {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	e.h.ServeHTTP(rec, req)
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec, out
}

func post(e env, path, body string) (*httptest.ResponseRecorder, map[string]any) {
	return do(e, "POST", path, "application/json", []byte(body))
}

func jsonOf(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestCrawlURLWithAChainAndSchema(t *testing.T) {
	e := setup(t, false)
	rec, out := post(e, "/api/v1/strategies/crawl", `{"url":"`+e.site.URL("/kettle")+`","extraction":{"chain":[
		{"strategy":"css","params":{"fields":{"price":{"selector":".price","type":"number"},"weight":{"selector":".weight","type":"number"}}}},
		{"strategy":"jsonld","params":{"fields":{"name":"name"}}}],
		"schema":{"type":"object","required":["price","weight"],"properties":{"weight":{"type":"number"}}}},
		"chunking":{"mode":"sentence","max_tokens":32},"options":{"cache_mode":"bypass"}}`)
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	ex, _ := out["extraction"].(map[string]any)
	if jsonOf(ex["data"]) != `{"name":"Blue Kettle","price":39.9,"weight":null}` || ex["schema_valid"] != false {
		t.Fatalf("extraction: %s", jsonOf(ex))
	}
	probs := jsonOf(ex["problems"])
	if !strings.Contains(probs, `"field":"weight","kind":"parse_error"`) || !strings.Contains(probs, `"field":"/weight","kind":"schema_violation"`) {
		t.Errorf("problems: %s", probs)
	}
	if ch, _ := out["chunking"].(map[string]any); ch == nil || ch["tokenizer"] != "cl100k_base" {
		t.Errorf("chunking: %s", jsonOf(out["chunking"]))
	}
}

func TestCrawlHTMLDefaultsToArticleAndErrors(t *testing.T) {
	e := setup(t, false)
	rec, out := post(e, "/api/v1/strategies/crawl", jsonOf(map[string]any{"html": product}))
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	ex, _ := out["extraction"].(map[string]any)
	if d, _ := ex["data"].(map[string]any); d["title"] != "Blue Kettle" {
		t.Errorf("article: %s", jsonOf(ex))
	}
	cases := []struct {
		body, typ, contains string
		status              int
	}{
		{`{}`, "validation_error", "url or html", 400},
		{`{"url":"ftp://x"}`, "invalid_url", "url:", 400},
		{`{"html":"<p>x</p>","extraction":{"strategy":"css","params":{"fields":{"a":"h1["}}}}`, "validation_error", "extraction.params: fields.a.selector", 400},
		{`{"html":"<p>x</p>","extraction":{"strategy":"llm"}}`, "not_implemented", "needs an LLM provider", 501},
		{`{"html":"<p>x</p>","extraction":{"strategy":"wasm","params":{"module":"` + strings.Repeat("a", 64) + `"}}}`, "not_implemented", "WASM", 501},
		{`{"html":"<p>x</p>","chunking":{"mode":"words"}}`, "validation_error", "chunking.mode", 400},
		{`{"html":"<p>x</p>","options":{"extraction":{"strategy":"css"}}}`, "validation_error", "top level", 400},
		{`{"html":"<p>x</p>","extration":{}}`, "validation_error", "extration", 400},
	}
	for _, c := range cases {
		rec, out := post(e, "/api/v1/strategies/crawl", c.body)
		er, _ := out["error"].(map[string]any)
		if rec.Code != c.status || er["type"] != c.typ || !strings.Contains(jsonOf(er), c.contains) {
			t.Errorf("%s: %d %s", c.body, rec.Code, rec.Body)
		}
	}
}

func TestInfoListsStrategiesAndModes(t *testing.T) {
	e := setup(t, false)
	rec, out := do(e, "GET", "/api/v1/strategies/info", "", nil)
	if rec.Code != 200 {
		t.Fatal(rec.Code)
	}
	s := jsonOf(out)
	for _, want := range []string{`"name":"css"`, `"name":"llm","needs":"an LLM provider`, `"tokenizer":"cl100k_base"`, `"name":"topic"`} {
		if !strings.Contains(s, want) {
			t.Errorf("info lacks %s", want)
		}
	}
	// The legacy path answers too, with deprecation headers.
	rec, _ = do(e, "GET", "/strategies/info", "", nil)
	if rec.Code != 200 || rec.Header().Get("Deprecation") == "" {
		t.Errorf("legacy: %d %v", rec.Code, rec.Header())
	}
}

func TestModulesRegisterRunListDelete(t *testing.T) {
	e := setup(t, true)
	mod := wasmbuild.Build(t, "examples/wasm/headings")
	rec, out := do(e, "POST", "/api/v1/strategies/modules", "application/wasm", mod)
	if rec.Code != 201 || out["sha256"] != wasm.Sum(mod) {
		t.Fatalf("register raw: %d %s", rec.Code, rec.Body)
	}
	id := wasm.Sum(mod)
	rec, out = post(e, "/api/v1/strategies/modules", jsonOf(map[string]string{"wasm_base64": base64.StdEncoding.EncodeToString(mod)}))
	if rec.Code != 200 || out["created"] != false {
		t.Errorf("register again (base64): %d %s", rec.Code, rec.Body)
	}
	rec, out = post(e, "/api/v1/strategies/crawl", `{"html":`+jsonOf(product)+`,"extraction":{"chain":[{"strategy":"wasm","params":{"module":"`+id+`","options":{"levels":[1]}}},{"strategy":"article","params":{"fields":["title"]}}]}}`)
	ex, _ := out["extraction"].(map[string]any)
	if rec.Code != 200 || jsonOf(ex["data"]) != `{"description":"","headings":[{"level":1,"text":"Blue Kettle"}],"links":0,"title":"Blue Kettle"}` {
		t.Errorf("wasm strategy: %d %s", rec.Code, rec.Body)
	}
	if rec, out = do(e, "GET", "/api/v1/strategies/modules", "", nil); rec.Code != 200 || !strings.Contains(jsonOf(out), id) {
		t.Errorf("list: %d %s", rec.Code, rec.Body)
	}
	if rec, _ = do(e, "GET", "/api/v1/strategies/modules/"+id, "", nil); rec.Code != 200 {
		t.Errorf("get: %d", rec.Code)
	}
	for _, c := range []struct {
		method, path, ct string
		body             []byte
		status           int
	}{
		{"POST", "/api/v1/strategies/modules", "application/wasm", []byte("not wasm"), 400},
		{"POST", "/api/v1/strategies/modules", "application/json", []byte(`{"wasm_base64":"***"}`), 400},
		{"POST", "/api/v1/strategies/modules", "application/octet-stream", mod[:100], 415},
		{"GET", "/api/v1/strategies/modules/xyz", "", nil, 400},
		{"DELETE", "/api/v1/strategies/modules/" + id, "", nil, 204},
		{"DELETE", "/api/v1/strategies/modules/" + id, "", nil, 404},
		{"GET", "/api/v1/strategies/modules/" + id, "", nil, 404},
	} {
		if rec, _ := do(e, c.method, c.path, c.ct, c.body); rec.Code != c.status {
			t.Errorf("%s %s (%s): %d %s, want %d", c.method, c.path, c.ct, rec.Code, rec.Body, c.status)
		}
	}
	rec, out = post(e, "/api/v1/strategies/crawl", `{"html":"<p>x</p>","extraction":{"strategy":"wasm","params":{"module":"`+id+`"}}}`)
	if er, _ := out["error"].(map[string]any); rec.Code != 404 || er["type"] != "not_found" {
		t.Errorf("deleted module: %d %s", rec.Code, rec.Body)
	}
}

func TestChunkRoute(t *testing.T) {
	e := setup(t, false)
	rec, out := post(e, "/api/v1/content/chunk", `{"text":"# A\n\nOne. Two.\n\n## B\n\nThree.","mode":"markdown","max_tokens":64}`)
	if rec.Code != 200 || len(out["chunks"].([]any)) != 2 || !strings.Contains(jsonOf(out), `"heading_path":["A","B"]`) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	for body, field := range map[string]string{`{"text":""}`: "text", `{"text":"x","mode":"nope"}`: "mode", `{"text":"x","max_tokens":3}`: "max_tokens", `{"text":"x","size":3}`: "size"} {
		rec, out := post(e, "/api/v1/content/chunk", body)
		if rec.Code != 400 || !strings.Contains(jsonOf(out["error"]), field) {
			t.Errorf("%s: %d %s", body, rec.Code, rec.Body)
		}
	}
}
