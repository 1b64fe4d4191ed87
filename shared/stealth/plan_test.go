package stealth

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestPlanPresets(t *testing.T) {
	none, err := Options{Preset: PresetNone}.Plan("Chrome/156.0.8078.108")
	if err != nil {
		t.Fatal(err)
	}
	if none.UserAgent != nil || none.Script != "" || len(none.Features) != 0 || none.Timezone != "" {
		t.Fatalf("none changes something: %+v", none)
	}
	high, err := Options{Preset: PresetHigh}.Plan("HeadlessChrome/156.0.8078.108")
	if err != nil {
		t.Fatal(err)
	}
	ua := high.UserAgent
	if ua == nil || ua.UserAgent != "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36" {
		t.Fatalf("ua %+v", ua)
	}
	if ua.Platform != "Win32" || ua.AcceptLanguage != "en-US,en;q=0.9" || ua.UserAgentMetadata.Platform != "Windows" {
		t.Fatalf("ua details %+v", ua)
	}
	// Chromium's own GREASE for 156: "Not:A-Brand";v="8", first in the list.
	var brands []string
	for _, b := range ua.UserAgentMetadata.Brands {
		brands = append(brands, b.Brand+"/"+b.Version)
	}
	if want := []string{"Not:A-Brand/8", "Chromium/156", "Google Chrome/156"}; !slices.Equal(brands, want) {
		t.Fatalf("brands %v want %v", brands, want)
	}
	if fv := ua.UserAgentMetadata.FullVersionList[1]; fv.Version != "156.0.8078.108" {
		t.Fatalf("full version %+v", fv)
	}
	if high.Timezone != "America/New_York" || high.Locale != "en-US" || high.HardwareConcurrency != 8 || high.Viewport.ScreenWidth != 1920 {
		t.Fatalf("high plan %+v", high)
	}
	for _, f := range []Feature{FeatureCanvasNoise, FeatureAudioNoise, FeatureWebGL} {
		if !slices.Contains(high.Features, f) {
			t.Fatalf("high lacks %s", f)
		}
	}
	if !strings.Contains(high.Script, `"canvas_noise":true`) || !strings.HasPrefix(high.Script, "(function riptideStealth(cfg)") {
		t.Fatalf("script: %.120s", high.Script)
	}
	medium, _ := Options{}.Plan("156.0.1.2")
	if strings.Contains(medium.Script, `"canvas_noise":true`) || !slices.Contains(medium.Features, FeatureWebGL) {
		t.Fatalf("medium (the default) features %v", medium.Features)
	}
}

func TestPlanSwitchesAndCoherence(t *testing.T) {
	p, err := Options{Preset: PresetLow, Platform: PlatformMacOS, Locale: "de-DE", Features: map[Feature]bool{FeatureWebdriver: false, FeatureTimezone: true}}.Plan("156.0.1.2")
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(p.Features, FeatureWebdriver) || !slices.Contains(p.Features, FeatureTimezone) {
		t.Fatalf("switches ignored: %v", p.Features)
	}
	if !strings.Contains(p.UserAgent.UserAgent, "Macintosh") || p.UserAgent.Platform != "MacIntel" || p.UserAgent.UserAgentMetadata.Platform != "macOS" {
		t.Fatalf("platform incoherent: %+v", p.UserAgent)
	}
	if p.Timezone != "Europe/Berlin" || p.UserAgent.AcceptLanguage != "de-DE,de;q=0.9" {
		t.Fatalf("locale: %s %s", p.Timezone, p.UserAgent.AcceptLanguage)
	}
	// Languages alone keep the browser's UA (the caller fills it in).
	p, _ = Options{Preset: PresetNone, Features: map[Feature]bool{FeatureLanguages: true}}.Plan("156.0.1.2")
	if p.UserAgent == nil || p.UserAgent.UserAgent != "" || p.UserAgent.UserAgentMetadata != nil {
		t.Fatalf("languages-only plan %+v", p.UserAgent)
	}
}

func TestOptionsValidate(t *testing.T) {
	for _, bad := range []Options{
		{Preset: "ultra"}, {Platform: "amiga"}, {Locale: "en US"}, {Timezone: "x\"y"},
		{Features: map[Feature]bool{"teleport": true}}, {UserAgent: "a\nb"},
	} {
		if bad.Validate() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if _, err := (Options{}).Plan("no-version"); err == nil {
		t.Error("plan without a browser version")
	}
	var o Options
	if err := json.Unmarshal([]byte(`{"preset":"high","features":{"canvas_noise":false},"platform":"linux"}`), &o); err != nil || o.Validate() != nil {
		t.Fatalf("json options: %v", err)
	}
	if slices.Contains(o.Enabled(), FeatureCanvasNoise) || !slices.Contains(o.Enabled(), FeatureAudioNoise) {
		t.Fatalf("enabled %v", o.Enabled())
	}
}

func TestCapabilities(t *testing.T) {
	c := GetCapabilities()
	if len(c.Presets) != 4 || len(c.Features) != len(AllFeatures()) || c.DefaultPreset != PresetMedium {
		t.Fatalf("%+v", c)
	}
	for _, f := range c.Features {
		if f.Description == "" || f.Mechanism == "" {
			t.Fatalf("feature %s undocumented", f.Name)
		}
	}
	buf, _ := json.Marshal(c)
	if !strings.Contains(string(buf), `"name":"none","features":[]`) {
		t.Fatalf("none must list an empty feature array: %s", buf)
	}
}

func TestParseReport(t *testing.T) {
	page := `<html><body><pre id="riptide-stealth-report">{"checks":[{"name":"webdriver","pass":false,"detail":"a &lt;b&gt; &amp; c"},{"name":"plugins","pass":true}],"info":{"x":1},"headers_seen":true}</pre></body></html>`
	r, err := ParseReport(page)
	if err != nil {
		t.Fatal(err)
	}
	if r.Passed != 1 || r.Failed != 1 || r.Checks[0].Detail != "a <b> & c" || !r.HeadersSeen {
		t.Fatalf("%+v", r)
	}
	if _, err := ParseReport("<html></html>"); err == nil {
		t.Fatal("no report accepted")
	}
	if !strings.Contains(string(DetectionPage(nil)), "/*RIPTIDE_HEADERS*/null") {
		t.Fatal("inline page lost its header placeholder")
	}
}
