package fetch

import "sync"

// markerSet finds which of a fixed set of ASCII markers occur in a text in
// one pass, ignoring ASCII case (an Aho-Corasick automaton compiled to a
// DFA over the bytes the markers use, upper-case letters folded onto
// lower-case ones). Challenge detection asks for dozens of markers in every
// page's first 32 KB; searching for each in turn cost a spider an eighth of
// its CPU, and lowering a copy of the text first a further 1%.
type markerSet struct {
	markers []string
	index   map[string]int
	class   [256]int32 // byte -> column; 0 for bytes no marker uses
	// next[state + class] is the next state, as the offset of its row
	// (state number * columns), bitwise negated when a marker ends there:
	// the scan loop is one load and one sign test per byte.
	next   []int32
	out    [][]int // state number -> indexes of markers ending here (failure chain included)
	cols   int32
	maxLen int // the longest marker's length
}

// maxMarkers bounds a markerSet's markers (the bits of markerHits).
const maxMarkers = 256

func newMarkerSet(markers []string) *markerSet {
	if len(markers) > maxMarkers {
		panic("fetch: too many markers for a markerSet")
	}
	m := &markerSet{markers: markers, index: make(map[string]int, len(markers))}
	cols := int32(1)
	for idx, s := range markers {
		m.index[s] = idx
		m.maxLen = max(m.maxLen, len(s))
		for i := 0; i < len(s); i++ {
			c := lowerASCII(s[i])
			if m.class[c] == 0 {
				m.class[c] = cols
				cols++
			}
		}
	}
	for c := 'A'; c <= 'Z'; c++ {
		m.class[c] = m.class[c+'a'-'A']
	}
	m.cols = cols
	// Trie.
	trie := []map[int32]int32{{}}
	m.out = [][]int{nil}
	for idx, s := range markers {
		st := int32(0)
		for i := 0; i < len(s); i++ {
			c := m.class[s[i]]
			nx, ok := trie[st][c]
			if !ok {
				nx = int32(len(trie))
				trie = append(trie, map[int32]int32{})
				m.out = append(m.out, nil)
				trie[st][c] = nx
			}
			st = nx
		}
		m.out[st] = append(m.out[st], idx)
	}
	// Breadth-first: failure links folded into a full transition table of
	// state numbers, then turned into row offsets.
	next := make([]int32, len(trie)*int(cols))
	fail := make([]int32, len(trie))
	queue := []int32{}
	for c := int32(0); c < cols; c++ {
		if nx, ok := trie[0][c]; ok {
			next[c] = nx
			queue = append(queue, nx)
		}
	}
	for len(queue) > 0 {
		st := queue[0]
		queue = queue[1:]
		m.out[st] = append(m.out[st], m.out[fail[st]]...)
		for c := int32(0); c < cols; c++ {
			if nx, ok := trie[st][c]; ok {
				fail[nx] = next[fail[st]*cols+c]
				next[st*cols+c] = nx
				queue = append(queue, nx)
			} else {
				next[st*cols+c] = next[fail[st]*cols+c]
			}
		}
	}
	for i, st := range next {
		next[i] = st * cols
		if len(m.out[st]) > 0 {
			next[i] = ^next[i]
		}
	}
	m.next = next
	return m
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// markerHits is what find found: a bit per marker.
type markerHits struct {
	set  *markerSet
	bits [maxMarkers / 64]uint64
}

// has reports whether marker (one of the set's) occurs.
func (h *markerHits) has(marker string) bool {
	i, ok := h.set.index[marker]
	return ok && h.bits[i/64]&(1<<(i%64)) != 0
}

// find reports which markers occur in text, in any ASCII case.
//
// Each step of the automaton waits for the load of the previous one, so
// one scan runs at memory latency, not throughput. A long text is cut in
// four pieces scanned in the same loop by four automata (each piece begins
// the longest marker's length early, so a marker across a cut is seen
// whole by the automaton of the later piece): the loads overlap, and the
// loop runs about twice as fast.
func (m *markerSet) find(text []byte) markerHits {
	h := markerHits{set: m}
	const streams = 4
	if len(text) < 1024 {
		m.scan(&h, 0, text)
		return h
	}
	q := len(text) / streams
	var seg [streams][]byte
	for j := range streams {
		lo, hi := max(0, j*q-(m.maxLen-1)), (j+1)*q
		if j == streams-1 {
			hi = len(text)
		}
		seg[j] = text[lo:hi]
	}
	n := len(seg[0]) // the shortest: no overlap in front
	a, b, c, d := seg[0][:n], seg[1][:n], seg[2][:n], seg[3][:n]
	next, class := m.next, &m.class
	var ra, rb, rc, rd int32
	for i := range a {
		ra = next[ra+class[a[i]]]
		rb = next[rb+class[b[i]]]
		rc = next[rc+class[c[i]]]
		rd = next[rd+class[d[i]]]
		if ra|rb|rc|rd < 0 {
			ra, rb, rc, rd = m.hit(&h, ra), m.hit(&h, rb), m.hit(&h, rc), m.hit(&h, rd)
		}
	}
	m.scan(&h, rb, seg[1][n:])
	m.scan(&h, rc, seg[2][n:])
	m.scan(&h, rd, seg[3][n:])
	return h
}

// scan runs the automaton from row over text, recording markers in h.
func (m *markerSet) scan(h *markerHits, row int32, text []byte) {
	next, class := m.next, &m.class
	for _, b := range text {
		row = next[row+class[b]]
		if row < 0 {
			row = m.hit(h, row)
		}
	}
}

// hit records the markers ending at row if it is negated (accepting) and
// returns the row's offset.
func (m *markerSet) hit(h *markerHits, row int32) int32 {
	if row >= 0 {
		return row
	}
	row = ^row
	for _, idx := range m.out[row/m.cols] {
		h.bits[idx/64] |= 1 << (idx % 64)
	}
	return row
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
