package render

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
)

// LocalOptions configure the in-process renderer. Zero values take the
// documented defaults.
type LocalOptions struct {
	// ExecPath of Chromium. Default: $RIPTIDE_CHROMIUM_PATH, else the first
	// of chromium, chromium-browser, google-chrome on PATH (FindChromium).
	ExecPath string
	// Guard checks every URL the browser requests. Default DenyPrivate(nil).
	Guard Guard
	// Egress, when set, is the only way the browser connects anywhere: a
	// proxy judging every connection at dial time (see Egress). Without
	// it Chromium connects directly and only requests it reports to
	// interception are checked (no WebSockets, no preconnect, and
	// Chromium resolves names again after the guard did).
	Egress Egress
	// MaxRendersPerBrowser restarts the browser after this many renders, to
	// bound memory growth (default 100).
	MaxRendersPerBrowser int
	// MaxConcurrent renders at once, each in its own browser context
	// (default 4; use 1 in Lambda).
	MaxConcurrent int
	// MaxTimeout caps Request.TimeoutMS (default MaxTimeout, 5 min).
	MaxTimeout time.Duration
	// LaunchTimeout bounds a browser start (default 30 s).
	LaunchTimeout time.Duration
	// TempDir holds the browser profile (default os.TempDir(); /tmp in Lambda).
	TempDir string
	// ExtraFlags are added to, or override (value false removes), the
	// Chromium switches; LambdaFlags has the ones a Lambda needs.
	ExtraFlags map[string]any
	// TrackerHosts are added to the built-in tracker list of Block.Trackers.
	TrackerHosts []string
	// Logger (default slog.Default()).
	Logger *slog.Logger
	// BrowserOutput receives Chromium's stdout and stderr (default: discarded).
	BrowserOutput io.Writer
}

// LambdaFlags are the extra switches for Chromium in AWS Lambda: no zygote
// (one process tree per container, nothing to fork renderers from a
// process that cannot sandbox them) and WebGL through ANGLE on SwiftShader,
// as the @sparticuz/chromium build expects. If Chromium fails to start
// child processes in Lambda (prctl errors), add "single-process": true:
// Local then uses each browser for one render in its first tab and starts
// a new one for the next (docs/render.md has the measurements).
func LambdaFlags() map[string]any {
	return map[string]any{
		"no-zygote": true,
		"use-gl":    "angle",
		"use-angle": "swiftshader",
	}
}

// FindChromium returns the Chromium binary: $RIPTIDE_CHROMIUM_PATH, else
// the first of chromium-headless-shell, chromium, chromium-browser and
// google-chrome on PATH. The headless shell comes first: it is what the
// Lambda layer ships, and it renders about three times faster than the
// full browser's headless mode, which opens a real window per page
// (docs/render.md has the numbers).
func FindChromium() (string, error) {
	if p := os.Getenv("RIPTIDE_CHROMIUM_PATH"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("RIPTIDE_CHROMIUM_PATH=%s: %w", p, err)
		}
		return p, nil
	}
	for _, name := range []string{"chromium-headless-shell", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no chromium-headless-shell, chromium, chromium-browser or google-chrome on PATH and RIPTIDE_CHROMIUM_PATH unset")
}

// Local renders with a Chromium in this process. One browser serves the
// whole process, started on the first render and reused; each render gets
// a fresh incognito browser context (its own cookies, cache and storage)
// that is disposed afterwards. The browser is replaced after
// MaxRendersPerBrowser renders or when it crashes. Close stops it and
// leaves no Chromium process behind.
type Local struct {
	opts     LocalOptions
	log      *slog.Logger
	trackers trackerMatcher
	sem      chan struct{}

	mu      sync.Mutex
	cur     *browserProc
	closed  bool
	closing sync.WaitGroup // renders in flight and browsers being closed in the background
	stats   Stats
}

// Stats counts browser lifecycle events, for health endpoints and tests.
type Stats struct {
	Launches int   `json:"launches"`
	Renders  int   `json:"renders"`
	Restarts int   `json:"restarts"` // replaced after N renders or a crash
	Crashes  int   `json:"crashes"`
	PID      int   `json:"pid,omitempty"` // current browser's main process (and group)
	LaunchMS int64 `json:"last_launch_ms"`
}

// NewLocal returns a renderer; no browser starts until the first Render.
func NewLocal(opts LocalOptions) (*Local, error) {
	if opts.ExecPath == "" {
		p, err := FindChromium()
		if err != nil {
			return nil, core.Wrap(core.ErrDependency, err, "no Chromium available for rendering")
		}
		opts.ExecPath = p
	}
	if opts.Guard == nil {
		opts.Guard = DenyPrivate(nil)
	}
	if opts.MaxRendersPerBrowser <= 0 {
		opts.MaxRendersPerBrowser = 100
	}
	if opts.MaxConcurrent <= 0 {
		opts.MaxConcurrent = 4
	}
	if opts.MaxTimeout <= 0 || opts.MaxTimeout > MaxTimeout {
		opts.MaxTimeout = MaxTimeout
	}
	if opts.LaunchTimeout <= 0 {
		opts.LaunchTimeout = 30 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Local{
		opts:     opts,
		log:      opts.Logger,
		trackers: newTrackerMatcher(opts.TrackerHosts),
		sem:      make(chan struct{}, opts.MaxConcurrent),
	}, nil
}

// Stats returns the lifecycle counters.
func (l *Local) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.stats
	if l.cur != nil {
		s.PID = l.cur.pid
	}
	return s
}

// Close stops the browser and waits until its processes are gone and the
// renders in progress have returned (they fail); later renders return
// dependency_error.
func (l *Local) Close() error {
	l.mu.Lock()
	l.closed = true
	b := l.cur
	l.cur = nil
	l.mu.Unlock()
	if b != nil {
		b.close()
	}
	l.closing.Wait()
	return nil
}

func (l *Local) flags() map[string]any {
	f := baseFlags()
	for k, v := range l.opts.ExtraFlags {
		if b, ok := v.(bool); ok && !b {
			delete(f, k)
			continue
		}
		f[k] = v
	}
	return f
}

// acquire returns the browser for one render, starting or replacing it
// when needed. launched is the time spent starting it (0 when warm).
func (l *Local) acquire(ctx context.Context) (b *browserProc, launched time.Duration, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, 0, core.Errorf(core.ErrDependency, "renderer is closed")
	}
	if b := l.cur; b != nil && (b.dead() || b.unhealthy || b.renders >= l.opts.MaxRendersPerBrowser || b.single && b.renders > 0) {
		l.retireLocked(b)
	}
	if l.cur == nil {
		start := time.Now()
		lctx, cancel := context.WithTimeout(ctx, l.opts.LaunchTimeout)
		defer cancel()
		cfg := launchConfig{execPath: l.opts.ExecPath, flags: l.flags(), tmpDir: l.opts.TempDir, guard: l.opts.Guard, egress: l.opts.Egress, log: l.log, output: l.opts.BrowserOutput}
		nb, err := launch(lctx, cfg)
		if err != nil && lctx.Err() == nil {
			// The browser died while starting (seen: a segfault on a
			// loaded machine) rather than running out of time: one more
			// try costs a second and saves the render.
			l.log.Warn("render: chromium failed to start, trying once more", "error", err.Error())
			nb, err = launch(lctx, cfg)
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, 0, core.Wrap(core.ErrTimeout, err, "render deadline passed while starting the browser")
			}
			return nil, 0, core.Wrap(core.ErrDependency, err, "cannot start the browser")
		}
		launched = time.Since(start)
		l.cur = nb
		l.stats.Launches++
		l.stats.LaunchMS = launched.Milliseconds()
		l.log.Info("render: chromium started", "pid", nb.pid, "version", nb.version, "ms", launched.Milliseconds())
	}
	l.cur.renders++
	l.cur.active++
	l.stats.Renders++
	l.closing.Add(1) // Done when the render's tab is closed (Render)
	return l.cur, launched, nil
}

// release ends one render on b. A browser that misbehaved during the
// render is retired at once.
func (l *Local) release(b *browserProc, unhealthy bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b.active--
	if unhealthy && !b.retired {
		b.unhealthy = true
		l.retireLocked(b)
	}
	if b.retired && b.active == 0 {
		l.closeLater(b)
		return
	}
	if b.single && !b.retired {
		l.retireLocked(b) // one render per single-process browser
		if b.active == 0 {
			return
		}
	}
	if !b.retired {
		b.prepareSpare()
	}
}

func (l *Local) retireLocked(b *browserProc) {
	if b.retired {
		return
	}
	if b.dead() && !l.closed {
		l.stats.Crashes++
		l.log.Warn("render: chromium died, replacing it", "pid", b.pid, "renders", b.renders)
	}
	l.stats.Restarts++
	b.retired = true
	if l.cur == b {
		l.cur = nil
	}
	if b.active == 0 {
		l.closeLater(b)
	}
}

func (l *Local) closeLater(b *browserProc) {
	l.closing.Add(1)
	go func() {
		defer l.closing.Done()
		b.close()
	}()
}
