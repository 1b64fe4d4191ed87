package extract

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// collapseReference is the plain definition appendCollapsed must agree with.
func collapseReference(s string, spaced bool) (string, bool) {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case ' ', '\n', '\t', '\r', '\f', '\u00a0', '\u200b':
			if !spaced {
				b.WriteByte(' ')
				spaced = true
			}
			continue
		case '\u00ad', '\ufeff', '\u2060':
			continue
		}
		b.WriteRune(r)
		spaced = false
	}
	return b.String(), spaced
}

func checkCollapse(t *testing.T, s string, spaced bool) {
	var b strings.Builder
	got := appendCollapsed(&b, s, spaced)
	want, wantSpaced := collapseReference(s, spaced)
	if b.String() != want || got != wantSpaced {
		t.Fatalf("appendCollapsed(%q, %v) = %q %v, want %q %v", s, spaced, b.String(), got, want, wantSpaced)
	}
	if !utf8.ValidString(b.String()) {
		t.Fatalf("invalid UTF-8 out of %q", s)
	}
}

func TestAppendCollapsedMatchesTheDefinition(t *testing.T) {
	for _, s := range []string{"", " ", "a", "  a  b\n\tc  ", "soft\u00adhy\u00a0phen \u200b x", "\ufeffBOM", "\xff bad", "日本 語\u2060x", "a\u00a0 \u00a0b"} {
		checkCollapse(t, s, false)
		checkCollapse(t, s, true)
	}
}

func FuzzAppendCollapsed(f *testing.F) {
	f.Add("a  b\u00a0c", false)
	f.Fuzz(func(t *testing.T, s string, spaced bool) { checkCollapse(t, s, spaced) })
}

// checkWordCollapse: counting words as they are collapsed (addCollapsed)
// agrees with collapsing into the counter (appendCollapsed), part after
// part, so words may span parts as they span text nodes.
func checkWordCollapse(t *testing.T, parts []string, spaced bool) {
	var direct, ref wordSink
	refSpaced := spaced
	for i, s := range parts {
		spaced = direct.addCollapsed(s, spaced)
		refSpaced = appendCollapsed(&ref, s, refSpaced)
		if direct != ref || spaced != refSpaced {
			t.Fatalf("after part %d of %q: counted %+v spaced %v, collapsing gives %+v spaced %v", i, parts, direct, spaced, ref, refSpaced)
		}
	}
}

func TestWordCountWhileCollapsing(t *testing.T) {
	for _, parts := range [][]string{
		{""}, {"one two  three"}, {"soft\u00adhy", "phen\u00a0x\u200by"}, {"it's a well-", "known \ufefffact"},
		{"\xff\xfe bad", "bytes"}, {"日本語の", "テキスト and ไทย"}, {"  lead", " ", "trail  "}, {"a\u2060b", "-c", " - d"},
	} {
		checkWordCollapse(t, parts, false)
		checkWordCollapse(t, parts, true)
	}
}

func FuzzWordCountWhileCollapsing(f *testing.F) {
	f.Add("a  b\u00a0c", "d\u00ade", false)
	f.Fuzz(func(t *testing.T, a, b string, spaced bool) { checkWordCollapse(t, []string{a, b}, spaced) })
}
