package chunk

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"sync"
	"unicode"
	"unicode/utf8"
)

// TokenizerName names the tokenizer every token count uses: OpenAI's
// cl100k_base BPE (GPT-4, GPT-3.5, text-embedding-3). The tokens are
// those of github.com/pkoukk/tiktoken-go (TestTokensMatchTiktoken), which
// this package does not link: its regexp2 pre-tokenizer cost every
// function that links chunk ~50 allocations of package init (regexp2's
// Unicode tables) at each cold start, allocated per match in proportion to
// the input (quadratic on long texts) and dominated chunking time.
const TokenizerName = "cl100k_base"

// cl100kRanks is cl100k_base's mergeable ranks in a compact form: for each
// rank from 0, a uvarint length and the token's bytes, gzipped (0.47 MB,
// against 7 MB for github.com/pkoukk/tiktoken-go-loader, which embeds four
// encodings as base64 text). TestCL100KRanksMatchTheLoader checks it
// against the loader's copy, and regenerates it with -update.
//
//go:embed cl100k.bin.gz
var cl100kRanks []byte

// tokenizer is loaded on first use (tens of milliseconds: 100k ranks),
// never at package init.
var tokenizer = sync.OnceValues(func() (*bpe, error) {
	ranks, err := decodeRanks(cl100kRanks)
	if err != nil {
		return nil, err
	}
	lengths := make([]int, len(ranks))
	for tok, rank := range ranks {
		lengths[rank] = len(tok)
	}
	return &bpe{ranks: ranks, lengths: lengths}, nil
})

func decodeRanks(gz []byte) (map[string]int, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("cl100k ranks: %w", err)
	}
	r := bufio.NewReader(zr)
	ranks := make(map[string]int, 100_256)
	for rank := 0; ; rank++ {
		n, err := binary.ReadUvarint(r)
		if err == io.EOF {
			return ranks, nil
		}
		if err != nil || n > 256 {
			return nil, fmt.Errorf("cl100k ranks: corrupt at rank %d", rank)
		}
		tok := make([]byte, n)
		if _, err := io.ReadFull(r, tok); err != nil {
			return nil, fmt.Errorf("cl100k ranks: corrupt at rank %d", rank)
		}
		ranks[string(tok)] = rank
	}
}

type bpe struct {
	ranks   map[string]int // ordinary token -> rank (its id)
	lengths []int          // byte length of each ordinary token
}

// count returns the number of tokens of s.
func (b *bpe) count(s string) int {
	if s == "" {
		return 0
	}
	return len(b.encode(s))
}

// encode returns the ordinary tokens of s (special tokens such as
// "<|endoftext|>" are never produced: in a page they are ordinary text).
// Like tiktoken-go, which matches on runes, it reads each invalid UTF-8
// byte as U+FFFD.
func (b *bpe) encode(s string) []int {
	if !utf8.ValidString(s) {
		s = string([]rune(s))
	}
	out := make([]int, 0, len(s)/4+1)
	for len(s) > 0 {
		n := cl100kPiece(s)
		if r, ok := b.ranks[s[:n]]; ok {
			out = append(out, r)
		} else {
			out = b.merge(s[:n], out)
		}
		s = s[n:]
	}
	return out
}

// merge appends the tokens of piece, a pre-tokenizer piece that is not a
// token itself: byte pair encoding merges, again and again, the adjacent
// pair of parts whose concatenation has the lowest rank (the leftmost of
// equal ones), starting from single bytes, until no pair is a token.
func (b *bpe) merge(piece string, out []int) []int {
	// parts[i].start is where part i starts; parts[i].rank the rank of
	// parts i and i+1 together (math.MaxInt: not a token). The last entry
	// only marks the end.
	type part struct{ start, rank int }
	parts := make([]part, len(piece)+1)
	for i := range parts {
		parts[i] = part{i, math.MaxInt}
	}
	// rank is the rank of the bytes from part i to the end of part i+1+skip.
	rank := func(i, skip int) int {
		if i+skip+2 < len(parts) {
			if r, ok := b.ranks[piece[parts[i].start:parts[i+skip+2].start]]; ok {
				return r
			}
		}
		return math.MaxInt
	}
	for i := 0; i+2 < len(parts); i++ {
		parts[i].rank = rank(i, 0)
	}
	for len(parts) > 1 {
		low, at := math.MaxInt, -1
		for i := 0; i+1 < len(parts); i++ {
			if parts[i].rank < low {
				low, at = parts[i].rank, i
			}
		}
		if at < 0 {
			break
		}
		// Parts at and at+1 become one: its pairs with its neighbours get
		// new ranks before part at+1 goes.
		parts[at].rank = rank(at, 1)
		if at > 0 {
			parts[at-1].rank = rank(at-1, 1)
		}
		parts = append(parts[:at+1], parts[at+2:]...)
	}
	for i := 0; i+1 < len(parts); i++ {
		out = append(out, b.ranks[piece[parts[i].start:parts[i+1].start]])
	}
	return out
}

// cl100kPiece returns the byte length of the piece cl100k_base's
// pre-tokenizer cuts at the start of s (non-empty, valid UTF-8). The
// pattern is
//
//	(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//
// matched leftmost-first with backtracking (regexp2, as tiktoken-go
// does; \s is unicode.IsSpace, \p{L} unicode.IsLetter, \p{N}
// unicode.IsNumber). Each alternative is a few lines of code here, without
// a regexp engine; TestTokensMatchTiktoken and FuzzTokensMatchTiktoken
// hold it to the regexp.
func cl100kPiece(s string) int {
	r, n := utf8.DecodeRuneInString(s)
	// '(?i:s|t|re|ve|m|ll|d)
	if r == '\'' {
		if l := contraction(s[1:]); l > 0 {
			return 1 + l
		}
	}
	// [^\r\n\p{L}\p{N}]?\p{L}+
	if isLetter(r) {
		return n + letters(s[n:])
	}
	if r != '\r' && r != '\n' && !isNumber(r) {
		if l := letters(s[n:]); l > 0 {
			return n + l
		}
	}
	// \p{N}{1,3}
	if isNumber(r) {
		i := n
		for k := 1; k < 3 && i < len(s); k++ {
			r2, m := utf8.DecodeRuneInString(s[i:])
			if !isNumber(r2) {
				break
			}
			i += m
		}
		return i
	}
	// ' ?[^\s\p{L}\p{N}]+[\r\n]*'
	i := 0
	if r == ' ' {
		i = 1
	}
	if j := i + symbols(s[i:]); j > i {
		for j < len(s) && (s[j] == '\r' || s[j] == '\n') {
			j++
		}
		return j
	}
	// r is white space here: the rest is whitespace alternatives on the
	// run of white space from the start.
	ws, lastNL := 0, -1
	for ws < len(s) {
		r2, m := utf8.DecodeRuneInString(s[ws:])
		if !unicode.IsSpace(r2) {
			break
		}
		if r2 == '\r' || r2 == '\n' {
			lastNL = ws
		}
		ws += m
	}
	// \s*[\r\n]+: backtracks from the whole run to its last line break.
	if lastNL >= 0 {
		return lastNL + 1
	}
	// \s+(?!\S): the whole run at the end of s, else all but its last
	// character (which stands before the next word).
	if ws == len(s) {
		return ws
	}
	_, last := utf8.DecodeLastRuneInString(s[:ws])
	if ws-last > 0 {
		return ws - last
	}
	// \s+: a single space before a word or symbol.
	return ws
}

// contraction returns the length of s's prefix matched by
// (?i:s|t|re|ve|m|ll|d) (regexp2 compares unicode.ToLower of the input),
// or 0.
func contraction(s string) int {
	lower := func(i int) (rune, int) {
		if i >= len(s) {
			return -1, 0
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		return unicode.ToLower(r), n
	}
	c, n := lower(0)
	switch c {
	case 's', 't', 'm', 'd':
		return n
	case 'r', 'v', 'l':
		want := 'e'
		if c == 'l' {
			want = 'l'
		}
		if c2, n2 := lower(n); c2 == want {
			return n + n2
		}
	}
	return 0
}

// letters returns the length of s's prefix of letters (\p{L}*).
func letters(s string) int {
	i := 0
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsLetter(r) {
			return i
		}
		i += n
	}
	return i
}

// symbols returns the length of s's prefix of characters that are neither
// white space, letters nor numbers ([^\s\p{L}\p{N}]*).
func symbols(s string) int {
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) || isLetter(r) || isNumber(r) {
			return i
		}
		i += n
	}
	return i
}

func isLetter(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
	}
	return unicode.IsLetter(r)
}

func isNumber(r rune) bool {
	if r < utf8.RuneSelf {
		return '0' <= r && r <= '9'
	}
	return unicode.IsNumber(r)
}

// boundaries returns the byte offset where each token of s starts, plus
// len(s) at the end; offsets are moved forward to rune boundaries, since a
// byte-level token can end inside a multi-byte character.
func (b *bpe) boundaries(s string) []int {
	toks := b.encode(s)
	out := make([]int, 0, len(toks)+1)
	raw := 0 // where the token starts, in bytes
	for _, t := range toks {
		off := raw
		for off < len(s) && !utf8.RuneStart(s[off]) {
			off++
		}
		if off < len(s) && (len(out) == 0 || out[len(out)-1] != off) {
			out = append(out, off)
		}
		if t >= 0 && t < len(b.lengths) {
			raw += b.lengths[t]
		}
	}
	if len(out) == 0 || out[len(out)-1] != len(s) {
		out = append(out, len(s))
	}
	return out
}
