package fetch

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/publicsuffix"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/urlnorm"
)

// DefaultUserAgent identifies RipTide to the sites it fetches, with a link
// explaining who we are; robots.txt rules for "RipTideBot" apply to it.
const DefaultUserAgent = "RipTideBot/1.0 (+https://github.com/riptidecrawler/riptide)"

// Options configures a Fetcher. Zero values mean the documented defaults.
type Options struct {
	UserAgent string // default DefaultUserAgent

	ConnectTimeout   time.Duration // DNS + TCP connect + TLS handshake, per connection; default 10s
	FirstByteTimeout time.Duration // request written to response headers received; default 15s
	Timeout          time.Duration // whole Fetch call: robots, redirects, retries, body; default 30s

	// MaxBodyBytes caps the body kept, after content decoding and on the
	// wire alike; default 10 MiB. A longer body is cut and reported with
	// Response.Truncated (not refused: the start of a huge page is still
	// worth extracting; callers that need whole files, like PDF, check the
	// flag). A compressed body expanding over 100x past the cap is refused
	// as a decompression bomb.
	MaxBodyBytes int64

	// MaxRedirects is the most redirects followed; default 10. Negative:
	// redirects are not followed and the 3xx response is returned.
	MaxRedirects int

	// AllowCIDRs admits non-public addresses to the SSRF guard (config
	// RIPTIDE_ALLOW_CIDRS), e.g. 127.0.0.0/8 for tests.
	AllowCIDRs []netip.Prefix

	// Proxy, if set, is the proxy every request goes through (http, https,
	// socks5 or socks5h URL). Its address passes the SSRF guard like any
	// target.
	Proxy string

	IgnoreRobots    bool          // do not read robots.txt (default: obey it)
	RobotsTTL       time.Duration // how long a robots.txt is cached; default 24h (RFC 9309 limit)
	RobotsErrorTTL  time.Duration // how long a 5xx/429 robots.txt disallows the host; default 10m
	RobotsCacheSize int           // hosts kept in the robots cache; default 10000

	Retry RetryPolicy
	// Politeness is the default per-host limit; a Request may override it.
	Politeness Politeness
	Breaker    BreakerPolicy
	// HostLimiter enforces politeness; nil: an in-process limiter. A
	// deployment of many processes passes one shared through Redis.
	HostLimiter HostLimiter
	// Circuits keeps the per-host circuit breakers; nil: in-process ones
	// with the Breaker policy. A shared one (Redis) applies its own copy
	// of the policy.
	Circuits Breaker

	Resolver  Resolver    // default net.DefaultResolver; tests inject a fake
	Dialer    Dialer      // default a net.Dialer; tests inject a recorder
	TLSConfig *tls.Config // default: system roots, TLS 1.2+
	Logger    *slog.Logger
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if o.UserAgent == "" {
		o.UserAgent = DefaultUserAgent
	}
	def(&o.ConnectTimeout, 10*time.Second)
	def(&o.FirstByteTimeout, 15*time.Second)
	def(&o.Timeout, 30*time.Second)
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 10 << 20
	}
	if o.MaxRedirects == 0 {
		o.MaxRedirects = 10
	}
	def(&o.RobotsTTL, 24*time.Hour)
	def(&o.RobotsErrorTTL, 10*time.Minute)
	if o.RobotsCacheSize <= 0 {
		o.RobotsCacheSize = 10000
	}
	if o.Retry.MaxAttempts <= 0 {
		o.Retry.MaxAttempts = 3
	}
	def(&o.Retry.BaseDelay, 500*time.Millisecond)
	def(&o.Retry.MaxDelay, 10*time.Second)
	def(&o.Retry.MaxRetryAfter, 30*time.Second)
	if o.Politeness.PerHostConcurrency == 0 {
		o.Politeness.PerHostConcurrency = 4
	}
	o.Breaker = o.Breaker.withDefaults()
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	if o.Dialer == nil {
		o.Dialer = &net.Dialer{KeepAlive: 30 * time.Second}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Fetcher fetches web pages safely: SSRF guard, robots.txt, politeness,
// retries, circuit breaking, decoding. It is safe for concurrent use; its
// caches and limits are per Fetcher, so build one and share it.
type Fetcher struct {
	opts      Options
	guard     *Guard
	dialer    *guardedDialer
	transport *http.Transport
	breaker   Breaker
	limiter   HostLimiter
	robots    *robotsCache
	proxy     *url.URL
	log       *slog.Logger
	stats     fetchStats
}

// New builds a Fetcher. It fails only on a bad Options.Proxy.
func New(opts Options) (*Fetcher, error) {
	opts = opts.withDefaults()
	f := &Fetcher{
		opts:    opts,
		guard:   NewGuard(opts.AllowCIDRs),
		breaker: opts.Circuits,
		limiter: opts.HostLimiter,
		robots:  &robotsCache{entries: map[string]*robotsEntry{}, max: opts.RobotsCacheSize},
		log:     opts.Logger,
	}
	if f.limiter == nil {
		f.limiter = NewHostLimiter()
	}
	if f.breaker == nil {
		f.breaker = NewBreaker(opts.Breaker)
	}
	if opts.Proxy != "" {
		p, err := parseProxy(opts.Proxy)
		if err != nil {
			return nil, err
		}
		f.proxy = p
	}
	f.dialer = &guardedDialer{guard: f.guard, resolver: opts.Resolver, dialer: opts.Dialer, connectTimeout: opts.ConnectTimeout}
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if opts.TLSConfig != nil {
		tlsConf = opts.TLSConfig.Clone()
	}
	f.transport = &http.Transport{
		Proxy:                  proxyFromContext,
		DialContext:            f.dialer.DialContext,
		TLSClientConfig:        tlsConf,
		TLSHandshakeTimeout:    opts.ConnectTimeout,
		DisableCompression:     true, // we ask for and decode gzip/br/deflate ourselves, with limits
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           256,
		MaxIdleConnsPerHost:    max(opts.Politeness.PerHostConcurrency, 2),
		IdleConnTimeout:        90 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 1 << 20,
	}
	return f, nil
}

// Close releases idle connections.
func (f *Fetcher) Close() { f.transport.CloseIdleConnections() }

// Guard returns the SSRF guard, for other engines (the renderer) that must
// judge addresses the same way.
func (f *Fetcher) Guard() *Guard { return f.guard }

// CheckURL validates rawURL like Fetch does and resolves its host, judging
// every address with the guard, without sending a request. Engines that
// connect by other means (a headless browser) call it before navigating.
// Their own connections still need the guard at dial time: a second
// lookup may answer differently.
func (f *Fetcher) CheckURL(ctx context.Context, rawURL string) (*url.URL, error) {
	u, err := urlnorm.Validate(rawURL)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeoutCause(ctx, f.opts.ConnectTimeout, &connectTimeoutError{u.Host, f.opts.ConnectTimeout})
	defer cancel()
	if _, err := f.dialer.resolveChecked(ctx, u.Hostname()); err != nil {
		var ce *core.Error
		if errors.As(err, &ce) {
			return nil, ce
		}
		return nil, classify(ctx, "resolve "+u.Host, err).err
	}
	return u, nil
}

// Request is one fetch. Only URL is required; the rest override Options for
// this call.
type Request struct {
	URL string
	// Header is added to the request. User-Agent here replaces the
	// default. Accept-Encoding, Host and hop-by-hop headers are ignored.
	// Authorization and Cookie are dropped on a redirect to another site.
	Header http.Header
	// Cookies are sent to URL's site and kept, with cookies the site sets,
	// across redirects (in a per-call jar unless Jar is given).
	Cookies []*http.Cookie
	// Jar, if set, is read and updated (a session's cookie jar).
	Jar http.CookieJar
	// RespectRobots overrides Options.IgnoreRobots (API field respect_robots).
	RespectRobots *bool
	// Timeout is the whole call's budget (0: Options.Timeout). A budget
	// longer than Options.FirstByteTimeout lifts it: the caller's budget
	// governs how long a server may take to answer.
	Timeout      time.Duration
	MaxBodyBytes int64 // 0: Options.MaxBodyBytes
	// Proxy overrides Options.Proxy for this call. It is user input and
	// passes the SSRF guard.
	Proxy string
	// Politeness overrides Options.Politeness for this call (a spider
	// run's per-host concurrency, its delay raised to the site's
	// Crawl-delay): a non-zero concurrency replaces the default, the
	// longer of the two delays applies.
	Politeness *Politeness
}

// Hop is one redirect followed.
type Hop struct {
	URL      string // the URL that answered with a redirect
	Status   int    // 301, 302, 303, 307 or 308
	Location string // where it pointed, resolved against URL
}

// Timings of the fetch. DNS, Connect and TLS are zero when a kept-alive
// connection was reused. TTFB runs from the start of the final attempt
// (connecting included) to the first response byte, like curl's
// time_starttransfer. Total covers the whole call.
type Timings struct {
	DNS, Connect, TLS, TTFB, Total time.Duration
}

// Response is a fetched page.
type Response struct {
	URL       string // the requested URL (host in canonical form)
	FinalURL  string // after redirects
	Redirects []Hop  // in order; empty when none
	Status    int
	Proto     string // "HTTP/1.1", "HTTP/2.0"
	Header    http.Header
	// ContentType is the media type, lowercase without parameters
	// ("text/html"); sniffed from the body when the header is missing.
	ContentType string
	// Body is the content: converted to UTF-8 for text types, raw bytes
	// otherwise (PDF, images).
	Body []byte
	// Charset is the canonical name of the source charset of a text body
	// ("utf-8", "shift_jis", "windows-1251"); empty for binary bodies.
	// CharsetSource says how it was found (bom, header, meta,
	// xml_declaration, heuristic).
	Charset       string
	CharsetSource string
	// Truncated is true when the body was longer than the size limit (or
	// the connection ended early) and Body holds only its beginning.
	Truncated    bool
	WireBytes    int64 // body bytes received (before content decoding)
	DecodedBytes int64 // body bytes after content decoding, before charset conversion
	Attempts     int   // requests sent for the final URL and its redirects
	RemoteAddr   string
	Timings      Timings
	// Challenge is set when the page is a bot wall (Fetch then also
	// returns a blocked_by_target error).
	Challenge *Challenge
	// pooled is Body's buffer from bodyBuffers, when Body is in one.
	pooled *[]byte
}

// call is the state of one Fetch.
type call struct {
	url          *url.URL
	origHost     string
	header       http.Header
	agent        string // robots.txt product token
	jar          http.CookieJar
	proxy        *url.URL
	maxBody      int64
	maxRedirects int // -1: do not follow
	robots       bool
	politeness   Politeness
	// firstByte bounds the wait for response headers of each attempt.
	firstByte time.Duration
}

func (f *Fetcher) newCall(req Request, u *url.URL) (*call, error) {
	c := &call{
		url:          u,
		origHost:     u.Hostname(),
		maxBody:      f.opts.MaxBodyBytes,
		maxRedirects: f.opts.MaxRedirects,
		robots:       !f.opts.IgnoreRobots,
		proxy:        f.proxy,
		jar:          req.Jar,
		politeness:   f.opts.Politeness.override(req.Politeness),
	}
	if req.MaxBodyBytes > 0 {
		c.maxBody = req.MaxBodyBytes
	}
	// A caller's time budget governs: a slow server the caller is willing
	// to wait for (timeout_ms: 25000) is not cut at the default first-byte
	// timeout. A shorter budget needs nothing here: its deadline cuts
	// every phase.
	c.firstByte = f.opts.FirstByteTimeout
	if req.Timeout > c.firstByte {
		c.firstByte = req.Timeout
	}
	if c.maxRedirects < 0 {
		c.maxRedirects = -1
	}
	if req.RespectRobots != nil {
		c.robots = *req.RespectRobots
	}
	if req.Proxy != "" {
		p, err := parseProxy(req.Proxy)
		if err != nil {
			return nil, err
		}
		c.proxy = p
	}
	h := http.Header{}
	h.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	h.Set("Accept-Language", "en-US,en;q=0.9")
	for k, vs := range req.Header {
		ck := http.CanonicalHeaderKey(k)
		switch ck {
		case "Accept-Encoding", "Host", "Content-Length", "Connection", "Transfer-Encoding", "Te",
			"Upgrade", "Keep-Alive", "Proxy-Connection", "Trailer":
			continue
		}
		h[ck] = append([]string(nil), vs...)
	}
	if h.Get("User-Agent") == "" {
		h.Set("User-Agent", f.opts.UserAgent)
	}
	h.Set("Accept-Encoding", "gzip, deflate, br")
	c.header = h
	c.agent = robotsAgent(h.Get("User-Agent"))
	if c.jar == nil {
		jar, err := cookiejar.New(&cookiejar.Options{PublicSuffixList: publicsuffix.List})
		if err != nil {
			return nil, core.Wrap(core.ErrInternal, err, "cookie jar")
		}
		c.jar = jar
	}
	if len(req.Cookies) > 0 {
		c.jar.SetCookies(u, req.Cookies)
	}
	return c, nil
}

// Fetch GETs one URL: validation and SSRF guard, robots.txt, politeness,
// then one request (repeated only by the retry policy), following
// redirects, decoding the body and converting text to UTF-8.
//
// Errors are *core.Error: invalid_url, blocked_url, robots_disallowed,
// timeout_error, fetch_error (network failures, "circuit open", and HTTP
// status >= 400) or blocked_by_target (challenge pages). For the last two
// the Response is returned too, so callers can see the status, headers and
// body they failed on.
func (f *Fetcher) Fetch(ctx context.Context, req Request) (resp *Response, err error) {
	f.stats.inFlight.Add(1)
	defer func() {
		f.stats.inFlight.Add(-1)
		f.stats.record(resp, err)
	}()
	return f.fetch(ctx, req)
}

func (f *Fetcher) fetch(ctx context.Context, req Request) (*Response, error) {
	start := time.Now()
	u, err := urlnorm.Validate(req.URL)
	if err != nil {
		return nil, err
	}
	c, err := f.newCall(req, u)
	if err != nil {
		return nil, err
	}
	timeout := f.opts.Timeout
	if req.Timeout > 0 {
		timeout = req.Timeout
	}
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, &totalTimeoutError{timeout})
	defer cancel()

	fr, err := f.follow(ctx, u, c)
	if err != nil {
		return nil, err
	}
	resp := f.buildResponse(c, fr)
	resp.Timings.Total = time.Since(start)
	f.log.DebugContext(ctx, "fetched", "url", resp.URL, "final_url", resp.FinalURL, "status", resp.Status,
		"bytes", len(resp.Body), "attempts", resp.Attempts, "ms", resp.Timings.Total.Milliseconds())

	detectBody := resp.Body
	if !isTextType(resp.ContentType) && resp.ContentType != "" {
		detectBody = nil // a PDF or image carries no challenge markup
	}
	if ch, ok := DetectChallenge(resp.Status, resp.Header, detectBody); ok {
		resp.Challenge = &ch
		return resp, core.Errorf(core.ErrBlockedByTarget, "GET %s: blocked by %s (%s), HTTP %d",
			resp.FinalURL, ch.Vendor, ch.Signal, resp.Status)
	}
	if resp.Status >= 400 {
		e := core.Errorf(core.ErrFetch, "GET %s: HTTP %d %s", resp.FinalURL, resp.Status, http.StatusText(resp.Status))
		// A client error (404, 410, 403, ...) will answer the same again;
		// 408 and 429 are the exceptions, like every 5xx.
		e.Permanent = resp.Status < 500 && resp.Status != http.StatusRequestTimeout && resp.Status != http.StatusTooManyRequests
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok && retryableStatus(resp.Status) {
			e.RetryAfterSeconds = int((d + time.Second - 1) / time.Second)
		}
		return resp, e
	}
	return resp, nil
}

// followResult is the last response of a redirect chain.
type followResult struct {
	url      *url.URL
	hops     []Hop
	res      *attemptResult
	attempts int
}

// errTooManyRedirects is the cause of the fetch_error for a chain that is
// too long (usually a loop).
var errTooManyRedirects = errors.New("too many redirects")

func (f *Fetcher) follow(ctx context.Context, u *url.URL, c *call) (*followResult, error) {
	out := &followResult{}
	cur := u
	seen := map[string]bool{}
	for {
		if err := f.preflight(ctx, cur, c); err != nil {
			return nil, err
		}
		if c.robots {
			if err := f.checkRobots(ctx, cur, c); err != nil {
				return nil, err
			}
		}
		res, err := f.retrying(ctx, cur, c)
		if err != nil {
			return nil, err
		}
		out.attempts += res.attempts
		if res.location == "" || c.maxRedirects < 0 {
			out.url, out.res = cur, res
			return out, nil
		}
		next, err := resolveRedirect(cur, res.location)
		if err != nil {
			return nil, err
		}
		seen[cur.String()] = true
		if len(out.hops) >= c.maxRedirects {
			loop := ""
			if seen[next.String()] {
				loop = " (a redirect loop)"
			}
			return nil, &core.Error{Type: core.ErrFetch, Cause: errTooManyRedirects,
				Message: fmt.Sprintf("GET %s: stopped after %d redirects%s; last pointed to %s", u, c.maxRedirects, loop, next)}
		}
		out.hops = append(out.hops, Hop{URL: cur.String(), Status: res.status, Location: next.String()})
		f.log.DebugContext(ctx, "redirect", "from", cur.String(), "to", next.String(), "status", res.status)
		cur = next
	}
}

func isRedirect(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// resolveRedirect resolves a Location against the current URL and validates
// the result like a user URL: a redirect to file:, ftp: or a userinfo trick
// is refused.
func resolveRedirect(cur *url.URL, loc string) (*url.URL, error) {
	ref, err := url.Parse(strings.TrimSpace(loc))
	if err != nil {
		return nil, core.Errorf(core.ErrInvalidURL, "redirect from %s to unparsable Location %q", cur, loc)
	}
	next := cur.ResolveReference(ref)
	next.Fragment, next.RawFragment = "", ""
	v, err := urlnorm.Validate(next.String())
	if err != nil {
		msg := err.Error()
		var ce *core.Error
		if errors.As(err, &ce) {
			msg = ce.Message
		}
		return nil, core.Errorf(core.ErrInvalidURL, "redirect from %s to %q refused: %s", cur, loc, msg)
	}
	return v, nil
}

// preflight refuses what can be refused without a connection: a literal
// blocked address or a localhost name. With a proxy, the target's name is
// resolved here too, because the proxy (not our dialer) connects to it.
func (f *Fetcher) preflight(ctx context.Context, u *url.URL, c *call) error {
	host := u.Hostname()
	_, literalErr := netip.ParseAddr(host)
	local := host == "localhost" || strings.HasSuffix(host, ".localhost")
	if c.proxy != nil {
		if _, err := f.dialer.resolveChecked(ctx, c.proxy.Hostname()); err != nil {
			return proxyError(c.proxy, err)
		}
	} else if literalErr != nil && !local {
		return nil // the dialer judges the resolved addresses
	}
	if _, err := f.dialer.resolveChecked(ctx, host); err != nil {
		var ce *core.Error
		if errors.As(err, &ce) {
			return ce
		}
		return classify(ctx, "GET "+u.String(), err).err
	}
	return nil
}

func proxyError(p *url.URL, err error) error {
	var ce *core.Error
	if errors.As(err, &ce) {
		return &core.Error{Type: ce.Type, Message: "proxy " + p.Host + ": " + ce.Message, Cause: ce.Cause}
	}
	return core.Wrap(core.ErrFetch, err, "proxy "+p.Host+": cannot resolve")
}

type proxyKey struct{}

func proxyFromContext(r *http.Request) (*url.URL, error) {
	if p, ok := r.Context().Value(proxyKey{}).(*url.URL); ok {
		return p, nil
	}
	return nil, nil
}

func parseProxy(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, core.Errorf(core.ErrInvalidURL, "proxy URL: %v", err)
	}
	switch u.Scheme {
	case "http", "https", "socks5", "socks5h":
	default:
		return nil, core.Errorf(core.ErrInvalidURL, "proxy URL: scheme must be http, https, socks5 or socks5h, got %q", u.Scheme)
	}
	host, err := urlnorm.CanonicalHost(u.Hostname())
	if err != nil {
		var ce *core.Error
		if errors.As(err, &ce) {
			return nil, core.Errorf(core.ErrInvalidURL, "proxy URL: %s", ce.Message)
		}
		return nil, err
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if p := u.Port(); p != "" {
		host += ":" + p
	}
	u.Host = host
	return u, nil
}

func (f *Fetcher) buildResponse(c *call, fr *followResult) *Response {
	res := fr.res
	resp := &Response{
		URL:          c.url.String(),
		FinalURL:     fr.url.String(),
		Redirects:    fr.hops,
		Status:       res.status,
		Proto:        res.proto,
		Header:       res.header,
		Truncated:    res.truncated,
		WireBytes:    res.wireBytes,
		DecodedBytes: int64(len(res.body)),
		Attempts:     fr.attempts,
		RemoteAddr:   res.remote,
		Timings:      res.timings,
	}
	ct := res.header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err == nil {
		resp.ContentType = strings.ToLower(mt)
	} else if len(res.body) > 0 {
		// No usable header: sniff as browsers do (WHATWG MIME sniffing).
		mt, _, _ := mime.ParseMediaType(http.DetectContentType(res.body))
		resp.ContentType = mt
	}
	if isTextType(resp.ContentType) && len(res.body) > 0 {
		resp.Body, resp.Charset, resp.CharsetSource = toUTF8(res.body, ct, resp.ContentType, res.truncated)
	} else {
		resp.Body = res.body
	}
	if res.pooled != nil && sameArray(resp.Body, *res.pooled) {
		resp.pooled = res.pooled
	} else {
		bodyBuffers.Put(res.pooled) // converted into a slice of its own
	}
	return resp
}

// Release hands the body's memory back for the next fetch to read into.
// Call it only when nothing made from Body still refers to it (strings
// converted from it are copies and may stay); Body is nil afterwards. A
// response that is never released is left to the collector.
func (r *Response) Release() {
	if r == nil {
		return
	}
	bodyBuffers.Put(r.pooled)
	r.pooled, r.Body = nil, nil
}
