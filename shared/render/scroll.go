package render

import (
	"context"
	"time"

	"github.com/chromedp/chromedp"
)

// scroll scrolls in steps, pausing after each so lazy content can load,
// and returns the number of steps taken.
func (r *pageRun) scroll(ctx context.Context, s Scroll) (int, error) {
	steps := s.Steps
	if steps == 0 {
		steps = DefaultScrollSteps
	}
	delay := DefaultScrollDelay
	if s.DelayMS > 0 {
		delay = ms(s.DelayMS)
	}
	type pos struct {
		Y      float64 `json:"y"`
		Inner  float64 `json:"inner"`
		Height float64 `json:"height"`
	}
	const measure = `({y: window.scrollY, inner: window.innerHeight, height: Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0)})`
	lastHeight := -1.0
	for i := 0; i < steps; i++ {
		p, err := chromedp.Run(ctx, chromedp.Evaluate[pos](measure))
		if err != nil {
			return i, err
		}
		step := float64(s.StepPX)
		if step <= 0 {
			step = p.Inner
		}
		if s.ToBottom && p.Y+p.Inner >= p.Height-2 && p.Height == lastHeight {
			return i, nil // at the bottom and nothing more loaded after the last step
		}
		lastHeight = p.Height
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void]("window.scrollBy(0, "+formatFloat(step)+")")); err != nil {
			return i, err
		}
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return i + 1, ctx.Err()
		}
		if s.StopCondition != "" {
			stop, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("Boolean("+s.StopCondition+"\n)"))
			if err == nil && stop {
				return i + 1, nil
			}
		}
	}
	return steps, nil
}
