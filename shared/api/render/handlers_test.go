package renderapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/riptidecrawler/riptide/internal/fixture"
	"github.com/riptidecrawler/riptide/internal/motoaws"
	"github.com/riptidecrawler/riptide/internal/testenv"
	renderapi "github.com/riptidecrawler/riptide/shared/api/render"
	"github.com/riptidecrawler/riptide/shared/awsapi"
	"github.com/riptidecrawler/riptide/shared/blob"
	"github.com/riptidecrawler/riptide/shared/blob/s3blob"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/pipeline"
	"github.com/riptidecrawler/riptide/shared/render"
	"github.com/riptidecrawler/riptide/shared/routes"
	"github.com/riptidecrawler/riptide/shared/sessions"
	"github.com/riptidecrawler/riptide/shared/store"
	"github.com/riptidecrawler/riptide/shared/store/sessionstore"
)

var (
	sharedOnce sync.Once
	sharedR    *render.Local
	sharedErr  error
)

// browser returns one Chromium for the package's tests (a browser per
// process, as in production); it is closed by TestMain.
func browser(t *testing.T, f *fetch.Fetcher) render.Renderer {
	t.Helper()
	path, err := render.FindChromium()
	if err != nil {
		testenv.Missing(t, "chromium", "apt-get install chromium-headless-shell (or chromium)")
	}
	sharedOnce.Do(func() {
		sharedR, sharedErr = render.NewLocal(render.LocalOptions{ExecPath: path, Guard: render.GuardFunc(func(ctx context.Context, u *url.URL) error {
			_, err := f.CheckURL(ctx, u.String())
			return err
		}),
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return sharedR
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedR != nil {
		sharedR.Close()
	}
	os.Exit(code)
}

const lateContent = `<!doctype html><html><head><title>Late</title></head><body><div id="root"></div>
<noscript>Please enable JavaScript to view this page.</noscript>
<script>setTimeout(function(){document.getElementById('root').innerHTML =
'<article><h1>Written by script</h1><p>This paragraph was written by JavaScript five hundred milliseconds after the page loaded, so only a browser sees it.</p><p>A second paragraph makes the article long enough to be the main content of the page for sure.</p></article>';}, 500);</script></body></html>`

const clicky = `<!doctype html><html><head><title>Click</title></head><body><main><h1>Before</h1>
<p id="out">Nothing has been revealed on this page yet, press the button to see the hidden text appear.</p>
<button id="go" onclick="document.getElementById('out').textContent='The button was clicked and this sentence replaced the old one entirely.'">Go</button>
<input id="q"></main></body></html>`

const cookieJar = `<!doctype html><html><head><title>Jar</title></head><body><article><h1>Cookies</h1>
<p id="c">waiting</p><script>
var had = document.cookie; document.cookie = "visited=yes; path=/; max-age=3600";
document.getElementById('c').textContent = 'Cookies seen by this page when it loaded: [' + had + '] and that is all there is to say.';
</script></article></body></html>`

type env struct {
	site *fixture.Site
	h    http.Handler
	deps renderapi.Deps
	// sessions is the sessions service behind the pipeline (the owner of
	// every request is "anonymous": authentication is off).
	sessions *sessions.Service
}

func setup(t *testing.T, withBlob blob.Store) env {
	t.Helper()
	site := fixture.New(t, map[string]fixture.Page{
		"/late":       fixture.HTML(lateContent),
		"/click":      fixture.HTML(clicky),
		"/jar":        fixture.HTML(cookieJar),
		"/static":     fixture.HTML(fixture.Article("Static", fixture.Prose, fixture.Prose+" Two.")),
		"/robots.txt": {Status: 200, ContentType: "text/plain", Body: "User-agent: *\nDisallow: /private\n"},
		"/private":    fixture.HTML(fixture.Article("Private", fixture.Prose)),
		"/report.pdf": {Status: 200, ContentType: "application/pdf", Body: string(readPDF(t, "multipage.pdf"))},
		"/wall":       fixture.HTML(`<html><head><title>Just a moment...</title></head><body><div id="cf-chl-widget"></div><script src="/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1"></script></body></html>`),
	})
	allow := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	f, err := fetch.New(fetch.Options{AllowCIDRs: allow})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := &sessions.Service{Store: sessionstore.New(st), Owner: func(ctx context.Context) string { return httpx.Info(ctx).Principal }}
	p := &pipeline.Pipeline{Fetcher: f, Browser: browser(t, f), Sessions: svc, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	d := renderapi.Deps{Pipeline: p, Blob: withBlob, InlineMax: 10_000}
	h, err := httpx.NewHandler(httpx.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Auth: httpx.AuthConfig{Disabled: true}},
		routes.Group("render"), renderapi.Handlers(d))
	if err != nil {
		t.Fatal(err)
	}
	return env{site: site, h: h, deps: d, sessions: svc}
}

func post(e env, body string) (*httptest.ResponseRecorder, renderapi.Response) {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/api/v1/render", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	e.h.ServeHTTP(rec, req)
	var out renderapi.Response
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec, out
}

func TestRenderReturnsContentWrittenByJavaScript(t *testing.T) {
	e := setup(t, nil)
	rec, out := post(e, `{"url":"`+e.site.URL("/late")+`"}`)
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if out.Mode != "dynamic" || out.Gate == nil || out.Gate.Decision != "headless" || !strings.Contains(out.Document.Text, "five hundred milliseconds") {
		t.Fatalf("adaptive render of a script-written page: mode %s gate %+v text %q", out.Mode, out.Gate, out.Document.Text)
	}
	// The browser rendered the page already fetched: one request for it.
	if n := e.site.Count("/late"); n != 1 {
		t.Errorf("the page was requested %d times; the fetched HTML should be rendered, not fetched again", n)
	}
	// Static mode sees only the shell.
	rec, out = post(e, `{"url":"`+e.site.URL("/late")+`","mode":"static"}`)
	if rec.Code != 200 || out.Mode != "static" || strings.Contains(out.Document.Text, "five hundred") {
		t.Fatalf("static: %d %+v", rec.Code, out.Document)
	}
}

func TestActionsAndArtifacts(t *testing.T) {
	e := setup(t, nil)
	body := `{"url":"` + e.site.URL("/click") + `","mode":"dynamic",
	"actions":[{"type":"type","selector":"#q","text":"hello"},{"type":"click","selector":"#go"},{"type":"click","selector":"#missing","continue_on_error":true,"timeout_ms":300}],
	"artifacts":{"screenshot":{"format":"png"},"pdf":{}}}`
	rec, out := post(e, body)
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if !strings.Contains(out.Document.Text, "The button was clicked") {
		t.Fatalf("click did not take effect: %q", out.Document.Text)
	}
	if len(out.Actions) != 3 || !out.Actions[0].OK || !out.Actions[1].OK || out.Actions[2].OK || out.Actions[2].Error == "" || out.Stats.ActionsExecuted != 2 {
		t.Fatalf("actions %+v", out.Actions)
	}
	a := out.Artifacts
	if a == nil || a.Screenshot == nil || !bytes.HasPrefix(a.Screenshot.DataBase64, []byte("\x89PNG")) || a.PDF == nil ||
		!bytes.HasPrefix(a.PDF.DataBase64, []byte("%PDF")) || a.Screenshot.Bytes != len(a.Screenshot.DataBase64) {
		t.Fatalf("artifacts %+v", a)
	}
	if out.Stats.Render == nil || out.Stats.Render.TotalMS <= 0 || out.Stats.Requests < 1 {
		t.Fatalf("stats %+v", out.Stats)
	}
}

func TestValidation(t *testing.T) {
	e := setup(t, nil)
	cases := map[string]int{
		`{"url":"` + e.site.URL("/click") + `","mode":"static","actions":[{"type":"click","selector":"#go"}]}`: 400,
		`{"url":"` + e.site.URL("/click") + `","mode":"pdf"}`:                                                  422,
		`{"url":"` + e.site.URL("/report.pdf") + `","mode":"pdf","wait":[{"type":"load"}]}`:                    400,
		`{"url":"` + e.site.URL("/click") + `","timeout_ms":120000}`:                                           400,
		`{"url":"` + e.site.URL("/click") + `","mode":"Dynamic"}`:                                              400,
		`{"url":"file:///etc/passwd"}`:                                                                         400,
		`{"url":"` + e.site.URL("/click") + `","session_id":"../../etc"}`:                                      400,
		`{"url":"` + e.site.URL("/click") + `","actions":[{"type":"explode"}]}`:                                400,
	}
	for body, want := range cases {
		if rec, _ := post(e, body); rec.Code != want || !strings.Contains(rec.Body.String(), `"error"`) {
			t.Errorf("%s: %d %s", body, rec.Code, rec.Body)
		}
	}
	// Browser-only options in static mode: one detail per offending field.
	rec, _ := post(e, `{"url":"`+e.site.URL("/click")+`","mode":"static","actions":[{"type":"click","selector":"#go"}],"wait":[{"type":"delay","delay_ms":10}],"stealth":{"preset":"low"}}`)
	var eb struct {
		Error struct {
			Details []core.Detail `json:"details"`
		} `json:"error"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &eb)
	var fields []string
	for _, d := range eb.Error.Details {
		fields = append(fields, d.Field)
	}
	if rec.Code != 400 || strings.Join(fields, ",") != "wait,actions,stealth" {
		t.Errorf("static mode with browser options: want details for wait, actions, stealth; got %d %s", rec.Code, rec.Body)
	}
}

func TestGuardAndChallenge(t *testing.T) {
	e := setup(t, nil)
	blocked := strings.Replace(e.site.URL("/static"), "127.0.0.1", "127.0.0.2", 1)
	if rec, _ := post(e, `{"url":"`+blocked+`","mode":"dynamic"}`); rec.Code != 400 || !strings.Contains(rec.Body.String(), "blocked_url") {
		t.Fatalf("private address: %d %s", rec.Code, rec.Body)
	}
	if rec, _ := post(e, `{"url":"`+e.site.URL("/wall")+`","mode":"dynamic"}`); rec.Code != 502 || !strings.Contains(rec.Body.String(), "blocked_by_target") {
		t.Fatalf("challenge: %d %s", rec.Code, rec.Body)
	}
}

func TestDynamicRenderObeysRobots(t *testing.T) {
	e := setup(t, nil)
	rec, _ := post(e, `{"url":"`+e.site.URL("/private")+`","mode":"dynamic"}`)
	if rec.Code != 403 || !strings.Contains(rec.Body.String(), "robots_disallowed") || e.site.Count("/private") != 0 {
		t.Fatalf("robots: %d %s (page requests %d)", rec.Code, rec.Body, e.site.Count("/private"))
	}
	if rec, out := post(e, `{"url":"`+e.site.URL("/private")+`","mode":"dynamic","respect_robots":false}`); rec.Code != 200 || out.Document.Title != "Private" {
		t.Fatalf("respect_robots false: %d %s", rec.Code, rec.Body)
	}
}

func TestSessionCookiesCarryOver(t *testing.T) {
	e := setup(t, nil)
	s1, err := e.sessions.Create(context.Background(), "anonymous", sessions.CreateSpec{})
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := e.sessions.Create(context.Background(), "anonymous", sessions.CreateSpec{})
	body := `{"url":"` + e.site.URL("/jar") + `","mode":"dynamic","session_id":"` + s1.ID + `"}`
	_, first := post(e, body)
	_, second := post(e, body)
	if first.Document == nil || !strings.Contains(first.Document.Text, "[]") {
		t.Fatalf("first render must start with no cookies: %+v", first.Document)
	}
	if second.Document == nil || !strings.Contains(second.Document.Text, "[visited=yes]") {
		t.Fatalf("second render must see the cookie set by the first: %q", second.Document.Text)
	}
	_, other := post(e, `{"url":"`+e.site.URL("/jar")+`","mode":"dynamic","session_id":"`+s2.ID+`"}`)
	if !strings.Contains(other.Document.Text, "[]") {
		t.Fatal("sessions must not share cookies")
	}
	// The browser's cookie is in the session's jar as the site set it: a
	// host-only cookie of the fixture's host.
	jar, err := e.sessions.Cookies(context.Background(), "anonymous", s1.ID)
	if err != nil || len(jar) != 1 || jar[0].Name != "visited" || !jar[0].HostOnly || jar[0].Domain != "127.0.0.1" || jar[0].Expires == nil {
		t.Fatalf("session jar after renders: %+v %v", jar, err)
	}
	// An unknown session is a 404 before anything is rendered.
	rec, _ := post(e, `{"url":"`+e.site.URL("/jar")+`","mode":"dynamic","session_id":"`+sessions.NewID()+`"}`)
	if rec.Code != 404 {
		t.Fatalf("unknown session: %d %s", rec.Code, rec.Body)
	}
}

func TestLargeArtifactsGoToS3AsLinks(t *testing.T) {
	cfg := motoaws.Config(t, "us-east-1")
	client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	bucket := "art-" + time.Now().Format("150405000000")
	if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	st, err := s3blob.New(context.Background(), cfg, bucket, "artifacts/", awsapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := setup(t, st)
	rec, out := post(e, `{"url":"`+e.site.URL("/static")+`","mode":"dynamic","artifacts":{"screenshot":{"full_page":true}}}`)
	if rec.Code != 200 || out.Artifacts == nil || out.Artifacts.Screenshot == nil {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	s := out.Artifacts.Screenshot
	if s.Bytes <= 10_000 || len(s.DataBase64) != 0 || !strings.Contains(s.URL, "X-Amz-Signature") || s.URLExpiresAt == nil {
		t.Fatalf("a screenshot over the inline limit must be a link: %+v", s)
	}
	resp, err := http.Get(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.HasPrefix(data, []byte("\x89PNG")) || len(data) != s.Bytes {
		t.Fatalf("downloaded %d bytes", len(data))
	}
}

// TestCrawlRendersSPAThroughTheGate runs the crawl pipeline with the real
// browser behind it: an SPA shell is rendered, a static page is not.
func TestCrawlRendersSPAThroughTheGate(t *testing.T) {
	e := setup(t, nil)
	opts := pipeline.Options{}.WithDefaults()
	// The same pipeline serves crawls: pages the gate sends to a browser
	// are rendered with the same renderer.
	r := e.deps.Pipeline.Crawl(context.Background(), e.site.URL("/late"), opts)
	if !r.OK() || r.GateDecision != "headless" || !strings.Contains(r.Document.Text, "five hundred milliseconds") {
		t.Fatalf("SPA through the gate: %+v %+v", r.Error, r)
	}
	r = e.deps.Pipeline.Crawl(context.Background(), e.site.URL("/static"), opts)
	if !r.OK() || r.GateDecision != "raw" || r.Timings.RenderMS != 0 {
		t.Fatalf("static page must not be rendered: %+v", r)
	}
}

// readPDF reads a PDF of the pdf engine's fixtures.
func readPDF(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "pdf", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCrawlRenderUsesTheSessionJar: a crawl the browser renders gets the
// session's cookies (one set through the API, host-only) and the cookies
// its scripts set are kept, as with a plain fetch.
func TestCrawlRenderUsesTheSessionJar(t *testing.T) {
	e := setup(t, nil)
	ctx := context.Background() // no request: the owner is ""
	s, err := e.sessions.Create(ctx, "", sessions.CreateSpec{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.sessions.SetCookie(ctx, "", s.ID, sessions.CookieSpec{Domain: "127.0.0.1", Name: "seed", Value: "1", HostOnly: true}); err != nil {
		t.Fatal(err)
	}
	opts := pipeline.Options{RenderMode: pipeline.RenderHeadless, SessionID: s.ID}.WithDefaults()
	r := e.deps.Pipeline.Crawl(ctx, e.site.URL("/jar"), opts)
	if !r.OK() || r.GateDecision != "headless" || !strings.Contains(r.Document.Text, "[seed=1]") {
		t.Fatalf("rendered crawl did not see the session's cookie: %+v %+v", r.Error, r.Document)
	}
	jar, _ := e.sessions.Cookies(ctx, "", s.ID)
	if len(jar) != 2 || jar[0].Name != "seed" || jar[1].Name != "visited" {
		t.Fatalf("session jar after the rendered crawl: %+v", jar)
	}
}
