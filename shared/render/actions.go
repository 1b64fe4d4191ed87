package render

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/riptidecrawler/riptide/shared/core"
)

// runActions runs the actions in order. A failed action stops the run
// unless it has continue_on_error; either way its error is in its result.
// The returned error is set only when the run stopped early.
func (r *pageRun) runActions(ctx context.Context, acts []Action) ([]ActionResult, error) {
	out := make([]ActionResult, 0, len(acts))
	for i, a := range acts {
		t := time.Now()
		actx, cancel := ctx, context.CancelFunc(func() {})
		if a.TimeoutMS > 0 {
			actx, cancel = context.WithTimeout(ctx, ms(a.TimeoutMS))
		}
		val, err := r.action(actx, a)
		cancel()
		res := ActionResult{Index: i, Type: a.Type, OK: err == nil, DurationMS: time.Since(t).Milliseconds(), Value: val}
		if err != nil {
			res.Error = actionErrorText(err)
		}
		out = append(out, res)
		if err != nil && ctx.Err() != nil {
			return out, err // the render deadline passed: nothing more can run
		}
		if err != nil && !a.ContinueOnError {
			return out, core.Wrap(core.ErrRender, err, fmt.Sprintf("actions[%d] (%s) failed: %s", i, a.Type, res.Error))
		}
	}
	return out, nil
}

func actionErrorText(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	if e := core.AsError(err); e.Type != core.ErrInternal {
		return e.Message
	}
	return err.Error()
}

func (r *pageRun) action(ctx context.Context, a Action) (json.RawMessage, error) {
	switch a.Type {
	case ActionClick:
		return nil, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(a.Selector), chromedp.NodeVisible))
	case ActionTypeText:
		return nil, chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(a.Selector), a.Text, chromedp.NodeVisible))
	case ActionPress:
		if a.Selector != "" {
			if err := chromedp.Do(ctx, chromedp.Focus(chromedp.CSS(a.Selector), chromedp.NodeVisible)); err != nil {
				return nil, err
			}
		}
		return nil, pressKey(ctx, a.Key)
	case ActionHover:
		return nil, r.hover(ctx, a.Selector)
	case ActionSelect:
		return nil, r.selectValues(ctx, a.Selector, a.Values)
	case ActionEvaluate:
		return r.evaluate(ctx, a.Script)
	case ActionWait:
		return nil, r.waitAll(ctx, a.Wait)
	case ActionScroll:
		s := Scroll{}
		if a.Scroll != nil {
			s = *a.Scroll
		}
		_, err := r.scroll(ctx, s)
		return nil, err
	case ActionNavigate:
		if err := r.navigate(ctx, a.URL); err != nil {
			return nil, err
		}
		waits := a.Wait
		if len(waits) == 0 {
			waits = []WaitCondition{{Type: WaitLoad}}
		}
		return nil, r.waitAll(ctx, waits)
	case ActionSetCookies:
		return nil, r.setCookies(ctx, a.Cookies)
	}
	return nil, fmt.Errorf("unknown action %q", a.Type)
}

// pressKey sends one key by its DOM name ("Enter", "Tab", "ArrowDown") or
// as a single character.
func pressKey(ctx context.Context, key string) error {
	var rn rune = -1
	if utf8.RuneCountInString(key) == 1 {
		rn, _ = utf8.DecodeRuneInString(key)
	} else {
		for r, k := range kb.Keys {
			if k.Key == key {
				rn = r
				break
			}
		}
	}
	if rn < 0 {
		return core.Errorf(core.ErrValidation, "unknown key %q", key)
	}
	return chromedp.Do(ctx, chromedp.KeyEvent(string(rn)))
}

// hover moves the mouse to the centre of the element, so :hover styles and
// mouseover handlers run as for a person.
func (r *pageRun) hover(ctx context.Context, sel string) error {
	q, _ := json.Marshal(sel)
	type pt struct {
		X, Y  float64
		Found bool
	}
	if err := r.poll(ctx, visibleJS(sel)); err != nil {
		return fmt.Errorf("element %s not visible: %w", sel, err)
	}
	p, err := chromedp.Run(ctx, chromedp.Evaluate[pt](`(() => { const e = document.querySelector(`+string(q)+`); if (!e) return {Found: false};
  e.scrollIntoView({block: 'center', inline: 'center'}); const r = e.getBoundingClientRect();
  return {X: r.left + r.width / 2, Y: r.top + r.height / 2, Found: true}; })()`))
	if err != nil {
		return err
	}
	if !p.Found {
		return fmt.Errorf("no element matches %s", sel)
	}
	return chromedp.Do(ctx, chromedp.MouseEvent(chromedp.MouseMoved, p.X, p.Y))
}

// selectValues selects options of a <select> by value or visible text and
// fires input and change, as a person's choice does.
func (r *pageRun) selectValues(ctx context.Context, sel string, values []string) error {
	if err := r.poll(ctx, `!!document.querySelector(`+mustJSON(sel)+`)`); err != nil {
		return fmt.Errorf("no element matches %s: %w", sel, err)
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(() => { const e = document.querySelector(`+mustJSON(sel)+`);
  if (!e || e.tagName !== 'SELECT') return -1;
  const want = `+mustJSON(values)+`; let n = 0;
  const opts = Array.from(e.options), match = o => want.includes(o.value) || want.includes(o.text.trim());
  if (e.multiple) { opts.forEach(o => { o.selected = match(o); }); n = opts.filter(o => o.selected).length; }
  else { const i = opts.findIndex(match); if (i >= 0) { e.selectedIndex = i; n = 1; } }
  if (n === 0) return 0;
  e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true}));
  return n; })()`))
	if err != nil {
		return err
	}
	switch {
	case n < 0:
		return fmt.Errorf("%s is not a <select>", sel)
	case n == 0:
		return fmt.Errorf("no option of %s has value or text %v", sel, values)
	}
	return nil
}

// evaluate runs a script (awaiting a returned promise) and returns its
// value as JSON.
func (r *pageRun) evaluate(ctx context.Context, script string) (json.RawMessage, error) {
	obj, err := chromedp.Run(ctx, chromedp.Evaluate[*runtime.RemoteObject](script, chromedp.EvalAwaitPromise, chromedp.EvalAsValue))
	if err != nil {
		return nil, err
	}
	if obj == nil || len(obj.Value) == 0 {
		if obj != nil && obj.UnserializableValue != "" {
			return json.Marshal(string(obj.UnserializableValue))
		}
		return nil, nil
	}
	return json.RawMessage(obj.Value), nil
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', 0, 64) }
