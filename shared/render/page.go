package render

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/stealth"
)

// Render loads req.URL in a fresh browser context and returns what it
// found. The whole render, browser start included, ends by the request's
// deadline; the browser context is disposed on every path.
func (l *Local) Render(ctx context.Context, req Request) (*Result, error) {
	start := time.Now()
	if err := req.Validate(); err != nil {
		return nil, err
	}
	timeout := DefaultTimeout
	if req.TimeoutMS > 0 {
		timeout = ms(req.TimeoutMS)
	}
	if timeout > l.opts.MaxTimeout {
		return nil, invalid("timeout_ms", "at most %d here", l.opts.MaxTimeout.Milliseconds())
	}
	deadline := start.Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	dctx, dcancel := context.WithDeadline(ctx, deadline)
	defer dcancel()

	pageURL, _ := url.Parse(req.URL)
	if req.HTML == "" {
		if err := l.opts.Guard.CheckURL(dctx, pageURL); err != nil {
			var ce *core.Error
			if errors.As(err, &ce) {
				return nil, err
			}
			return nil, core.Wrap(core.ErrBlockedURL, err, "the address guard refused the URL")
		}
	}

	select {
	case l.sem <- struct{}{}:
		defer func() { <-l.sem }()
	case <-dctx.Done():
		return nil, timeoutError(ctx, "waiting for a free render slot")
	}

	b, launched, err := l.acquire(dctx)
	if err != nil {
		return nil, err
	}
	r := &pageRun{l: l, b: b, req: req, pageURL: pageURL, state: newPageState(), deadline: deadline}
	res, err := r.run(ctx, dctx, launched)
	if b.dead() && (err == nil || core.TypeOf(err) == core.ErrInternal) {
		err = core.Wrap(core.ErrRender, errBrowserGone, "the browser crashed during the render")
	}
	// Closing the tab and disposing its browser context takes tens of
	// milliseconds the caller need not wait for; Close waits for it (the
	// count was taken in acquire).
	go func() {
		defer l.closing.Done()
		l.release(b, r.closeTab() || b.dead())
	}()
	if err != nil {
		return nil, err
	}
	res.Timings.TotalMS = time.Since(start).Milliseconds()
	return res, nil
}

// pageRun is one render on one tab.
type pageRun struct {
	l        *Local
	b        *browserProc
	req      Request
	pageURL  *url.URL
	state    *pageState
	deadline time.Time

	tab     *tab
	stealth stealth.Plan
}

func timeoutError(parent context.Context, what string) error {
	if parent.Err() != nil && !errors.Is(parent.Err(), context.DeadlineExceeded) {
		return core.Wrap(core.ErrTimeout, parent.Err(), "render canceled "+what)
	}
	return core.Errorf(core.ErrTimeout, "render deadline passed %s", what)
}

// phaseError turns a failure inside a phase into a typed error, keeping
// deadline and crash causes apart from page errors.
func (r *pageRun) phaseError(parent, ctx context.Context, what string, err error) error {
	if r.b.dead() {
		// Whatever the phase saw (a canceled wait, a closed pipe), the
		// cause is the browser going away.
		return core.Wrap(core.ErrRender, err, "the browser crashed while "+what)
	}
	var ce *core.Error
	if errors.As(err, &ce) {
		return err
	}
	if ctx.Err() != nil {
		return timeoutError(parent, "while "+what)
	}
	return core.Wrap(core.ErrRender, err, what+" failed")
}

func (r *pageRun) run(parent, dctx context.Context, launched time.Duration) (*Result, error) {
	res := &Result{URL: r.req.URL, BrowserVersion: r.b.version, StealthApplied: []stealth.Feature{}}
	t0 := time.Now()

	tb, err := r.b.takeTab(dctx)
	if err != nil {
		return nil, r.phaseError(parent, dctx, "opening a tab", err)
	}
	r.tab = tb
	// The tab lives under the browser's context; its work is bound to the
	// request deadline and the caller's context.
	ctx, cancel := context.WithDeadline(tb.ctx, r.deadline)
	defer cancel()
	stop := context.AfterFunc(dctx, cancel)
	defer stop()
	if err := chromedp.Listen(ctx, r.state.handle); err != nil {
		return nil, r.phaseError(parent, ctx, "listening to the tab", err)
	}
	r.state.setMainFrame(tb.frame)
	if err := r.setup(ctx); err != nil {
		return nil, r.phaseError(parent, ctx, "setting up the page", err)
	}
	res.StealthApplied = append(res.StealthApplied, r.stealth.Features...)

	res.Timings.LaunchMS = (launched + time.Since(t0)).Milliseconds()

	// Navigate.
	t := time.Now()
	if err := r.navigate(ctx, r.req.URL); err != nil {
		return nil, r.phaseError(parent, ctx, "loading the page", err)
	}
	res.Timings.NavigateMS = time.Since(t).Milliseconds()

	t = time.Now()
	waits := r.req.Wait
	if len(waits) == 0 {
		waits = []WaitCondition{{Type: WaitLoad}}
	}
	if err := r.waitAll(ctx, waits); err != nil {
		return nil, r.phaseError(parent, ctx, "waiting", err)
	}
	res.Timings.WaitMS = time.Since(t).Milliseconds()

	if r.req.Scroll != nil {
		t = time.Now()
		n, err := r.scroll(ctx, *r.req.Scroll)
		res.ScrollSteps = n
		if err != nil {
			return nil, r.phaseError(parent, ctx, "scrolling", err)
		}
		res.Timings.ScrollMS = time.Since(t).Milliseconds()
	}

	if len(r.req.Actions) > 0 {
		t = time.Now()
		acts, err := r.runActions(ctx, r.req.Actions)
		res.Actions = acts
		if err != nil {
			return nil, r.phaseError(parent, ctx, "running actions", err)
		}
		res.Timings.ActionsMS = time.Since(t).Milliseconds()
	}

	t = time.Now()
	if err := r.collect(ctx, res); err != nil {
		return nil, r.phaseError(parent, ctx, "collecting the page", err)
	}
	res.Timings.ArtifactsMS = time.Since(t).Milliseconds()
	return res, nil
}

// closeTab closes the tab and disposes its browser context. It reports
// whether the browser failed to do so in time (the browser is then
// replaced rather than trusted with the next render).
func (r *pageRun) closeTab() (unhealthy bool) {
	if r.tab == nil {
		return false
	}
	if r.tab.browserOwned {
		return false // single-process mode: the browser itself goes away after this render
	}
	cctx, cancel := context.WithTimeout(r.tab.ctx, 6*time.Second)
	defer cancel()
	err := chromedp.Cancel(cctx)
	r.tab.cancel()
	if err != nil && !r.b.dead() {
		r.l.log.Warn("render: closing the tab failed; the browser will be replaced", "err", err)
		return true
	}
	return false
}

// setup applies stealth, viewport, headers, blocking and cookies before the
// first request of the page.
func (r *pageRun) setup(ctx context.Context) error {
	var opts stealth.Options
	if r.req.Stealth != nil {
		opts = *r.req.Stealth
	} else {
		opts.Preset = stealth.PresetNone
	}
	plan, err := opts.Plan(r.b.version)
	if err != nil {
		return core.Wrap(core.ErrValidation, err, err.Error())
	}
	r.stealth = plan
	if ua := plan.UserAgent; ua != nil {
		p := *ua
		if p.UserAgent == "" {
			p.UserAgent = r.b.ua
		}
		if _, err := chromedp.Call(ctx, emulation.SetUserAgentOverride, p); err != nil {
			return fmt.Errorf("user agent override: %w", err)
		}
	}
	if plan.Timezone != "" {
		if _, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: plan.Timezone}); err != nil {
			return fmt.Errorf("timezone override: %w", err)
		}
	}
	if plan.Locale != "" {
		if _, err := chromedp.Call(ctx, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{Locale: plan.Locale}); err != nil {
			return fmt.Errorf("locale override: %w", err)
		}
	}
	if plan.HardwareConcurrency > 0 {
		if _, err := chromedp.Call(ctx, emulation.SetHardwareConcurrencyOverride, emulation.SetHardwareConcurrencyOverrideParams{HardwareConcurrency: plan.HardwareConcurrency}); err != nil {
			return fmt.Errorf("hardware concurrency override: %w", err)
		}
	}
	if plan.Script != "" {
		if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: plan.Script}); err != nil {
			return fmt.Errorf("stealth script: %w", err)
		}
	}

	// The request's viewport wins; the stealth profile supplies the screen
	// around it so the two stay coherent.
	vp := emulation.SetDeviceMetricsOverrideParams{Width: DefaultViewportW, Height: DefaultViewportH, DeviceScaleFactor: 1, ScreenWidth: 1920, ScreenHeight: 1080}
	if sv := plan.Viewport; sv.Width > 0 {
		vp.Width, vp.Height, vp.ScreenWidth, vp.ScreenHeight = sv.Width, sv.Height, sv.ScreenWidth, sv.ScreenHeight
	}
	if v := r.req.Viewport; v != nil {
		vp.Width, vp.Height, vp.Mobile = int64(v.Width), int64(v.Height), v.Mobile
		if v.DeviceScaleFactor > 0 {
			vp.DeviceScaleFactor = v.DeviceScaleFactor
		}
	}
	if vp.ScreenWidth < vp.Width || vp.ScreenHeight < vp.Height {
		vp.ScreenWidth, vp.ScreenHeight = max(vp.ScreenWidth, vp.Width), max(vp.ScreenHeight, vp.Height)
	}
	if _, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, vp); err != nil {
		return fmt.Errorf("viewport: %w", err)
	}

	if len(r.req.Headers) > 0 {
		h := network.Headers{}
		for k, v := range r.req.Headers {
			h[k] = v
		}
		if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: h}); err != nil {
			return fmt.Errorf("extra headers: %w", err)
		}
	}
	if err := r.setCookies(ctx, r.req.Cookies); err != nil {
		return err
	}
	return r.interceptPage(ctx)
}

func (r *pageRun) setCookies(ctx context.Context, cookies []Cookie) error {
	if len(cookies) == 0 {
		return nil
	}
	params := make([]*network.CookieParam, 0, len(cookies))
	for _, c := range cookies {
		p := &network.CookieParam{Name: c.Name, Value: c.Value, Domain: c.Domain, Path: c.Path, Secure: c.Secure, HTTPOnly: c.HTTPOnly}
		switch {
		case p.Domain == "":
			p.URL = r.pageURL.Scheme + "://" + r.pageURL.Host + "/"
		case c.HostOnly:
			// A cookie tied to its host is set through a URL of that
			// host: a Domain would make it a domain cookie.
			scheme := r.pageURL.Scheme
			if c.Secure {
				scheme = "https"
			}
			p.URL, p.Domain = scheme+"://"+strings.TrimPrefix(c.Domain, ".")+"/", ""
		}
		if p.Path == "" {
			p.Path = "/"
		}
		switch strings.ToLower(c.SameSite) {
		case "strict":
			p.SameSite = network.CookieSameSiteStrict
		case "lax":
			p.SameSite = network.CookieSameSiteLax
		case "none":
			p.SameSite = network.CookieSameSiteNone
		}
		if c.Expires != nil {
			p.Expires = cdp.TimeSinceEpoch(float64(c.Expires.UnixMilli()) / 1000)
		}
		params = append(params, p)
	}
	if _, err := chromedp.Call(ctx, network.SetCookies, network.SetCookiesParams{Cookies: params}); err != nil {
		return core.Wrap(core.ErrValidation, err, "cookies: the browser refused them: "+err.Error())
	}
	return nil
}

// interceptPage turns on tab-level interception when the request blocks
// resources or brings its own HTML. The browser-wide guard interception
// runs after this one, so a request this handler continues is still checked.
func (r *pageRun) interceptPage(ctx context.Context) error {
	bl := r.req.Block
	if r.req.HTML == "" && !bl.Images && !bl.Fonts && !bl.Media && !bl.Stylesheets && !bl.Trackers && len(bl.URLPatterns) == 0 {
		return nil
	}
	paused := chromedp.Events(ctx, fetch.RequestPaused)
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{
		Patterns: []*fetch.RequestPattern{{URLPattern: "*", RequestStage: fetch.RequestStageRequest}},
	}); err != nil {
		return fmt.Errorf("enable interception: %w", err)
	}
	inlineServed := false
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			if r.req.HTML != "" && !inlineServed && ev.ResourceType == network.ResourceTypeDocument && sameDocURL(ev.Request.URL, r.req.URL) {
				inlineServed = true
				_, _ = chromedp.Call(ctx, fetch.FulfillRequest, fetch.FulfillRequestParams{
					RequestID:       ev.RequestID,
					ResponseCode:    200,
					ResponseHeaders: []*fetch.HeaderEntry{{Name: "Content-Type", Value: "text/html; charset=utf-8"}},
					Body:            []byte(r.req.HTML),
				})
				continue
			}
			if r.blocked(ev) {
				_, _ = chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
				continue
			}
			_, _ = chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
		}
	}()
	return nil
}

func sameDocURL(a, b string) bool {
	strip := func(s string) string { s, _, _ = strings.Cut(s, "#"); return s }
	return strip(a) == strip(b)
}

func (r *pageRun) blocked(ev fetch.EventRequestPaused) bool {
	bl := r.req.Block
	switch ev.ResourceType {
	case network.ResourceTypeImage:
		if bl.Images {
			return true
		}
	case network.ResourceTypeFont:
		if bl.Fonts {
			return true
		}
	case network.ResourceTypeMedia:
		if bl.Media {
			return true
		}
	case network.ResourceTypeStylesheet:
		if bl.Stylesheets {
			return true
		}
	}
	if bl.Trackers {
		if u, err := url.Parse(ev.Request.URL); err == nil && r.l.trackers.match(u.Hostname(), u.Path) {
			return true
		}
	}
	for _, p := range bl.URLPatterns {
		if globMatch(p, ev.Request.URL) {
			return true
		}
	}
	return false
}

// navigate loads u in the main frame and returns once the navigation has
// committed (or failed); waiting for load is a wait condition.
func (r *pageRun) navigate(ctx context.Context, u string) error {
	refused := r.tab.refused()
	res, err := chromedp.Call(ctx, page.Navigate, page.NavigateParams{URL: u})
	if err != nil {
		return err
	}
	if res.ErrorText != "" {
		if r.tab.refused() > refused {
			// The egress proxy refused the document's connection: its
			// host resolved to a blocked address when it was dialled.
			return core.Errorf(core.ErrBlockedURL, "the address guard refused the connection to %s or a redirect of it (%s)", redact(u), res.ErrorText)
		}
		return navigationError(u, res.ErrorText)
	}
	// Page.navigate answers once the response has started; the document
	// request's lifecycle "init" follows. Wait for it so that a later
	// load wait sees this document, not the previous one.
	return r.state.waitFor(ctx, func(s *pageState) bool { return s.loaderID == res.LoaderID || res.LoaderID == "" })
}

// navigationError maps Chromium's net error of a failed main document.
func navigationError(u, text string) error {
	switch text {
	case "net::ERR_ACCESS_DENIED":
		return core.Errorf(core.ErrBlockedURL, "the address guard refused %s or a redirect of it", redact(u))
	case "net::ERR_BLOCKED_BY_CLIENT":
		return core.Errorf(core.ErrBlockedURL, "%s is blocked by the request's block options", redact(u))
	case "net::ERR_UNSAFE_REDIRECT", "net::ERR_INVALID_REDIRECT", "net::ERR_UNKNOWN_URL_SCHEME", "net::ERR_DISALLOWED_URL_SCHEME":
		// A redirect to file:, gopher:, data: and the like: the target
		// is not a URL RipTide loads, and asking again will not help.
		return core.Errorf(core.ErrInvalidURL, "%s redirects to a URL RipTide does not load (only http and https): %s", redact(u), text)
	case "net::ERR_NAME_NOT_RESOLVED", "net::ERR_CONNECTION_REFUSED", "net::ERR_CONNECTION_RESET",
		"net::ERR_CONNECTION_TIMED_OUT", "net::ERR_ADDRESS_UNREACHABLE", "net::ERR_TOO_MANY_REDIRECTS",
		"net::ERR_EMPTY_RESPONSE", "net::ERR_SSL_PROTOCOL_ERROR", "net::ERR_CERT_AUTHORITY_INVALID":
		return core.Errorf(core.ErrFetch, "cannot load %s: %s", redact(u), text)
	}
	return core.Errorf(core.ErrFetch, "cannot load %s: %s", redact(u), text)
}

// collect reads the final state of the page and the artifacts.
func (r *pageRun) collect(ctx context.Context, res *Result) error {
	type docInfo struct {
		HTML  string `json:"html"`
		Title string `json:"title"`
		URL   string `json:"url"`
	}
	info, err := chromedp.Run(ctx, chromedp.Evaluate[docInfo](`({
		html: (document.doctype ? new XMLSerializer().serializeToString(document.doctype) + "\n" : "") + (document.documentElement ? document.documentElement.outerHTML : ""),
		title: document.title,
		url: location.href,
	})`))
	if err != nil {
		return fmt.Errorf("read the document: %w", err)
	}
	res.HTML, res.Title, res.FinalURL = info.HTML, info.Title, info.URL

	if s := r.req.Artifacts.Screenshot; s != nil {
		img, err := r.screenshot(ctx, *s)
		if err != nil {
			return fmt.Errorf("screenshot: %w", err)
		}
		res.Artifacts.Screenshot = img
		res.Artifacts.ScreenshotFormat = FormatPNG
		if s.Format == FormatJPEG {
			res.Artifacts.ScreenshotFormat = FormatJPEG
		}
	}
	if p := r.req.Artifacts.PDF; p != nil {
		pdf, err := r.printPDF(ctx, *p)
		if err != nil {
			return fmt.Errorf("pdf: %w", err)
		}
		res.Artifacts.PDF = pdf
	}

	cookies, err := chromedp.CallBrowser(ctx, storage.GetCookies, storage.GetCookiesParams{BrowserContextID: chromedp.FromContext(ctx).BrowserContextID})
	if err != nil {
		return fmt.Errorf("read cookies: %w", err)
	}
	res.Cookies = make([]Cookie, 0, len(cookies.Cookies))
	for _, c := range cookies.Cookies {
		out := Cookie{Name: c.Name, Value: c.Value, Domain: c.Domain, Path: c.Path, HTTPOnly: c.HTTPOnly, Secure: c.Secure,
			SameSite: strings.ToLower(string(c.SameSite)), HostOnly: !strings.HasPrefix(c.Domain, ".")}
		if !c.Session && c.Expires > 0 {
			t := time.Unix(int64(c.Expires), 0).UTC()
			out.Expires = &t
		}
		res.Cookies = append(res.Cookies, out)
	}

	sum, console, status, _ := r.state.snapshot()
	// Connections the egress proxy refused never reach the page as
	// guard refusals (a WebSocket or a preconnect is not intercepted):
	// they are counted from the proxy.
	if n := int(r.tab.refused()); n > 0 {
		sum.Blocked += n
		sum.BlockedByGuard += n
	}
	res.Network, res.Console, res.Status = sum, console, status
	if r.req.HTML != "" && res.Status == 0 {
		res.Status = 200
	}
	return nil
}

func (r *pageRun) screenshot(ctx context.Context, o ScreenshotOptions) ([]byte, error) {
	p := page.CaptureScreenshotParams{Format: page.CaptureScreenshotFormatPng}
	if o.Format == FormatJPEG {
		q := int64(o.Quality)
		if q == 0 {
			q = DefaultJPEGQuality
		}
		p.Format, p.Quality = page.CaptureScreenshotFormatJpeg, &q
	}
	if o.FullPage {
		m, err := chromedp.Call(ctx, page.GetLayoutMetrics, cdp.Empty{})
		if err != nil {
			return nil, err
		}
		if cs := m.CSSContentSize; cs != nil && cs.Width > 0 && cs.Height > 0 {
			// Cap the height: a page of endless scroll would give an image
			// no client can use and a Lambda cannot return.
			h := min(cs.Height, 16384)
			p.Clip = &page.Viewport{X: 0, Y: 0, Width: cs.Width, Height: h, Scale: 1}
			beyond := true
			p.CaptureBeyondViewport = &beyond
		}
	}
	res, err := chromedp.Call(ctx, page.CaptureScreenshot, p)
	if err != nil {
		return nil, err
	}
	return res.Data, nil
}

func (r *pageRun) printPDF(ctx context.Context, o PDFOptions) ([]byte, error) {
	opts := []chromedp.PDFOption{}
	switch strings.ToLower(o.Paper) {
	case "a4":
		opts = append(opts, chromedp.PDFPaper(chromedp.PaperA4))
	case "legal":
		opts = append(opts, chromedp.PDFPaper(chromedp.PaperLegal))
	}
	if o.Landscape {
		opts = append(opts, chromedp.PDFLandscape())
	}
	if o.PrintBackground {
		opts = append(opts, chromedp.PDFPrintBackground())
	}
	if o.Scale > 0 {
		opts = append(opts, chromedp.PDFScale(o.Scale))
	}
	return chromedp.Run(ctx, chromedp.PrintToPDF(opts...))
}
