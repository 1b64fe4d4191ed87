// Package chunk splits text (plain or markdown) into chunks for retrieval:
// fixed token windows, sliding windows with overlap, sentences, paragraphs,
// markdown sections, topics (TextTiling) or a regular expression.
//
// Every chunk is an exact span of the input: Text == text[ByteStart:ByteEnd]
// and the rune offsets address the same span. Except in sliding mode
// (whose windows overlap by design), chunks are contiguous and cover the
// text without loss: concatenating them gives the input back, separators
// included (whitespace between two units stays at the end of the first).
// Token counts use a real BPE (cl100k_base, see TokenizerName); each chunk
// carries the markdown heading path in force where it starts.
package chunk

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/riptidecrawler/riptide/shared/core"
)

// Mode is a way of splitting.
type Mode string

const (
	// ModeFixed cuts windows of exactly max_tokens tokens.
	ModeFixed Mode = "fixed"
	// ModeSliding cuts windows of max_tokens that overlap by
	// overlap_tokens.
	ModeSliding Mode = "sliding"
	// ModeSentence packs whole sentences (Unicode sentence boundaries,
	// common abbreviations kept inside their sentence) up to max_tokens.
	ModeSentence Mode = "sentence"
	// ModeParagraph packs whole paragraphs (separated by blank lines) up
	// to max_tokens.
	ModeParagraph Mode = "paragraph"
	// ModeMarkdown makes one chunk per markdown section (a heading and
	// what follows it up to the next heading), split at paragraphs when it
	// exceeds max_tokens.
	ModeMarkdown Mode = "markdown"
	// ModeTopic cuts where the vocabulary changes (TextTiling over
	// sentence blocks), then packs up to max_tokens within each topic.
	ModeTopic Mode = "topic"
	// ModeRegex starts a new chunk at each match of pattern.
	ModeRegex Mode = "regex"
)

// Modes lists every mode.
var Modes = []Mode{ModeFixed, ModeSliding, ModeSentence, ModeParagraph, ModeMarkdown, ModeTopic, ModeRegex}

// EnumValues lists the modes for the API's JSON Schemas.
func (Mode) EnumValues() []string {
	out := make([]string, len(Modes))
	for i, m := range Modes {
		out[i] = string(m)
	}
	return out
}

// Defaults and limits of Options.
const (
	DefaultMode          = ModeParagraph
	DefaultMaxTokens     = 512
	DefaultOverlapTokens = 64
	DefaultTopicWindow   = 3
	MaxMaxTokens         = 8192
	MaxChunks            = 100_000
)

// Options choose how text is split (the API's `chunking` object).
type Options struct {
	Mode Mode `json:"mode,omitempty"`
	// MaxTokens bounds every chunk (fixed and sliding: the window size).
	MaxTokens int `json:"max_tokens,omitempty"`
	// OverlapTokens is the overlap of sliding windows.
	OverlapTokens int `json:"overlap_tokens,omitempty"`
	// Pattern is the regular expression (RE2) of regex mode.
	Pattern string `json:"pattern,omitempty"`
	// TopicWindow is the number of sentences on each side of a gap that
	// topic mode compares.
	TopicWindow int `json:"topic_window,omitempty"`
}

// WithDefaults fills unset fields.
func (o Options) WithDefaults() Options {
	if o.Mode == "" {
		o.Mode = DefaultMode
	}
	if o.MaxTokens == 0 {
		o.MaxTokens = DefaultMaxTokens
	}
	if o.Mode == ModeSliding && o.OverlapTokens == 0 {
		o.OverlapTokens = min(DefaultOverlapTokens, o.MaxTokens/2)
	}
	if o.Mode == ModeTopic && o.TopicWindow == 0 {
		o.TopicWindow = DefaultTopicWindow
	}
	return o
}

// Validate checks o after WithDefaults; prefix names the object in errors
// ("options.chunking").
func (o Options) Validate(prefix string) error {
	var details []core.Detail
	bad := func(field, format string, args ...any) {
		details = append(details, core.Detail{Field: prefix + "." + field, Message: fmt.Sprintf(format, args...)})
	}
	if !slices.Contains(Modes, o.Mode) {
		names := make([]string, len(Modes))
		for i, m := range Modes {
			names[i] = string(m)
		}
		bad("mode", "%q is not a mode; modes are %s", o.Mode, strings.Join(names, ", "))
	}
	if o.MaxTokens < 16 || o.MaxTokens > MaxMaxTokens {
		bad("max_tokens", "must be between 16 and %d", MaxMaxTokens)
	}
	if o.OverlapTokens != 0 && o.Mode != ModeSliding {
		bad("overlap_tokens", "applies to sliding mode only")
	}
	if o.Mode == ModeSliding && (o.OverlapTokens < 0 || o.OverlapTokens >= o.MaxTokens) {
		bad("overlap_tokens", "must be between 0 and max_tokens-1")
	}
	if o.Pattern != "" && o.Mode != ModeRegex {
		bad("pattern", "applies to regex mode only")
	}
	if o.Mode == ModeRegex {
		if o.Pattern == "" {
			bad("pattern", "required in regex mode")
		} else if _, err := regexp.Compile(o.Pattern); err != nil {
			bad("pattern", "%s", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		} else if len(o.Pattern) > 4096 {
			bad("pattern", "at most 4096 bytes")
		}
	}
	if o.TopicWindow != 0 && o.Mode != ModeTopic {
		bad("topic_window", "applies to topic mode only")
	}
	if o.Mode == ModeTopic && (o.TopicWindow < 1 || o.TopicWindow > 50) {
		bad("topic_window", "must be between 1 and 50")
	}
	if len(details) == 0 {
		return nil
	}
	return core.Errorf(core.ErrValidation, "%s: %s", details[0].Field, details[0].Message).WithDetails(details...)
}

// Chunk is one span of the text.
type Chunk struct {
	Index     int    `json:"index"`
	Text      string `json:"text"`
	ByteStart int    `json:"byte_start"`
	ByteEnd   int    `json:"byte_end"`
	RuneStart int    `json:"rune_start"`
	RuneEnd   int    `json:"rune_end"`
	Tokens    int    `json:"tokens"`
	// HeadingPath is the markdown headings in force where the chunk
	// starts, outermost first ([] before the first heading).
	HeadingPath []string `json:"heading_path"`
}

// Result is a split text.
type Result struct {
	Mode        Mode    `json:"mode"`
	Tokenizer   string  `json:"tokenizer"`
	MaxTokens   int     `json:"max_tokens"`
	TotalTokens int     `json:"total_tokens"`
	Chunks      []Chunk `json:"chunks"`
}

// span is a chunk before its text and offsets are filled in; tokens is
// its exact count when known (-1 otherwise), so it is not counted twice.
type span struct{ start, end, tokens int }

// Split splits text per opts (defaults are applied; invalid options are a
// validation error).
func Split(ctx context.Context, text string, opts Options) (*Result, error) {
	opts = opts.WithDefaults()
	if err := opts.Validate("chunking"); err != nil {
		return nil, err
	}
	if !utf8.ValidString(text) {
		return nil, core.Errorf(core.ErrValidation, "text is not valid UTF-8")
	}
	tk, err := tokenizer()
	if err != nil {
		return nil, core.Wrap(core.ErrInternal, err, "chunk: tokenizer")
	}
	s := &splitter{ctx: ctx, text: text, opts: opts, tk: tk}
	var spans []span
	switch opts.Mode {
	case ModeFixed:
		spans = s.windows(0, len(text), opts.MaxTokens, opts.MaxTokens)
	case ModeSliding:
		spans = s.windows(0, len(text), opts.MaxTokens, opts.MaxTokens-opts.OverlapTokens)
	case ModeSentence:
		spans = s.pack(sentenceBounds(text))
	case ModeParagraph:
		spans = s.pack(paragraphBounds(text))
	case ModeMarkdown:
		spans = s.markdown()
	case ModeTopic:
		spans = s.topic()
	case ModeRegex:
		spans = s.regex()
	}
	if err := ctx.Err(); err != nil {
		return nil, core.Wrap(core.ErrTimeout, err, "chunk")
	}
	if len(spans) > MaxChunks {
		return nil, core.Errorf(core.ErrPayloadTooLarge, "the text makes %d chunks, limit %d: raise max_tokens", len(spans), MaxChunks)
	}
	return s.result(spans), nil
}

type splitter struct {
	ctx  context.Context
	text string
	opts Options
	tk   *bpe

	heads      headingList // the text's headings, found once (markdown mode needs them twice)
	headsFound bool
}

func (s *splitter) headings() headingList {
	if !s.headsFound {
		s.heads, s.headsFound = headings(s.text), true
	}
	return s.heads
}

// result fills in text, offsets, token counts and heading paths.
func (s *splitter) result(spans []span) *Result {
	heads := &headingWalker{hs: s.headings()}
	res := &Result{Mode: s.opts.Mode, Tokenizer: TokenizerName, MaxTokens: s.opts.MaxTokens, Chunks: make([]Chunk, 0, len(spans))}
	starts := make([]int, len(spans))
	ends := make([]int, len(spans))
	for i, sp := range spans {
		starts[i], ends[i] = sp.start, sp.end
	}
	runeStarts, runeEnds := runeOffsets(s.text, starts), runeOffsets(s.text, ends)
	for i, sp := range spans {
		t := s.text[sp.start:sp.end]
		c := Chunk{Index: i, Text: t, ByteStart: sp.start, ByteEnd: sp.end, RuneStart: runeStarts[i], RuneEnd: runeEnds[i],
			Tokens: sp.tokens, HeadingPath: heads.pathAt(sp.start)}
		if c.Tokens < 0 {
			c.Tokens = s.tk.count(t)
		}
		res.Chunks = append(res.Chunks, c)
	}
	if s.opts.Mode == ModeSliding {
		res.TotalTokens = s.tk.count(s.text)
	} else {
		for _, c := range res.Chunks {
			res.TotalTokens += c.Tokens
		}
	}
	return res
}

// runeOffsets converts non-decreasing byte offsets to rune offsets in one
// pass.
func runeOffsets(text string, offs []int) []int {
	out := make([]int, len(offs))
	pos, runes := 0, 0
	for i, o := range offs {
		if o < pos { // not sorted (cannot happen for starts or ends)
			pos, runes = 0, 0
		}
		runes += utf8.RuneCountInString(text[pos:o])
		pos = o
		out[i] = runes
	}
	return out
}

// windows cuts [start,end) into token windows of size tokens, advancing by
// step tokens (step == size: contiguous; step < size: overlapping).
func (s *splitter) windows(start, end, size, step int) []span {
	if start >= end {
		return nil
	}
	b := s.tk.boundaries(s.text[start:end])
	n := len(b) - 1 // tokens
	var out []span
	for i := 0; i < n; {
		j := min(i+size, n)
		// Cut at a token boundary of the whole text, a window counted
		// alone can take a token more: give tokens back until it fits.
		cnt := s.tk.count(s.text[start+b[i] : start+b[j]])
		for j > i+1 && cnt > size {
			j--
			cnt = s.tk.count(s.text[start+b[i] : start+b[j]])
		}
		out = append(out, span{start + b[i], start + b[j], cnt})
		if j == n {
			break
		}
		if step >= size {
			i = j
		} else {
			i = max(i+1, min(i+step, j))
		}
	}
	return out
}

// pack merges consecutive units (given by their start offsets, the first
// 0) into chunks of at most max_tokens; a unit over the limit is cut into
// fixed windows.
func (s *splitter) pack(bounds []int) []span {
	return s.packRange(bounds, len(s.text))
}

func (s *splitter) packRange(bounds []int, end int) []span {
	type unit struct{ start, end, tokens int }
	units := make([]unit, 0, len(bounds))
	for i, b := range bounds {
		ue := end
		if i+1 < len(bounds) {
			ue = bounds[i+1]
		}
		if b < ue {
			units = append(units, unit{b, ue, s.tk.count(s.text[b:ue])})
		}
	}
	var out []span
	for i := 0; i < len(units); {
		if s.ctx.Err() != nil {
			return out
		}
		if units[i].tokens > s.opts.MaxTokens {
			out = append(out, s.windows(units[i].start, units[i].end, s.opts.MaxTokens, s.opts.MaxTokens)...)
			i++
			continue
		}
		j, sum := i, 0
		for j < len(units) && sum+units[j].tokens <= s.opts.MaxTokens {
			sum += units[j].tokens
			j++
		}
		// Units counted apart can take more tokens together (BPE merges
		// across the seam): check the chunk and give back units until it
		// fits.
		n := sum
		if j > i+1 {
			n = s.tk.count(s.text[units[i].start:units[j-1].end])
		}
		for j > i+1 && n > s.opts.MaxTokens {
			j--
			n = s.tk.count(s.text[units[i].start:units[j-1].end])
		}
		out = append(out, span{units[i].start, units[j-1].end, n})
		i = j
	}
	return out
}

// regex starts a chunk at every match; pieces over max_tokens are cut into
// windows.
func (s *splitter) regex() []span {
	re := regexp.MustCompile(s.opts.Pattern)
	bounds := []int{0}
	for _, m := range re.FindAllStringIndex(s.text, MaxChunks) {
		if m[0] > bounds[len(bounds)-1] {
			bounds = append(bounds, m[0])
		}
	}
	var out []span
	for i, b := range bounds {
		e := len(s.text)
		if i+1 < len(bounds) {
			e = bounds[i+1]
		}
		if b >= e {
			continue
		}
		if n := s.tk.count(s.text[b:e]); n > s.opts.MaxTokens {
			out = append(out, s.windows(b, e, s.opts.MaxTokens, s.opts.MaxTokens)...)
		} else {
			out = append(out, span{b, e, n})
		}
	}
	return out
}

// markdown makes one chunk per section; a section over max_tokens is
// packed by paragraphs.
func (s *splitter) markdown() []span {
	heads := s.headings()
	bounds := []int{0}
	for _, h := range heads {
		if h.start > bounds[len(bounds)-1] {
			bounds = append(bounds, h.start)
		}
	}
	var out []span
	for i, b := range bounds {
		e := len(s.text)
		if i+1 < len(bounds) {
			e = bounds[i+1]
		}
		if b >= e {
			continue
		}
		if n := s.tk.count(s.text[b:e]); n <= s.opts.MaxTokens {
			out = append(out, span{b, e, n})
			continue
		}
		var inner []int
		for _, p := range paragraphBounds(s.text[b:e]) {
			inner = append(inner, b+p)
		}
		out = append(out, s.packRange(inner, e)...)
	}
	return out
}
