package render

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// baseFlags are the Chromium switches of every launch. Each one either
// keeps Chromium from calling home (this service must only reach the pages
// it is asked for), or keeps one long-lived headless browser lean.
func baseFlags() map[string]any {
	return map[string]any{
		"headless":                               true,
		"no-sandbox":                             true, // root in containers and Lambda; the process group is the boundary we manage
		"disable-gpu":                            true,
		"enable-unsafe-swiftshader":              true, // WebGL in software, else pages see no WebGL at all (Chromium >= 139)
		"disable-dev-shm-usage":                  true, // /dev/shm is 64 MB in containers and tiny in Lambda
		"no-first-run":                           true,
		"no-default-browser-check":               true,
		"disable-background-networking":          true,
		"disable-component-update":               true,
		"disable-sync":                           true,
		"disable-quic":                           true,
		"disable-breakpad":                       true,
		"disable-default-apps":                   true,
		"disable-extensions":                     true,
		"disable-domain-reliability":             true,
		"disable-client-side-phishing-detection": true,
		"safebrowsing-disable-auto-update":       true,
		"metrics-recording-only":                 true,
		"disable-hang-monitor":                   true,
		"disable-popup-blocking":                 true,
		"disable-prompt-on-repost":               true,
		"disable-renderer-backgrounding":         true,
		"disable-background-timer-throttling":    true,
		"disable-backgrounding-occluded-windows": true,
		"disable-ipc-flooding-protection":        true,
		"dns-prefetch-disable":                   true,
		"disable-features":                       "Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,InterestFeedContentSuggestions,CalculateNativeWinOcclusion,AutofillServerCommunication,CertificateTransparencyComponentUpdater,NetworkTimeServiceQuerying",
		"mute-audio":                             true,
		"hide-scrollbars":                        true,
		"password-store":                         "basic",
		"use-mock-keychain":                      true,
		"no-pings":                               true,
	}
}

// browserProc is one running Chromium: its process group, its profile
// directory and the chromedp contexts that talk to it.
type browserProc struct {
	log      *slog.Logger
	allocCtx context.Context
	cancel   context.CancelFunc // cancels allocator and browser contexts
	ctx      context.Context    // chromedp context of the browser (its first tab)
	pid      int                // also the process group id (Setpgid)
	dataDir  string
	version  string // product, e.g. HeadlessChrome/156.0.8078.108
	ua       string // the browser's own user agent
	single   bool   // --single-process: one render per browser, in its first tab
	started  time.Time

	// egress opens the proxies of browser contexts (nil: none); route is
	// the browser's own, for its first tab and browser-wide requests.
	egress Egress
	route  EgressRoute

	spare    chan *tab   // at most one tab opened ahead of time
	warming  atomic.Bool // a spare tab is being opened
	warmMu   sync.Mutex
	warmDone chan struct{} // closed when the current opening ends

	// guarded by Local.mu
	renders   int
	active    int
	retired   bool
	unhealthy bool

	closeOnce sync.Once
}

// dead reports whether the browser process or its connection is gone.
func (b *browserProc) dead() bool { return b.ctx.Err() != nil }

type launchConfig struct {
	execPath string
	flags    map[string]any
	tmpDir   string
	guard    Guard
	egress   Egress // nil: Chromium connects directly
	log      *slog.Logger
	output   io.Writer // Chromium stdout and stderr, or nil
}

// launch starts Chromium in its own process group, connects over the
// DevTools pipe, and turns on browser-wide request interception so that
// every request any page, frame or worker makes passes the guard.
func launch(ctx context.Context, cfg launchConfig) (*browserProc, error) {
	var route EgressRoute
	if cfg.egress != nil {
		r, err := cfg.egress.Open()
		if err != nil {
			return nil, fmt.Errorf("open the browser's egress proxy: %w", err)
		}
		route = r
		flags := make(map[string]any, len(cfg.flags)+8)
		for k, v := range cfg.flags {
			flags[k] = v
		}
		for k, v := range egressFlags(route) {
			flags[k] = v // ExtraFlags cannot loosen the egress switches
		}
		cfg.flags = flags
	}
	dataDir, err := os.MkdirTemp(cfg.tmpDir, "riptide-chromium-")
	if err != nil {
		if route != nil {
			_ = route.Close()
		}
		return nil, fmt.Errorf("create profile directory: %w", err)
	}
	var cmd *exec.Cmd
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(cfg.execPath),
		chromedp.UserDataDir(dataDir),
		chromedp.ModifyCmdFunc(func(c *exec.Cmd) {
			// Own process group: Close kills the group, which takes the
			// zygote, renderers and utility processes with it. Pdeathsig
			// stops the browser if this process dies without Close.
			c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
			cmd = c
		}),
	}
	if cfg.output != nil {
		opts = append(opts, chromedp.CombinedOutput(cfg.output))
	}
	for name, v := range cfg.flags {
		opts = append(opts, chromedp.Flag(name, v))
	}
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, bcancel := chromedp.NewContext(allocCtx)
	b := &browserProc{log: cfg.log, allocCtx: allocCtx, ctx: bctx, dataDir: dataDir, started: time.Now(), spare: make(chan *tab, 1),
		egress: cfg.egress, route: route}
	if v, _ := cfg.flags["single-process"].(bool); v {
		b.single = true
	}
	b.cancel = func() { bcancel(); allocCancel() }

	started := make(chan error, 1)
	go func() { started <- chromedp.Do(bctx) }()
	select {
	case err = <-started:
	case <-ctx.Done():
		err = ctx.Err()
	}
	if cmd != nil && cmd.Process != nil {
		b.pid = cmd.Process.Pid
	}
	if err != nil {
		b.close()
		return nil, fmt.Errorf("start chromium %s: %w", cfg.execPath, err)
	}
	ver, err := chromedp.CallBrowser(bctx, browser.GetVersion, cdp.Empty{})
	if err != nil {
		b.close()
		return nil, fmt.Errorf("chromium version: %w", err)
	}
	b.version, b.ua = ver.Product, ver.UserAgent

	paused := chromedp.BrowserEvents(bctx, fetch.RequestPaused)
	if _, err := chromedp.CallBrowser(bctx, fetch.Enable, fetch.EnableParams{
		Patterns: []*fetch.RequestPattern{{URLPattern: "*", RequestStage: fetch.RequestStageRequest}},
	}); err != nil {
		b.close()
		return nil, fmt.Errorf("enable browser-wide interception: %w", err)
	}
	go b.guardRequests(paused, cfg.guard)
	b.prepareSpare()
	return b, nil
}

// guardRequests answers every request the browser pauses: continue when
// the guard allows the URL, fail with ERR_ACCESS_DENIED otherwise. Each
// decision runs on its own goroutine because a guard may resolve DNS.
func (b *browserProc) guardRequests(paused iter.Seq2[fetch.EventRequestPaused, error], guard Guard) {
	for ev, err := range paused {
		if err != nil {
			return
		}
		go func() {
			ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
			defer cancel()
			if err := checkRequest(ctx, guard, ev.Request.URL); err != nil {
				b.log.Debug("render: request refused by guard", "url", redact(ev.Request.URL), "reason", err)
				_, _ = chromedp.CallBrowser(b.ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonAccessDenied})
				return
			}
			_, _ = chromedp.CallBrowser(b.ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
		}()
	}
}

func checkRequest(ctx context.Context, guard Guard, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("unparsable URL: %w", err)
	}
	check, allow := guardScheme(u.Scheme)
	if !allow {
		return fmt.Errorf("scheme %q is not allowed", u.Scheme)
	}
	if !check {
		return nil
	}
	return guard.CheckURL(ctx, u)
}

// redact drops the query of a URL for logs (it may carry tokens).
func redact(raw string) string {
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		return raw[:i]
	}
	return raw
}

// close kills the whole process group, waits until no process of this
// browser is left (by group and by profile directory, since a child could
// have moved to another group), and removes the profile directory. It is
// safe to call more than once.
func (b *browserProc) close() {
	b.closeOnce.Do(func() {
		if b.pid > 0 {
			_ = syscall.Kill(-b.pid, syscall.SIGKILL)
		}
		b.cancel()
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			n := killBrowserProcesses(b.pid, b.dataDir)
			if n == 0 {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err := os.RemoveAll(b.dataDir); err != nil {
			b.log.Warn("render: remove chromium profile", "dir", b.dataDir, "err", err)
		}
		if b.route != nil {
			_ = b.route.Close()
		}
	})
}

// killBrowserProcesses SIGKILLs every live process in group pgid or whose
// command line names dataDir, and returns how many it found. Zombies
// (already dead, waiting to be reaped) do not count.
func killBrowserProcesses(pgid int, dataDir string) int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	self := os.Getpid()
	marker := []byte("--user-data-dir=" + dataDir)
	n := 0
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		state, grp, ok := parseStat(stat)
		if !ok || state == 'Z' || state == 'X' {
			continue
		}
		match := pgid > 0 && grp == pgid
		if !match {
			cmdline, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
			match = bytes.Contains(cmdline, marker)
		}
		if match {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			n++
		}
	}
	return n
}

// parseStat returns the state and process group of /proc/<pid>/stat.
func parseStat(stat []byte) (state byte, pgrp int, ok bool) {
	// The command name is in parentheses and may contain spaces.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return 0, 0, false
	}
	fields := strings.Fields(string(stat[i+2:]))
	if len(fields) < 3 {
		return 0, 0, false
	}
	pgrp, err := strconv.Atoi(fields[2])
	if err != nil {
		return 0, 0, false
	}
	return fields[0][0], pgrp, true
}

// errBrowserGone marks failures caused by a crashed or killed browser.
var errBrowserGone = errors.New("chromium exited or lost its connection")
