package pdf

import (
	"cmp"
	"context"
	"slices"
	"sort"
	"strings"
	"unicode"
)

// Reading order. Glyphs are joined into spans (runs on one baseline with
// no wide gap), spans are ordered by recursive XY-cut (a region splits at
// a vertical white gutter into columns read left to right, else at its
// widest horizontal white gap into parts read top to bottom), and lines
// are rebuilt inside each part. This reads multi-column pages column by
// column whatever order the producer drew them in.

// Layout thresholds, as fractions of the font size.
const (
	wordGap    = 0.15 // a gap wider than this between glyphs is a space
	spanGap    = 1.5  // wider than this ends the span (columns, table cells)
	gutterMin  = 1.0  // a vertical gap at least this wide separates columns
	paraGapMin = 0.8  // a blank this tall between lines starts a paragraph
)

// span is a run of text on one baseline.
type span struct {
	text       strings.Builder
	x0, x1, y  float64
	size       float64
	chars      int
	lastSpaced bool
}

func (s *span) top() float64    { return s.y + 0.8*s.size }
func (s *span) bottom() float64 { return s.y - 0.25*s.size }

// line is a line of text in reading order.
type line struct {
	text string
	y    float64
	size float64
	x0   float64
}

// block is a paragraph: consecutive lines with no wide gap, for markdown.
type block struct {
	lines   []string
	size    float64 // the largest font size in the block
	heading int     // 0, or 1-3 for a heading level
}

// buildSpans groups glyphs (in drawing order) into spans, one direction
// at a time: the page's main direction first.
func buildSpans(glyphs []glyph) [][]*span {
	byDir := map[int][]glyph{}
	count := map[int]int{}
	for _, g := range glyphs {
		byDir[g.dir] = append(byDir[g.dir], g)
		count[g.dir] += len(g.s)
	}
	dirs := make([]int, 0, len(byDir))
	for d := range byDir {
		dirs = append(dirs, d)
	}
	slices.SortFunc(dirs, func(a, b int) int {
		if c := cmp.Compare(count[b], count[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	var out [][]*span
	for _, d := range dirs {
		out = append(out, spansOf(byDir[d]))
	}
	return out
}

func spansOf(glyphs []glyph) []*span {
	var spans []*span
	var cur *span
	for _, g := range glyphs {
		blank := strings.TrimSpace(g.s) == ""
		size := max(g.size, 1)
		if cur != nil {
			sameLine := abs(g.y-cur.y) < 0.5*max(size, cur.size)
			gap := g.x - cur.x1
			if !sameLine || gap < -0.5*size || gap > spanGap*size {
				cur = nil
			} else if gap > wordGap*size && !cur.lastSpaced {
				cur.text.WriteByte(' ')
				cur.lastSpaced = true
			}
		}
		if blank {
			if cur != nil && !cur.lastSpaced {
				cur.text.WriteByte(' ')
				cur.lastSpaced = true
				cur.x1 = max(cur.x1, g.x+g.w)
			}
			continue
		}
		if cur == nil {
			cur = &span{x0: g.x, x1: g.x, y: g.y, size: size}
			spans = append(spans, cur)
		}
		cur.text.WriteString(g.s)
		cur.lastSpaced = false
		cur.chars++
		cur.x0 = min(cur.x0, g.x)
		cur.x1 = max(cur.x1, g.x+g.w)
		cur.size = max(cur.size, size)
	}
	return spans
}

// maxCutSpans bounds the regions XY-cut analyses: each cut sorts its
// region, so a hostile page of thousands of lines would cost quadratic
// time. Larger regions (no real page has them) are read top to bottom.
const maxCutSpans = 3000

// xyCut returns the spans in reading order. It stops with the context
// (the extraction's time budget).
func xyCut(ctx context.Context, spans []*span, bodySize float64, out []*span, depth int) []*span {
	abortOnDone(ctx)
	if len(spans) <= 1 || len(spans) > maxCutSpans || depth > 2000 {
		return append(out, sortedLines(spans)...)
	}
	if cols := splitColumns(spans, gutterMin*bodySize); len(cols) > 1 {
		for _, c := range cols {
			out = xyCut(ctx, c, bodySize, out, depth+1)
		}
		return out
	}
	if top, rest := splitWidestRow(spans); len(top) > 0 && len(rest) > 0 {
		out = xyCut(ctx, top, bodySize, out, depth+1)
		return xyCut(ctx, rest, bodySize, out, depth+1)
	}
	return append(out, sortedLines(spans)...)
}

// splitColumns splits spans at vertical gutters at least minGap wide.
func splitColumns(spans []*span, minGap float64) [][]*span {
	sorted := slices.Clone(spans)
	slices.SortFunc(sorted, func(a, b *span) int { return cmp.Compare(a.x0, b.x0) })
	var cols [][]*span
	start, right := 0, sorted[0].x1
	for i := 1; i < len(sorted); i++ {
		if sorted[i].x0-right >= minGap {
			cols = append(cols, sorted[start:i])
			start = i
		}
		right = max(right, sorted[i].x1)
	}
	return append(cols, sorted[start:])
}

// splitWidestRow splits spans at the widest horizontal white gap: the part
// above and the part below.
func splitWidestRow(spans []*span) (top, rest []*span) {
	sorted := slices.Clone(spans)
	slices.SortFunc(sorted, func(a, b *span) int { return cmp.Compare(b.top(), a.top()) })
	best, at := 0.0, -1
	low := sorted[0].bottom()
	for i := 1; i < len(sorted); i++ {
		if gap := low - sorted[i].top(); gap > best {
			best, at = gap, i
		}
		low = min(low, sorted[i].bottom())
	}
	if at < 0 {
		return nil, nil
	}
	return sorted[:at], sorted[at:]
}

// sortedLines orders spans of one region top to bottom, left to right
// within a baseline.
func sortedLines(spans []*span) []*span {
	sort.SliceStable(spans, func(i, j int) bool {
		a, b := spans[i], spans[j]
		if abs(a.y-b.y) >= 0.5*min(a.size, b.size) {
			return a.y > b.y
		}
		return a.x0 < b.x0
	})
	return spans
}

// layoutPage turns a page's glyphs into lines in reading order and
// paragraphs.
func layoutPage(ctx context.Context, glyphs []glyph) []block {
	var blocks []block
	for _, spans := range buildSpans(glyphs) {
		if len(spans) == 0 {
			continue
		}
		body := bodySize(spans)
		ordered := xyCut(ctx, spans, body, nil, 0)
		lines := joinLines(ordered)
		blocks = append(blocks, paragraphs(lines, body)...)
	}
	return blocks
}

// bodySize is the font size most of the page's characters are set in.
func bodySize(spans []*span) float64 {
	chars := map[float64]int{}
	for _, s := range spans {
		chars[roundHalf(s.size)] += s.chars
	}
	best, n := 10.0, -1
	for size, c := range chars {
		if c > n || c == n && size < best {
			best, n = size, c
		}
	}
	return best
}

func roundHalf(f float64) float64 { return float64(int(f*2+0.5)) / 2 }

// joinLines merges consecutive spans on one baseline into lines.
func joinLines(spans []*span) []line {
	var out []line
	for _, s := range spans {
		t := strings.TrimSpace(s.text.String())
		if t == "" {
			continue
		}
		if n := len(out); n > 0 && abs(out[n-1].y-s.y) < 0.5*min(out[n-1].size, s.size) && s.x0 >= out[n-1].x0 {
			out[n-1].text += " " + t
			out[n-1].size = max(out[n-1].size, s.size)
			continue
		}
		out = append(out, line{text: t, y: s.y, size: s.size, x0: s.x0})
	}
	return out
}

// paragraphs groups lines into blocks: a wide vertical gap, a move up (the
// next column) or a change of font size starts a new one.
func paragraphs(lines []line, body float64) []block {
	var out []block
	for i, l := range lines {
		newBlock := i == 0
		if i > 0 {
			prev := lines[i-1]
			gap := prev.y - l.y - max(prev.size, l.size)
			newBlock = l.y > prev.y || gap > paraGapMin*body || (abs(l.size-prev.size) > 0.2*body)
		}
		if newBlock {
			out = append(out, block{})
		}
		b := &out[len(out)-1]
		b.lines = append(b.lines, l.text)
		b.size = max(b.size, l.size)
	}
	for i := range out {
		if out[i].size >= 1.25*body && len(out[i].lines) <= 3 {
			out[i].heading = 3
		}
	}
	// Larger headings get lower levels: the largest size on the page is 1.
	var sizes []float64
	for _, b := range out {
		if b.heading > 0 && !slices.Contains(sizes, roundHalf(b.size)) {
			sizes = append(sizes, roundHalf(b.size))
		}
	}
	slices.SortFunc(sizes, func(a, b float64) int { return cmp.Compare(b, a) })
	for i := range out {
		if out[i].heading > 0 {
			out[i].heading = min(slices.Index(sizes, roundHalf(out[i].size))+1, 3)
		}
	}
	return out
}

// blocksText is the page text: lines joined by newlines, blocks by a
// blank line.
func blocksText(blocks []block) string {
	parts := make([]string, 0, len(blocks))
	for _, b := range blocks {
		parts = append(parts, strings.Join(b.lines, "\n"))
	}
	return normalizeText(strings.Join(parts, "\n\n"))
}

// ligatures are typographic ligatures a font maps to one code point;
// search and word counts need the letters.
var ligatures = strings.NewReplacer("ﬀ", "ff", "ﬁ", "fi", "ﬂ", "fl", "ﬃ", "ffi", "ﬄ", "ffl", "ﬅ", "st", "ﬆ", "st",
	"\u00ad", "", "\x00", "", "\ufeff", "")

// normalizeText expands ligatures, drops invisible characters and control
// characters other than newlines, and keeps the text valid UTF-8.
func normalizeText(s string) string {
	s = ligatures.Replace(strings.ToValidUTF8(s, "\uFFFD"))
	return strings.Map(func(r rune) rune {
		if r == '\n' {
			return r
		}
		if r == '\t' {
			return ' '
		}
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}
