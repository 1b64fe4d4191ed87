package render

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/riptidecrawler/riptide/shared/core"
)

// pollInterval is how often selector and JS conditions are re-evaluated.
const pollInterval = 50 * time.Millisecond

// waitAll waits until every condition holds, one after the other (a
// condition met earlier stays met for the ones that are events: load,
// DOMContentLoaded).
func (r *pageRun) waitAll(ctx context.Context, ws []WaitCondition) error {
	for i, w := range ws {
		if err := r.wait(ctx, w); err != nil {
			if ctx.Err() != nil || isTimeout(err) {
				return core.Wrap(core.ErrTimeout, err, fmt.Sprintf("wait condition %d (%s) not met before the deadline", i, describeWait(w)))
			}
			return err
		}
	}
	return nil
}

func isTimeout(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || core.TypeOf(err) == core.ErrTimeout
}

func describeWait(w WaitCondition) string {
	switch w.Type {
	case WaitSelector:
		return fmt.Sprintf("selector %q visible", w.Selector)
	case WaitJS:
		return "js expression true"
	case WaitNetworkIdle:
		return "network idle"
	case WaitDelay:
		return fmt.Sprintf("delay %d ms", w.DelayMS)
	}
	return string(w.Type)
}

func (r *pageRun) wait(ctx context.Context, w WaitCondition) error {
	if w.TimeoutMS > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, ms(w.TimeoutMS))
		defer cancel()
	}
	switch w.Type {
	case WaitLoad:
		return r.state.waitFor(ctx, func(s *pageState) bool { return s.load })
	case WaitDOMContentLoaded:
		return r.state.waitFor(ctx, func(s *pageState) bool { return s.dcl || s.load })
	case WaitNetworkIdle:
		idle := DefaultNetworkIdle
		if w.IdleMS > 0 {
			idle = ms(w.IdleMS)
		}
		return r.state.networkIdle(ctx, idle, w.MaxInflight)
	case WaitDelay:
		t := time.NewTimer(ms(w.DelayMS))
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	case WaitSelector:
		return r.poll(ctx, visibleJS(w.Selector))
	case WaitJS:
		return r.poll(ctx, "Boolean("+w.Expression+"\n)")
	}
	return fmt.Errorf("unknown wait type %q", w.Type)
}

// visibleJS is true when the first element matching sel is rendered with a
// size and is not hidden by CSS.
func visibleJS(sel string) string {
	q, _ := json.Marshal(sel)
	return `(() => { const e = document.querySelector(` + string(q) + `); if (!e) return false;
  const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
  return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none' && Number(s.opacity) > 0; })()`
}

// poll evaluates expr until it is true. An expression that throws counts
// as false (the page may not be ready); the last error is reported if the
// deadline passes.
func (r *pageRun) poll(ctx context.Context, expr string) error {
	var lastErr error
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr, chromedp.EvalAwaitPromise))
		if err == nil && ok {
			return nil
		}
		if err != nil {
			lastErr = err
		}
		t := time.NewTimer(pollInterval)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			if lastErr != nil && ctx.Err() != nil {
				return fmt.Errorf("%w (last evaluation error: %v)", ctx.Err(), lastErr)
			}
			return ctx.Err()
		}
	}
}
