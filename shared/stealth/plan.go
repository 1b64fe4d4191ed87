package stealth

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/chromedp/cdproto/emulation"
)

// Plan is what one page needs to look like the configured browser: the CDP
// overrides to send before navigation and the script to register with
// Page.addScriptToEvaluateOnNewDocument. A zero Plan changes nothing.
type Plan struct {
	// Features lists what the plan applies, for Result.stealth_applied.
	Features []Feature
	// UserAgent, when set, goes to Emulation.setUserAgentOverride: the UA
	// string, Accept-Language, navigator.platform and the UA-CH metadata
	// (Sec-CH-UA* headers and navigator.userAgentData) in one command, so
	// they cannot disagree. An empty UserAgent field means "the browser's
	// own": the command needs one, so the caller fills in the default UA.
	UserAgent *emulation.SetUserAgentOverrideParams
	// Timezone and Locale go to Emulation.setTimezoneOverride and
	// setLocaleOverride when not empty.
	Timezone string
	Locale   string
	// HardwareConcurrency goes to Emulation.setHardwareConcurrencyOverride
	// when positive (it also reaches workers, which a script cannot).
	HardwareConcurrency int64
	// Viewport, when Width is positive, goes to Emulation.setDeviceMetricsOverride.
	Viewport Viewport
	// Script is the source to evaluate in every new document before its own
	// scripts; empty when no script feature is on.
	Script string
}

// Viewport is the page size and the screen around it (returned by
// /stealth/configure, hence the JSON names).
type Viewport struct {
	Width             int64   `json:"width"`
	Height            int64   `json:"height"`
	ScreenWidth       int64   `json:"screen_width"`
	ScreenHeight      int64   `json:"screen_height"`
	DeviceScaleFactor float64 `json:"device_scale_factor"`
}

// profile is one coherent desktop: everything a fingerprint can compare.
type profile struct {
	uaPlatform      string // the part of the UA in parentheses
	navPlatform     string // navigator.platform
	chPlatform      string // Sec-CH-UA-Platform
	chPlatformVer   string
	chArch          string
	chBitness       string
	webglVendor     string
	webglRenderer   string
	cores, memoryGB int64
	screenW         int64
	screenH         int64
	viewW, viewH    int64
}

func profileFor(p Platform) profile {
	switch p {
	case PlatformMacOS:
		return profile{
			uaPlatform: "Macintosh; Intel Mac OS X 10_15_7", navPlatform: "MacIntel",
			chPlatform: "macOS", chPlatformVer: "14.6.1", chArch: "arm", chBitness: "64",
			webglVendor: "Google Inc. (Apple)", webglRenderer: "ANGLE (Apple, ANGLE Metal Renderer: Apple M2, Unspecified Version)",
			cores: 8, memoryGB: 8, screenW: 1512, screenH: 982, viewW: 1512, viewH: 859,
		}
	case PlatformLinux:
		return profile{
			uaPlatform: "X11; Linux x86_64", navPlatform: "Linux x86_64",
			chPlatform: "Linux", chPlatformVer: "6.8.0", chArch: "x86", chBitness: "64",
			webglVendor: "Google Inc. (Intel)", webglRenderer: "ANGLE (Intel, Mesa Intel(R) UHD Graphics 620 (KBL GT2), OpenGL 4.6)",
			cores: 8, memoryGB: 8, screenW: 1920, screenH: 1080, viewW: 1920, viewH: 971,
		}
	default:
		return profile{
			uaPlatform: "Windows NT 10.0; Win64; x64", navPlatform: "Win32",
			chPlatform: "Windows", chPlatformVer: "15.0.0", chArch: "x86", chBitness: "64",
			webglVendor: "Google Inc. (Intel)", webglRenderer: "ANGLE (Intel, Intel(R) UHD Graphics 630 (0x00003E92) Direct3D11 vs_5_0 ps_5_0, D3D11)",
			cores: 8, memoryGB: 8, screenW: 1920, screenH: 1080, viewW: 1920, viewH: 953,
		}
	}
}

// timezoneFor picks a plausible time zone for a locale's region.
func timezoneFor(locale string) string {
	region := ""
	if i := strings.LastIndexByte(locale, '-'); i > 0 {
		region = strings.ToUpper(locale[i+1:])
	}
	switch region {
	case "GB":
		return "Europe/London"
	case "DE", "AT", "CH":
		return "Europe/Berlin"
	case "FR", "BE":
		return "Europe/Paris"
	case "ES":
		return "Europe/Madrid"
	case "IT":
		return "Europe/Rome"
	case "NL":
		return "Europe/Amsterdam"
	case "JP":
		return "Asia/Tokyo"
	case "BR":
		return "America/Sao_Paulo"
	case "CA":
		return "America/Toronto"
	case "AU":
		return "Australia/Sydney"
	case "IN":
		return "Asia/Kolkata"
	}
	return "America/New_York"
}

// languagesFor gives navigator.languages and the Accept-Language header for
// a locale, the way Chrome builds them from its language list.
func languagesFor(locale string) ([]string, string) {
	base, _, _ := strings.Cut(locale, "-")
	if base == locale {
		return []string{locale}, locale
	}
	return []string{locale, base}, locale + "," + base + ";q=0.9"
}

// greaseBrand follows Chromium's GetGreasedUserAgentBrandVersion, so the
// brand list looks like the one a real Chrome of the same major sends.
func greaseBrand(major int) (brand, version string, order [3]int) {
	chars := []string{" ", "(", ":", "-", ".", "/", ")", ";", "=", "?", "_"}
	versions := []string{"8", "99", "24"}
	orders := [6][3]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}}
	return "Not" + chars[major%11] + "A" + chars[(major+1)%11] + "Brand", versions[major%3], orders[major%6]
}

// Plan builds the overrides for a browser whose full version is
// browserVersion (as in Browser.getVersion's product, e.g. "156.0.8078.108";
// a "HeadlessChrome/" or "Chrome/" prefix is accepted). The UA claims the
// same version the engine really has, because a mismatch between the UA and
// the features the engine exposes is itself a tell.
func (o Options) Plan(browserVersion string) (Plan, error) {
	if err := o.Validate(); err != nil {
		return Plan{}, err
	}
	full := browserVersion
	if i := strings.LastIndexByte(full, '/'); i >= 0 {
		full = full[i+1:]
	}
	majorStr, _, _ := strings.Cut(full, ".")
	major, err := strconv.Atoi(majorStr)
	if err != nil || major <= 0 {
		return Plan{}, fmt.Errorf("stealth: browser version %q has no major number", browserVersion)
	}
	features := o.Enabled()
	if o.Preset == PresetNone && len(o.Features) == 0 {
		features = nil
	}
	on := map[Feature]bool{}
	for _, f := range features {
		on[f] = true
	}
	plat := o.Platform
	if plat == "" {
		plat = PlatformWindows
	}
	prof := profileFor(plat)
	locale := o.Locale
	if locale == "" {
		locale = "en-US"
	}
	languages, acceptLanguage := languagesFor(locale)

	plan := Plan{Features: features}
	if on[FeatureUserAgent] || on[FeatureLanguages] || on[FeatureHeaders] {
		ua := o.UserAgent
		if ua == "" {
			ua = fmt.Sprintf("Mozilla/5.0 (%s) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/%d.0.0.0 Safari/537.36", prof.uaPlatform, major)
		}
		params := &emulation.SetUserAgentOverrideParams{UserAgent: ua}
		if on[FeatureLanguages] || on[FeatureHeaders] {
			params.AcceptLanguage = acceptLanguage
		}
		if on[FeatureUserAgent] {
			params.Platform = prof.navPlatform
			grease, greaseVer, order := greaseBrand(major)
			mk := func(chrome, chromium, g string) []*emulation.UserAgentBrandVersion {
				list := make([]*emulation.UserAgentBrandVersion, 3)
				list[order[0]] = &emulation.UserAgentBrandVersion{Brand: grease, Version: g}
				list[order[1]] = &emulation.UserAgentBrandVersion{Brand: "Chromium", Version: chromium}
				list[order[2]] = &emulation.UserAgentBrandVersion{Brand: "Google Chrome", Version: chrome}
				return list
			}
			params.UserAgentMetadata = &emulation.UserAgentMetadata{
				Brands:          mk(strconv.Itoa(major), strconv.Itoa(major), greaseVer),
				FullVersionList: mk(full, full, greaseVer+".0.0.0"),
				Platform:        prof.chPlatform,
				PlatformVersion: prof.chPlatformVer,
				Architecture:    prof.chArch,
				Bitness:         prof.chBitness,
				Model:           "",
				Mobile:          false,
				FormFactors:     []string{"Desktop"},
			}
		} else {
			// Without the UA feature only the language changes; the
			// caller puts the browser's own UA string back (see Plan.UserAgent).
			params.UserAgent = ""
		}
		plan.UserAgent = params
	}
	if on[FeatureTimezone] {
		plan.Locale = locale
		plan.Timezone = o.Timezone
		if plan.Timezone == "" {
			plan.Timezone = timezoneFor(locale)
		}
	}
	if on[FeatureHardware] {
		plan.HardwareConcurrency = prof.cores
	}
	if on[FeatureViewport] {
		plan.Viewport = Viewport{Width: prof.viewW, Height: prof.viewH, ScreenWidth: prof.screenW, ScreenHeight: prof.screenH, DeviceScaleFactor: 1}
	}

	seed := o.Seed
	if seed == 0 {
		h := fnv.New32a()
		fmt.Fprintf(h, "%s|%s|%d", plat, locale, major)
		seed = h.Sum32()
	}
	scriptFeatures := map[string]bool{}
	for _, f := range []Feature{FeatureWebdriver, FeatureLanguages, FeaturePlugins, FeatureWebGL, FeatureHardware,
		FeatureViewport, FeaturePermissions, FeatureChromeRuntime, FeatureCanvasNoise, FeatureAudioNoise, FeatureIframe} {
		if on[f] {
			scriptFeatures[string(f)] = true
		}
	}
	if len(scriptFeatures) > 0 {
		cfg := map[string]any{
			"features":      scriptFeatures,
			"languages":     languages,
			"webglVendor":   prof.webglVendor,
			"webglRenderer": prof.webglRenderer,
			"cores":         prof.cores,
			"memory":        prof.memoryGB,
			"seed":          seed,
		}
		buf, err := json.Marshal(cfg)
		if err != nil {
			return Plan{}, fmt.Errorf("stealth: encode script config: %w", err)
		}
		plan.Script = "(" + evasionsJS + ")(" + string(buf) + ");"
	}
	return plan, nil
}
