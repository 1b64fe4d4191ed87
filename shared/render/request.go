package render

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/stealth"
)

// Defaults and limits of a Request. Every option left empty takes the
// default listed here.
const (
	DefaultTimeout       = 30 * time.Second
	MaxTimeout           = 5 * time.Minute
	DefaultNetworkIdle   = 500 * time.Millisecond
	DefaultScrollSteps   = 8
	DefaultScrollDelay   = 250 * time.Millisecond
	MaxScrollSteps       = 200
	DefaultViewportW     = 1280
	DefaultViewportH     = 800
	DefaultJPEGQuality   = 80
	MaxActions           = 100
	MaxConsoleMessages   = 200
	MaxFailedRequestList = 50
)

// Request is one render: the page to load, how to wait, what to do on it
// and what to bring back. It travels as JSON to the render Lambda, so
// every field has a snake_case name and durations are integer milliseconds.
type Request struct {
	// URL to load (http or https). Required.
	URL string `json:"url"`
	// HTML, when set, is rendered as the document at URL instead of
	// fetching it: the main document request is answered from here and
	// never leaves the browser. Subresources still load (through the guard).
	HTML string `json:"html,omitempty"`
	// TimeoutMS is the hard deadline of the whole render, launch included
	// (default 30000).
	TimeoutMS int `json:"timeout_ms,omitempty"`
	// Viewport of the page (default 1280x800, or the stealth profile's).
	Viewport *Viewport `json:"viewport,omitempty"`
	// Headers are extra request headers for every request of the page.
	Headers map[string]string `json:"headers,omitempty"`
	// Cookies to set before the first navigation.
	Cookies []Cookie `json:"cookies,omitempty"`
	// Wait lists conditions that must all hold after navigation (default: load).
	Wait []WaitCondition `json:"wait,omitempty"`
	// Scroll, when set, scrolls after the wait, for lazy-loaded content.
	Scroll *Scroll `json:"scroll,omitempty"`
	// Actions run in order after the wait and the scroll.
	Actions []Action `json:"actions,omitempty"`
	// Artifacts chooses the optional outputs (screenshot, PDF).
	Artifacts Artifacts `json:"artifacts,omitzero"`
	// Block chooses resources the browser must not load.
	Block Block `json:"block,omitzero"`
	// Stealth options; nil renders with no stealth (preset none).
	Stealth *stealth.Options `json:"stealth,omitempty"`
}

// Viewport is the page size in CSS pixels.
type Viewport struct {
	Width             int     `json:"width"`
	Height            int     `json:"height"`
	DeviceScaleFactor float64 `json:"device_scale_factor,omitempty"` // default 1
	Mobile            bool    `json:"mobile,omitempty"`
}

// Cookie is a browser cookie, in and out.
type Cookie struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Domain string `json:"domain,omitempty"` // default: the host of Request.URL
	Path   string `json:"path,omitempty"`   // default "/"
	// Expires is the expiry time; nil is a session cookie.
	Expires  *time.Time `json:"expires,omitempty"`
	HTTPOnly bool       `json:"http_only,omitempty"`
	Secure   bool       `json:"secure,omitempty"`
	SameSite string     `json:"same_site,omitempty"` // strict, lax or none
	// HostOnly ties the cookie to the host Domain names, not the hosts
	// under it (a cookie the site set without a Domain attribute).
	HostOnly bool `json:"host_only,omitempty"`
}

// WaitType names a wait condition.
type WaitType string

// Wait conditions.
const (
	WaitLoad             WaitType = "load"               // the load event of the main frame
	WaitDOMContentLoaded WaitType = "dom_content_loaded" // DOMContentLoaded of the main frame
	WaitNetworkIdle      WaitType = "network_idle"       // no request in flight for idle_ms
	WaitSelector         WaitType = "selector"           // an element matching selector is visible
	WaitJS               WaitType = "js"                 // expression evaluates truthy
	WaitDelay            WaitType = "delay"              // a fixed pause of delay_ms
)

// WaitCondition is one thing to wait for. A list of them means all of them.
type WaitCondition struct {
	Type WaitType `json:"type"`
	// Selector (CSS) for type selector.
	Selector string `json:"selector,omitempty"`
	// Expression (JavaScript) for type js; polled until truthy.
	Expression string `json:"expression,omitempty"`
	// IdleMS is the quiet time for network_idle (default 500).
	IdleMS int `json:"idle_ms,omitempty"`
	// MaxInflight requests still count as idle for network_idle (default 0).
	MaxInflight int `json:"max_inflight,omitempty"`
	// DelayMS for type delay.
	DelayMS int `json:"delay_ms,omitempty"`
	// TimeoutMS bounds this condition (default: what is left of the render deadline).
	TimeoutMS int `json:"timeout_ms,omitempty"`
}

// Scroll scrolls the page in steps, for content that loads on scroll.
type Scroll struct {
	// Steps is the number of steps (default 8, at most 200).
	Steps int `json:"steps,omitempty"`
	// StepPX is the distance of a step (default: one viewport height).
	StepPX int `json:"step_px,omitempty"`
	// DelayMS is the pause after each step (default 250).
	DelayMS int `json:"delay_ms,omitempty"`
	// ToBottom keeps scrolling (up to Steps) until the page stops growing
	// and the bottom is reached.
	ToBottom bool `json:"to_bottom,omitempty"`
	// StopCondition is a JavaScript expression; scrolling stops once it is truthy.
	StopCondition string `json:"stop_condition,omitempty"`
}

// ActionType names an action.
type ActionType string

// Actions.
const (
	ActionClick      ActionType = "click"
	ActionTypeText   ActionType = "type" // type text into an element
	ActionPress      ActionType = "press"
	ActionHover      ActionType = "hover"
	ActionSelect     ActionType = "select"
	ActionEvaluate   ActionType = "evaluate"
	ActionWait       ActionType = "wait"
	ActionScroll     ActionType = "scroll"
	ActionNavigate   ActionType = "navigate"
	ActionSetCookies ActionType = "set_cookies"
)

// Action is one step on the page.
type Action struct {
	Type ActionType `json:"type"`
	// Selector (CSS) of the element for click, type, hover, select, and
	// optionally press (focus first).
	Selector string `json:"selector,omitempty"`
	// Text to type.
	Text string `json:"text,omitempty"`
	// Key to press, a DOM key name such as "Enter", "Tab", "ArrowDown" or one character.
	Key string `json:"key,omitempty"`
	// Values to select in a <select>.
	Values []string `json:"values,omitempty"`
	// Script to evaluate; its JSON result is returned.
	Script string `json:"script,omitempty"`
	// URL to navigate to.
	URL string `json:"url,omitempty"`
	// Wait conditions of a wait action, or after a navigate (default load).
	Wait []WaitCondition `json:"wait,omitempty"`
	// Scroll of a scroll action.
	Scroll *Scroll `json:"scroll,omitempty"`
	// Cookies of a set_cookies action.
	Cookies []Cookie `json:"cookies,omitempty"`
	// TimeoutMS bounds the action (default: what is left of the render deadline).
	TimeoutMS int `json:"timeout_ms,omitempty"`
	// ContinueOnError runs the next actions even if this one fails; the
	// failure is still reported.
	ContinueOnError bool `json:"continue_on_error,omitempty"`
}

// Artifacts chooses the optional outputs. The final HTML, the console and
// the network summary are always returned.
type Artifacts struct {
	Screenshot *ScreenshotOptions `json:"screenshot,omitempty"`
	PDF        *PDFOptions        `json:"pdf,omitempty"`
}

// ImageFormat of a screenshot.
type ImageFormat string

// Screenshot formats.
const (
	FormatPNG  ImageFormat = "png"
	FormatJPEG ImageFormat = "jpeg"
)

// ScreenshotOptions asks for a screenshot.
type ScreenshotOptions struct {
	FullPage bool        `json:"full_page,omitempty"`
	Format   ImageFormat `json:"format,omitempty"`  // default png
	Quality  int         `json:"quality,omitempty"` // jpeg only, 1-100, default 80
}

// PDFOptions asks for a PDF print of the page.
type PDFOptions struct {
	Landscape       bool    `json:"landscape,omitempty"`
	PrintBackground bool    `json:"print_background,omitempty"`
	Paper           string  `json:"paper,omitempty"` // letter (default), a4, legal
	Scale           float64 `json:"scale,omitempty"` // 0.1-2, default 1
}

// Block chooses resources the browser must not load. Blocked requests are
// failed inside the browser and counted in the network summary.
type Block struct {
	Images      bool `json:"images,omitempty"`
	Fonts       bool `json:"fonts,omitempty"`
	Media       bool `json:"media,omitempty"`
	Stylesheets bool `json:"stylesheets,omitempty"`
	// Trackers blocks requests to a built-in list of analytics and ad hosts.
	Trackers bool `json:"trackers,omitempty"`
	// URLPatterns are extra patterns for Network.setBlockedURLs ("*" wildcards).
	URLPatterns []string `json:"url_patterns,omitempty"`
}

func invalid(field, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return core.Errorf(core.ErrValidation, "%s: %s", field, msg).WithDetails(core.Detail{Field: field, Message: msg})
}

// checkPageURL accepts absolute http and https URLs only: a page must not
// read file://, chrome:// or other local schemes.
func checkPageURL(field, raw string) (*url.URL, error) {
	if raw == "" {
		return nil, invalid(field, "is required")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, core.Errorf(core.ErrInvalidURL, "%s: not an absolute URL", field).WithDetails(core.Detail{Field: field, Message: "not an absolute URL"})
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, core.Errorf(core.ErrInvalidURL, "%s: scheme must be http or https", field).WithDetails(core.Detail{Field: field, Message: "scheme must be http or https"})
	}
	return u, nil
}

// Validate checks the request and returns a validation_error or
// invalid_url naming the first bad field.
func (r *Request) Validate() error {
	if _, err := checkPageURL("url", r.URL); err != nil {
		return err
	}
	if r.TimeoutMS < 0 || time.Duration(r.TimeoutMS)*time.Millisecond > MaxTimeout {
		return invalid("timeout_ms", "must be between 1 and %d", MaxTimeout.Milliseconds())
	}
	if v := r.Viewport; v != nil {
		if v.Width < 100 || v.Width > 8000 || v.Height < 100 || v.Height > 8000 {
			return invalid("viewport", "width and height must be between 100 and 8000")
		}
		if v.DeviceScaleFactor < 0 || v.DeviceScaleFactor > 4 {
			return invalid("viewport.device_scale_factor", "must be between 0 and 4")
		}
	}
	for k, v := range r.Headers {
		if k == "" || strings.ContainsAny(k, " :\r\n") || strings.ContainsAny(v, "\r\n") {
			return invalid("headers", "invalid header %q", k)
		}
	}
	for i, c := range r.Cookies {
		if err := c.validate(fmt.Sprintf("cookies[%d]", i)); err != nil {
			return err
		}
	}
	if err := validateWaits("wait", r.Wait); err != nil {
		return err
	}
	if r.Scroll != nil {
		if err := r.Scroll.validate("scroll"); err != nil {
			return err
		}
	}
	if len(r.Actions) > MaxActions {
		return invalid("actions", "at most %d actions", MaxActions)
	}
	for i, a := range r.Actions {
		if err := a.validate(fmt.Sprintf("actions[%d]", i)); err != nil {
			return err
		}
	}
	if s := r.Artifacts.Screenshot; s != nil {
		switch s.Format {
		case "", FormatPNG, FormatJPEG:
		default:
			return invalid("artifacts.screenshot.format", "must be png or jpeg")
		}
		if s.Quality < 0 || s.Quality > 100 {
			return invalid("artifacts.screenshot.quality", "must be between 1 and 100")
		}
	}
	if p := r.Artifacts.PDF; p != nil {
		switch strings.ToLower(p.Paper) {
		case "", "letter", "a4", "legal":
		default:
			return invalid("artifacts.pdf.paper", "must be letter, a4 or legal")
		}
		if p.Scale != 0 && (p.Scale < 0.1 || p.Scale > 2) {
			return invalid("artifacts.pdf.scale", "must be between 0.1 and 2")
		}
	}
	if r.Stealth != nil {
		if err := r.Stealth.Validate(); err != nil {
			return invalid("stealth", "%v", err)
		}
	}
	return nil
}

func (c Cookie) validate(field string) error {
	if c.Name == "" {
		return invalid(field+".name", "is required")
	}
	switch strings.ToLower(c.SameSite) {
	case "", "strict", "lax", "none":
	default:
		return invalid(field+".same_site", "must be strict, lax or none")
	}
	return nil
}

func validateWaits(field string, ws []WaitCondition) error {
	for i, w := range ws {
		f := fmt.Sprintf("%s[%d]", field, i)
		if w.TimeoutMS < 0 || w.IdleMS < 0 || w.DelayMS < 0 || w.MaxInflight < 0 {
			return invalid(f, "durations and counts must not be negative")
		}
		switch w.Type {
		case WaitLoad, WaitDOMContentLoaded, WaitNetworkIdle:
		case WaitSelector:
			if w.Selector == "" {
				return invalid(f+".selector", "is required for type selector")
			}
		case WaitJS:
			if w.Expression == "" {
				return invalid(f+".expression", "is required for type js")
			}
		case WaitDelay:
			if w.DelayMS == 0 {
				return invalid(f+".delay_ms", "is required for type delay")
			}
		default:
			return invalid(f+".type", "unknown wait type %q (want load, dom_content_loaded, network_idle, selector, js or delay)", w.Type)
		}
	}
	return nil
}

func (s *Scroll) validate(field string) error {
	if s.Steps < 0 || s.Steps > MaxScrollSteps {
		return invalid(field+".steps", "must be between 1 and %d", MaxScrollSteps)
	}
	if s.StepPX < 0 || s.DelayMS < 0 {
		return invalid(field, "step_px and delay_ms must not be negative")
	}
	return nil
}

func (a Action) validate(field string) error {
	need := func(name, v string) error {
		if v == "" {
			return invalid(field+"."+name, "is required for %s", a.Type)
		}
		return nil
	}
	switch a.Type {
	case ActionClick, ActionHover:
		return need("selector", a.Selector)
	case ActionTypeText:
		return need("selector", a.Selector)
	case ActionPress:
		return need("key", a.Key)
	case ActionSelect:
		if err := need("selector", a.Selector); err != nil {
			return err
		}
		if len(a.Values) == 0 {
			return invalid(field+".values", "is required for select")
		}
	case ActionEvaluate:
		return need("script", a.Script)
	case ActionWait:
		if len(a.Wait) == 0 {
			return invalid(field+".wait", "is required for wait")
		}
		return validateWaits(field+".wait", a.Wait)
	case ActionScroll:
		if a.Scroll != nil {
			return a.Scroll.validate(field + ".scroll")
		}
	case ActionNavigate:
		if _, err := checkPageURL(field+".url", a.URL); err != nil {
			return err
		}
		return validateWaits(field+".wait", a.Wait)
	case ActionSetCookies:
		if len(a.Cookies) == 0 {
			return invalid(field+".cookies", "is required for set_cookies")
		}
		for i, c := range a.Cookies {
			if err := c.validate(fmt.Sprintf("%s.cookies[%d]", field, i)); err != nil {
				return err
			}
		}
	default:
		return invalid(field+".type", "unknown action %q", a.Type)
	}
	if a.TimeoutMS < 0 {
		return invalid(field+".timeout_ms", "must not be negative")
	}
	return nil
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }
