package chunk

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"fmt"
	"io"
	"sync"
	"unicode/utf8"

	tiktoken "github.com/pkoukk/tiktoken-go"
)

// TokenizerName names the tokenizer every token count uses: OpenAI's
// cl100k_base BPE (GPT-4, GPT-3.5, text-embedding-3), run by
// github.com/pkoukk/tiktoken-go.
const TokenizerName = "cl100k_base"

// cl100kRanks is cl100k_base's mergeable ranks in a compact form: for each
// rank from 0, a uvarint length and the token's bytes, gzipped (0.47 MB,
// against 7 MB for github.com/pkoukk/tiktoken-go-loader, which embeds four
// encodings as base64 text). TestCL100KRanksMatchTheLoader checks it
// against the loader's copy, and regenerates it with -update.
//
//go:embed cl100k.bin.gz
var cl100kRanks []byte

// The cl100k_base special tokens and pre-tokenizer pattern, as in
// tiktoken-go's encoding.go. Special tokens are never produced here
// (EncodeOrdinary): "<|endoftext|>" in a page is ordinary text.
var (
	cl100kSpecial = map[string]int{"<|endoftext|>": 100257, "<|fim_prefix|>": 100258, "<|fim_middle|>": 100259,
		"<|fim_suffix|>": 100260, "<|endofprompt|>": 100276}
	cl100kPattern = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
)

// tokenizer is loaded on first use (tens of milliseconds: 100k ranks),
// never at package init.
var tokenizer = sync.OnceValues(func() (*bpe, error) {
	ranks, err := decodeRanks(cl100kRanks)
	if err != nil {
		return nil, err
	}
	core, err := tiktoken.NewCoreBPE(ranks, cl100kSpecial, cl100kPattern)
	if err != nil {
		return nil, err
	}
	special := map[string]any{}
	for k := range cl100kSpecial {
		special[k] = true
	}
	enc := &tiktoken.Encoding{Name: TokenizerName, PatStr: cl100kPattern, MergeableRanks: ranks, SpecialTokens: cl100kSpecial}
	lengths := make([]int, len(ranks))
	for tok, rank := range ranks {
		lengths[rank] = len(tok)
	}
	return &bpe{tk: tiktoken.NewTiktoken(core, enc, special), lengths: lengths}, nil
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
	tk      *tiktoken.Tiktoken
	lengths []int // byte length of each ordinary token
}

// count returns the number of tokens of s.
func (b *bpe) count(s string) int {
	if s == "" {
		return 0
	}
	return len(b.encode(s))
}

// pieceBytes is the size of the pieces encode hands to the tokenizer:
// tiktoken-go's regexp2 pre-tokenizer allocates per match in proportion to
// the input, so long inputs are quadratic; pieces keep it linear.
const pieceBytes = 2048

// encode tokenizes s in pieces cut where the cl100k pre-tokenizer always
// starts a new piece anyway (a space between a letter or digit and a
// letter: the space belongs to the next word), so the tokens are those of
// the whole text.
func (b *bpe) encode(s string) []int {
	var out []int
	for len(s) > 0 {
		cut := len(s)
		if len(s) > 2*pieceBytes {
			cut = 0
			for i := pieceBytes; i < len(s)-1 && i < 4*pieceBytes; i++ {
				if s[i] == ' ' && isASCIIAlnum(s[i-1]) && isASCIILetter(s[i+1]) {
					cut = i
					break
				}
			}
			if cut == 0 {
				cut = len(s)
			}
		}
		out = append(out, b.tk.EncodeOrdinary(s[:cut])...)
		s = s[cut:]
	}
	return out
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isASCIIAlnum(c byte) bool  { return isASCIILetter(c) || c >= '0' && c <= '9' }

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
