package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"

	"github.com/riptidecrawler/riptide/internal/devsets"
)

// page is one dev-set entry, decoded to UTF-8 up front so that charset
// conversion (the fetch layer's job) is not timed as part of extraction.
type page struct {
	ID   string
	URL  string
	HTML []byte
	// Segment scoring (extraction-dev).
	With    []string
	Without []string
	// Shingle scoring (extraction-modern): the reference text's shingles.
	Truth map[string]int
}

// counts are one page's confusion counts. Segment scoring fills all four;
// shingle scoring fills TP, FP and FN (multiset sizes).
type counts struct{ TP, FN, FP, TN int }

func (c *counts) add(o counts) { c.TP += o.TP; c.FN += o.FN; c.FP += o.FP; c.TN += o.TN }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func f1(p, r float64) float64 {
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// dataset is one development set with its own scoring method, exactly as
// its README prescribes.
type dataset struct {
	name  string
	pages []*page
	score func(p *page, text string) counts
	// summary turns the per-page counts into precision, recall and F1 (and
	// accuracy where the method defines it, else -1).
	summary func(cs []counts, pages []*page) (p, r, f, acc float64)
	// loss is how bad one page's result is, for -worst.
	loss func(c counts) float64
	// emptyTruth reports pages whose reference text is empty (an empty
	// output is right there).
	emptyTruth func(p *page) bool
}

// --- extraction-dev: segments, micro average ---------------------------

type segmentTruth struct {
	URL     string   `json:"url"`
	File    string   `json:"file"`
	With    []string `json:"with"`
	Without []string `json:"without"`
}

// normalizeSpace collapses whitespace runs to one space and trims, the
// normalisation the dev set's README prescribes for text and segments.
func normalizeSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

func scoreSegments(p *page, text string) counts {
	text = normalizeSpace(text)
	var c counts
	for _, s := range p.With {
		if text != "" && strings.Contains(text, normalizeSpace(s)) {
			c.TP++
		} else {
			c.FN++
		}
	}
	for _, s := range p.Without {
		if text != "" && strings.Contains(text, normalizeSpace(s)) {
			c.FP++
		} else {
			c.TN++
		}
	}
	return c
}

func summarySegments(cs []counts, _ []*page) (p, r, f, acc float64) {
	var c counts
	for _, x := range cs {
		c.add(x)
	}
	p, r = ratio(c.TP, c.TP+c.FP), ratio(c.TP, c.TP+c.FN)
	return p, r, ratio(2*c.TP, 2*c.TP+c.FP+c.FN), ratio(c.TP+c.TN, c.TP+c.TN+c.FP+c.FN)
}

func loadSegmentSet(dir string, limit int) (*dataset, error) {
	var truth map[string]segmentTruth
	if err := readJSON(filepath.Join(dir, "ground-truth.json"), &truth); err != nil {
		return nil, err
	}
	ids := sortedKeys(truth, limit)
	pages := make([]*page, 0, len(ids))
	for _, id := range ids {
		t := truth[id]
		body, err := devsets.Read(filepath.Join(dir, t.File))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", id, err)
		}
		pages = append(pages, &page{ID: id, URL: strings.TrimSpace(t.URL), HTML: toUTF8(body), With: t.With, Without: t.Without})
	}
	return &dataset{
		name: "extraction-dev", pages: pages, score: scoreSegments, summary: summarySegments,
		loss:       func(c counts) float64 { return float64(c.FN + c.FP) },
		emptyTruth: func(p *page) bool { return len(p.With) == 0 },
	}, nil
}

// --- extraction-modern: 4-gram shingles, macro average ------------------

type bodyTruth struct {
	URL         string `json:"url"`
	ArticleBody string `json:"articleBody"`
}

// isWordChar is Python's `\w` on str, the tokeniser of the README's `\w+`:
// letters (L*), numbers (N*) and the underscore. Go's regexp `\w` is ASCII
// only, so the class is spelled out.
func isWordChar(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) }

// shingles returns the multiset of 4-word shingles of s; a text of fewer
// than 4 words is one shingle of all its words, an empty text has none.
func shingles(s string) map[string]int {
	words := strings.FieldsFunc(s, func(r rune) bool { return !isWordChar(r) })
	out := map[string]int{}
	if len(words) == 0 {
		return out
	}
	if len(words) < 4 {
		out[strings.Join(words, "\x00")]++
		return out
	}
	for i := 0; i+4 <= len(words); i++ {
		out[strings.Join(words[i:i+4], "\x00")]++
	}
	return out
}

func scoreShingles(p *page, text string) counts {
	pred := shingles(text)
	var c counts
	for k, n := range pred {
		t := p.Truth[k]
		c.TP += min(n, t)
		c.FP += max(0, n-t)
	}
	for k, t := range p.Truth {
		c.FN += max(0, t-pred[k])
	}
	return c
}

// summaryShingles macro-averages: precision over pages with a non-empty
// prediction, recall over pages with a non-empty truth.
func summaryShingles(cs []counts, _ []*page) (p, r, f, acc float64) {
	var ps, rs float64
	var np, nr int
	for _, c := range cs {
		if c.TP+c.FP > 0 {
			ps += ratio(c.TP, c.TP+c.FP)
			np++
		}
		if c.TP+c.FN > 0 {
			rs += ratio(c.TP, c.TP+c.FN)
			nr++
		}
	}
	if np > 0 {
		p = ps / float64(np)
	}
	if nr > 0 {
		r = rs / float64(nr)
	}
	return p, r, f1(p, r), -1
}

func loadShingleSet(dir string, limit int) (*dataset, error) {
	var truth map[string]bodyTruth
	if err := readJSON(filepath.Join(dir, "ground-truth.json"), &truth); err != nil {
		return nil, err
	}
	ids := sortedKeys(truth, limit)
	pages := make([]*page, 0, len(ids))
	for _, id := range ids {
		t := truth[id]
		body, err := devsets.Read(filepath.Join(dir, "html", id+".html.gz"))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", id, err)
		}
		pages = append(pages, &page{ID: id, URL: strings.TrimSpace(t.URL), HTML: toUTF8(body), Truth: shingles(t.ArticleBody)})
	}
	return &dataset{
		name: "extraction-modern", pages: pages, score: scoreShingles, summary: summaryShingles,
		loss: func(c counts) float64 {
			return 1 - f1(ratio(c.TP, c.TP+c.FP), ratio(c.TP, c.TP+c.FN))
		},
		emptyTruth: func(p *page) bool { return len(p.Truth) == 0 },
	}, nil
}

// --- loading ------------------------------------------------------------

func readJSON(path string, v any) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func sortedKeys[V any](m map[string]V, limit int) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if limit > 0 && limit < len(ids) {
		ids = ids[:limit]
	}
	return ids
}

// toUTF8 does what the fetch layer does before extraction: bytes that are
// valid UTF-8 are taken as UTF-8 (a declaration saying otherwise is almost
// always stale); anything else is decoded with the charset the page
// declares anywhere in its first 32 KiB (x/net's prescan only reads 1 KiB),
// or the HTML5 sniffing default.
func toUTF8(body []byte) []byte {
	if utf8.Valid(body) {
		return body
	}
	var enc encoding.Encoding
	head := body[:min(len(body), 32<<10)]
	if m := declaredCharset.FindSubmatch(head); m != nil {
		enc, _ = charset.Lookup(string(m[1]))
	}
	if enc == nil {
		enc, _, _ = charset.DetermineEncoding(body, "text/html")
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return body
	}
	// Drop the now-wrong charset declaration so that extractors which sniff
	// it themselves (go-trafilatura) do not decode the UTF-8 bytes again.
	return declaredCharset.ReplaceAllFunc(out, func(b []byte) []byte { return []byte("charset-was=x") })
}

var declaredCharset = regexp.MustCompile(`(?i)charset\s*=\s*["']?\s*([a-zA-Z0-9_:.-]+)`)
