package stealth

// Capabilities is the machine-readable list of what stealth can do, for
// GET /api/v1/stealth/capabilities.
type Capabilities struct {
	Presets       []PresetInfo  `json:"presets"`
	Features      []FeatureInfo `json:"features"`
	Platforms     []Platform    `json:"platforms"`
	DefaultPreset Preset        `json:"default_preset"`
	Checks        []string      `json:"checks"`
}

// PresetInfo names the features of one preset.
type PresetInfo struct {
	Name     Preset    `json:"name"`
	Features []Feature `json:"features"`
}

// FeatureInfo describes one feature.
type FeatureInfo struct {
	Name        Feature `json:"name"`
	Description string  `json:"description"`
	Mechanism   string  `json:"mechanism"` // cdp, script or both
}

// GetCapabilities returns the capabilities listing.
func GetCapabilities() Capabilities {
	c := Capabilities{
		Platforms:     []Platform{PlatformWindows, PlatformMacOS, PlatformLinux},
		DefaultPreset: PresetMedium,
		Checks: []string{"webdriver", "headless_user_agent", "client_hints", "plugins", "webgl_renderer", "languages",
			"notification_permission", "permissions", "chrome_object", "iframe_content_window", "window_dimensions",
			"native_functions", "hardware", "worker_user_agent"},
	}
	for _, p := range AllPresets() {
		f := PresetFeatures(p)
		if f == nil {
			f = []Feature{}
		}
		c.Presets = append(c.Presets, PresetInfo{Name: p, Features: f})
	}
	desc := map[Feature][2]string{
		FeatureUserAgent:     {"Desktop Chrome user agent without HeadlessChrome, with matching Sec-CH-UA headers, navigator.userAgentData and navigator.platform", "cdp"},
		FeatureWebdriver:     {"navigator.webdriver reads false", "script"},
		FeatureLanguages:     {"navigator.languages and Accept-Language from the locale", "both"},
		FeaturePlugins:       {"navigator.plugins and mimeTypes list the PDF viewers when the build has none", "script"},
		FeatureWebGL:         {"WebGL vendor and renderer of a real GPU for the platform instead of SwiftShader", "script"},
		FeatureHardware:      {"hardwareConcurrency and deviceMemory of a common desktop", "both"},
		FeatureTimezone:      {"time zone and locale emulation", "cdp"},
		FeatureViewport:      {"viewport, screen and outer window sizes that fit together", "both"},
		FeaturePermissions:   {"permissions.query agrees with Notification.permission", "script"},
		FeatureChromeRuntime: {"window.chrome with app, csi and loadTimes (runtime on https pages)", "script"},
		FeatureCanvasNoise:   {"stable per-session noise in canvas read-backs", "script"},
		FeatureAudioNoise:    {"stable per-session noise in audio buffers", "script"},
		FeatureIframe:        {"same-origin iframes get the same patches as the page, even before their scripts run", "script"},
		FeatureHeaders:       {"Accept-Language header; no added headers, so Chrome's own header order stays", "cdp"},
	}
	for _, f := range AllFeatures() {
		d := desc[f]
		c.Features = append(c.Features, FeatureInfo{Name: f, Description: d[0], Mechanism: d[1]})
	}
	return c
}
