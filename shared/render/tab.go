package render

import (
	"context"
	"fmt"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// tab is a page target in its own fresh browser context (incognito:
// separate cookies, cache and storage), attached and ready for setup.
type tab struct {
	ctx    context.Context
	cancel context.CancelFunc
	frame  cdp.FrameID
	// browserOwned marks the browser's own first tab, used in
	// single-process mode where the browser serves one render only.
	browserOwned bool
	// route is the egress proxy of the tab's browser context (nil without
	// an Egress); refusedBefore is its count when the render began.
	route         EgressRoute
	refusedBefore int64
}

// refused counts the connections of this tab the egress proxy refused
// since the render began.
func (t *tab) refused() int64 {
	if t.route == nil {
		return 0
	}
	return t.route.Refused() - t.refusedBefore
}

// newTab creates a browser context and a page in it. Opening a window and
// attaching to it costs a few hundred milliseconds, most of a warm render,
// which is why one tab is kept ready in advance (takeTab).
func (b *browserProc) newTab(ctx context.Context) (*tab, error) {
	var route EgressRoute
	var bcOpts []chromedp.CreateBrowserContextOption
	if b.egress != nil {
		// A proxy per browser context: what it refuses belongs to this
		// tab's render alone.
		r, err := b.egress.Open()
		if err != nil {
			return nil, fmt.Errorf("open the tab's egress proxy: %w", err)
		}
		route = r
		bcOpts = append(bcOpts, func(p *target.CreateBrowserContextParams) {
			p.ProxyServer = r.ProxyServer()
			p.ProxyBypassList = egressBypassList
		})
	}
	tctx, ctxCancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext(bcOpts...))
	cancel := func() {
		ctxCancel()
		if route != nil {
			_ = route.Close()
		}
	}
	// The first Run ties the tab's event loop to the context it is given,
	// so it gets tctx itself; ctx only bounds how long we wait.
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(tctx) }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		cancel()
		return nil, fmt.Errorf("open tab: %w", err)
	}
	tree, err := chromedp.Call(tctx, page.GetFrameTree, cdp.Empty{})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("frame tree: %w", err)
	}
	return &tab{ctx: tctx, cancel: cancel, frame: tree.FrameTree.Frame.ID, route: route}, nil
}

// takeTab returns the prepared tab, waiting for it when it is being
// opened, else opens a new one, and starts preparing the next one at once:
// in Lambda the container is frozen as soon as the response is out, so the
// next invocation only finds a ready tab if it was prepared during this one.
func (b *browserProc) takeTab(ctx context.Context) (*tab, error) {
	if b.single {
		// A single-process Chromium cannot open another browser context;
		// it serves one render in its first tab and is then replaced, so
		// the isolation comes from the fresh process instead.
		tree, err := chromedp.Call(b.ctx, page.GetFrameTree, cdp.Empty{})
		if err != nil {
			return nil, fmt.Errorf("frame tree: %w", err)
		}
		t := &tab{ctx: b.ctx, cancel: func() {}, frame: tree.FrameTree.Frame.ID, browserOwned: true, route: b.route}
		if t.route != nil {
			t.refusedBefore = t.route.Refused()
		}
		return t, nil
	}
	defer b.prepareSpare()
	select {
	case t := <-b.spare:
		return t, nil
	default:
	}
	if b.warming.Load() {
		select {
		case t := <-b.spare:
			return t, nil
		case <-b.warmed():
			select {
			case t := <-b.spare:
				return t, nil
			default:
			}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return b.newTab(ctx)
}

// warmed returns a channel closed when the spare being opened is done
// (ready or failed).
func (b *browserProc) warmed() <-chan struct{} {
	b.warmMu.Lock()
	defer b.warmMu.Unlock()
	if b.warmDone == nil {
		c := make(chan struct{})
		close(c)
		return c
	}
	return b.warmDone
}

// prepareSpare opens one tab in the background unless one is ready or
// being opened. A tab that finds the slot full, or a browser that is gone,
// is closed again.
func (b *browserProc) prepareSpare() {
	if b.single || !b.warming.CompareAndSwap(false, true) {
		return
	}
	done := make(chan struct{})
	b.warmMu.Lock()
	b.warmDone = done
	b.warmMu.Unlock()
	go func() {
		defer func() {
			b.warming.Store(false)
			close(done)
		}()
		if len(b.spare) > 0 || b.dead() {
			return
		}
		ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
		defer cancel()
		t, err := b.newTab(ctx)
		if err != nil {
			return
		}
		select {
		case b.spare <- t:
		default:
			t.cancel()
		}
	}()
}
