package render

import (
	"bytes"
	"context"
	"fmt"
	"image/jpeg"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
)

func TestLocalRenderBasicsWithChromium(t *testing.T) {
	srv, hits := site(t)
	l := newTestLocal(t, nil)
	ctx := context.Background()
	res, err := l.Render(ctx, Request{URL: srv.URL + "/"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 200 || res.Title != "Fixture home" || res.FinalURL != srv.URL+"/" {
		t.Fatalf("status %d title %q final %q", res.Status, res.Title, res.FinalURL)
	}
	if !strings.Contains(res.HTML, `<h1 id="h">Hello</h1>`) || !strings.HasPrefix(res.HTML, "<!DOCTYPE html>") {
		t.Fatalf("html: %.200s", res.HTML)
	}
	if hits.count("/img.png") != 1 || hits.count("/style.css") != 1 {
		t.Fatalf("subresources not loaded: %v", hits.hits)
	}
	if res.Network.Requests < 3 || res.Network.ByType["image"].Requests != 1 || res.Network.ByType["stylesheet"].Requests != 1 || res.Network.Bytes <= 0 {
		t.Fatalf("network summary: %+v", res.Network)
	}
	var log, errLine bool
	for _, m := range res.Console {
		log = log || (m.Type == "log" && m.Text == "hello from fixture 42")
		errLine = errLine || (m.Type == "error" && m.Text == "an error line")
	}
	if !log || !errLine {
		t.Fatalf("console: %+v", res.Console)
	}
	if res.Timings.TotalMS <= 0 || res.Timings.LaunchMS <= 0 {
		t.Fatalf("timings: %+v", res.Timings)
	}
	if !strings.Contains(res.BrowserVersion, "Chrom") {
		t.Fatalf("browser version %q", res.BrowserVersion)
	}
	// The browser is reused: a second render does not launch another.
	start := time.Now()
	if _, err := l.Render(ctx, Request{URL: srv.URL + "/status/404"}); err != nil {
		t.Fatal(err)
	}
	t.Logf("warm render: %v", time.Since(start))
	if st := l.Stats(); st.Launches != 1 || st.Renders != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func renderOK(t *testing.T, l *Local, req Request) *Result {
	t.Helper()
	res, err := l.Render(context.Background(), req)
	if err != nil {
		t.Fatalf("render %s: %v", req.URL, err)
	}
	return res
}

func wantErrType(t *testing.T, err error, want core.ErrorType) {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s, got no error", want)
	}
	if got := core.TypeOf(err); got != want {
		t.Fatalf("want %s, got %s: %v", want, got, err)
	}
}

func TestLocalGuardBlocksPrivateSubresourcesWithChromium(t *testing.T) {
	// 127.0.0.2 stands for a private address: the guard refuses it, and the
	// test asserts its server never sees a single request.
	var private hitCounter
	privSrv := listenOn(t, "127.0.0.2", private.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<title>secret</title>secret")
	})))
	srv, _ := site(t)
	l := newTestLocal(t, nil)

	html := `<!doctype html><title>ssrf</title>
<img src="` + privSrv.URL + `/img.png">
<link rel="icon" href="` + privSrv.URL + `/favicon.ico">
<iframe src="` + privSrv.URL + `/frame"></iframe>
<script>
fetch("` + privSrv.URL + `/fetch").catch(() => {});
new Worker(URL.createObjectURL(new Blob(['fetch("` + privSrv.URL + `/worker").catch(() => {})'])));
navigator.sendBeacon("` + privSrv.URL + `/beacon", "x");
</script>`
	pageURL := servePage(t, html)
	wait := []WaitCondition{{Type: WaitLoad}, {Type: WaitNetworkIdle, IdleMS: 300}}
	res := renderOK(t, l, Request{URL: pageURL, Wait: wait})
	if n := private.all.Load(); n != 0 {
		t.Fatalf("the private server got %d requests: %v", n, private.hits)
	}
	if res.Network.BlockedByGuard < 3 {
		t.Fatalf("blocked_by_guard=%d, want the img, iframe and fetch at least: %+v", res.Network.BlockedByGuard, res.Network)
	}

	// The page itself on a refused address.
	_, err := l.Render(context.Background(), Request{URL: privSrv.URL + "/"})
	wantErrType(t, err, core.ErrBlockedURL)
	// A redirect from an allowed page to a refused address.
	_, err = l.Render(context.Background(), Request{URL: srv.URL + "/redirect?to=" + url.QueryEscape(privSrv.URL+"/")})
	wantErrType(t, err, core.ErrBlockedURL)
	// Local schemes are not pages.
	_, err = l.Render(context.Background(), Request{URL: "file:///etc/passwd"})
	wantErrType(t, err, core.ErrInvalidURL)
	if n := private.all.Load(); n != 0 {
		t.Fatalf("the private server got %d requests: %v", n, private.hits)
	}
	// The browser still works after refusals.
	if res := renderOK(t, l, Request{URL: srv.URL + "/"}); res.Title != "Fixture home" {
		t.Fatalf("title %q", res.Title)
	}
	// The same page with a guard that allows everything does reach the
	// private server: the guard, nothing else, kept it out above.
	open := newTestLocal(t, func(o *LocalOptions) {
		o.Guard = GuardFunc(func(context.Context, *url.URL) error { return nil })
	})
	renderOK(t, open, Request{URL: pageURL, Wait: wait})
	for _, p := range []string{"/img.png", "/frame", "/fetch", "/worker"} {
		if private.count(p) == 0 {
			t.Errorf("without the guard %s was not requested; the test page does not exercise it", p)
		}
	}
}

func TestLocalResourceBlockingWithChromium(t *testing.T) {
	srv, hits := site(t)
	l := newTestLocal(t, nil)
	// The tracker list is extended with 127.0.0.3 for the test; a real
	// tracker host would need DNS, which tests never use.
	var tracker hitCounter
	trk := listenOn(t, "127.0.0.3", tracker.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, "window.trackerLoaded = true;")
	})))
	html := fmt.Sprintf(`<!doctype html><title>block</title>
<style>@font-face { font-family: F; src: url(/font.woff2); } body { font-family: F; }</style>
<link rel="stylesheet" href="/style.css"><img src="/img.png">
<script src="%s/t.js"></script><p>text</p>`, trk.URL)
	html = strings.ReplaceAll(html, `"/`, `"`+srv.URL+`/`)
	html = strings.ReplaceAll(html, `url(/`, `url(`+srv.URL+`/`)
	pageURL := servePage(t, html)
	res := renderOK(t, l, Request{URL: pageURL, Block: Block{Images: true, Stylesheets: true, Fonts: true, Trackers: true}})
	for _, p := range []string{"/img.png", "/style.css", "/font.woff2"} {
		if hits.count(p) != 0 {
			t.Errorf("%s was loaded although blocked", p)
		}
	}
	if tracker.count("/t.js") != 0 {
		t.Errorf("tracker loaded although blocked")
	}
	if res.Network.Blocked < 3 {
		t.Fatalf("blocked=%d: %+v", res.Network.Blocked, res.Network)
	}
	// Unblocked, the same page loads them.
	res = renderOK(t, l, Request{URL: pageURL})
	for _, p := range []string{"/img.png", "/style.css"} {
		if hits.count(p) != 1 {
			t.Errorf("%s loaded %d times without blocking", p, hits.count(p))
		}
	}
	if tracker.count("/t.js") != 1 || res.Network.Blocked != 0 || !strings.Contains(res.HTML, "text") {
		t.Errorf("tracker loaded %d times without blocking, blocked=%d: %+v", tracker.count("/t.js"), res.Network.Blocked, res.Network.FailedRequests)
	}
}

func TestLocalInlineHTMLWithChromium(t *testing.T) {
	srv, hits := site(t)
	l := newTestLocal(t, nil)
	res := renderOK(t, l, Request{URL: srv.URL + "/inline-doc", HTML: `<title>inline</title><img src="/img.png"><p id="p">from the request</p>`})
	if res.Title != "inline" || res.Status != 200 || !strings.Contains(res.HTML, "from the request") {
		t.Fatalf("inline: %d %q", res.Status, res.Title)
	}
	if hits.count("/inline-doc") != 0 || hits.count("/img.png") != 1 {
		t.Fatalf("the document must come from the request, its image from the site: %v", hits.hits)
	}
}

func TestLocalWaitConditionsWithChromium(t *testing.T) {
	srv, _ := site(t)
	l := newTestLocal(t, nil)
	// Without waiting for the network, the late fetch has not landed.
	res := renderOK(t, l, Request{URL: srv.URL + "/xhr", Wait: []WaitCondition{{Type: WaitDOMContentLoaded}}})
	if !strings.Contains(res.HTML, `<div id="out">waiting</div>`) {
		t.Fatalf("dom_content_loaded waited too long: %s", res.HTML)
	}
	res = renderOK(t, l, Request{URL: srv.URL + "/xhr", Wait: []WaitCondition{{Type: WaitLoad}, {Type: WaitNetworkIdle, IdleMS: 200}}})
	if !strings.Contains(res.HTML, `<div id="out">data</div>`) {
		t.Fatalf("network_idle did not wait for the fetch: %s", res.HTML)
	}
	res = renderOK(t, l, Request{URL: srv.URL + "/delayed-element", Wait: []WaitCondition{{Type: WaitSelector, Selector: "#late"}}})
	if !strings.Contains(res.HTML, `<div id="late">now</div>`) {
		t.Fatalf("selector wait: %s", res.HTML)
	}
	res = renderOK(t, l, Request{URL: srv.URL + "/xhr", Wait: []WaitCondition{{Type: WaitJS, Expression: `document.getElementById('out').textContent === 'data'`}}})
	if !strings.Contains(res.HTML, `<div id="out">data</div>`) {
		t.Fatalf("js wait: %s", res.HTML)
	}
	start := time.Now()
	renderOK(t, l, Request{URL: srv.URL + "/", Wait: []WaitCondition{{Type: WaitDelay, DelayMS: 400}}})
	if time.Since(start) < 400*time.Millisecond {
		t.Fatalf("delay did not wait")
	}
	// A condition that never holds fails with timeout_error, bounded by its own timeout.
	start = time.Now()
	_, err := l.Render(context.Background(), Request{URL: srv.URL + "/", Wait: []WaitCondition{{Type: WaitSelector, Selector: "#never", TimeoutMS: 300}}})
	wantErrType(t, err, core.ErrTimeout)
	// Bounded by the condition's 300ms, not the render's 30s default; the
	// gap between the two leaves a busy machine room.
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("timed-out wait took %v", d)
	}
}

func TestLocalScrollLoadsLazyContentWithChromium(t *testing.T) {
	srv, _ := site(t)
	l := newTestLocal(t, nil)
	res := renderOK(t, l, Request{URL: srv.URL + "/lazy"})
	if strings.Contains(res.HTML, "item 1") {
		t.Fatalf("lazy items without scrolling")
	}
	res = renderOK(t, l, Request{URL: srv.URL + "/lazy", Scroll: &Scroll{Steps: 40, DelayMS: 60, ToBottom: true}})
	if !strings.Contains(res.HTML, "item 5") {
		t.Fatalf("scrolling to the bottom did not load every item (steps %d)", res.ScrollSteps)
	}
	if res.ScrollSteps >= 40 {
		t.Fatalf("to_bottom did not stop at the bottom: %d steps", res.ScrollSteps)
	}
	res = renderOK(t, l, Request{URL: srv.URL + "/lazy", Scroll: &Scroll{Steps: 40, DelayMS: 60, StopCondition: `document.querySelectorAll('.item').length >= 2`}})
	if !strings.Contains(res.HTML, "item 2") || strings.Contains(res.HTML, "item 4") {
		t.Fatalf("stop condition ignored after %d steps", res.ScrollSteps)
	}
}

func TestLocalActionsWithChromium(t *testing.T) {
	srv, _ := site(t)
	l := newTestLocal(t, nil)
	res := renderOK(t, l, Request{URL: srv.URL + "/form", Actions: []Action{
		{Type: ActionTypeText, Selector: "#name", Text: "Ada"},
		{Type: ActionSelect, Selector: "#color", Values: []string{"Green"}},
		{Type: ActionHover, Selector: "#hover"},
		{Type: ActionClick, Selector: "#go"},
		{Type: ActionPress, Selector: "#enter", Key: "Enter"},
		{Type: ActionEvaluate, Script: `({out: document.getElementById('out').textContent, n: 1 + 2})`},
		{Type: ActionClick, Selector: "#missing", TimeoutMS: 200, ContinueOnError: true},
		{Type: ActionWait, Wait: []WaitCondition{{Type: WaitDelay, DelayMS: 10}}},
		{Type: ActionScroll, Scroll: &Scroll{Steps: 1, DelayMS: 10}},
		{Type: ActionSetCookies, Cookies: []Cookie{{Name: "from_action", Value: "a1"}}},
		{Type: ActionNavigate, URL: srv.URL + "/form2"},
	}})
	if len(res.Actions) != 11 {
		t.Fatalf("%d action results", len(res.Actions))
	}
	for i, a := range res.Actions {
		if wantOK := i != 6; a.OK != wantOK {
			t.Errorf("action %d (%s) ok=%v err=%q", i, a.Type, a.OK, a.Error)
		}
	}
	if got := string(res.Actions[5].Value); got != `{"n":3,"out":"Ada/g+enter"}` && got != `{"out":"Ada/g+enter","n":3}` {
		t.Fatalf("evaluate value %s", got)
	}
	if res.Actions[6].Error == "" {
		t.Fatalf("failed action has no error")
	}
	if res.Title != "second" || !strings.HasSuffix(res.FinalURL, "/form2") {
		t.Fatalf("navigate action: title %q url %q", res.Title, res.FinalURL)
	}
	if !hasCookie(res.Cookies, "from_action", "a1") {
		t.Fatalf("set_cookies: %+v", res.Cookies)
	}
	// Hover ran mouseover: check on a fresh render that stops before navigating.
	res = renderOK(t, l, Request{URL: srv.URL + "/form", Actions: []Action{{Type: ActionHover, Selector: "#hover"}}})
	if !strings.Contains(res.HTML, ">hovered</div>") {
		t.Fatalf("hover did not fire mouseover")
	}
	// Without continue_on_error a failure stops the run and fails the render.
	_, err := l.Render(context.Background(), Request{URL: srv.URL + "/form", Actions: []Action{
		{Type: ActionClick, Selector: "#missing", TimeoutMS: 200},
		{Type: ActionClick, Selector: "#go"},
	}})
	wantErrType(t, err, core.ErrRender)
}

func hasCookie(cs []Cookie, name, value string) bool {
	for _, c := range cs {
		if c.Name == name && c.Value == value {
			return true
		}
	}
	return false
}

func TestLocalCookiesInAndOutWithChromium(t *testing.T) {
	srv, _ := site(t)
	l := newTestLocal(t, nil)
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	res := renderOK(t, l, Request{URL: srv.URL + "/cookie", Cookies: []Cookie{{Name: "sent_in", Value: "v42", Expires: &exp}}})
	if !strings.Contains(res.HTML, `<p id="got">v42</p>`) {
		t.Fatalf("cookie not sent: %s", res.HTML)
	}
	for _, want := range [][2]string{{"sent_in", "v42"}, {"server_set", "s1"}, {"js_set", "j1"}} {
		if !hasCookie(res.Cookies, want[0], want[1]) {
			t.Fatalf("cookie %s missing: %+v", want[0], res.Cookies)
		}
	}
	for _, c := range res.Cookies {
		if c.Name == "server_set" && !c.HTTPOnly {
			t.Fatalf("http_only lost")
		}
		if c.Name == "sent_in" && (c.Expires == nil || !c.Expires.Equal(exp)) {
			t.Fatalf("expiry %v want %v", c.Expires, exp)
		}
	}
	// Each render has its own browser context: nothing leaks to the next.
	res = renderOK(t, l, Request{URL: srv.URL + "/cookie"})
	if !strings.Contains(res.HTML, `<p id="got">none</p>`) || hasCookie(res.Cookies, "sent_in", "v42") {
		t.Fatalf("cookies leaked between renders: %+v", res.Cookies)
	}
}

func TestLocalArtifactsWithChromium(t *testing.T) {
	srv, _ := site(t)
	l := newTestLocal(t, nil)
	res := renderOK(t, l, Request{URL: srv.URL + "/lazy", Viewport: &Viewport{Width: 400, Height: 300},
		Artifacts: Artifacts{Screenshot: &ScreenshotOptions{}, PDF: &PDFOptions{Paper: "a4"}}})
	png := res.Artifacts.Screenshot
	if res.Artifacts.ScreenshotFormat != FormatPNG || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("no png screenshot")
	}
	w, h := pngSize(t, png)
	if w != 400 || h != 300 {
		t.Fatalf("viewport screenshot %dx%d", w, h)
	}
	if !bytes.HasPrefix(res.Artifacts.PDF, []byte("%PDF-")) {
		t.Fatalf("no pdf")
	}
	res = renderOK(t, l, Request{URL: srv.URL + "/lazy", Viewport: &Viewport{Width: 400, Height: 300},
		Artifacts: Artifacts{Screenshot: &ScreenshotOptions{FullPage: true, Format: FormatJPEG, Quality: 50}}})
	jpg := res.Artifacts.Screenshot
	if res.Artifacts.ScreenshotFormat != FormatJPEG || !bytes.HasPrefix(jpg, []byte{0xff, 0xd8}) {
		t.Fatalf("no jpeg")
	}
	img, err := jpeg.DecodeConfig(bytes.NewReader(jpg))
	if err != nil {
		t.Fatal(err)
	}
	if img.Width != 400 || img.Height < 3000 {
		t.Fatalf("full page jpeg %dx%d", img.Width, img.Height)
	}
}

func pngSize(t *testing.T, b []byte) (int, int) {
	t.Helper()
	c, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return c.Width, c.Height
}

func TestLocalStatusAndErrorsWithChromium(t *testing.T) {
	srv, _ := site(t)
	l := newTestLocal(t, nil)
	res := renderOK(t, l, Request{URL: srv.URL + "/status/404"})
	if res.Status != 404 || res.Title != "gone" {
		t.Fatalf("status %d title %q", res.Status, res.Title)
	}
	// A closed port is a fetch error, not a crash.
	dead := listenOn(t, "127.0.0.1", http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	_, err := l.Render(context.Background(), Request{URL: deadURL + "/"})
	wantErrType(t, err, core.ErrFetch)
	// Invalid requests never reach the browser.
	_, err = l.Render(context.Background(), Request{URL: srv.URL, Wait: []WaitCondition{{Type: "soon"}}})
	wantErrType(t, err, core.ErrValidation)
}

func TestLocalHardDeadlineOnHungPageWithChromium(t *testing.T) {
	srv, _ := site(t)
	l := newTestLocal(t, nil)
	renderOK(t, l, Request{URL: srv.URL + "/"}) // start the browser
	start := time.Now()
	_, err := l.Render(context.Background(), Request{URL: srv.URL + "/hang", TimeoutMS: 1500})
	wantErrType(t, err, core.ErrTimeout)
	// Without the hard deadline a hung page never returns: 10s tells the
	// two apart with room for a busy machine.
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("deadline of 1.5 s took %v", d)
	}
	// The caller's context ends the render too.
	ctx, cancel := context.WithTimeout(context.Background(), 800*time.Millisecond)
	defer cancel()
	_, err = l.Render(ctx, Request{URL: srv.URL + "/hang"})
	wantErrType(t, err, core.ErrTimeout)
	// The browser (or its replacement) renders the next page.
	if res := renderOK(t, l, Request{URL: srv.URL + "/"}); res.Title != "Fixture home" {
		t.Fatalf("after hang: %q", res.Title)
	}
}

func TestLocalConcurrentRendersAreIsolatedWithChromium(t *testing.T) {
	srv, _ := site(t)
	l := newTestLocal(t, func(o *LocalOptions) { o.MaxConcurrent = 4 })
	const n = 8
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			v := fmt.Sprintf("v%d", i)
			res, err := l.Render(context.Background(), Request{URL: srv.URL + "/cookie", Cookies: []Cookie{{Name: "sent_in", Value: v}}})
			switch {
			case err != nil:
				errs <- err
			case !strings.Contains(res.HTML, `<p id="got">`+v+`</p>`):
				errs <- fmt.Errorf("render %d saw another render's cookie: %s", i, res.HTML)
			case len(res.Cookies) != 3:
				errs <- fmt.Errorf("render %d has %d cookies: %+v", i, len(res.Cookies), res.Cookies)
			default:
				errs <- nil
			}
		}()
	}
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if st := l.Stats(); st.Launches != 1 || st.Renders != n {
		t.Fatalf("stats %+v", st)
	}
}

func TestLocalCloseDuringRendersWithChromium(t *testing.T) {
	srv, _ := site(t)
	dir := t.TempDir()
	watch := newProcWatch(dir)
	l := newTestLocal(t, func(o *LocalOptions) { o.TempDir = dir })
	renderOK(t, l, Request{URL: srv.URL + "/"})
	watch.scan()
	done := make(chan error, 3)
	for i := 0; i < 3; i++ {
		go func() {
			_, err := l.Render(context.Background(), Request{URL: srv.URL + "/hang", TimeoutMS: 20000})
			done <- err
		}()
	}
	time.Sleep(500 * time.Millisecond)
	watch.scan()
	start := time.Now()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := <-done; err == nil {
			t.Error("a render survived Close")
		}
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("Close took %v", d)
	}
	if ps, _ := watch.scan(); len(ps) != 0 {
		t.Fatalf("processes left after Close: %v", ps)
	}
}
