package chunk

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	tiktoken "github.com/pkoukk/tiktoken-go"
)

// tiktoken-go (a test-only dependency, like goldmark for headings) is the
// reference the tokenizer must agree with token for token: the same ranks
// behind its regexp2 pre-tokenizer and byte pair merge.
var reference = sync.OnceValues(func() (*tiktoken.Tiktoken, error) {
	ranks, err := decodeRanks(cl100kRanks)
	if err != nil {
		return nil, err
	}
	special := map[string]int{"<|endoftext|>": 100257, "<|fim_prefix|>": 100258, "<|fim_middle|>": 100259,
		"<|fim_suffix|>": 100260, "<|endofprompt|>": 100276}
	pattern := `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	core, err := tiktoken.NewCoreBPE(ranks, special, pattern)
	if err != nil {
		return nil, err
	}
	enc := &tiktoken.Encoding{Name: TokenizerName, PatStr: pattern, MergeableRanks: ranks, SpecialTokens: special}
	return tiktoken.NewTiktoken(core, enc, map[string]any{}), nil
})

// trickyTexts exercise each alternative of the pre-tokenizer and where
// they meet: contractions in any case (and near misses), letters after a
// symbol or a space, runs of digits, symbols with line breaks, every kind
// of white space run (at the end, before a word, with line breaks inside),
// non-ASCII letters, numbers and spaces, marks that are neither letters
// nor numbers, and invalid UTF-8.
var trickyTexts = []string{
	"", "a", " ", "\n", "hello world", "tiktoken is great!", "<|endoftext|>",
	"I'm, you're, we've, they'll, he'd, it's, don't", "I'M YOU'RE WE'VE THEY'LL HE'D IT'S DON'T",
	"'r 'l 'v 'x '' '", "'S'T'Re'vE'M'lL'D", "rock'n'roll o'clock",
	"1 12 123 1234 12345 1,234,567.89 3.14159 -42 +7 0x1F 1e10",
	"٣٤٥ ½ ² ⅷ Ⅻ 十二 ①②③④", "$100 €5 ¥1000 50% #1 @user a+b=c",
	"...!!!???\n\n---\r\n***", " ---\n", "a  b   c    d", "trailing   ", "  leading",
	"tabs\tand\t\ttabs", "\t\n \r\n  \n\nx", "line\r\nbreaks\rand\nmore\n\n\n", "x \n y", "x\n \ty",
	"nbsp\u00a0here\u00a0\u00a0there", "ideographic\u3000space", "em\u2003space\u2028line\u2029para",
	"\u0085next line", "\v\fvertical", "Grüße, naïve café — “quotes” ‘single’ «guillemets»",
	"Привет мир", "こんにちは世界", "中文文本没有空格", "안녕하세요", "مرحبا بالعالم", "שלום עולם",
	"हिन्दी देवनागरी", "e\u0301 combining\u0300 marks\u20dd", "emoji 😀😃 👍🏽 🇺🇸 👨‍👩‍👧",
	"ſ ſ's İstanbul I'ſ K'K", "ǅungla ǈ ǋ", "mixed123abc456def", "abc123 456def 7890",
	"<html><body><p class=\"x\">Hi</p></body></html>", "https://example.com/a/b?c=d&e=f#g",
	"func main() {\n\tfmt.Println(\"hi\")\n}\n", "    indented code\n        more",
	"# Heading\n\n- item one\n- item two\n\n> quote\n", strings.Repeat("ab", 300),
	strings.Repeat("x", 5000), strings.Repeat(" ", 100) + "x", strings.Repeat("\n", 50),
	"invalid \xff\xfe bytes \xc3 here", "\xe2\x82", "a\x80b",
	sample,
}

func TestTokensMatchTiktoken(t *testing.T) {
	ref, err := reference()
	if err != nil {
		t.Fatal(err)
	}
	tk, err := tokenizer()
	if err != nil {
		t.Fatal(err)
	}
	texts := slices.Clone(trickyTexts)
	// Real text: the repository's documentation (prose, tables, code).
	docs, _ := filepath.Glob(filepath.Join("..", "..", "docs", "*.md"))
	for _, p := range docs {
		if b, err := os.ReadFile(p); err == nil {
			texts = append(texts, string(b))
		}
	}
	if len(docs) == 0 {
		t.Fatal("no docs/*.md to tokenize")
	}
	// Random strings over an alphabet of the characters where the
	// alternatives meet.
	alphabet := []rune("aZé字٣1 \t\r\n\u00a0\u3000'sStTrReEvVlLmMdD.,!-_\u0301😀\u2028½")
	rng := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		rs := make([]rune, 1+rng.IntN(24))
		for i := range rs {
			rs[i] = alphabet[rng.IntN(len(alphabet))]
		}
		texts = append(texts, string(rs))
	}
	for _, s := range texts {
		if got, want := tk.encode(s), ref.EncodeOrdinary(s); !slices.Equal(got, want) {
			t.Errorf("encode(%.80q):\n got %v\nwant %v", s, head(got), head(want))
		}
	}
}

func head(toks []int) []int {
	if len(toks) > 20 {
		return toks[:20]
	}
	return toks
}

func FuzzTokensMatchTiktoken(f *testing.F) {
	for _, s := range trickyTexts {
		if len(s) < 1000 {
			f.Add(s)
		}
	}
	ref, err := reference()
	if err != nil {
		f.Fatal(err)
	}
	tk, err := tokenizer()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := tk.encode(s), ref.EncodeOrdinary(s); !slices.Equal(got, want) {
			t.Errorf("encode(%q):\n got %v\nwant %v", s, got, want)
		}
		if utf8.ValidString(s) {
			n := 0
			for _, tok := range tk.encode(s) {
				n += tk.lengths[tok]
			}
			if n != len(s) {
				t.Errorf("tokens of %q hold %d bytes, want %d", s, n, len(s))
			}
		}
	})
}
