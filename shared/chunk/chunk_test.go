package chunk

import (
	"context"

	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/riptidecrawler/riptide/shared/core"
)

const sample = "# Kettles\n\nA kettle boils water. Dr. Smith prefers electric ones, e.g. the Blue Kettle by J. R. Jones Ltd. in the U.S. market.\n\n" +
	"## Electric kettles\n\nThey heat fast. The element sits under the base. Über-fast models take 90 s — ça chauffe vite! 電気ケトルは速い。\n\n" +
	"```\n# not a heading, code\n```\n\n" +
	"## Stove kettles\n\nThey whistle.\n\nOld ones are copper.\n\n" +
	"# Volcanoes\n\nSetext below.\n\nMagma chambers\n--------------\n\nMagma rises through the crust.\n"

func split(t *testing.T, text string, o Options) *Result {
	t.Helper()
	r, err := Split(context.Background(), text, o)
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, text, o.WithDefaults(), r)
	return r
}

// checkInvariants: every chunk is its exact span, rune offsets match byte
// offsets, tokens stay within the limit, and the chunks cover the text
// without loss (sliding windows: overlapping but gapless).
func checkInvariants(t testing.TB, text string, o Options, r *Result) {
	t.Helper()
	var rebuilt strings.Builder
	prevEnd := 0
	for i, c := range r.Chunks {
		if c.Index != i || c.ByteStart < 0 || c.ByteEnd > len(text) || c.ByteStart >= c.ByteEnd {
			t.Fatalf("chunk %d: bad offsets %d..%d (len %d)", i, c.ByteStart, c.ByteEnd, len(text))
		}
		if text[c.ByteStart:c.ByteEnd] != c.Text {
			t.Fatalf("chunk %d: text is not the span", i)
		}
		if c.RuneStart != utf8.RuneCountInString(text[:c.ByteStart]) || c.RuneEnd != utf8.RuneCountInString(text[:c.ByteEnd]) {
			t.Fatalf("chunk %d: rune offsets %d..%d wrong", i, c.RuneStart, c.RuneEnd)
		}
		if c.Tokens > o.MaxTokens {
			t.Fatalf("chunk %d: %d tokens, max %d", i, c.Tokens, o.MaxTokens)
		}
		if c.HeadingPath == nil {
			t.Fatalf("chunk %d: heading_path is null", i)
		}
		if o.Mode == ModeSliding {
			if c.ByteStart > prevEnd || (i > 0 && c.ByteStart <= r.Chunks[i-1].ByteStart) {
				t.Fatalf("window %d starts at %d, after a gap (previous end %d)", i, c.ByteStart, prevEnd)
			}
			rebuilt.WriteString(text[prevEnd:c.ByteEnd])
		} else {
			if c.ByteStart != prevEnd {
				t.Fatalf("chunk %d starts at %d, previous ended at %d", i, c.ByteStart, prevEnd)
			}
			rebuilt.WriteString(c.Text)
		}
		prevEnd = c.ByteEnd
	}
	if rebuilt.String() != text {
		t.Fatalf("%s: chunks do not reassemble the text (%d of %d bytes)", o.Mode, rebuilt.Len(), len(text))
	}
}

func TestEveryModeCoversTheText(t *testing.T) {
	long := strings.Repeat(sample, 20)
	for _, m := range Modes {
		o := Options{Mode: m, MaxTokens: 40}
		if m == ModeRegex {
			o.Pattern = `(?m)^#+ `
		}
		for _, text := range []string{sample, long, "", "one", strings.Repeat("x", 5000), "\n\n\n"} {
			r := split(t, text, o)
			if r.Tokenizer != "cl100k_base" {
				t.Errorf("tokenizer %q", r.Tokenizer)
			}
			if text != "" && len(r.Chunks) == 0 {
				t.Errorf("%s: no chunks for %q", m, text)
			}
		}
	}
}

func TestTokenCountsAreCL100K(t *testing.T) {
	tk, err := tokenizer()
	if err != nil {
		t.Fatal(err)
	}
	// Known cl100k_base counts (tiktoken): "hello world" is 2 tokens,
	// "tiktoken is great!" is 6.
	for s, want := range map[string]int{"hello world": 2, "tiktoken is great!": 6, "": 0, "<|endoftext|>": 7} {
		if got := tk.count(s); got != want {
			t.Errorf("count(%q) = %d, want %d", s, got, want)
		}
	}
	r := split(t, "word"+strings.Repeat(" word", 999), Options{Mode: ModeFixed, MaxTokens: 100})
	if len(r.Chunks) != 10 || r.Chunks[0].Tokens != 100 || r.TotalTokens != 1000 {
		t.Errorf("fixed: %d chunks, first %d tokens, total %d", len(r.Chunks), r.Chunks[0].Tokens, r.TotalTokens)
	}
}

func TestSlidingWindowsOverlap(t *testing.T) {
	text := strings.Repeat("alpha beta gamma delta ", 100)
	r := split(t, text, Options{Mode: ModeSliding, MaxTokens: 50, OverlapTokens: 10})
	for i := 1; i < len(r.Chunks); i++ {
		if r.Chunks[i].ByteStart >= r.Chunks[i-1].ByteEnd {
			t.Fatalf("windows %d and %d do not overlap", i-1, i)
		}
	}
	if len(r.Chunks) != 10 { // 400 tokens, step 40
		t.Errorf("%d windows", len(r.Chunks))
	}
}

func TestSentencesKeepAbbreviations(t *testing.T) {
	text := "Dr. Smith met J. R. Jones at 5 p.m. on Jan. 4. They talked. It rained, e.g. all day. Done!"
	var got []string
	b := sentenceBounds(text)
	for i, s := range b {
		e := len(text)
		if i+1 < len(b) {
			e = b[i+1]
		}
		got = append(got, strings.TrimSpace(text[s:e]))
	}
	want := []string{"Dr. Smith met J. R. Jones at 5 p.m. on Jan. 4.", "They talked.", "It rained, e.g. all day.", "Done!"}
	if !slices.Equal(got, want) {
		t.Errorf("sentences:\n%q\nwant\n%q", got, want)
	}
	r := split(t, sample, Options{Mode: ModeSentence, MaxTokens: 16})
	for _, c := range r.Chunks {
		if strings.HasPrefix(c.Text, "Smith") || strings.HasPrefix(c.Text, "R. Jones") {
			t.Errorf("split after an abbreviation: %q", c.Text)
		}
	}
}

func TestMarkdownSectionsAndHeadingPaths(t *testing.T) {
	r := split(t, sample, Options{Mode: ModeMarkdown, MaxTokens: 512})
	var paths []string
	for _, c := range r.Chunks {
		paths = append(paths, strings.Join(c.HeadingPath, " > "))
	}
	want := []string{"Kettles", "Kettles > Electric kettles", "Kettles > Stove kettles", "Volcanoes", "Volcanoes > Magma chambers"}
	if !slices.Equal(paths, want) {
		t.Errorf("paths %q, want %q", paths, want)
	}
	if !strings.Contains(r.Chunks[1].Text, "# not a heading") {
		t.Errorf("the code block was taken for a heading: %q", r.Chunks[1].Text)
	}
	// Other modes carry heading paths too.
	p := split(t, sample, Options{Mode: ModeParagraph, MaxTokens: 16})
	last := p.Chunks[len(p.Chunks)-1]
	if strings.Join(last.HeadingPath, " > ") != "Volcanoes > Magma chambers" {
		t.Errorf("paragraph chunk path: %q", last.HeadingPath)
	}
}

func TestTopicBoundaryFallsBetweenTopics(t *testing.T) {
	kettles := "The kettle heats water quickly. A kettle element boils water in minutes. Electric kettle models switch off after boiling water. " +
		"Stainless kettle bodies keep water hot. A kettle with a filter keeps water clean. Kettle lids open wide for filling water. "
	volcanoes := "Volcanoes erupt molten magma. Magma chambers feed volcano eruptions. Lava flows from volcano vents downhill. " +
		"Volcanic ash from eruptions covers villages. Magma cools into basalt lava rock. Eruptions of volcanoes shape islands. "
	text := kettles + volcanoes
	r := split(t, text, Options{Mode: ModeTopic, MaxTokens: 500, TopicWindow: 2})
	if len(r.Chunks) != 2 || r.Chunks[1].ByteStart != len(kettles) {
		for _, c := range r.Chunks {
			t.Logf("chunk at %d: %.40q", c.ByteStart, c.Text)
		}
		t.Errorf("want one boundary at %d", len(kettles))
	}
}

func TestRegexAndParagraphModes(t *testing.T) {
	text := "intro\n---\npart one\n---\npart two"
	r := split(t, text, Options{Mode: ModeRegex, Pattern: `(?m)^---$`, MaxTokens: 100})
	if len(r.Chunks) != 3 || r.Chunks[1].Text != "---\npart one\n" {
		t.Errorf("regex chunks: %+v", r.Chunks)
	}
	r = split(t, "p1 line\nstill p1\n\n\np2\n \np3", Options{Mode: ModeParagraph, MaxTokens: 16})
	if len(r.Chunks) != 1 {
		t.Errorf("small paragraphs should pack into one chunk: %d", len(r.Chunks))
	}
	if b := paragraphBounds("p1 line\nstill p1\n\n\np2\n \np3"); !slices.Equal(b, []int{0, 19, 24}) {
		t.Errorf("paragraph bounds %v", b)
	}
}

func TestValidation(t *testing.T) {
	cases := map[string]Options{
		"chunking.mode":           {Mode: "words"},
		"chunking.max_tokens":     {MaxTokens: 5},
		"chunking.overlap_tokens": {Mode: ModeSliding, MaxTokens: 50, OverlapTokens: 50},
		"chunking.pattern":        {Mode: ModeRegex, Pattern: "(unclosed"},
		"chunking.topic_window":   {Mode: ModeFixed, TopicWindow: 3},
	}
	for field, o := range cases {
		_, err := Split(context.Background(), "text", o)
		e := core.AsError(err)
		if e.Type != core.ErrValidation || len(e.Details) == 0 || e.Details[0].Field != field {
			t.Errorf("%+v: %v, want a validation error on %s", o, err, field)
		}
	}
	if _, err := Split(context.Background(), "bad \xff utf8", Options{}); core.TypeOf(err) != core.ErrValidation {
		t.Errorf("invalid UTF-8: %v", err)
	}
}

func FuzzSplit(f *testing.F) {
	f.Add(sample, uint8(0), uint16(20))
	f.Add("a. b. c.\n\n# h\n\nx", uint8(4), uint16(16))
	f.Add("日本語のテキスト。二文目。", uint8(2), uint16(16))
	f.Fuzz(func(t *testing.T, text string, mode uint8, maxTokens uint16) {
		if !utf8.ValidString(text) {
			return
		}
		o := Options{Mode: Modes[int(mode)%len(Modes)], MaxTokens: 16 + int(maxTokens)%200}
		if o.Mode == ModeRegex {
			o.Pattern = `\n`
		}
		r, err := Split(context.Background(), text, o)
		if err != nil {
			t.Fatal(err)
		}
		checkInvariants(t, text, o.WithDefaults(), r)
	})
}

// BenchmarkSplit reports each mode's throughput on ~250 KB of markdown
// (make bench; docs/chunking.md has the numbers).
func BenchmarkSplit(b *testing.B) {
	text := strings.Repeat(sample, 300)
	if _, err := tokenizer(); err != nil {
		b.Fatal(err)
	}
	for _, m := range Modes {
		o := Options{Mode: m, MaxTokens: 256}
		if m == ModeRegex {
			o.Pattern = `(?m)^#+ `
		}
		b.Run(string(m), func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				if _, err := Split(context.Background(), text, o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkTokenizerLoad(b *testing.B) {
	for b.Loop() {
		if _, err := decodeRanks(cl100kRanks); err != nil {
			b.Fatal(err)
		}
	}
}
