package crawlapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/coder/websocket"

	"github.com/riptidecrawler/riptide/internal/fixture"
	crawlapi "github.com/riptidecrawler/riptide/shared/api/crawl"
	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/lambdaio"
	"github.com/riptidecrawler/riptide/shared/pipeline"
	"github.com/riptidecrawler/riptide/shared/routes"
	"github.com/riptidecrawler/riptide/shared/store"
)

const key = "test-key"

type env struct {
	site *fixture.Site
	api  *httptest.Server
	h    http.Handler
}

func setup(t *testing.T, deps func(*crawlapi.Deps)) env {
	t.Helper()
	site := fixture.New(t, nil)
	for i := 0; i < 60; i++ {
		site.Set(fmt.Sprintf("/page/%d", i), fixture.HTML(fixture.Article(fmt.Sprintf("Page %d", i), fixture.Prose)))
	}
	st, err := store.Open(store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f, err := fetch.New(fetch.Options{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	p := &pipeline.Pipeline{Fetcher: f, Cache: store.NewCache(st), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	auth := httpx.AuthConfig{Authenticator: httpx.NewStaticKeys([]string{key})}
	d := crawlapi.Deps{Pipeline: p, KeepAlive: 50 * time.Millisecond, Tokens: auth}
	if deps != nil {
		deps(&d)
	}
	h, err := httpx.NewHandler(httpx.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Auth: auth}, routes.Group("crawl"), crawlapi.Handlers(d))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return env{site: site, api: srv, h: h}
}

func (e env) post(t *testing.T, path, body string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", e.api.URL+path, strings.NewReader(body))
	req.Header.Set("X-API-Key", key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func urlsJSON(e env, paths ...string) string {
	var q []string
	for _, p := range paths {
		q = append(q, `"`+e.site.URL(p)+`"`)
	}
	return "[" + strings.Join(q, ",") + "]"
}

func TestBatchKeepsRequestOrderAndRealErrors(t *testing.T) {
	e := setup(t, nil)
	resp := e.post(t, "/api/v1/crawl", `{"urls":`+urlsJSON(e, "/page/1", "/nope", "/page/2")+`,"options":{"concurrency":3}}`)
	defer resp.Body.Close()
	var out crawlapi.BatchResponse
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %v", resp.StatusCode, err)
	}
	if len(out.Results) != 3 || out.Results[0].Document.Title != "Page 1" || out.Results[2].Document.Title != "Page 2" {
		t.Fatalf("results out of order: %+v", out.Results)
	}
	if r := out.Results[1]; r.Error == nil || r.Error.Type != "fetch_error" || r.Status != 404 || !strings.Contains(r.Error.Message, "404") {
		t.Fatalf("failed URL must keep the real cause: %+v", r.Error)
	}
	if out.Stats.Successful != 2 || out.Stats.Failed != 1 || out.Stats.ErrorsByType["fetch_error"] != 1 || out.RequestID == "" {
		t.Fatalf("stats %+v", out.Stats)
	}
	// The legacy twin answers the same way.
	resp2 := e.post(t, "/crawl", `{"urls":`+urlsJSON(e, "/page/1")+`}`)
	defer resp2.Body.Close()
	if resp2.StatusCode != 200 || resp2.Header.Get("Deprecation") == "" {
		t.Fatalf("legacy /crawl: %d", resp2.StatusCode)
	}
}

func errorBody(t *testing.T, resp *http.Response) httpx.ErrorPayload {
	t.Helper()
	defer resp.Body.Close()
	var b httpx.ErrorBody
	if err := json.NewDecoder(resp.Body).Decode(&b); err != nil {
		t.Fatal(err)
	}
	return b.Error
}

func TestBatchValidation(t *testing.T) {
	e := setup(t, nil)
	cases := map[string]string{
		`{"urls":[]}`: "validation_error",
		`{"urls":["https://ok.example/","ftp://x/","not a url"]}`:                 "invalid_url",
		`{"urls":["https://ok.example/"],"options":{"concurency":2}}`:             "validation_error",
		`{"urls":["https://ok.example/"],"options":{"cache_mode":"ReadThrough"}}`: "validation_error",
	}
	for body, typ := range cases {
		resp := e.post(t, "/api/v1/crawl", body)
		p := errorBody(t, resp)
		if resp.StatusCode != 400 || string(p.Type) != typ {
			t.Errorf("%s: %d %+v", body, resp.StatusCode, p)
		}
	}
	resp := e.post(t, "/api/v1/crawl", `{"urls":["https://ok.example/","ftp://x/","not a url"]}`)
	if p := errorBody(t, resp); len(p.Details) != 2 || p.Details[0].Field != "urls[1]" || p.Details[1].Field != "urls[2]" {
		t.Errorf("every bad URL is listed: %+v", p.Details)
	}
	many := make([]string, 101)
	for i := range many {
		many[i] = `"https://example.com/` + fmt.Sprint(i) + `"`
	}
	if p := errorBody(t, e.post(t, "/api/v1/crawl", `{"urls":[`+strings.Join(many, ",")+`]}`)); !strings.Contains(p.Message, "at most 100") {
		t.Errorf("101 URLs: %+v", p)
	}
}

func TestBatchSyncDeadline(t *testing.T) {
	e := setup(t, func(d *crawlapi.Deps) { d.SyncDeadline = 300 * time.Millisecond })
	// The slow pages take 30s: far beyond the 300ms deadline, so the bound
	// below leaves a busy machine room and still tells a deadline from none.
	e.site.Set("/slow", fixture.Page{Status: 200, ContentType: "text/html", Body: "<p>x</p>", Delay: 30 * time.Second})
	start := time.Now()
	resp := e.post(t, "/api/v1/crawl", `{"urls":`+urlsJSON(e, "/page/1", "/slow", "/slow?b", "/slow?c")+`,"options":{"concurrency":1}}`)
	defer resp.Body.Close()
	var out crawlapi.BatchResponse
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if time.Since(start) > 15*time.Second {
		t.Fatalf("the deadline did not bound the request: %v", time.Since(start))
	}
	if len(out.Results) != 4 || !out.Results[0].OK() {
		t.Fatalf("%+v", out.Results)
	}
	for _, r := range out.Results[1:] {
		if r.Error == nil || r.Error.Type != "timeout_error" || !r.Error.Retryable {
			t.Fatalf("unfinished URL: %+v", r.Error)
		}
	}
}

// readLines reads an NDJSON stream slowly, as a lagging client would.
func readLines(t *testing.T, r io.Reader, delay time.Duration) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 8<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue // keep-alive
		}
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line is not JSON: %q", sc.Text())
		}
		out = append(out, m)
		time.Sleep(delay)
	}
	return out
}

func checkStream(t *testing.T, lines []map[string]any, n int) {
	t.Helper()
	if len(lines) == 0 || lines[0]["type"] != "metadata" || lines[len(lines)-1]["type"] != "summary" {
		t.Fatalf("stream must start with metadata and end with summary: %v", lines)
	}
	seen := map[float64]bool{}
	for _, l := range lines {
		switch l["type"] {
		case "result":
			i := l["index"].(float64)
			if seen[i] {
				t.Fatalf("index %v twice", i)
			}
			seen[i] = true
		case "metadata", "summary", "progress":
		default:
			t.Fatalf("unexpected line type %v", l["type"])
		}
	}
	if len(seen) != n {
		t.Fatalf("%d results for %d URLs", len(seen), n)
	}
	stats := lines[len(lines)-1]["stats"].(map[string]any)
	if stats["total_urls"].(float64) != float64(n) {
		t.Fatalf("summary %v", stats)
	}
}

func TestNDJSONStreamLosesNothingUnderASlowReader(t *testing.T) {
	e := setup(t, nil)
	var paths []string
	for i := 0; i < 60; i++ {
		paths = append(paths, fmt.Sprintf("/page/%d", i))
	}
	resp := e.post(t, "/api/v1/crawl/stream", `{"urls":`+urlsJSON(e, paths...)+`,"options":{"concurrency":6,"formats":["text","raw_html"]}}`)
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	lines := readLines(t, resp.Body, 5*time.Millisecond)
	checkStream(t, lines, 60)
	if e.site.Peak() > 6 {
		t.Fatalf("concurrency 6 not honoured: peak %d", e.site.Peak())
	}
}

func TestStreamValidationIs4xxBeforeTheStream(t *testing.T) {
	e := setup(t, nil)
	for _, path := range []string{"/api/v1/crawl/stream", "/api/v1/crawl/sse"} {
		resp := e.post(t, path, `{"urls":["javascript:alert(1)"]}`)
		if p := errorBody(t, resp); resp.StatusCode != 400 || p.Type != "invalid_url" {
			t.Errorf("%s: %d %+v", path, resp.StatusCode, p)
		}
	}
}

func TestClientDisconnectCancelsWork(t *testing.T) {
	e := setup(t, nil)
	var paths []string
	// Each page takes 30s (unless its request is cancelled), so nothing
	// finishes on its own during the test and no timing assumption is made
	// about how fast the disconnect propagates.
	for i := 0; i < 40; i++ {
		p := fmt.Sprintf("/slow/%d", i)
		e.site.Set(p, fixture.Page{Status: 200, ContentType: "text/html", Body: "<p>x</p>", Delay: 30 * time.Second})
		paths = append(paths, p)
	}
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", e.api.URL+"/api/v1/crawl/stream", strings.NewReader(`{"urls":`+urlsJSON(e, paths...)+`,"options":{"concurrency":2}}`))
	req.Header.Set("X-API-Key", key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(resp.Body)
	if _, err := br.ReadString('\n'); err != nil { // metadata
		t.Fatal(err)
	}
	// Leave once both workers are fetching. Leaving earlier races the
	// workers' start against the server noticing the disconnect, and a
	// fetch that began in that window is not work done after it.
	for deadline := time.Now().Add(15 * time.Second); e.site.InFlight() < 2; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of 2 fetches started within 15s", e.site.InFlight())
		}
	}
	cancel()
	resp.Body.Close()
	// The disconnect cancels the fetches in flight: the fixture sees their
	// requests end long before the pages' 30s delay.
	for deadline := time.Now().Add(15 * time.Second); e.site.InFlight() > 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d fetches still in flight 15s after the client left", e.site.InFlight())
		}
	}
	// And no new fetch starts: at concurrency 2 only the first two pages
	// were ever requested (a third would only start once one finished).
	n := e.site.PageRequests()
	time.Sleep(300 * time.Millisecond)
	if after := e.site.PageRequests(); after != n || n != 2 {
		t.Fatalf("work continued after disconnect: %d then %d page requests of 40 (concurrency 2)", n, after)
	}
}

func TestSSE(t *testing.T) {
	e := setup(t, nil)
	resp := e.post(t, "/api/v1/crawl/sse", `{"urls":`+urlsJSON(e, "/page/1", "/page/2", "/nope")+`}`)
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("content type %s", resp.Header.Get("Content-Type"))
	}
	body, _ := io.ReadAll(resp.Body)
	s := string(body)
	if !strings.HasPrefix(s, "retry: 5000\n\n") || !strings.Contains(s, "event: metadata\nid: 0\ndata: {") ||
		strings.Count(s, "event: result\n") != 3 || !strings.Contains(s, "event: summary\n") {
		t.Fatalf("SSE body:\n%s", s)
	}
	ids := map[string]bool{}
	for _, line := range strings.Split(s, "\n") {
		if id, ok := strings.CutPrefix(line, "id: "); ok {
			if ids[id] {
				t.Fatalf("duplicate event id %s", id)
			}
			ids[id] = true
		}
	}
}

func TestStreamThroughLambdaResponseStreaming(t *testing.T) {
	e := setup(t, nil)
	h := &lambdaio.Handler{HTTP: e.h, Streams: lambdaio.StreamMatcher(routes.Group("crawl"))}
	ev := events.APIGatewayProxyRequest{HTTPMethod: "POST", Path: "/api/v1/crawl/stream",
		Headers: map[string]string{"X-API-Key": key, "Content-Type": "application/json"},
		Body:    `{"urls":` + urlsJSON(e, "/page/1", "/page/2", "/page/3") + `}`}
	payload, _ := json.Marshal(ev)
	out, err := h.Invoke(context.Background(), payload)
	if err != nil {
		t.Fatal(err)
	}
	resp, ok := out.(*events.LambdaFunctionURLStreamingResponse)
	if !ok {
		t.Fatalf("want a streaming response, got %T", out)
	}
	raw, _ := io.ReadAll(resp)
	i := strings.Index(string(raw), strings.Repeat("\x00", 8))
	if i < 0 || !strings.Contains(string(raw[:i]), `"application/x-ndjson"`) {
		t.Fatalf("prelude: %q", raw)
	}
	checkStream(t, readLines(t, strings.NewReader(string(raw[i+8:])), 0), 3)
}

func wsDial(t *testing.T, e env, q string, hdr http.Header, subprotocols ...string) (*websocket.Conn, *http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return websocket.Dial(ctx, strings.Replace(e.api.URL, "http", "ws", 1)+"/api/v1/crawl/ws"+q,
		&websocket.DialOptions{HTTPHeader: hdr, Subprotocols: subprotocols})
}

type wsMsg struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

func wsRead(t *testing.T, c *websocket.Conn) wsMsg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var m wsMsg
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("message %q: %v", b, err)
	}
	return m
}

func wsWrite(t *testing.T, c *websocket.Conn, s string) {
	t.Helper()
	if err := c.Write(context.Background(), websocket.MessageText, []byte(s)); err != nil {
		t.Fatal(err)
	}
}

func TestWebSocketProtocol(t *testing.T) {
	e := setup(t, nil)
	c, _, err := wsDial(t, e, "", http.Header{"X-API-Key": {key}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if m := wsRead(t, c); m.Type != "welcome" {
		t.Fatalf("first message %s", m.Type)
	}
	for _, bad := range []string{`not json`, `{"type":"dance"}`, `{"type":"crawl","data":{"urls":["ftp://x"]}}`, `{"type":"crawl"}`} {
		wsWrite(t, c, bad)
		if m := wsRead(t, c); m.Type != "error" || !strings.Contains(string(m.Data), `"type":"error"`) {
			t.Fatalf("%s: reply %s %s", bad, m.Type, m.Data)
		}
	}
	wsWrite(t, c, `{"type":"ping"}`)
	if m := wsRead(t, c); m.Type != "pong" {
		t.Fatalf("ping: %s", m.Type)
	}
	wsWrite(t, c, `{"type":"crawl","data":{"urls":`+urlsJSON(e, "/page/1", "/page/2")+`}}`)
	var types []string
	for {
		m := wsRead(t, c)
		types = append(types, m.Type)
		if m.Type == "summary" {
			break
		}
	}
	if types[0] != "metadata" || strings.Count(strings.Join(types, ","), "result") != 2 {
		t.Fatalf("crawl messages %v", types)
	}
}

func TestWebSocketCancelAndBusy(t *testing.T) {
	e := setup(t, nil)
	var paths []string
	for i := 0; i < 10; i++ {
		p := fmt.Sprintf("/s/%d", i)
		e.site.Set(p, fixture.Page{Status: 200, ContentType: "text/html", Body: "<p>x</p>", Delay: 200 * time.Millisecond})
		paths = append(paths, p)
	}
	c, _, err := wsDial(t, e, "", http.Header{"X-API-Key": {key}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	wsRead(t, c) // welcome
	wsWrite(t, c, `{"type":"crawl","data":{"urls":`+urlsJSON(e, paths...)+`,"options":{"concurrency":1}}}`)
	if m := wsRead(t, c); m.Type != "metadata" {
		t.Fatal(m.Type)
	}
	wsWrite(t, c, `{"type":"crawl","data":{"urls":`+urlsJSON(e, "/page/1")+`}}`)
	if m := wsRead(t, c); m.Type != "error" || !strings.Contains(string(m.Data), "already running") {
		t.Fatalf("second crawl: %s %s", m.Type, m.Data)
	}
	wsWrite(t, c, `{"type":"ping"}`) // answered while the crawl runs
	for m := wsRead(t, c); m.Type != "pong"; m = wsRead(t, c) {
	}
	wsWrite(t, c, `{"type":"cancel"}`)
	for m := wsRead(t, c); m.Type != "cancelled"; m = wsRead(t, c) {
		if m.Type == "summary" {
			t.Fatal("the crawl finished instead of being cancelled")
		}
	}
	if n := e.site.PageRequests(); n >= 10 {
		t.Fatalf("cancel did not stop the crawl: %d pages fetched", n)
	}
}

func TestWebSocketTokens(t *testing.T) {
	e := setup(t, nil)
	if _, resp, err := wsDial(t, e, "", nil); err == nil || resp == nil || resp.StatusCode != 401 {
		t.Fatalf("no credentials must be 401: %v %v", err, resp)
	}
	resp := e.post(t, "/api/v1/crawl/ws/token", `{"ttl_ms":30000}`)
	var tok crawlapi.TokenResponse
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if resp.StatusCode != 200 || tok.Token == "" || tok.TTLMS != 30000 {
		t.Fatalf("token: %d %+v", resp.StatusCode, tok)
	}
	c, _, err := wsDial(t, e, "?token="+tok.Token, nil)
	if err != nil {
		t.Fatalf("query token: %v", err)
	}
	wsRead(t, c)
	c.CloseNow()
	c, _, err = wsDial(t, e, "", nil, crawlapi.Subprotocol, httpx.TokenProtocolPrefix+tok.Token)
	if err != nil {
		t.Fatalf("subprotocol token: %v", err)
	}
	if c.Subprotocol() != crawlapi.Subprotocol {
		t.Fatalf("server selected %q", c.Subprotocol())
	}
	c.CloseNow()
	forged := tok.Token[:len(tok.Token)-2] + "xx"
	if _, resp, err := wsDial(t, e, "?token="+forged, nil); err == nil || resp.StatusCode != 401 {
		t.Fatal("a forged token must be refused")
	}
	expired, _ := httpx.IssueToken(key, time.Second, time.Now().Add(-time.Minute))
	if _, resp, err := wsDial(t, e, "?token="+expired, nil); err == nil || resp.StatusCode != 401 {
		t.Fatal("an expired token must be refused")
	}
	other, _ := httpx.IssueToken("not-a-configured-key", time.Minute, time.Now())
	if _, resp, err := wsDial(t, e, "?token="+other, nil); err == nil || resp.StatusCode != 401 {
		t.Fatal("a token of an unknown key must be refused")
	}
	// Tokens are only for the WebSocket: other routes still need the key.
	req, _ := http.NewRequest("POST", e.api.URL+"/api/v1/crawl?token="+tok.Token, strings.NewReader(`{"urls":["https://example.com/"]}`))
	req.Header.Set("Content-Type", "application/json")
	r2, _ := http.DefaultClient.Do(req)
	if r2.StatusCode != 401 {
		t.Fatalf("token accepted on a non-WebSocket route: %d", r2.StatusCode)
	}
	r2.Body.Close()
}

func TestExtract(t *testing.T) {
	e := setup(t, nil)
	html := fixture.Article("Given HTML", fixture.Prose, fixture.Prose+" Two.", fixture.Prose+" Three.") + `<a href="/rel">x</a>`
	body, _ := json.Marshal(map[string]any{"html": html, "url": "https://news.example/a/b", "options": map[string]any{"formats": []string{"markdown", "links", "metadata"}}})
	resp := e.post(t, "/api/v1/extract", string(body))
	var r pipeline.Result
	_ = json.NewDecoder(resp.Body).Decode(&r)
	resp.Body.Close()
	if resp.StatusCode != 200 || r.Document.Title != "Given HTML" || !strings.Contains(r.Document.Markdown, "# Given HTML") || e.site.PageRequests() != 0 {
		t.Fatalf("%d %+v", resp.StatusCode, r)
	}
	found := false
	for _, l := range r.Document.Links {
		found = found || l.URL == "https://news.example/rel"
	}
	if !found {
		t.Errorf("links must resolve against url: %+v", r.Document.Links)
	}
	resp = e.post(t, "/api/v1/extract", `{"url":"`+e.site.URL("/page/3")+`"}`)
	_ = json.NewDecoder(resp.Body).Decode(&r)
	resp.Body.Close()
	if resp.StatusCode != 200 || r.Document.Title != "Page 3" {
		t.Fatalf("url: %d %+v", resp.StatusCode, r)
	}
	if p := errorBody(t, e.post(t, "/api/v1/extract", `{"html":"<p>x</p>","options":{"cache_mode":"bypass"}}`)); p.Type != "validation_error" || !strings.Contains(p.Message, "options.cache_mode") {
		t.Errorf("options without effect must be refused: %+v", p)
	}
	if p := errorBody(t, e.post(t, "/api/v1/extract", `{}`)); p.Type != "validation_error" {
		t.Errorf("empty: %+v", p)
	}
	resp = e.post(t, "/api/v1/extract", `{"url":"`+e.site.URL("/missing")+`"}`)
	if p := errorBody(t, resp); resp.StatusCode != 502 || p.Type != "fetch_error" || p.Retryable {
		t.Errorf("a 404 target: %d %+v", resp.StatusCode, p)
	}
}
