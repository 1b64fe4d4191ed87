package stealth_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/render"
	"github.com/riptidecrawler/riptide/shared/stealth"
)

func newRenderer(t *testing.T) *render.Local {
	t.Helper()
	p, err := render.FindChromium()
	if err != nil {
		testenv.Missing(t, "chromium", "apt-get install -y chromium-headless-shell (or chromium), or set RIPTIDE_CHROMIUM_PATH ("+err.Error()+")")
	}
	// The detection page is served on loopback; the guard allows exactly that.
	l, err := render.NewLocal(render.LocalOptions{ExecPath: p, Guard: render.GuardFunc(loopbackOnly)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// TestStealthPresetsAgainstDetectionPageWithChromium serves the detection
// page on 127.0.0.1 (so the request headers are checked too) and runs it
// under every preset. High must pass every check, and in particular every
// check that none fails.
func TestStealthPresetsAgainstDetectionPageWithChromium(t *testing.T) {
	l := newRenderer(t)
	srv := httptest.NewServer(stealth.DetectionHandler())
	defer srv.Close()
	probe := render.StealthProbe(l, srv.URL+"/")
	reports := map[stealth.Preset]stealth.Report{}
	for _, p := range stealth.AllPresets() {
		rep, err := stealth.Test(context.Background(), probe, p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if !rep.HeadersSeen {
			t.Fatalf("%s: the page did not see the request headers", p)
		}
		reports[p] = rep
		t.Logf("%-6s passed %2d failed %2d: %v", p, rep.Passed, rep.Failed, rep.Failing())
		for _, c := range rep.Checks {
			if !c.Pass {
				t.Logf("    %s: %s", c.Name, c.Detail)
			}
		}
	}
	none, high := reports[stealth.PresetNone], reports[stealth.PresetHigh]
	if len(none.Checks) < 12 {
		t.Fatalf("only %d checks ran", len(none.Checks))
	}
	// Without stealth the classic tells must show, or the page tests nothing.
	for _, want := range []string{"webdriver", "headless_user_agent", "webgl_renderer"} {
		if !slices.Contains(none.Failing(), want) {
			t.Errorf("preset none passes %s; the detection page is not detecting", want)
		}
	}
	if f := high.Failing(); len(f) != 0 {
		t.Errorf("preset high fails %v", f)
	}
	for _, name := range none.Failing() {
		if c, _ := high.Check(name); !c.Pass {
			t.Errorf("high does not fix %s, which none fails: %s", name, c.Detail)
		}
	}
	if len(reports[stealth.PresetLow].Failing()) >= len(none.Failing()) {
		t.Errorf("low fixes nothing: %v", reports[stealth.PresetLow].Failing())
	}
	// Coherence details that a check alone does not show.
	if ua, _ := high.Info["user_agent"].(string); !strings.Contains(ua, "Windows NT 10.0") || strings.Contains(ua, "Headless") {
		t.Errorf("high user agent %q", ua)
	}
	if tz, _ := high.Info["timezone"].(string); tz != "America/New_York" {
		t.Errorf("high timezone %q", tz)
	}
}

// TestStealthInlineProbeWithChromium runs the detection page the way the
// stealth Lambda does, inline with nothing fetched.
func TestStealthInlineProbeWithChromium(t *testing.T) {
	l := newRenderer(t)
	rep, err := stealth.Test(context.Background(), render.StealthProbe(l, ""), stealth.PresetHigh)
	if err != nil {
		t.Fatal(err)
	}
	if rep.HeadersSeen || len(rep.Failing()) != 0 {
		t.Fatalf("inline high: headers_seen=%v failing %v", rep.HeadersSeen, rep.Failing())
	}
}

// TestStealthCanvasAndAudioNoiseWithChromium checks that high changes what
// a canvas and an audio buffer read back (fingerprinting scripts hash
// them), that the noise is stable for one seed, and that other seeds give
// other values.
func TestStealthCanvasAndAudioNoiseWithChromium(t *testing.T) {
	l := newRenderer(t)
	page := `<title>fp</title><canvas id="c" width="200" height="50"></canvas>`
	script := `(async () => {
  const c = document.getElementById('c'), x = c.getContext('2d');
  x.fillStyle = '#f60'; x.fillRect(10, 10, 100, 30); x.fillStyle = '#069'; x.font = '14px sans-serif'; x.fillText('RipTide fp', 12, 30);
  const url = c.toDataURL();
  const ctx = new OfflineAudioContext(1, 4410, 44100), osc = ctx.createOscillator(); osc.connect(ctx.destination); osc.start(0);
  const buf = await ctx.startRendering(); const d = buf.getChannelData(0);
  let s = 0; for (let i = 0; i < d.length; i++) s += Math.abs(d[i]);
  return url.length + ':' + url.slice(-60) + '|' + s.toFixed(12);
})()`
	fp := func(opts *stealth.Options) string {
		res, err := l.Render(context.Background(), render.Request{URL: "http://127.0.0.1/fp", HTML: page, Stealth: opts,
			Actions: []render.Action{{Type: render.ActionEvaluate, Script: script}}})
		if err != nil {
			t.Fatal(err)
		}
		return string(res.Actions[0].Value)
	}
	none := fp(nil)
	high1 := fp(&stealth.Options{Preset: stealth.PresetHigh, Seed: 7})
	high2 := fp(&stealth.Options{Preset: stealth.PresetHigh, Seed: 7})
	other := fp(&stealth.Options{Preset: stealth.PresetHigh, Seed: 8})
	noneCanvas, highCanvas := strings.Split(none, "|")[0], strings.Split(high1, "|")[0]
	noneAudio, highAudio := strings.Split(none, "|")[1], strings.Split(high1, "|")[1]
	if noneCanvas == highCanvas || noneAudio == highAudio {
		t.Fatalf("high does not change the fingerprint:\nnone %s\nhigh %s", none, high1)
	}
	if high1 != high2 {
		t.Fatalf("noise is not stable for one seed:\n%s\n%s", high1, high2)
	}
	if other == high1 {
		t.Fatalf("another seed gives the same fingerprint")
	}
	if medium := fp(&stealth.Options{Preset: stealth.PresetMedium}); medium != none {
		t.Fatalf("medium adds noise (it must not): %s vs %s", medium, none)
	}
}
