package fetch

import "sync"

// markerSet finds which of a fixed set of ASCII markers occur in a text in
// one pass (an Aho-Corasick automaton compiled to a DFA over the bytes the
// markers use). Challenge detection asks for dozens of markers; searching
// for each in turn cost a spider an eighth of its CPU.
type markerSet struct {
	markers []string
	class   [256]uint8 // byte -> column; 0 for bytes no marker uses
	width   int        // columns per state
	next    []int32    // state*width + class -> state
	out     [][]int    // state -> indexes of markers ending here (failure chain included)
}

func newMarkerSet(markers []string) *markerSet {
	m := &markerSet{markers: markers}
	cols := 1
	for _, s := range markers {
		for i := 0; i < len(s); i++ {
			if m.class[s[i]] == 0 {
				m.class[s[i]] = uint8(cols)
				cols++
			}
		}
	}
	m.width = cols
	// Trie.
	trie := []map[int]int32{{}}
	m.out = [][]int{nil}
	for idx, s := range markers {
		st := int32(0)
		for i := 0; i < len(s); i++ {
			c := int(m.class[s[i]])
			nx, ok := trie[st][c]
			if !ok {
				nx = int32(len(trie))
				trie = append(trie, map[int]int32{})
				m.out = append(m.out, nil)
				trie[st][c] = nx
			}
			st = nx
		}
		m.out[st] = append(m.out[st], idx)
	}
	// Breadth-first: failure links folded into a full transition table.
	m.next = make([]int32, len(trie)*cols)
	fail := make([]int32, len(trie))
	queue := []int32{}
	for c := 0; c < cols; c++ {
		if nx, ok := trie[0][c]; ok {
			m.next[c] = nx
			queue = append(queue, nx)
		}
	}
	for len(queue) > 0 {
		st := queue[0]
		queue = queue[1:]
		m.out[st] = append(m.out[st], m.out[fail[st]]...)
		for c := 0; c < cols; c++ {
			if nx, ok := trie[st][c]; ok {
				fail[nx] = m.next[int(fail[st])*cols+c]
				m.next[int(st)*cols+c] = nx
				queue = append(queue, nx)
			} else {
				m.next[int(st)*cols+c] = m.next[int(fail[st])*cols+c]
			}
		}
	}
	return m
}

// find returns which markers occur in text.
func (m *markerSet) find(text []byte) map[string]bool {
	found := map[string]bool{}
	st := int32(0)
	for _, b := range text {
		st = m.next[int(st)*m.width+int(m.class[b])]
		for _, idx := range m.out[st] {
			found[m.markers[idx]] = true
		}
	}
	return found
}

// challengeMarkers lists every body marker DetectChallenge looks for
// (lowercase); a test keeps it in sync with the detector's code.
var challengeMarkers = []string{
	"chl", "challenge", "cf-browser",
	"window._cf_chl_opt", "/cdn-cgi/challenge-platform/h/", `id="challenge-form"`, "cf-browser-verification", `name="cf_chl_`,
	"__cf_chl_tk", "__cf_chl_rt_tk", "__cf_chl_f_tk",
	"cloudflare", "cf-chl", "cf_chl", "cdn-cgi",
	"cf-error-details", "sorry, you have been blocked", "cf-wrapper",
	"captcha-delivery.com", "var dd={'rt':'c'", "var dd={'rt':'i'",
	"px-c", "_px", `id="px-captcha"`, "captcha.px-cdn.net", "captcha.px-cloud.net", "window._pxappid", "px-cdn.net", "perimeterx",
	"access denied", "reference #", "reference&#32;&#35;", "edgesuite",
	"sec-", "bm-verify", `id="sec-if-cpt-container"`, "sec-cpt-if", `id="bm-verify"`, "/_sec/cp_challenge/",
	"incapsula", "incapsula incident id", "_incapsula_resource",
	"awswafintegration", "aws-waf-token",
	"g-recaptcha", "recaptcha/api.js", "recaptcha/enterprise.js", "hcaptcha.com/1/api.js", `class="h-captcha"`,
	"challenges.cloudflare.com/turnstile", `class="cf-turnstile"`, "arkoselabs.com", "funcaptcha", "geetest",
	"verify you are human", "verify that you are human", "verify you're human", "confirm you are human",
	"are you a robot", "i'm not a robot", "not a robot", "unusual traffic from your computer", "press & hold",
	"press and hold", "checking your browser", "complete the security check", "human verification", "bot protection",
}

var (
	challengeMatcherOnce sync.Once
	challengeMatcher     *markerSet
)

// challengeMarkerSet is built on first use, not at package init (cold
// starts of functions that never fetch stay untouched).
func challengeMarkerSet() *markerSet {
	challengeMatcherOnce.Do(func() { challengeMatcher = newMarkerSet(challengeMarkers) })
	return challengeMatcher
}
