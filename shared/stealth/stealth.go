// Package stealth turns a stealth preset and per-feature switches into the
// browser overrides that make a headless Chromium look like a desktop
// Chrome: the CDP commands to send and the script to inject before any page
// script runs. It does not drive a browser itself; shared/render applies the
// Plan to each page, so the same configuration works in-process and in the
// render Lambda.
package stealth

import (
	"fmt"
	"slices"
	"strings"
)

// Preset is a named bundle of features.
type Preset string

// The presets, from nothing to everything.
const (
	PresetNone   Preset = "none"
	PresetLow    Preset = "low"
	PresetMedium Preset = "medium"
	PresetHigh   Preset = "high"
)

// AllPresets lists the presets in increasing strength.
func AllPresets() []Preset { return []Preset{PresetNone, PresetLow, PresetMedium, PresetHigh} }

// EnumValues list each enum's values for the API's JSON Schemas.
func (Preset) EnumValues() []string  { return strs(AllPresets()) }
func (Feature) EnumValues() []string { return strs(AllFeatures()) }
func (Platform) EnumValues() []string {
	return []string{string(PlatformWindows), string(PlatformMacOS), string(PlatformLinux)}
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// Feature is one evasion that can be switched on or off on its own.
type Feature string

// The features. Each name is also what Result.stealth_applied reports.
const (
	FeatureUserAgent     Feature = "user_agent"      // UA string, UA-CH headers and navigator.userAgentData, navigator.platform
	FeatureWebdriver     Feature = "webdriver"       // navigator.webdriver is false, as in a person's browser
	FeatureLanguages     Feature = "languages"       // navigator.languages and Accept-Language from the locale
	FeaturePlugins       Feature = "plugins"         // navigator.plugins and mimeTypes are the PDF viewer set
	FeatureWebGL         Feature = "webgl"           // WebGL vendor and renderer of a real GPU, never SwiftShader
	FeatureHardware      Feature = "hardware"        // hardwareConcurrency and deviceMemory of a common desktop
	FeatureTimezone      Feature = "timezone_locale" // Emulation timezone and locale overrides
	FeatureViewport      Feature = "viewport_screen" // viewport, screen and outer window sizes that fit together
	FeaturePermissions   Feature = "permissions"     // permissions.query agrees with Notification.permission
	FeatureChromeRuntime Feature = "chrome_runtime"  // window.chrome with app, csi, loadTimes (and runtime on https)
	FeatureCanvasNoise   Feature = "canvas_noise"    // stable per-session noise in canvas read-backs
	FeatureAudioNoise    Feature = "audio_noise"     // stable per-session noise in audio buffers
	FeatureIframe        Feature = "iframe_content_window"
	FeatureHeaders       Feature = "headers" // Accept-Language header; no extra headers that break Chrome's order
)

// AllFeatures lists every switchable feature in a stable order.
func AllFeatures() []Feature {
	return []Feature{
		FeatureUserAgent, FeatureWebdriver, FeatureLanguages, FeaturePlugins, FeatureWebGL,
		FeatureHardware, FeatureTimezone, FeatureViewport, FeaturePermissions, FeatureChromeRuntime,
		FeatureCanvasNoise, FeatureAudioNoise, FeatureIframe, FeatureHeaders,
	}
}

// PresetFeatures returns the features a preset turns on. Low hides the
// obvious automation tells (UA, webdriver, languages); medium makes the
// whole fingerprint coherent; high adds read-back noise, which changes
// canvas and audio hashes and so can break pages that rely on them.
func PresetFeatures(p Preset) []Feature {
	low := []Feature{FeatureUserAgent, FeatureWebdriver, FeatureLanguages, FeatureHeaders}
	medium := append(slices.Clone(low), FeaturePlugins, FeatureWebGL, FeatureHardware, FeatureTimezone,
		FeatureViewport, FeaturePermissions, FeatureChromeRuntime, FeatureIframe)
	switch p {
	case PresetLow:
		return low
	case PresetMedium:
		return medium
	case PresetHigh:
		return append(medium, FeatureCanvasNoise, FeatureAudioNoise)
	}
	return nil
}

// Platform is the operating system the browser claims to run on.
type Platform string

// Supported platforms. Every claim (UA, UA-CH, navigator.platform, WebGL)
// follows the same platform so the fingerprint stays coherent.
const (
	PlatformWindows Platform = "windows"
	PlatformMacOS   Platform = "macos"
	PlatformLinux   Platform = "linux"
)

// Options is what a request says about stealth. Every field is optional.
type Options struct {
	// Preset chooses the feature set (default medium when stealth is asked
	// for at all; a render request without options uses none).
	Preset Preset `json:"preset,omitempty"`
	// Features switches single features on (true) or off (false) on top of
	// the preset.
	Features map[Feature]bool `json:"features,omitempty"`
	// Platform to claim (default windows).
	Platform Platform `json:"platform,omitempty"`
	// UserAgent replaces the generated UA string; the UA-CH data still
	// follows Platform, so keep the two coherent.
	UserAgent string `json:"user_agent,omitempty"`
	// Locale as a BCP 47 tag (default en-US).
	Locale string `json:"locale,omitempty"`
	// Timezone as an IANA name (default from the locale, America/New_York for en-US).
	Timezone string `json:"timezone,omitempty"`
	// Seed makes canvas and audio noise reproducible; 0 derives it from the profile.
	Seed uint32 `json:"seed,omitempty"`
}

// Validate reports the first invalid field.
func (o Options) Validate() error {
	if o.Preset != "" && !slices.Contains(AllPresets(), o.Preset) {
		return fmt.Errorf("preset: unknown preset %q (want one of none, low, medium, high)", o.Preset)
	}
	for f := range o.Features {
		if !slices.Contains(AllFeatures(), f) {
			return fmt.Errorf("features: unknown feature %q", f)
		}
	}
	switch o.Platform {
	case "", PlatformWindows, PlatformMacOS, PlatformLinux:
	default:
		return fmt.Errorf("platform: unknown platform %q (want windows, macos or linux)", o.Platform)
	}
	if o.Locale != "" && !validLocale(o.Locale) {
		return fmt.Errorf("locale: %q is not a language tag like en-US", o.Locale)
	}
	if o.Timezone != "" && (strings.ContainsAny(o.Timezone, " \"'\\") || len(o.Timezone) > 64) {
		return fmt.Errorf("timezone: %q is not an IANA time zone name", o.Timezone)
	}
	if strings.ContainsAny(o.UserAgent, "\r\n") {
		return fmt.Errorf("user_agent: must be one line")
	}
	return nil
}

func validLocale(s string) bool {
	if len(s) < 2 || len(s) > 35 {
		return false
	}
	for _, r := range s {
		if !(r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// Enabled returns the features the options turn on, in AllFeatures order.
func (o Options) Enabled() []Feature {
	p := o.Preset
	if p == "" {
		p = PresetMedium
	}
	on := map[Feature]bool{}
	for _, f := range PresetFeatures(p) {
		on[f] = true
	}
	for f, v := range o.Features {
		on[f] = v
	}
	var out []Feature
	for _, f := range AllFeatures() {
		if on[f] {
			out = append(out, f)
		}
	}
	return out
}
