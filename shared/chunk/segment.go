package chunk

import (
	"math"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/clipperhouse/uax29/v2/sentences"
)

// sentenceBounds returns the start offset of every sentence: Unicode
// sentence boundaries (UAX #29, clipperhouse/uax29), then a boundary after
// a common abbreviation ("Dr.", "e.g.", "U.S.") or an initial ("J.") is
// removed, since UAX #29 breaks there when a capital follows.
func sentenceBounds(text string) []int {
	bounds := []int{0}
	it := sentences.FromString(text)
	prevEnd := 0
	for it.Next() {
		start := it.Start()
		if start > 0 && !endsWithAbbreviation(text[:prevEnd]) {
			bounds = append(bounds, start)
		}
		prevEnd = it.End()
	}
	return bounds
}

// abbreviations end with a period without ending a sentence (English).
var abbreviations = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "prof": true, "sr": true, "jr": true, "st": true, "mt": true,
	"vs": true, "e.g": true, "i.e": true, "cf": true, "approx": true, "inc": true, "ltd": true, "co": true,
	"corp": true, "no": true, "nos": true, "fig": true, "figs": true, "vol": true, "pp": true, "p": true, "ch": true,
	"sec": true, "dept": true, "est": true, "gen": true, "gov": true, "sen": true, "rep": true, "rev": true,
	"u.s": true, "u.k": true, "a.m": true, "p.m": true, "jan": true, "feb": true, "mar": true, "apr": true,
	"jun": true, "jul": true, "aug": true, "sep": true, "sept": true, "oct": true, "nov": true, "dec": true,
}

func endsWithAbbreviation(s string) bool {
	s = strings.TrimRightFunc(s, unicode.IsSpace)
	if !strings.HasSuffix(s, ".") {
		return false
	}
	s = s[:len(s)-1]
	i := strings.LastIndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '(' || r == '"' })
	word := s[i+1:]
	if word == "" {
		return false
	}
	if r, size := utf8.DecodeRuneInString(word); size == len(word) && unicode.IsUpper(r) {
		return true // an initial: "J. R. R. Tolkien"
	}
	return abbreviations[strings.ToLower(word)]
}

// blankLine separates paragraphs; compiled on first use, not at every
// cold start of the functions that link chunk.
var blankLine = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\n[ \t]*\n\s*`) })

// paragraphBounds returns the start of every paragraph (the blank lines
// after a paragraph belong to it).
func paragraphBounds(text string) []int {
	bounds := []int{0}
	for _, m := range blankLine().FindAllStringIndex(text, -1) {
		if m[1] < len(text) && m[1] > bounds[len(bounds)-1] {
			bounds = append(bounds, m[1])
		}
	}
	return bounds
}

// topic cuts the text where its vocabulary changes, after Hearst's
// TextTiling (1997) with sentences as token-sequences: the similarity of
// the w sentences before and after each gap (cosine of word counts; no
// smoothing, which shifts boundaries when topics are a few sentences
// long), a depth score per gap (how far it dips below the peaks on
// both sides), and a boundary at gaps deeper than mean - sd/2. Each topic
// is then packed to max_tokens by sentences.
func (s *splitter) topic() []span {
	bounds := sentenceBounds(s.text)
	n := len(bounds)
	w := s.opts.TopicWindow
	if n < 2*w+1 {
		return s.pack(bounds)
	}
	bags := make([]map[string]int, n)
	for i, b := range bounds {
		e := len(s.text)
		if i+1 < n {
			e = bounds[i+1]
		}
		bags[i] = words(s.text[b:e])
	}
	// sim[g] compares sentences [g-w+1, g] with [g+1, g+w], gap g after
	// sentence g.
	sim := make([]float64, n-1)
	for g := 0; g < n-1; g++ {
		left := merge(bags[max(0, g-w+1) : g+1])
		right := merge(bags[g+1 : min(n, g+1+w)])
		sim[g] = cosine(left, right)
	}
	smooth := sim
	depth := make([]float64, len(smooth))
	for g := range smooth {
		l := smooth[g]
		for i := g - 1; i >= 0 && smooth[i] >= l; i-- {
			l = smooth[i]
		}
		r := smooth[g]
		for i := g + 1; i < len(smooth) && smooth[i] >= r; i++ {
			r = smooth[i]
		}
		depth[g] = (l - smooth[g]) + (r - smooth[g])
	}
	mean, sd := stats(depth)
	cut := mean - sd/2
	topics := []int{0}
	for g, d := range depth {
		// A boundary must be a local maximum of depth, leave at least w
		// sentences in each topic, and dip at all.
		if d <= 0 || d < cut || (g > 0 && depth[g-1] > d) || (g+1 < len(depth) && depth[g+1] > d) {
			continue
		}
		start := g + 1
		if start-lastIndex(topics, bounds) < w || n-start < w {
			continue
		}
		topics = append(topics, bounds[start])
	}
	var out []span
	for i, t := range topics {
		e := len(s.text)
		if i+1 < len(topics) {
			e = topics[i+1]
		}
		var inner []int
		for _, b := range bounds {
			if b >= t && b < e {
				inner = append(inner, b)
			}
		}
		out = append(out, s.packRange(inner, e)...)
	}
	return out
}

// lastIndex is the sentence index where the last topic starts.
func lastIndex(topics, bounds []int) int {
	last := topics[len(topics)-1]
	for i, b := range bounds {
		if b == last {
			return i
		}
	}
	return 0
}

var stopwords = map[string]bool{
	"the": true, "and": true, "for": true, "are": true, "but": true, "not": true, "you": true, "all": true, "any": true,
	"can": true, "had": true, "her": true, "was": true, "one": true, "our": true, "out": true, "has": true, "his": true,
	"how": true, "its": true, "may": true, "new": true, "now": true, "see": true, "who": true, "did": true, "she": true,
	"this": true, "that": true, "with": true, "from": true, "they": true, "have": true, "were": true, "been": true,
	"which": true, "their": true, "there": true, "what": true, "when": true, "will": true, "would": true, "about": true,
	"into": true, "than": true, "then": true, "them": true, "these": true, "some": true, "also": true, "more": true,
}

// words counts the content words of s: lower-cased letter/digit runs of
// three or more characters that are not stop words.
func words(s string) map[string]int {
	out := map[string]int{}
	for _, f := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if utf8.RuneCountInString(f) >= 3 && !stopwords[f] {
			out[f]++
		}
	}
	return out
}

func merge(bags []map[string]int) map[string]int {
	out := map[string]int{}
	for _, b := range bags {
		for k, v := range b {
			out[k] += v
		}
	}
	return out
}

func cosine(a, b map[string]int) float64 {
	var dot, na, nb float64
	for k, v := range a {
		na += float64(v * v)
		dot += float64(v * b[k])
	}
	for _, v := range b {
		nb += float64(v * v)
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}

func stats(xs []float64) (mean, sd float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		sd += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(sd / float64(len(xs)))
}
