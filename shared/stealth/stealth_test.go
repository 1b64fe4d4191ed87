package stealth_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/shared/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/render"
	"github.com/riptidecrawler/riptide/shared/stealth"
)

func newRenderer(t *testing.T) *render.Local {
	t.Helper()
	p, err := render.FindChromium()
	if err != nil {
		testenv.Missing(t, "chromium", "apt-get install -y chromium, or set RIPTIDE_CHROMIUM_PATH ("+err.Error()+")")
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
