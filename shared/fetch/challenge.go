package fetch

import (
	"bytes"
	"html"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Challenge vendors reported by DetectChallenge.
const (
	VendorCloudflare = "cloudflare"
	VendorAkamai     = "akamai"
	VendorDataDome   = "datadome"
	VendorPerimeterX = "perimeterx"
	VendorImperva    = "imperva"
	VendorAWSWAF     = "aws_waf"
	VendorCaptcha    = "captcha" // a captcha wall of no recognised vendor
)

// Challenge describes a bot wall or challenge page served instead of the
// content that was asked for.
type Challenge struct {
	Vendor string // one of the Vendor* constants
	Signal string // what gave it away, for messages and logs
}

// challengeScanBytes bounds the work per page: challenge pages are small,
// and their markers sit near the top.
const challengeScanBytes = 128 << 10

// okStatusScanBytes bounds the scan of pages served with a success status.
// Vendors serve their walls with 403, 429, 503, 202 or 405; one served with
// 200 is a small interstitial (a few KB), so reading 32 KB of an ordinary
// page is enough, and it keeps the check from costing a spider an eighth of
// its CPU on 50 KB articles.
const okStatusScanBytes = 32 << 10

// smallPageText is the most visible text a captcha wall has; real pages
// that merely carry a captcha widget (a login or comment form) have more
// or are recognised by their title.
const smallPageText = 1500

// DetectChallenge reports whether a response is a challenge or bot wall
// rather than the page. It works on fetched responses (status and headers
// known) and on rendered HTML (pass status 0 and a nil header).
//
// Markers are structural (vendor script paths, element ids, JS variables,
// response headers, cookies) rather than words: a page that talks about
// captchas is not a captcha wall. Words count only on an error status
// (403, 429, 503) or on a tiny page whose title says it is a check.
func DetectChallenge(status int, header http.Header, body []byte) (Challenge, bool) {
	blockStatus := status == http.StatusForbidden || status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable
	server := strings.ToLower(header.Get("Server"))

	// Headers alone.
	if strings.EqualFold(strings.TrimSpace(header.Get("Cf-Mitigated")), "challenge") {
		return Challenge{VendorCloudflare, "cf-mitigated: challenge header"}, true
	}
	if a := strings.ToLower(header.Get("X-Amzn-Waf-Action")); a == "captcha" || a == "challenge" {
		return Challenge{VendorAWSWAF, "x-amzn-waf-action: " + a + " header"}, true
	}
	if blockStatus {
		if header.Get("X-Datadome") != "" || header.Get("X-Dd-B") != "" || hasCookie(header, "datadome") {
			return Challenge{VendorDataDome, "DataDome header or cookie on HTTP " + strconv.Itoa(status)}, true
		}
		if hasCookie(header, "_pxhd") {
			return Challenge{VendorPerimeterX, "_pxhd cookie on HTTP " + strconv.Itoa(status)}, true
		}
	}

	limit := challengeScanBytes
	if status >= 200 && status < 400 && status != http.StatusAccepted {
		limit = okStatusScanBytes
	}
	if len(body) > limit {
		body = body[:limit]
	}
	// Every page is scanned: the markers are matched and the title found
	// in any case on the body as it is, without a lowered copy.
	title := pageTitle(body)
	found := challengeMarkerSet().find(body)
	has := func(s ...string) string {
		for _, m := range s {
			if found.has(m) {
				return m
			}
		}
		return ""
	}
	// Each vendor's markers are looked for only when a cheap token they all
	// share is present, so an ordinary page costs a handful of scans.

	// Cloudflare.
	if has("chl", "challenge", "cf-browser") != "" {
		if m := has("window._cf_chl_opt", "/cdn-cgi/challenge-platform/h/", `id="challenge-form"`, "cf-browser-verification", `name="cf_chl_`, "__cf_chl_tk", "__cf_chl_rt_tk", "__cf_chl_f_tk"); m != "" {
			return Challenge{VendorCloudflare, "Cloudflare challenge marker " + m}, true
		}
	}
	if strings.HasPrefix(title, "just a moment") && (server == "cloudflare" || has("cloudflare", "cf-chl", "cf_chl", "cdn-cgi") != "") {
		return Challenge{VendorCloudflare, `title "Just a moment..."`}, true
	}
	if strings.Contains(title, "attention required") && strings.Contains(title, "cloudflare") {
		return Challenge{VendorCloudflare, `title "Attention Required! | Cloudflare"`}, true
	}
	if blockStatus && server == "cloudflare" && has("cf-error-details", "sorry, you have been blocked", "cf-wrapper") != "" {
		return Challenge{VendorCloudflare, "Cloudflare block page on HTTP " + strconv.Itoa(status)}, true
	}

	// DataDome: its captcha is served from captcha-delivery.com; ordinary
	// protected pages only load js.datadome.co.
	if m := has("captcha-delivery.com", "var dd={'rt':'c'", "var dd={'rt':'i'"); m != "" {
		return Challenge{VendorDataDome, "DataDome marker " + m}, true
	}

	// PerimeterX / HUMAN: the block page hosts the #px-captcha widget;
	// ordinary pages only run the sensor script.
	if has("px-c", "_px") != "" {
		if m := has(`id="px-captcha"`, "captcha.px-cdn.net", "captcha.px-cloud.net"); m != "" {
			return Challenge{VendorPerimeterX, "PerimeterX marker " + m}, true
		}
		if blockStatus && has("window._pxappid", "px-cdn.net") != "" {
			return Challenge{VendorPerimeterX, "PerimeterX script on HTTP " + strconv.Itoa(status)}, true
		}
	}
	if blockStatus && has("perimeterx") != "" {
		return Challenge{VendorPerimeterX, "PerimeterX script on HTTP " + strconv.Itoa(status)}, true
	}

	// Akamai: the classic edge block page ("Access Denied ... Reference
	// #18.xxx ... errors.edgesuite.net"), and Bot Manager's interstitials.
	if has("access denied") != "" && has("reference #", "reference&#32;&#35;") != "" &&
		(has("edgesuite") != "" || strings.Contains(server, "akamai")) {
		return Challenge{VendorAkamai, "Akamai Access Denied page"}, true
	}
	if has("sec-", "bm-verify") != "" {
		if m := has(`id="sec-if-cpt-container"`, "sec-cpt-if", `id="bm-verify"`, "/_sec/cp_challenge/"); m != "" {
			return Challenge{VendorAkamai, "Akamai Bot Manager marker " + m}, true
		}
	}

	// Imperva / Incapsula.
	if has("incapsula") != "" && (has("incapsula incident id") != "" || blockStatus && has("_incapsula_resource") != "") {
		return Challenge{VendorImperva, "Incapsula block page"}, true
	}

	// AWS WAF challenge (202) and captcha (405) pages.
	if (status == http.StatusAccepted || status == http.StatusMethodNotAllowed || blockStatus) && has("awswafintegration", "aws-waf-token") != "" {
		return Challenge{VendorAWSWAF, "AWS WAF challenge script"}, true
	}

	// Generic captcha walls: words and widgets count only on an error
	// status or under a title that announces a check.
	titleCheck := titleSaysCheck(title)
	if !blockStatus && !titleCheck {
		return Challenge{}, false
	}
	widget := has("g-recaptcha", "recaptcha/api.js", "recaptcha/enterprise.js", "hcaptcha.com/1/api.js", `class="h-captcha"`,
		"challenges.cloudflare.com/turnstile", `class="cf-turnstile"`, "arkoselabs.com", "funcaptcha", "geetest")
	phrase := has("verify you are human", "verify that you are human", "verify you're human", "confirm you are human",
		"are you a robot", "i'm not a robot", "not a robot", "unusual traffic from your computer", "press & hold",
		"press and hold", "checking your browser", "complete the security check", "human verification", "bot protection")
	if widget == "" && phrase == "" {
		return Challenge{}, false
	}
	if blockStatus {
		return Challenge{captchaVendor(widget), "captcha wall on HTTP " + strconv.Itoa(status) + " (" + widget + phrase + ")"}, true
	}
	lp := lowerPool.Get().(*[]byte)
	defer lowerPool.Put(lp)
	*lp = lowerInto((*lp)[:0], body)
	if visibleTextLen(*lp, smallPageText) < smallPageText {
		return Challenge{captchaVendor(widget), "captcha wall (title " + `"` + title + `"` + ")"}, true
	}
	return Challenge{}, false
}

// lowerPool holds the buffers DetectChallenge lowers a page's head into
// when it has to measure its visible text (a captcha widget was found).
var lowerPool = sync.Pool{New: func() any { b := make([]byte, 0, okStatusScanBytes); return &b }}

// lowerInto appends b with ASCII letters lowered to dst. ASCII only: every
// marker is ASCII, and bytes.ToLower's Unicode path is several times
// slower on real pages.
func lowerInto(dst, b []byte) []byte {
	for _, c := range b {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

func captchaVendor(widget string) string {
	if strings.Contains(widget, "turnstile") {
		return VendorCloudflare
	}
	return VendorCaptcha
}

func titleSaysCheck(title string) bool {
	for _, w := range []string{"captcha", "robot", "verify", "verification", "security check", "are you human",
		"human?", "access denied", "blocked", "just a moment", "attention required", "one more step", "please wait"} {
		if strings.Contains(title, w) {
			return true
		}
	}
	return false
}

// pageTitle returns the lowercased document title, unescaped and trimmed;
// the tags are matched in any case.
func pageTitle(body []byte) string {
	i := indexFold(body, "<title")
	if i < 0 {
		return ""
	}
	j := bytes.IndexByte(body[i:], '>')
	if j < 0 {
		return ""
	}
	rest := body[i+j+1:]
	k := indexFold(rest[:min(len(rest), 1024+len("</title"))], "</title")
	if k < 0 || k > 1024 {
		return ""
	}
	return strings.Join(strings.Fields(html.UnescapeString(string(lowerInto(nil, rest[:k])))), " ")
}

// indexFold is the index of the first lower-case ASCII needle in b, in any
// ASCII case; -1 when absent.
func indexFold(b []byte, needle string) int {
	first, upper := needle[0], needle[0]
	if first >= 'a' && first <= 'z' {
		upper = first - ('a' - 'A')
	}
	for i := 0; i+len(needle) <= len(b); i++ {
		if first == upper {
			// Not a letter: skip to it at memchr speed.
			j := bytes.IndexByte(b[i:], first)
			if j < 0 {
				return -1
			}
			i += j
			if i+len(needle) > len(b) {
				return -1
			}
		} else if c := b[i]; c != first && c != upper {
			continue
		}
		if bytes.EqualFold(b[i:i+len(needle)], []byte(needle)) {
			return i
		}
	}
	return -1
}

// visibleTextLen estimates how much text a reader would see: characters
// outside tags, scripts, styles and comments. It stops counting at limit.
func visibleTextLen(lower []byte, limit int) int {
	n := 0
	for i := 0; i < len(lower) && n < limit; {
		j := bytes.IndexByte(lower[i:], '<')
		if j < 0 {
			j = len(lower) - i
		}
		for _, c := range lower[i : i+j] {
			if c != ' ' && c != '\n' && c != '\t' && c != '\r' {
				n++
			}
		}
		i += j
		if i >= len(lower) {
			break
		}
		switch rest := lower[i:]; {
		case bytes.HasPrefix(rest, []byte("<script")):
			i = skipPast(lower, i, "</script>")
		case bytes.HasPrefix(rest, []byte("<style")):
			i = skipPast(lower, i, "</style>")
		case bytes.HasPrefix(rest, []byte("<!--")):
			i = skipPast(lower, i, "-->")
		default:
			i = skipPast(lower, i, ">")
		}
	}
	return n
}

func skipPast(b []byte, i int, end string) int {
	j := bytes.Index(b[i:], []byte(end))
	if j < 0 {
		return len(b)
	}
	return i + j + len(end)
}

func hasCookie(h http.Header, name string) bool {
	for _, line := range h.Values("Set-Cookie") {
		n, _, _ := strings.Cut(line, "=")
		if strings.EqualFold(strings.TrimSpace(n), name) {
			return true
		}
	}
	return false
}
